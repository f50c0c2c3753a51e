"""The back office (后台审批): process templates made from the catalogue, approval tasks (one
department's step in a case), the clocks' pauses and extensions, and the result's delivery.
Data only; every change goes through services.py, clocks.py or delivery.py."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.journey.cases.models import Warning


class StepKind(models.TextChoices):
    TASK = "task", _("审批环节")
    RESULT = "result", _("出件环节")


class ProcessTemplate(models.Model):
    """The approval process of one item version, generated from its process steps on first
    use (process.template_for). Item versions are immutable once published, and so is
    this: a running case keeps the template it started with."""

    item_version = models.OneToOneField(
        "catalog.ItemVersion",
        on_delete=models.PROTECT,
        related_name="process_template",
        verbose_name=_("事项版本"),
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审批流程模板")
        verbose_name_plural = _("审批流程模板")

    def __str__(self):
        return str(self.item_version)


class TemplateStep(models.Model):
    """One stage of a template. Task stages run in `seq` order, each with one task for
    `org` held by `role`; the result stage (制证 / 送达) is the issuer's, handled by delivery."""

    template = models.ForeignKey(ProcessTemplate, on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("环节名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=8, choices=StepKind.choices)
    role = models.CharField(_("办理岗位"), max_length=30)  # identity.roles.Role value
    org = models.ForeignKey(
        "identity.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("办理部门")
    )
    days = models.PositiveSmallIntegerField(_("时限(工作日)"), default=0)
    # The catalogue step it came from; empty for the 审查 inserted for 审批分离.
    source_seq = models.PositiveSmallIntegerField(null=True, blank=True)
    # A deny ends the case unless the template says otherwise.
    deny_ends_case = models.BooleanField(_("不予许可即办结"), default=True)

    class Meta:
        verbose_name = _("流程环节")
        verbose_name_plural = _("流程环节")
        ordering = ["template", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["template", "seq"], name="unique_template_step_seq")
        ]

    def __str__(self):
        return f"{self.seq}. {self.name}"


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待签收")
    ACTIVE = "active", _("办理中")
    DONE = "done", _("已办结")
    # Beyond pending → active → done: the applicant withdrew the case while it was open.
    CANCELLED = "cancelled", _("已撤销")


class Decision(models.TextChoices):
    APPROVE = "approve", _("同意")
    DENY = "deny", _("不同意")
    RETURN = "return", _("退回上一环节")


OPEN_TASK = (TaskStatus.PENDING, TaskStatus.ACTIVE)


class ApprovalTask(models.Model):
    """审批环节: one department's step in a case (a bundle's child case, or a single case).
    A returned stage gets new rows with the next `round`; history is never rewritten."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="tasks", verbose_name=_("办件")
    )
    step = models.ForeignKey(TemplateStep, on_delete=models.PROTECT, related_name="tasks")
    stage = models.PositiveSmallIntegerField(_("环节序号"))
    key = models.CharField(max_length=64, default="", blank=True)  # one task per key and stage
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    name = models.CharField(_("环节名称"), max_length=50)
    role = models.CharField(_("办理岗位"), max_length=30)
    org = models.ForeignKey(
        "identity.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("办理部门")
    )
    # The org's materialised path, copied so inboxes filter by prefix on one table.
    org_path = models.CharField(max_length=1000, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_tasks",
        verbose_name=_("经办人"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    decision = models.CharField(_("办理意见"), max_length=8, choices=Decision.choices, blank=True)
    opinion = models.TextField(_("意见"), blank=True)
    created_at = models.DateTimeField(_("推送时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    due_provisional = models.BooleanField(_("期限为暂定"), default=False)
    warning_on = models.DateField(_("预警日期"), null=True, blank=True)
    warning = models.CharField(
        _("预警"), max_length=6, choices=Warning.choices, default=Warning.NONE, blank=True
    )
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批环节")
        verbose_name_plural = _("审批环节")
        ordering = ["case", "stage", "round", "pk"]
        constraints = [
            # A stage starts once per round: two completions racing to start it collide here.
            models.UniqueConstraint(
                fields=["case", "stage", "key", "round"], name="one_task_per_stage_round"
            )
        ]
        indexes = [
            models.Index(
                fields=["status", "org_path"],
                name="task_status_org_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["due_on"]),
            models.Index(fields=["status", "warning_on"]),
            models.Index(fields=["case", "stage"]),
            # Inboxes: a department's open tasks by prefix, most urgent first, and the few
            # warned ones — without walking every open task of the district in due order.
            models.Index(
                fields=["org_path", "due_on"],
                name="task_open_org_due_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
                condition=models.Q(status__in=["pending", "active"]),
            ),
            models.Index(
                fields=["warning", "due_on"],
                name="task_open_warning_idx",
                condition=models.Q(status__in=["pending", "active"]),
            ),
        ]

    def __str__(self):
        return f"{self.case} {self.name}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TASK


class SuspensionKind(models.TextChoices):
    HEARING = "hearing", _("听证")
    INSPECTION = "inspection", _("现场核查（检验检测）")
    EXPERT_REVIEW = "expert_review", _("专家评审")
    OTHER = "other", _("其他")


class Suspension(models.Model):
    """特别程序: 行政许可法 第四十五条 — hearings, inspections, tests and expert reviews do
    not count towards the time limit. While open, the case and its tasks' clocks stop."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="suspensions")
    kind = models.CharField(_("特别程序"), max_length=16, choices=SuspensionKind.choices)
    reason = models.TextField(_("理由"))
    expected_workdays = models.PositiveSmallIntegerField(_("预计工作日"), default=0)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    paused_workdays = models.PositiveSmallIntegerField(_("暂停工作日"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("特别程序")
        verbose_name_plural = _("特别程序")
        ordering = ["case", "started_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(ended_on__isnull=True),
                name="one_open_suspension_per_case",
            )
        ]

    def __str__(self):
        return f"{self.case} {self.get_kind_display()}"


class Extension(models.Model):
    """延期: 行政许可法 第四十二条 — with the head's approval the limit may be extended once
    by 10 working days. Requested by the handler, decided by the department's chief."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("不批准")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="extensions")
    # The deciding department's path (the case's department), for the policy.
    org_path = models.CharField(max_length=1000, editable=False)
    workdays = models.PositiveSmallIntegerField(_("延长工作日"), default=10)
    reason = models.TextField(_("理由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("延期")
        verbose_name_plural = _("延期")
        ordering = ["case", "requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="requested"),
                name="one_open_extension_per_case",
            )
        ]
        indexes = [
            models.Index(
                fields=["org_path"], name="extension_org_idx", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self):
        return f"{self.case} +{self.workdays}"


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("窗口自取")
    MAIL = "mail", _("邮寄送达")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待办结")
    READY = "ready", _("待出件")
    DELIVERED = "delivered", _("已送达")


class ResultDelivery(models.Model):
    """出件 / 送达 of a journey's results (a single case, or a bundle's parent with every
    approved child's result): pending while the case is open, ready once it concludes with
    a result, delivered when handed over at the window or shipped by courier."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="delivery", verbose_name=_("办件")
    )
    method = models.CharField(
        _("送达方式"), max_length=8, choices=DeliveryMethod.choices, default=DeliveryMethod.PICKUP
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    place_path = models.CharField(max_length=1000, editable=False)  # the issuing window
    recipient = models.CharField(_("收件人"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("邮寄地址"), max_length=300, blank=True)
    courier = models.CharField(_("快递公司"), max_length=50, blank=True)
    tracking_number = models.CharField(_("运单号"), max_length=64, blank=True)
    ready_at = models.DateTimeField(_("待出件时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("出件送达")
        verbose_name_plural = _("出件送达")
        indexes = [
            models.Index(
                fields=["status", "place_path"],
                name="delivery_status_place_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self):
        return f"{self.case} {self.get_method_display()}"


class CourierSequence(models.Model):
    """The last tracking sequence handed out per day by the local courier."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.day} {self.last}"


class Collector(models.TextChoices):
    APPLICANT = "applicant", _("申请人本人")
    AGENT = "agent", _("受托代领人")


class IdDocument(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    PERMIT = "permit", _("港澳台居民居住证或往来通行证")
    OTHER = "other", _("其他有效身份证件")


class IdCheck(models.TextChoices):
    FULL = "full", _("证件号码全号核对一致")
    LAST4 = "last4", _("证件号码后四位核对一致")


class Confirmation(models.TextChoices):
    SMS_CODE = "sms_code", _("申请人手机短信验证码")
    SIGNATURE = "signature", _("领取人当场签名")


class HandOver(models.Model):
    """领取记录: who collected a result at the window, how they were identified and how the
    collection was confirmed (docs/cases.md, "Handing over results"). Written once, with
    the delivery, by delivery.hand_over; its receipt (领取凭证) is built from it.

    Personal data (docs/security.md): an agent's identity number is kept masked, with a
    keyed blind index to find it again; the applicant's is never copied here."""

    delivery = models.OneToOneField(
        ResultDelivery, on_delete=models.CASCADE, related_name="hand_over_record"
    )
    collector = models.CharField(_("领取人"), max_length=10, choices=Collector.choices)
    collector_name = models.CharField(_("领取人姓名"), max_length=100)
    id_document = models.CharField(_("证件类型"), max_length=12, choices=IdDocument.choices)
    id_number_masked = models.CharField(_("证件号码（脱敏）"), max_length=40)
    id_number_index = models.CharField(max_length=64, blank=True, editable=False)
    id_check = models.CharField(_("身份核验"), max_length=6, choices=IdCheck.choices)
    # 代领: the clerk has seen the applicant's written authorisation (授权委托书) and the
    # agent's own identity document; both stay with the window's paper file.
    authorisation_checked = models.BooleanField(_("已核验授权委托书"), default=False)
    confirmation = models.CharField(_("确认方式"), max_length=10, choices=Confirmation.choices)
    signature = models.FileField(_("签名"), upload_to="handovers/%Y/%m/", blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    handed_over_at = models.DateTimeField(_("领取时间"))

    class Meta:
        verbose_name = _("领取记录")
        verbose_name_plural = _("领取记录")

    def __str__(self):
        return f"{self.delivery} {self.get_collector_display()}"


class HandOverCode(models.Model):
    """A one-time code sent by SMS to the applicant's phone to confirm a hand-over: only
    its keyed hash is kept; it expires, is used once, and wrong tries burn it."""

    delivery = models.ForeignKey(
        ResultDelivery, on_delete=models.CASCADE, related_name="hand_over_codes"
    )
    phone_masked = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["delivery", "-created_at"])]

    def __str__(self):
        return f"{self.delivery} {self.created_at:%Y-%m-%d %H:%M}"

"""Cases (办件): one application for one item version, or a bundle application (一件事) as a
parent case with one child case per item. Each child pins the item version it was filed
under, has its own number and clock; the parent is the applicant's one journey."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交，待受理")
    SUPPLEMENT = "supplement", _("待补正材料")
    ACCEPTED = "accepted", _("已受理")
    REFUSED = "refused", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")
    IN_REVIEW = "in_review", _("审查中")
    SUSPENDED = "suspended", _("特别程序（暂停计时）")
    APPROVED = "approved", _("准予许可")
    APPROVED_TOLERATED = "approved_tolerated", _("容缺办结")
    DENIED = "denied", _("不予许可")
    REVOKED = "revoked", _("已撤销")


class Warning(models.TextChoices):
    """Deadline warnings (docs/architecture.md, "Time"), set by the workflow's warning job."""

    NONE = "", _("正常")
    YELLOW = "yellow", _("黄牌预警")
    RED = "red", _("红牌超期")


class Channel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    WINDOW = "window", _("窗口申请")


class Case(models.Model):
    number = models.CharField(_("办件编号"), max_length=32, unique=True, null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("一件事主办件"),
    )
    bundle = models.ForeignKey(
        "catalog.Bundle",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("一件事"),
    )
    item_version = models.ForeignKey(
        "catalog.ItemVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("事项版本"),
    )
    title = models.CharField(_("申请事项"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    status_code = models.PositiveSmallIntegerField(_("办件状态代码"), null=True, blank=True)
    channel = models.CharField(
        _("渠道"), max_length=10, choices=Channel.choices, default=Channel.ONLINE
    )

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("申请人"),
    )
    enterprise = models.ForeignKey(
        "identity.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("申请企业"),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("代办窗口人员"),
    )
    place = models.ForeignKey(
        "identity.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("办理地点")
    )
    # The place's materialised path, copied so intake queues filter by prefix on one table.
    place_path = models.CharField(max_length=1000, editable=False)
    department = models.ForeignKey(
        "identity.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("主管部门"),
    )
    # The application form's values, keyed by the form definition's property names
    # (forms.definition). In a bundle the parent holds the merged form and each child the
    # part its own item asks.
    form_data = models.JSONField(_("申请表"), default=dict, blank=True)
    # Where each prefilled value came from: {key: {"kind", "label", "license"}}.
    form_sources = models.JSONField(_("预填来源"), default=dict, blank=True)
    # Fields the window asked the applicant to correct (一次性告知): {key: reason}.
    field_notes = models.JSONField(_("需更正的字段"), default=dict, blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    received_on = models.DateField(_("接件日期"), null=True, blank=True)
    # 行政许可法 第三十二条: a notice or decision is due within 5 working days of receipt.
    intake_due_on = models.DateField(_("受理期限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    deemed_accepted = models.BooleanField(_("逾期视为受理"), default=False)
    tolerated = models.BooleanField(_("容缺受理"), default=False)
    promised_due_on = models.DateField(_("承诺办结期限"), null=True, blank=True)
    statutory_due_on = models.DateField(_("法定办结期限"), null=True, blank=True)
    # The deadline reaches a year whose holidays are not yet published (weekends only).
    due_provisional = models.BooleanField(_("期限为暂定"), default=False)
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # Set by the approval workflow: the first day of the yellow warning, and the level now.
    warning_on = models.DateField(_("预警日期"), null=True, blank=True)
    warning = models.CharField(
        _("预警"), max_length=6, choices=Warning.choices, default=Warning.NONE, blank=True
    )
    # When the applicant was told the promised deadline passed (once: cases.services.
    # tell_overdue claims the case by setting it).
    overdue_told_at = models.DateTimeField(_("超期告知时间"), null=True, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    refusal_reason = models.TextField(_("不予受理理由"), blank=True)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["applicant", "-created_at"]),
            models.Index(fields=["status", "submitted_at"]),
            models.Index(
                fields=["place_path"], name="case_place_path_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["enterprise", "-created_at"]),
            models.Index(fields=["status", "intake_due_on"]),
            models.Index(fields=["status", "promised_due_on"]),
            models.Index(fields=["status", "warning_on"]),
            models.Index(fields=["warning", "status"]),
            # Staff lists of journeys, newest first, whatever their scope: an ordered scan
            # that stops after one page, at a million cases as at ten thousand.
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(parent__isnull=True),
                name="case_journey_recent_idx",
            ),
            models.Index(
                fields=["status", "-created_at", "-id"],
                condition=models.Q(parent__isnull=True),
                name="case_journey_status_idx",
            ),
        ]

    def __str__(self):
        return self.number or f"{self.title}（{Status.DRAFT.label}）"

    @property
    def is_bundle(self) -> bool:
        return self.bundle_id is not None and self.parent_id is None


class CaseEvent(models.Model):
    """The case's timeline: every transition with its national 办件状态 code. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("环节"), max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self):
        return f"{self.case} {self.action}"


class CaseMaterial(models.Model):
    """One document the applicant provides, on the top-level case. In a bundle a document
    several items need is asked once: it lists every requirement it satisfies."""

    class State(models.TextChoices):
        MISSING = "missing", _("未提供")
        UPLOADED = "uploaded", _("已上传")
        AT_WINDOW = "at_window", _("窗口提交")
        TOLERATED = "tolerated", _("容缺后补")
        DEFECTIVE = "defective", _("需补正")
        FROM_LICENSE = "from_license", _("电子证照库调取")
        FROM_EARLIER_ITEM = "from_earlier", _("由本一件事前序事项产生")
        FROM_FORM = "from_form", _("在线填写申请表")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField(_("材料名称"), max_length=200)
    requirements = models.ManyToManyField("catalog.MaterialRequirement", related_name="+")
    required = models.BooleanField(_("必要"), default=True)
    tolerable = models.BooleanField(_("可容缺"), default=False)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.MISSING)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    # The exact licence that satisfies this material (state FROM_LICENSE), taken from the
    # e-licence library at draft start and checked again at submit.
    license = models.ForeignKey(
        "licenses.License",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("调取的电子证照"),
    )
    # In a bundle: the earlier child case whose result is this material (FROM_EARLIER_ITEM);
    # satisfied when that case concludes and its licence is drafted.
    produced_by = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("产生该材料的前序事项"),
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["case", "position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "name"], name="one_material_per_name")
        ]

    def __str__(self):
        return self.name


class CaseFile(models.Model):
    material = models.ForeignKey(CaseMaterial, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to="cases/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class SupplementNotice(models.Model):
    """一次性告知书: everything missing or defective, once."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    # [{"material": id, "name": …, "reason": …}] and, for a form field, {"field": key, …}.
    items = models.JSONField(default=list)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    repeat_reason = models.TextField(blank=True)  # a second notice needs a reason
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["issued_at"]

    def __str__(self):
        return f"{self.case} {self.issued_at:%Y-%m-%d}"


class CaseNumberCounter(models.Model):
    """The last sequence number handed out per day; locking the row serialises numbering."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.day} {self.last}"

"""The 12345 line (docs/hotline.md): the subject tree (诉求分类), appeals (诉求/工单) with
their units (主办/协办), timeline, attachments, extensions and return calls (回访); the
knowledge base (知识库); routing rules and the trained classifier; Open311 clients; and the
hotspot alerts found in the daily counts.

Data only; every change of an appeal's status goes through services.py, with the machines of
transitions.py."""

import datetime
import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.identity import crypto
from yiwang.identity.validators import mask_phone
from yiwang.workdays.calendar import SHANGHAI


class AppealType(models.TextChoices):
    """诉求类型 (GB/T 33358 and GB/T 39666 keep type and content apart)."""

    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


# The demo data and the Open311 clients name types in Chinese.
TYPE_BY_LABEL = {
    "咨询": AppealType.CONSULT,
    "求助": AppealType.HELP,
    "投诉": AppealType.COMPLAINT,
    "举报": AppealType.REPORT,
    "建议": AppealType.SUGGESTION,
    "表扬": AppealType.PRAISE,
}


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    WEB = "web", _("网站")
    APP = "app", _("移动端/接口")
    BOARD = "board", _("网上留言板")
    OPEN311 = "open311", _("Open311")


class AppealStatus(models.TextChoices):
    """transitions.APPEAL has the moves between them."""

    PENDING = "pending", _("待派单")
    DISPATCHED = "dispatched", _("已派单")
    HANDLING = "handling", _("办理中")
    REPLIED = "replied", _("待审核")
    ANSWERED = "answered", _("已答复")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已合并")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = frozenset(
    {AppealStatus.PENDING, AppealStatus.DISPATCHED, AppealStatus.HANDLING, AppealStatus.REPLIED}
)


class Resolution(models.TextChoices):
    """How a closed appeal ended."""

    DIRECT = "direct", _("直接办结")
    HANDLED = "handled", _("承办办结")
    MERGED = "merged", _("合并办理")
    WITHDRAWN = "withdrawn", _("撤回")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class BoardKind(models.TextChoices):
    """网上留言板: what a public post is."""

    ASK = "ask", _("我要问")
    COMPLAIN = "complain", _("我要投诉")
    SUGGEST = "suggest", _("我要建议")


class Warning(models.TextChoices):
    NONE = "", _("正常")
    YELLOW = "yellow", _("黄牌预警")
    RED = "red", _("红牌（已超期）")


class Subject(models.Model):
    """One node of the two-level subject tree (诉求内容分类). A second-level subject has
    its default unit (`org`), its handling limit in working days and its keywords."""

    code = models.CharField(_("分类编码"), max_length=20, unique=True)
    name = models.CharField(_("分类名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级分类"),
    )
    org = models.ForeignKey(
        "identity.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hotline_subjects",
        verbose_name=_("默认承办单位"),
    )
    days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), default=5)
    keywords = models.JSONField(_("派单关键词"), default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["position", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_leaf(self) -> bool:
        return self.parent_id is not None


class Appeal(models.Model):
    """One appeal (诉求/工单), from intake to its closing. Its public number is the local
    day it was received and its id (`number`), so no counter row is shared by writers."""

    received_at = models.DateTimeField(_("受理时间"), db_index=True)
    type = models.CharField(_("诉求类型"), max_length=12, choices=AppealType.choices)
    subject = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("诉求分类"),
    )
    title = models.CharField(_("标题"), max_length=120, blank=True)
    text = models.TextField(_("诉求内容"))
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    # Where: a street or community of the org tree, and/or an address (or Open311's point).
    area = models.ForeignKey(
        "identity.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所在街道/社区"),
    )
    area_path = models.CharField(max_length=1000, blank=True, editable=False)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    # Who: a signed-in citizen, or a caller known by phone. Name and phone are encrypted;
    # the phone's keyed hash finds the caller's history. A confidential 举报 hides them from
    # the handling units (selectors.caller_visible_to).
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("诉求人账号"),
    )
    caller_name_encrypted = models.TextField(blank=True, editable=False)
    phone_encrypted = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    confidential = models.BooleanField(_("保密（举报人信息不向承办单位公开）"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    status = models.CharField(
        _("状态"), max_length=12, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    resolution = models.CharField(
        _("办结方式"), max_length=12, choices=Resolution.choices, blank=True
    )
    # The unit leading it (主办) and its path, for the handlers' scope; assisting units are
    # AppealUnit rows.
    lead_unit = models.ForeignKey(
        "identity.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("主办单位"),
    )
    unit_path = models.CharField(max_length=1000, blank=True, editable=False)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("派单人"),
    )
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    # The unit must accept or return it by this day (2 working days after dispatch).
    accept_by = models.DateField(_("签收期限"), null=True, blank=True)
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    due_provisional = models.BooleanField(_("期限为暂定"), default=False)
    warning = models.CharField(
        _("预警"), max_length=6, choices=Warning.choices, blank=True, default=""
    )
    returns = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    # What the classifier suggested at dispatch, to measure it against what was chosen.
    suggestion = models.JSONField(_("派单建议"), default=dict, blank=True)

    reply = models.TextField(_("答复内容"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复公开时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(_("重办次数"), default=0)

    # Duplicates: flagged at intake (`suspected_duplicate_of`), merged by the dispatcher.
    suspected_duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("疑似重复"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("合并至"),
    )

    # 网上留言板: a public post, published with personal data masked once the reply is.
    board_kind = models.CharField(
        _("留言类型"), max_length=10, choices=BoardKind.choices, blank=True
    )
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    public_text = models.TextField(_("公开的诉求内容"), blank=True)
    public_reply = models.TextField(_("公开的答复内容"), blank=True)

    # The tracking page's key for callers without an account: only its SHA-256 is kept.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "received_at"], name="appeal_status_idx"),
            models.Index(fields=["unit_path", "status"], name="appeal_unit_idx"),
            models.Index(fields=["citizen", "received_at"], name="appeal_citizen_idx"),
            models.Index(fields=["subject", "received_at"], name="appeal_subject_idx"),
            models.Index(fields=["area_path", "received_at"], name="appeal_area_idx"),
            models.Index(
                fields=["published_at"],
                name="appeal_board_idx",
                condition=models.Q(published_at__isnull=False),
            ),
            models.Index(
                fields=["due_on"],
                name="appeal_open_due_idx",
                condition=models.Q(status__in=["dispatched", "handling", "replied"]),
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        """The appeal's public number: its local day and its id (20260105000123)."""
        day = self.received_at.astimezone(SHANGHAI).date()
        return f"{day:%Y%m%d}{self.pk:06d}"

    @staticmethod
    def id_of_number(number: str) -> int | None:
        """The id in a public number, or None when it is not one (only ASCII digits)."""
        number = str(number or "").strip()
        if not (14 <= len(number) <= 20) or not number.isascii() or not number.isdigit():
            return None
        return int(number[8:])

    @staticmethod
    def day_of_number(number: str) -> datetime.date | None:
        try:
            return datetime.date(int(number[:4]), int(number[4:6]), int(number[6:8]))
        except (TypeError, ValueError):
            return None

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(str(token or "").encode()).hexdigest()

    def set_caller(self, name: str = "", phone: str = "") -> None:
        self.caller_name_encrypted = crypto.encrypt(name) if name else ""
        self.phone_encrypted = crypto.encrypt(phone) if phone else ""
        self.phone_index = crypto.blind_index(phone) if phone else ""

    @property
    def caller_name(self) -> str:
        return crypto.decrypt(self.caller_name_encrypted) if self.caller_name_encrypted else ""

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted) if self.phone_encrypted else ""

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class UnitRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSIST = "assist", _("协办")


class UnitStatus(models.TextChoices):
    DISPATCHED = "dispatched", _("待签收")
    ACCEPTED = "accepted", _("已签收")
    RETURNED = "returned", _("已退单")
    REPLIED = "replied", _("已反馈")


class AppealUnit(models.Model):
    """A unit an appeal was sent to, lead (主办) or assisting (协办), and what it did: an
    assisting unit's opinion goes to the lead unit, the lead unit's reply to the
    dispatcher."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="units")
    org = models.ForeignKey(
        "identity.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    org_path = models.CharField(max_length=1000, editable=False)
    role = models.CharField(_("角色"), max_length=8, choices=UnitRole.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=UnitStatus.choices, default=UnitStatus.DISPATCHED
    )
    dispatched_at = models.DateTimeField(_("派单时间"))
    answered_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    opinion = models.TextField(_("意见"), blank=True)
    # A returned unit's row stays (history); the appeal's current units are the others.
    is_current = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["appeal", "-role", "id"]
        indexes = [
            models.Index(fields=["org_path", "status"], name="appeal_unit_org_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["appeal"],
                condition=models.Q(role="lead", is_current=True),
                name="appeal_one_current_lead",
            )
        ]

    def __str__(self):
        return f"{self.appeal_id}:{self.org_id}:{self.role}"


class EntryKind(models.TextChoices):
    RECEIVED = "received", _("受理登记")
    ANSWERED_ON_SPOT = "answered_on_spot", _("直接答复办结")
    FLAGGED_DUPLICATE = "flagged_duplicate", _("疑似重复")
    MERGED = "merged", _("合并")
    DISPATCHED = "dispatched", _("派单")
    ACCEPTED = "accepted", _("签收")
    RETURNED = "returned", _("退单")
    OPINION = "opinion", _("协办意见")
    NOTE = "note", _("内部备注")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_DECIDED = "extension_decided", _("延期审批")
    REPLIED = "replied", _("承办答复")
    REPLY_APPROVED = "reply_approved", _("审核通过并答复")
    REPLY_REJECTED = "reply_rejected", _("审核退回")
    RATED = "rated", _("评价")
    REOPENED = "reopened", _("重新办理")
    CALLBACK = "callback", _("回访")
    CLOSED = "closed", _("办结")
    WITHDRAWN = "withdrawn", _("撤回")
    SUPERVISED = "supervised", _("督办")
    PUBLISHED = "published", _("公开")


class AppealEntry(models.Model):
    """One line of an appeal's timeline. Written only by services; never changed. An
    `internal` line (notes between staff, who returned it and why) is not shown to the
    citizen."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField(_("时间"))
    kind = models.CharField(_("环节"), max_length=24, choices=EntryKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    org = models.ForeignKey(
        "identity.OrgUnit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("内容"), blank=True)
    internal = models.BooleanField(_("仅内部可见"), default=False)

    class Meta:
        verbose_name = _("诉求办理记录")
        verbose_name_plural = _("诉求办理记录")
        ordering = ["appeal", "at", "id"]

    def __str__(self):
        return f"{self.appeal_id}:{self.kind}"


def attachment_path(instance, filename: str) -> str:
    return f"hotline/{instance.appeal_id}/{instance.sha256[:16]}"


class Attachment(models.Model):
    """A file attached to an appeal, checked like a case's uploads (journey.cases.uploads)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("诉求附件")
        verbose_name_plural = _("诉求附件")

    def __str__(self):
        return self.name


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class Extension(models.Model):
    """延期: the lead unit asks for more working days; the dispatcher decides."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("延期工作日"))
    reason = models.TextField(_("延期理由"))
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("诉求延期")
        verbose_name_plural = _("诉求延期")
        constraints = [
            models.UniqueConstraint(
                fields=["appeal"],
                condition=models.Q(status="pending"),
                name="appeal_one_pending_extension",
            )
        ]

    def __str__(self):
        return f"{self.appeal_id}+{self.days}"


class Callback(models.Model):
    """回访: an agent calls the citizen back and records what they said."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="callbacks")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reached = models.BooleanField(_("是否接通"))
    satisfaction = models.CharField(
        _("满意度"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    note = models.TextField(_("回访记录"), blank=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["appeal", "at"]

    def __str__(self):
        return f"{self.appeal_id}@{self.at:%Y-%m-%d}"


class Article(models.Model):
    """A knowledge-base article (知识库): the standard answer to a common question, linked to
    a subject and where relevant a catalogue item; owned by a unit, reviewed by a date, and
    versioned (ArticleVersion keeps each text it had)."""

    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="articles", verbose_name=_("诉求分类")
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("关联事项"),
    )
    question = models.CharField(_("问题"), max_length=300)
    answer = models.TextField(_("标准答复"))
    owner = models.ForeignKey(
        "identity.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("负责单位"),
    )
    review_on = models.DateField(_("复核日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    # How often agents closed a 咨询 with it ("直接办结").
    uses = models.PositiveIntegerField(_("引用次数"), default=0)

    class Meta:
        verbose_name = _("知识库文章")
        verbose_name_plural = _("知识库文章")
        ordering = ["subject", "id"]

    def __str__(self):
        return self.question


class ArticleVersion(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    question = models.CharField(max_length=300)
    answer = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField()

    class Meta:
        ordering = ["article", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["article", "version"], name="article_version_unique")
        ]

    def __str__(self):
        return f"{self.article_id} v{self.version}"


class AppealArticle(models.Model):
    """The article an agent answered a 咨询 with."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="articles_used")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.appeal_id}→{self.article_id}"


class RoutingRule(models.Model):
    """派单规则: subject (and/or area, and/or a keyword in the text) → lead unit and
    assisting units. Rules are tried in `position` order; the first match wins."""

    position = models.PositiveIntegerField(_("顺序"), default=0)
    subject = models.ForeignKey(
        Subject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("诉求分类"),
    )
    area = models.ForeignKey(
        "identity.OrgUnit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("区域（含下级）"),
    )
    keyword = models.CharField(_("关键词"), max_length=50, blank=True)
    unit = models.ForeignKey(
        "identity.OrgUnit", on_delete=models.CASCADE, related_name="+", verbose_name=_("主办单位")
    )
    assisting = models.ManyToManyField(
        "identity.OrgUnit", blank=True, related_name="+", verbose_name=_("协办单位")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")
        ordering = ["position", "id"]

    def __str__(self):
        return f"#{self.position} → {self.unit_id}"


class TrainedModel(models.Model):
    """A trained dispatch classifier, kept as plain numbers (vocabulary, weights) in JSON —
    never as a pickle — with how it scored on appeals it did not train on."""

    trained_at = models.DateTimeField()
    samples = models.PositiveIntegerField()
    payload = models.JSONField()
    metrics = models.JSONField(default=dict)
    is_current = models.BooleanField(default=False)

    class Meta:
        ordering = ["-trained_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="one_current_classifier",
            )
        ]

    def __str__(self):
        return f"{self.trained_at:%Y-%m-%d %H:%M} ({self.samples})"


class Open311Client(models.Model):
    """A client allowed to post appeals through Open311 (`api_key`): only the key's SHA-256
    is kept."""

    name = models.CharField(_("客户端名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")

    def __str__(self):
        return self.name


class HotspotAlert(models.Model):
    """A count that rose sharply against its own baseline: a subject, an area or a keyword
    on one day."""

    class Dimension(models.TextChoices):
        SUBJECT = "subject", _("分类")
        AREA = "area", _("区域")
        KEYWORD = "keyword", _("关键词")

    day = models.DateField(_("日期"))
    dimension = models.CharField(_("维度"), max_length=10, choices=Dimension.choices)
    key = models.CharField(_("对象"), max_length=100)
    label = models.CharField(_("名称"), max_length=200)
    # The rise was seen over the last `window` days up to `day` (1, 7 or 28): `count` is
    # their count, `baseline` what was expected of them (hotspots.py).
    window = models.PositiveSmallIntegerField(_("统计天数"), default=1)
    count = models.PositiveIntegerField(_("当期数量"))
    baseline = models.FloatField(_("基线"))
    score = models.FloatField(_("异常程度"))
    found_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("热点预警")
        verbose_name_plural = _("热点预警")
        ordering = ["-day", "-score"]
        constraints = [
            models.UniqueConstraint(fields=["day", "dimension", "key"], name="hotspot_alert_unique")
        ]

    def __str__(self):
        return f"{self.day} {self.dimension}:{self.key}"


# --- analysis: keyword counts and 督办 on appeals (docs/hotline.md, "Supervision, hotspots
# and the weekly report") ------------------------------------------------------------------


class KeywordDay(models.Model):
    """How many appeals received on a day (Asia/Shanghai) contain a keyword (nouns of their
    text, hotspots.keywords_of). Counted once a day's appeals are in, so the hotspot
    detector never tokenises more than one day's texts. The row with the empty keyword
    marks a day as counted and holds its number of appeals."""

    day = models.DateField(_("日期"))
    keyword = models.CharField(_("关键词"), max_length=40, blank=True)
    count = models.PositiveIntegerField(_("诉求数"))

    class Meta:
        verbose_name = _("关键词日计数")
        verbose_name_plural = _("关键词日计数")
        constraints = [
            models.UniqueConstraint(fields=["day", "keyword"], name="keyword_day_unique")
        ]

    def __str__(self):
        return f"{self.day} {self.keyword}:{self.count}"


class AppealOrder(models.Model):
    """A supervision order (督办单, supervision.SupervisionOrder) issued about an appeal to
    its lead unit: the hotline's side of the link, so supervision knows nothing of appeals."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="orders")
    order = models.OneToOneField(
        "supervision.SupervisionOrder", on_delete=models.CASCADE, related_name="appeal_link"
    )

    class Meta:
        verbose_name = _("诉求督办单")
        verbose_name_plural = _("诉求督办单")

    def __str__(self):
        return f"{self.appeal_id}→{self.order_id}"

"""The service-item catalogue (事项管理). An item (ServiceItem) has versions (ItemVersion);
everything a citizen reads or a case pins is a version. Materials, steps, FAQs, 攻略 steps
and attachments hang off a version, so history keeps them exactly as they were."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.identity.models import OrgLevel, OrgUnit


class ItemType(models.TextChoices):
    LICENSING = "行政许可", _("行政许可")
    PAYMENT = "行政给付", _("行政给付")
    CONFIRMATION = "行政确认", _("行政确认")
    ADJUDICATION = "行政裁决", _("行政裁决")
    REWARD = "行政奖励", _("行政奖励")
    OTHER_POWER = "其他行政权力", _("其他行政权力")
    PUBLIC_SERVICE = "公共服务", _("公共服务")


class Audience(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人")
    BOTH = "both", _("自然人和法人")


class ResultType(models.TextChoices):
    LICENSE = "证照", _("证照")
    APPROVAL = "批文", _("批文")
    OTHER = "其他", _("其他")


class OnlineDepth(models.IntegerChoices):
    INFORMATION = 1, _("信息公开")
    APPOINTMENT = 2, _("在线预约/下载表格")
    ONLINE_APPLY = 3, _("在线申报+窗口领取")
    FULLY_ONLINE = 4, _("全程网办")


class Theme(models.Model):
    name = models.CharField(_("主题"), max_length=50, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    audience = models.CharField(_("服务对象"), max_length=12, choices=Audience.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("主题")
        verbose_name_plural = _("主题")
        ordering = ["audience", "position", "name"]

    def __str__(self):
        return self.name


class LicenseType(models.Model):
    """证照类型: what a licence looks like and who issues it (the e-licence issue builds on
    this)."""

    class HolderKind(models.TextChoices):
        PERSON = "自然人", _("自然人")
        ENTERPRISE = "法人", _("法人")

    code = models.CharField(_("证照类型编码"), max_length=32, unique=True)
    name = models.CharField(_("证照名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    issuer = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("发证机构")
    )
    holder_kind = models.CharField(_("持证主体类型"), max_length=10, choices=HolderKind.choices)
    validity_years = models.PositiveSmallIntegerField(_("有效期(年)"), default=0)
    fields = models.JSONField(_("照面字段"), default=list)
    # Aligned with `fields`: the data element (forms.DataElement code) that fills each 照面字段
    # from the case, or a decision field ("@编号", "@发证日期", "@有效期至", "@有效期限",
    # "@发证机关", "@新信用代码"), or "" for the issuer to complete.
    field_elements = models.JSONField(_("照面字段数据元"), default=list, blank=True)
    # Licence types this one stands in for as a material (个体工商户营业执照 is a 营业执照).
    satisfies = models.JSONField(_("可替代证照类型"), default=list, blank=True)

    class Meta:
        verbose_name = _("证照类型")
        verbose_name_plural = _("证照类型")
        ordering = ["code"]

    def __str__(self):
        return self.name


class ServiceItem(models.Model):
    """The stable identity of an item; its content lives in versions."""

    code = models.CharField(_("事项编码"), max_length=32, unique=True)
    published = models.OneToOneField(
        "ItemVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("当前发布版本"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("政务服务事项")
        verbose_name_plural = _("政务服务事项")
        ordering = ["code"]

    def __str__(self):
        return self.code


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("待审核")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已停用")


class ItemVersion(models.Model):
    item = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, related_name="versions", verbose_name=_("事项")
    )
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(
        _("状态"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )

    # National guide fields, as the exchange file carries them.
    name = models.CharField(_("事项名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    item_type = models.CharField(_("事项类型"), max_length=20, choices=ItemType.choices)
    department = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("主管部门")
    )
    implementing_orgs = models.ManyToManyField(
        OrgUnit, related_name="+", verbose_name=_("实施主体")
    )
    level = models.CharField(_("行使层级"), max_length=12, choices=OrgLevel.choices)
    audience = models.CharField(_("服务对象"), max_length=12, choices=Audience.choices)
    themes = models.ManyToManyField(
        Theme, related_name="versions", blank=True, verbose_name=_("主题分类")
    )
    legal_basis = models.TextField(_("设定依据"), blank=True)
    conditions = models.TextField(_("受理条件"), blank=True)
    statutory_days = models.PositiveSmallIntegerField(_("法定办结时限(工作日)"))
    promised_days = models.PositiveSmallIntegerField(_("承诺办结时限(工作日)"))
    fee = models.CharField(_("收费标准"), max_length=300, default="不收费")
    online_depth = models.PositiveSmallIntegerField(_("办理深度"), choices=OnlineDepth.choices)
    max_visits = models.PositiveSmallIntegerField(_("到现场次数"))
    result_name = models.CharField(_("办理结果名称"), max_length=200, blank=True)
    result_type = models.CharField(
        _("结果类型"), max_length=10, choices=ResultType.choices, default=ResultType.OTHER
    )
    result_license_type = models.ForeignKey(
        LicenseType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("结果证照类型"),
    )
    places = models.ManyToManyField(OrgUnit, related_name="+", verbose_name=_("办理地点"))
    appointment = models.BooleanField(_("支持预约"), default=False)
    courier = models.BooleanField(_("支持物流快递"), default=False)
    hot = models.BooleanField(_("热门事项"), default=False)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)

    # Workflow of the version itself.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("编辑人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审核人"),
    )
    review_comment = models.TextField(_("审核意见"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    source = models.CharField(
        _("来源"),
        max_length=20,
        default="editor",
        help_text=_("editor: 在工作台编辑; import: 导入"),
    )

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        ordering = ["item__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="unique_item_version"),
            # At most one version being edited or reviewed per item (imports publish at once
            # and never sit open, so they are not counted).
            models.UniqueConstraint(
                fields=["item"],
                name="one_open_version_per_item",
                condition=models.Q(status__in=["draft", "in_review"], source="editor"),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "hot"]),
            models.Index(fields=["status", "level"]),
            models.Index(fields=["department", "status"]),
        ]

    def __str__(self):
        return f"{self.name} (v{self.number})"

    @property
    def code(self) -> str:
        return self.item.code

    @property
    def is_instant(self) -> bool:
        """法定时限 0 = 即办: handled on the spot."""
        return self.statutory_days == 0


class Necessity(models.TextChoices):
    REQUIRED = "required", _("必要")
    OPTIONAL = "optional", _("非必要")
    TOLERATED = "tolerated", _("容缺后补")


class MaterialSource(models.TextChoices):
    APPLICANT = "申请人自备", _("申请人自备")
    GOVERNMENT = "政府部门核发", _("政府部门核发")
    LICENSE_LIBRARY = "电子证照库", _("电子证照库")
    DATA_SHARING = "数据共享", _("数据共享")
    # The application form itself (申请书/申请表): satisfied by filling the online form.
    ONLINE_FORM = "在线填报", _("在线填报")


class MaterialRequirement(models.Model):
    version = models.ForeignKey(
        ItemVersion, on_delete=models.CASCADE, related_name="materials", verbose_name=_("事项版本")
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("材料名称"), max_length=200)
    kind = models.CharField(_("材料类型"), max_length=20, default="原件")
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    medium = models.CharField(_("材料形式"), max_length=20, default="纸质")
    source = models.CharField(
        _("来源渠道"),
        max_length=20,
        choices=MaterialSource.choices,
        default=MaterialSource.APPLICANT,
    )
    license_type = models.ForeignKey(
        LicenseType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("关联证照类型"),
    )
    necessity = models.CharField(
        _("必要性"), max_length=12, choices=Necessity.choices, default=Necessity.REQUIRED
    )
    notes = models.TextField(_("填报须知"), blank=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["version", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["version", "seq"], name="unique_material_seq")
        ]

    def __str__(self):
        return self.name


class ProcessStep(models.Model):
    version = models.ForeignKey(
        ItemVersion, on_delete=models.CASCADE, related_name="steps", verbose_name=_("事项版本")
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("环节名称"), max_length=50)
    role = models.CharField(_("办理岗位"), max_length=30)
    days = models.PositiveSmallIntegerField(_("时限(工作日)"), default=0)

    class Meta:
        verbose_name = _("办理流程")
        verbose_name_plural = _("办理流程")
        ordering = ["version", "seq"]
        constraints = [models.UniqueConstraint(fields=["version", "seq"], name="unique_step_seq")]

    def __str__(self):
        return self.name


class Faq(models.Model):
    version = models.ForeignKey(
        ItemVersion, on_delete=models.CASCADE, related_name="faqs", verbose_name=_("事项版本")
    )
    seq = models.PositiveSmallIntegerField(_("序号"), default=0)
    question = models.CharField(_("问题"), max_length=300)
    answer = models.TextField(_("解答"))

    class Meta:
        verbose_name = _("常见问题")
        verbose_name_plural = _("常见问题")
        ordering = ["version", "seq"]

    def __str__(self):
        return self.question


class GuideStep(models.Model):
    """攻略: a plain step-by-step walkthrough for hot items."""

    version = models.ForeignKey(
        ItemVersion,
        on_delete=models.CASCADE,
        related_name="guide_steps",
        verbose_name=_("事项版本"),
    )
    seq = models.PositiveSmallIntegerField(_("序号"), default=0)
    title = models.CharField(_("步骤"), max_length=200)
    detail = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("办事攻略")
        verbose_name_plural = _("办事攻略")
        ordering = ["version", "seq"]

    def __str__(self):
        return self.title


class Attachment(models.Model):
    """A blank form or a filled sample for a material, downloadable from the guide."""

    class Kind(models.TextChoices):
        BLANK_FORM = "blank", _("空白表格")
        SAMPLE = "sample", _("填写样表")

    material = models.ForeignKey(
        MaterialRequirement,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("申请材料"),
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=200)
    file = models.FileField(_("文件"), upload_to="catalog/attachments/%Y/%m/")
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self):
        return self.title


class Bundle(models.Model):
    """一件事: main items in order, then the parallel items together."""

    code = models.CharField(_("一件事编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    audience = models.CharField(_("服务对象"), max_length=12, choices=Audience.choices)
    note = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")
        ordering = ["code"]

    def __str__(self):
        return self.name


class BundleItem(models.Model):
    class Role(models.TextChoices):
        MAIN = "main", _("主办事项")
        PARALLEL = "parallel", _("并联事项")

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="members")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["bundle", "role", "position"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "item"], name="unique_bundle_item")
        ]

    def __str__(self):
        return f"{self.bundle.code} {self.item.code}"


class CatalogImport(models.Model):
    """An import run, so the upload page can show progress and every error."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        REJECTED = "rejected", _("未导入（有错误）")
        FAILED = "failed", _("失败")

    file = models.FileField(upload_to="catalog/imports/%Y/%m/")
    filename = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.filename


# --- search ---


class SearchDocument(models.Model):
    """What full-text search reads for one published item: each field holds jieba-segmented,
    space-joined tokens (catalog.search.index builds them). The database indexes these
    columns itself — an FTS5 table kept in step by triggers on SQLite, a generated weighted
    `tsvector` column with a GIN index on PostgreSQL — both made in the migration."""

    item = models.OneToOneField(
        ServiceItem, on_delete=models.CASCADE, related_name="search_document"
    )
    version = models.OneToOneField(
        ItemVersion, on_delete=models.CASCADE, related_name="search_document"
    )
    title = models.CharField(_("事项名称"), max_length=200)
    phrases = models.TextField(
        blank=True, help_text=_("关键词、结果名称和群众常用说法，每行一个，用于排序")
    )
    title_pinyin = models.CharField(max_length=400, blank=True)
    name = models.TextField(blank=True)
    keywords = models.TextField(blank=True)
    body = models.TextField(blank=True)
    pinyin = models.TextField(blank=True)
    hot = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("搜索文档")
        verbose_name_plural = _("搜索文档")

    def __str__(self):
        return self.title


class SearchQueryDay(models.Model):
    """One citizen's query (normalised, digits masked) on one day: how often it was searched,
    found nothing, and led to an opened result. No user and no session is stored; the
    counters are added to by one upsert per search (docs/search.md, the search log)."""

    day = models.DateField(_("日期"))
    query = models.CharField(_("搜索词"), max_length=100)
    searches = models.PositiveIntegerField(_("搜索次数"), default=0)
    zero_results = models.PositiveIntegerField(_("无结果次数"), default=0)
    clicks = models.PositiveIntegerField(_("点击次数"), default=0)
    results = models.PositiveIntegerField(_("结果数"), default=0)  # of the latest search

    class Meta:
        verbose_name = _("搜索记录")
        verbose_name_plural = _("搜索记录")
        constraints = [
            models.UniqueConstraint(fields=["day", "query"], name="unique_search_query_day")
        ]

    def __str__(self):
        return f"{self.day} {self.query}"

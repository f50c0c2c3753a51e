"""The data-element dictionary (数据元), its code lists, and the form rows of each item
version (申请表). A form is part of the item version: its rows are copied with the version,
published with it and pinned by every case filed under it. `definition.FormDefinition` is the
compiled, read-only form that pages, the API and validation use."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Property names of a form's JSON data: what an element code or a local field key may be.
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
key_validator = RegexValidator(KEY_PATTERN, _("只能用小写字母、数字和下划线，并以字母开头。"))


class CodeList(models.Model):
    """An editable list of coded values (主体业态, 经营项目, 学历 …)."""

    code = models.CharField(_("代码表编码"), max_length=32, unique=True)
    name = models.CharField(_("代码表名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("代码表")
        verbose_name_plural = _("代码表")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class CodeEntry(models.Model):
    code_list = models.ForeignKey(
        CodeList, on_delete=models.CASCADE, related_name="entries", verbose_name=_("代码表")
    )
    value = models.CharField(_("代码"), max_length=32)
    label = models.CharField(_("名称"), max_length=100)
    label_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("序号"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("代码项")
        verbose_name_plural = _("代码项")
        ordering = ["code_list", "position", "value"]
        constraints = [
            models.UniqueConstraint(fields=["code_list", "value"], name="code_entry_unique_value")
        ]

    def __str__(self):
        return f"{self.value} {self.label}"


class ElementKind(models.TextChoices):
    TEXT = "text", _("文本")
    LONG_TEXT = "long_text", _("长文本")
    INTEGER = "integer", _("整数")
    DECIMAL = "decimal", _("小数")
    DATE = "date", _("日期")
    DATE_RANGE = "date_range", _("日期区间")
    CHOICE = "choice", _("单选")
    MULTI_CHOICE = "multi_choice", _("多选")
    BOOLEAN = "boolean", _("是否")
    ID_NUMBER = "id_number", _("身份证号码")
    USCC = "uscc", _("统一社会信用代码")
    PHONE = "phone", _("电话")
    EMAIL = "email", _("电子邮箱")
    ADDRESS = "address", _("地址")
    MONEY = "money", _("金额")
    GROUP = "group", _("重复组")


class Mask(models.TextChoices):
    """How a value is shown to someone who may see that it exists but not read it."""

    NONE = "", _("不遮盖")
    NAME = "name", _("姓名")
    ID_NUMBER = "id_number", _("证件号码")
    PHONE = "phone", _("电话")
    ADDRESS = "address", _("地址")


class DataElement(models.Model):
    """A piece of data the platform knows how to ask, check, prefill and reuse.

    `sources` lists, in priority order, where a value can be prefilled from:
    `identity:<attr>` (the signed-in person), `enterprise:<attr>` (the enterprise the agent
    acts for) and `license:<licence type code>:<照面字段>` (the holder's e-licences). Empty: the
    applicant types it. For a group, `children` lists the element codes of one row and
    `max_length` is the most rows; for a multi-choice it is the most selections."""

    code = models.CharField(_("数据元编码"), max_length=40, unique=True, validators=[key_validator])
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=ElementKind.choices)
    max_length = models.PositiveIntegerField(_("最大长度"), null=True, blank=True)
    pattern = models.CharField(_("格式（正则表达式）"), max_length=200, blank=True)
    min_value = models.DecimalField(
        _("最小值"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("最大值"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    decimal_places = models.PositiveSmallIntegerField(_("小数位数"), null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    code_list = models.ForeignKey(
        CodeList,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="elements",
        verbose_name=_("代码表"),
    )
    mask = models.CharField(_("遮盖方式"), max_length=12, choices=Mask.choices, blank=True)
    sources = models.JSONField(_("来源"), default=list, blank=True)
    children = models.JSONField(_("组成数据元"), default=list, blank=True)
    help_text = models.CharField(_("填写说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("数据元")
        verbose_name_plural = _("数据元")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class FormField(models.Model):
    """One row of an item version's form. Consecutive rows with the same `section` make one
    section. A row is a data element (`element` set, `key` = its code) or a field local to
    this item (`element` empty, `kind` set)."""

    version = models.ForeignKey(
        "catalog.ItemVersion",
        on_delete=models.CASCADE,
        related_name="form_fields",
        verbose_name=_("事项版本"),
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    section = models.CharField(_("分组"), max_length=50)
    element = models.ForeignKey(
        DataElement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="form_fields",
        verbose_name=_("数据元"),
    )
    key = models.CharField(_("字段编码"), max_length=40, validators=[key_validator])
    label = models.CharField(_("字段名称"), max_length=100, blank=True)
    kind = models.CharField(_("字段类型"), max_length=16, choices=ElementKind.choices, blank=True)
    code_list = models.ForeignKey(
        CodeList,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("代码表"),
    )
    required = models.BooleanField(_("必填"), default=True)
    help_text = models.CharField(_("填写说明"), max_length=300, blank=True)
    # "key=value" or "key=value1|value2": shown only when that field has one of the values.
    show_if = models.CharField(_("显示条件"), max_length=200, blank=True)
    default = models.CharField(_("默认值"), max_length=200, blank=True)
    # Empty: the element's sources; "none": never prefilled; else sources as on DataElement.
    prefill = models.JSONField(_("预填来源"), default=list, blank=True)
    no_prefill = models.BooleanField(_("不预填"), default=False)
    editable = models.BooleanField(_("预填后允许修改"), default=True)
    # Narrow the element's rules for this item (never widen them).
    max_length = models.PositiveIntegerField(_("最大长度"), null=True, blank=True)
    min_value = models.DecimalField(
        _("最小值"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("最大值"), max_digits=18, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("申请表字段")
        verbose_name_plural = _("申请表字段")
        ordering = ["version", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="form_field_unique_key"),
            models.UniqueConstraint(fields=["version", "seq"], name="form_field_unique_seq"),
        ]

    def __str__(self):
        return f"{self.seq}. {self.label or self.key}"

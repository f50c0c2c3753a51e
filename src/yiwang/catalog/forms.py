"""Workbench forms. They only collect input; the rules live in catalog.services (and, for
what the exchange file must be able to carry, in catalog.exchange's vocabulary)."""

import zipfile

from django import forms
from django.core import validators
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from yiwang.forms.models import CodeList, DataElement, ElementKind
from yiwang.identity.models import OrgKind, OrgLevel, OrgUnit

from . import vocab
from .models import Attachment, ItemVersion, LicenseType, MaterialSource, Necessity, Theme
from .services import EDITABLE_FIELDS, EDITABLE_M2M, GUIDE_TEXT_FIELDS, GUIDE_TEXT_MAX

STATUS_FILTERS = [
    ("", _("全部")),
    ("draft", _("有草稿")),
    ("in_review", _("待审核")),
    ("published", _("仅已发布")),
]


def bounded(field, limit: int):
    """A model's TextField as a form field with the limit the service enforces."""
    field.max_length = limit
    field.validators.append(validators.MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)
    return field


def _choices(values):
    return [(v, v) for v in sorted(values)]


class ItemFilterForm(forms.Form):
    q = forms.CharField(label=_("名称或编码"), required=False, max_length=100)
    department = forms.ModelChoiceField(
        label=_("主管部门"),
        queryset=OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT).order_by("path"),
        required=False,
        empty_label=_("全部部门"),
        to_field_name="code",
    )
    level = forms.ChoiceField(
        label=_("行使层级"), choices=[("", _("全部层级")), *OrgLevel.choices], required=False
    )
    status = forms.ChoiceField(label=_("状态"), choices=STATUS_FILTERS, required=False)
    q.widget.input_type = "search"


class DraftForm(forms.Form):
    """The guide fields of a draft (services.EDITABLE_FIELDS) and its org/theme lists."""

    keywords = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=500,
        help_text=_("多个关键词用分号（;）分隔。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model_fields = fields_for_model(
            ItemVersion, fields=[f for f in EDITABLE_FIELDS if f != "keywords"] + EDITABLE_M2M
        )
        ordered = {}
        for name in EDITABLE_FIELDS + EDITABLE_M2M:
            ordered[name] = self.fields["keywords"] if name == "keywords" else model_fields[name]
        self.fields = ordered
        for name in GUIDE_TEXT_FIELDS:
            bounded(self.fields[name], GUIDE_TEXT_MAX)
        departments = OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT).order_by("path")
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = None
        self.fields["result_license_type"].queryset = LicenseType.objects.order_by("code")
        self.fields["result_license_type"].empty_label = _("（无）")
        for name in ["implementing_orgs", "places"]:
            field = self.fields[name]
            field.queryset = OrgUnit.objects.order_by("path")
            field.widget.attrs["size"] = 8
            field.help_text = _("可多选：按住 Ctrl（苹果电脑为 Command）键点击。")
        self.fields["themes"].queryset = Theme.objects.order_by("audience", "position")
        self.fields["themes"].widget = forms.CheckboxSelectMultiple(
            choices=self.fields["themes"].choices
        )
        self.fields["themes"].required = False
        for name in ["legal_basis", "conditions"]:
            self.fields[name].widget.attrs["rows"] = 4
        for name in ["statutory_days", "promised_days"]:
            self.fields[name].help_text = _("工作日；0 表示即办。")

    @classmethod
    def initial_for(cls, version: ItemVersion) -> dict:
        initial = {f: getattr(version, f) for f in EDITABLE_FIELDS}
        initial["department"] = version.department_id
        initial["result_license_type"] = version.result_license_type_id
        initial["keywords"] = vocab.join(version.keywords)
        for name in EDITABLE_M2M:
            initial[name] = [o.pk for o in getattr(version, name).all()]
        return initial

    def clean_keywords(self):
        return vocab.split(self.cleaned_data["keywords"])

    def field_values(self) -> dict:
        return {f: self.cleaned_data[f] for f in EDITABLE_FIELDS}

    def changed_m2m(self, version: ItemVersion) -> dict:
        """Only the lists that changed: the theme order is kept (it is part of the guide)."""
        changed = {}
        for name in EDITABLE_M2M:
            current = list(getattr(version, name).all())
            if name == "themes":
                from .services import _themes_in_order

                current = _themes_in_order(version)
            wanted = list(self.cleaned_data[name])
            if {o.pk for o in current} != {o.pk for o in wanted}:
                kept = [o for o in current if o in wanted]
                changed[name] = kept + [o for o in wanted if o not in kept]
        return changed


class MaterialForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("材料名称"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("材料类型"), choices=_choices(vocab.MATERIAL_KINDS), initial="原件"
    )
    copies = forms.IntegerField(label=_("份数"), min_value=0, max_value=99, initial=1)
    medium = forms.ChoiceField(label=_("材料形式"), choices=_choices(vocab.MEDIA), initial="纸质")
    source = forms.ChoiceField(
        label=_("来源渠道"), choices=MaterialSource.choices, initial=MaterialSource.APPLICANT
    )
    license_type = forms.ModelChoiceField(
        label=_("关联证照类型"),
        queryset=LicenseType.objects.order_by("code"),
        required=False,
        empty_label=_("（无）"),
    )
    necessity = forms.ChoiceField(
        label=_("必要性"), choices=Necessity.choices, initial=Necessity.REQUIRED
    )
    notes = forms.CharField(
        label=_("填报须知"),
        max_length=GUIDE_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if not data.get("DELETE") and not (data.get("name") or "").strip():
            self.add_error("name", _("请填写材料名称。"))
        # The exchange file can only carry a licence type for materials from the library.
        source, licence = data.get("source"), data.get("license_type")
        if source == MaterialSource.LICENSE_LIBRARY and licence is None:
            self.add_error("license_type", _("来源为电子证照库时，应选择证照类型。"))
        elif source and source != MaterialSource.LICENSE_LIBRARY and licence is not None:
            self.add_error("license_type", _("来源不是电子证照库时不应选择证照类型。"))
        return data


class StepForm(forms.Form):
    name = forms.CharField(label=_("环节名称"), max_length=50, required=False)
    role = forms.ChoiceField(
        label=_("办理岗位"), choices=_choices(vocab.STEP_ROLES), initial="前台受理员"
    )
    days = forms.IntegerField(label=_("时限(工作日)"), min_value=0, max_value=365, initial=0)

    def clean(self):
        data = super().clean()
        if not data.get("DELETE") and not (data.get("name") or "").strip():
            self.add_error("name", _("请填写环节名称。"))
        return data


class FaqForm(forms.Form):
    question = forms.CharField(label=_("问题"), max_length=300, required=False)
    answer = forms.CharField(
        label=_("解答"),
        max_length=GUIDE_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if (
            not data.get("DELETE")
            and (data.get("question") or "").strip()
            and not (data.get("answer") or "").strip()
        ):
            self.add_error("answer", _("请填写解答。"))
        return data


class GuideStepForm(forms.Form):
    title = forms.CharField(label=_("步骤"), max_length=200, required=False)
    detail = forms.CharField(
        label=_("说明"),
        max_length=GUIDE_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class _RowFormSet(forms.BaseFormSet):
    """Numbered rows: blank extra rows are ignored, ticked rows deleted, ORDER reorders."""

    key_field = "name"  # a row whose key field is empty is a blank row, not an error

    def add_fields(self, form, index):
        """The order box comes first and the delete box last, both labelled as the table's
        header says, so a template can render a row field by field."""
        super().add_fields(form, index)
        form.fields["ORDER"].label = _("顺序")
        form.fields["DELETE"].label = _("删除")
        form.fields = {"ORDER": form.fields.pop("ORDER"), **form.fields}
        form.fields["DELETE"] = form.fields.pop("DELETE")

    def rows(self) -> list[dict]:
        key = self.key_field
        kept = [
            f
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and (f.cleaned_data.get(key) or "").strip()
        ]
        kept.sort(key=lambda f: (f.cleaned_data.get("ORDER") is None, f.cleaned_data.get("ORDER")))
        rows = []
        for form in kept:
            row = {k: v for k, v in form.cleaned_data.items() if k not in {"ORDER", "DELETE"}}
            row[key] = row[key].strip()
            rows.append(row)
        return rows


MaterialFormSet = forms.formset_factory(
    MaterialForm, formset=_RowFormSet, extra=2, can_order=True, can_delete=True
)
StepFormSet = forms.formset_factory(
    StepForm, formset=_RowFormSet, extra=2, can_order=True, can_delete=True
)


FaqFormSet = forms.formset_factory(
    FaqForm, formset=_RowFormSet, extra=2, can_order=True, can_delete=True
)
FaqFormSet.key_field = "question"
GuideStepFormSet = forms.formset_factory(
    GuideStepForm, formset=_RowFormSet, extra=2, can_order=True, can_delete=True
)
GuideStepFormSet.key_field = "title"


# --- the application form (申请表) ------------------------------------------------------------

DEFAULT_SECTION = _("申请信息")


class FormFieldForm(forms.Form):
    """One row of a draft's form: a data element from the dictionary, or a field local to
    this item (then 字段编码, 字段名称 and 字段类型 are its own). The rules are checked by
    forms.services when the whole table is saved, and shown on the row they concern."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    element = forms.ChoiceField(label=_("数据元"), required=False)
    key = forms.CharField(label=_("字段编码"), max_length=40, required=False)
    label = forms.CharField(label=_("字段名称"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("字段类型"), required=False)
    code_list = forms.ChoiceField(label=_("代码表"), required=False)
    section = forms.CharField(label=_("分组"), max_length=50, required=False)
    required = forms.BooleanField(label=_("必填"), required=False, initial=True)
    show_if = forms.CharField(label=_("显示条件"), max_length=200, required=False)
    default = forms.CharField(label=_("默认值"), max_length=200, required=False)
    help_text = forms.CharField(
        label=_("填写说明"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, elements=(), code_lists=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["element"].choices = [("", _("（本地字段）")), *elements]
        self.fields["kind"].choices = [
            ("", _("（按数据元）")),
            *[(k.value, k.label) for k in ElementKind if k != ElementKind.GROUP],
        ]
        self.fields["code_list"].choices = [("", _("（无）")), *code_lists]
        self.fields["key"].widget.attrs.update(size=14, spellcheck="false")
        self.fields["show_if"].widget.attrs.update(
            size=18, spellcheck="false", placeholder="business_form=online"
        )

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not any((data.get(k) or "").strip() for k in ["element", "key", "label"])


class FormFieldFormSet(_RowFormSet):
    """The draft's form rows. Rows keep their position in `kept_forms`, so a rule broken by
    the n-th saved row is shown on the n-th kept form."""

    def __init__(self, *args, **kwargs):
        elements = [(e.code, f"{e.code} {e.name}") for e in DataElement.objects.order_by("code")]
        code_lists = [(c.code, f"{c.code} {c.name}") for c in CodeList.objects.order_by("code")]
        kwargs["form_kwargs"] = {"elements": elements, "code_lists": code_lists}
        super().__init__(*args, **kwargs)

    def rows(self) -> list[dict]:
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        kept = [f for f in kept if not f.is_blank()]
        kept.sort(key=lambda f: (f.cleaned_data.get("ORDER") is None, f.cleaned_data.get("ORDER")))
        self.kept_forms = kept
        rows, section = [], str(DEFAULT_SECTION)
        for form in kept:
            row = {k: v for k, v in form.cleaned_data.items() if k not in {"ORDER", "DELETE"}}
            row = {k: v.strip() if isinstance(v, str) else v for k, v in row.items()}
            section = row["section"] = row["section"] or section  # blank: as the row above
            rows.append(row)
        return rows

    def show_problems(self, error) -> None:
        """A forms.services.FormRowsInvalid on the rows it names, and all of it on top."""
        self._non_form_errors = self.error_class(error.messages)
        for problem in getattr(error, "problems", []):
            if problem.index is None or problem.index >= len(self.kept_forms):
                continue
            form = self.kept_forms[problem.index]
            name = problem.field if problem.field in form.fields else None
            form.add_error(name, problem.message)


FormFieldsFormSet = forms.formset_factory(
    FormFieldForm, formset=FormFieldFormSet, extra=2, can_order=True, can_delete=True
)


def form_field_initial(version: ItemVersion) -> list[dict]:
    return [
        {
            "id": f.pk,
            "element": f.element.code if f.element_id else "",
            "key": f.key,
            "label": f.label,
            "kind": f.kind,
            "code_list": f.code_list.code if f.code_list_id else "",
            "section": f.section,
            "required": f.required,
            "show_if": f.show_if,
            "default": f.default,
            "help_text": f.help_text,
            "ORDER": f.seq,
        }
        for f in version.form_fields.select_related("element", "code_list")
    ]


def faq_initial(version: ItemVersion) -> list[dict]:
    return [
        {"question": f.question, "answer": f.answer, "ORDER": f.seq} for f in version.faqs.all()
    ]


def guide_step_initial(version: ItemVersion) -> list[dict]:
    return [
        {"title": g.title, "detail": g.detail, "ORDER": g.seq} for g in version.guide_steps.all()
    ]


def material_initial(version: ItemVersion) -> list[dict]:
    return [
        {
            "id": m.pk,
            "name": m.name,
            "kind": m.kind,
            "copies": m.copies,
            "medium": m.medium,
            "source": m.source,
            "license_type": m.license_type_id,
            "necessity": m.necessity,
            "notes": m.notes,
            "ORDER": m.seq,
        }
        for m in version.materials.all()
    ]


def step_initial(version: ItemVersion) -> list[dict]:
    return [
        {"name": s.name, "role": s.role, "days": s.days, "ORDER": s.seq}
        for s in version.steps.all()
    ]


# --- attachments -----------------------------------------------------------------------------

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc / .xls container


def sniff_attachment(uploaded) -> str | None:
    """What the file is, by its first bytes (and, for Office files, its parts), not its name.
    A dozen magic numbers do not justify a native dependency such as libmagic."""
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(_OLE2):
        return "doc/xls"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(uploaded) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return None
        finally:
            uploaded.seek(0)
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    return None


class AttachmentForm(forms.Form):
    material = forms.TypedChoiceField(label=_("所属材料"), coerce=int)
    kind = forms.ChoiceField(label=_("附件类型"), choices=Attachment.Kind.choices)
    title = forms.CharField(label=_("附件名称"), max_length=200)
    file = forms.FileField(
        label=_("文件"),
        help_text=_("PDF、Word、Excel、JPG 或 PNG，不超过 10 MB。"),
    )

    def __init__(self, *args, version: ItemVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].choices = [
            (m.pk, f"{m.seq}. {m.name}") for m in version.materials.all()
        ]
        self.fields["file"].widget.attrs["accept"] = (
            ".pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
        )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError(_("文件不能超过 10 MB。"), code="too_big")
        if sniff_attachment(uploaded) is None:
            raise forms.ValidationError(
                _("只能上传 PDF、Word（DOC/DOCX）、Excel（XLS/XLSX）、JPG 或 PNG 文件。"),
                code="file_type",
            )
        return uploaded


# --- review and import ------------------------------------------------------------------------


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("修改意见"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("退回时必须写明需要修改的内容。"),
        error_messages={"required": _("退回时请写明修改意见。")},
    )


IMPORT_MAX_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("事项交换文件（.xlsx）"),
        help_text=_("与导出文件的格式相同。所有行先校验；有任何错误时不导入任何数据。"),
        error_messages={"required": _("请选择要导入的文件。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = (
            ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("文件不能超过 20 MB。"), code="too_big")
        if sniff_attachment(uploaded) != "xlsx":
            raise forms.ValidationError(
                _("请上传 Excel 2007 及以上版本的 .xlsx 文件。"), code="file_type"
            )
        return uploaded

"""Forms of the dispatcher's and the units' pages (docs/hotline.md, "Dispatching and
handling"). They only shape input — an id that is a plain ASCII number of an offered row, a
text within its field's size — and the services check everything again (who, when, which
state, control characters)."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from yiwang.identity.models import OrgKind, OrgUnit

from .models import Appeal, Subject
from .services import EXTENSION_MAX_DAYS, REASON_MAX, TEXT_MAX

# The units an appeal can be sent to: departments, streets and communities of the tree.
UNIT_KINDS = (OrgKind.DEPARTMENT, OrgKind.STREET, OrgKind.COMMUNITY)


def _ascii_id(value) -> int | None:
    """An id typed in a form: ASCII digits only (a full-width “１２” is not 12 here)."""
    text = str(value or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)


class _AsciiIds:
    """Model choices whose values must be ASCII digits, so "１２" or "1e3" is refused as
    "not one of the choices" instead of quietly read as another number."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if _ascii_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class SubjectChoice(_AsciiIds, forms.ModelChoiceField):
    def label_from_instance(self, subject):
        parent = subject.parent.name if subject.parent_id else ""
        return f"{subject.code} {parent}·{subject.name}" if parent else str(subject)


class UnitChoice(_AsciiIds, forms.ModelChoiceField):
    def label_from_instance(self, org):
        return org.name


class UnitChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, org):
        return org.name

    def clean(self, value):
        if value and any(_ascii_id(v) is None for v in value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": next(v for v in value if _ascii_id(v) is None)},
            )
        return super().clean(value)


def leaf_subjects():
    return (
        Subject.objects.filter(is_active=True, parent__isnull=False)
        .select_related("parent")
        .order_by("parent__position", "parent__code", "position", "code")
    )


def units():
    return OrgUnit.objects.filter(is_active=True, kind__in=UNIT_KINDS).order_by("path")


class DispatchForm(forms.Form):
    """派单: the subject, the lead unit (主办), assisting units (协办) and a note."""

    subject = SubjectChoice(
        label=_("诉求分类"),
        queryset=Subject.objects.none(),
        error_messages={"required": _("请选择诉求分类。")},
    )
    lead = UnitChoice(
        label=_("主办单位"),
        queryset=OrgUnit.objects.none(),
        error_messages={"required": _("请选择主办单位。")},
    )
    assisting = UnitChoices(
        label=_("协办单位"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("可不选；按住 Ctrl 可多选。"),
    )
    note = forms.CharField(
        label=_("派单意见"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("承办单位可以看到；诉求人看不到。"),
    )

    def __init__(self, *args, subjects=None, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects if subjects is not None else leaf_subjects()
        org_queryset = orgs if orgs is not None else units()
        self.fields["lead"].queryset = org_queryset
        self.fields["assisting"].queryset = org_queryset

    def clean(self):
        data = super().clean()
        lead = data.get("lead")
        assisting = list(data.get("assisting") or [])
        if lead is not None and any(org.pk == lead.pk for org in assisting):
            self.add_error("assisting", _("主办单位不能同时是协办单位。"))
        data["assisting"] = assisting
        return data


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("合并到诉求编号"),
        max_length=20,
        error_messages={"required": _("请填写要合并到的诉求编号。")},
    )

    def clean_into(self):
        number = self.cleaned_data["into"].strip()
        if Appeal.id_of_number(number) is None:
            raise ValidationError(_("诉求编号是14位以上的数字，如 20250303000012。"))
        return number


class _FreeText:
    """Free texts (answers, replies, notes) take the services' limit, so the page says it
    before the service would."""

    free_text = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = TEXT_MAX
        for name in self.free_text:
            field = self.fields[name]
            field.max_length = limit
            field.validators.append(MaxLengthValidator(limit))
            field.widget.attrs["maxlength"] = str(limit)


class AnswerForm(_FreeText, forms.Form):
    free_text = ("answer",)

    answer = forms.CharField(
        label=_("答复内容"),
        max_length=None,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写在电话中给出的答复。")},
    )


class ReviewForm(_FreeText, forms.Form):
    free_text = ("public_reply",)

    decision = forms.ChoiceField(
        label=_("审核结果"),
        choices=[("approve", _("审核通过，答复诉求人")), ("return", _("退回承办单位重新答复"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择审核结果。")},
    )
    note = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("退回时必须写明原因。"),
    )
    public_reply = forms.CharField(
        label=_("留言板公开的答复"),
        required=False,
        max_length=None,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("公开前已遮盖姓名、电话、身份证号和门牌号；可修改。"),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not data.get("note", "").strip():
            self.add_error("note", _("退回时请写明原因。"))
        return data


class DecideExtensionForm(forms.Form):
    approve = forms.ChoiceField(choices=[("1", _("批准")), ("0", _("不批准"))])
    note = forms.CharField(label=_("审批意见"), required=False, max_length=REASON_MAX)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("退单理由"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("退单必须写明理由。")},
        help_text=_("写明不属于本单位职责的依据，或应由哪个单位办理。"),
    )


class TextForm(_FreeText, forms.Form):
    free_text = ("text",)

    text = forms.CharField(
        label=_("内容"),
        max_length=None,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写内容。")},
    )

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["text"].label = label


class ExtensionRequestForm(forms.Form):
    days = forms.CharField(
        label=_("延长工作日"),
        max_length=3,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}),
        error_messages={"required": _("请填写延长的工作日数。")},
    )
    reason = forms.CharField(
        label=_("延期理由"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请写明延期理由。")},
    )

    def clean_days(self):
        days = _ascii_id(self.cleaned_data["days"])
        if days is None or not 1 <= days <= EXTENSION_MAX_DAYS:
            raise ValidationError(
                _("延长的工作日须为 1 到 %(max)d 之间的整数。") % {"max": EXTENSION_MAX_DAYS}
            )
        return days

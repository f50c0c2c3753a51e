"""The staff look-up form. It only shapes input; sharing.services decides and logs."""

from django import forms
from django.utils.translation import gettext_lazy as _

PERSON, ENTERPRISE = "person", "enterprise"


class LookupForm(forms.Form):
    case_number = forms.CharField(
        label=_("办件编号"),
        max_length=32,
        help_text=_("只能查询您正在办理的办件的申请人或申请企业。"),
        error_messages={"required": _("请填写办件编号。")},
    )
    subject_kind = forms.ChoiceField(
        label=_("查询对象"),
        choices=[(PERSON, _("自然人（身份证号码）")), (ENTERPRISE, _("法人（统一社会信用代码）"))],
        widget=forms.RadioSelect,
        initial=PERSON,
        error_messages={"required": _("请选择查询对象。")},
    )
    number = forms.CharField(
        label=_("证件号码"),
        max_length=18,
        error_messages={"required": _("请填写身份证号码或统一社会信用代码。")},
    )
    purpose = forms.CharField(
        label=_("查询目的"),
        max_length=200,
        help_text=_("如：核对申请人户籍信息。查询目的会告诉被查询人。"),
        error_messages={"required": _("请说明查询目的。")},
    )

    def subject(self) -> dict:
        number = self.cleaned_data["number"].strip()
        if self.cleaned_data["subject_kind"] == ENTERPRISE:
            return {"uscc": number}
        return {"subject_id_number": number}

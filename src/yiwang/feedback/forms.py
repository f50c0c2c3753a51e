"""Forms of the rating and rectification pages. They shape input; the rules (who, when,
a reason for a bad rating) are checked by services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Level, reasons_for

# The tiles read from best to worst, as the national form lists them.
LEVEL_CHOICES = [(level.value, level.label) for level in sorted(Level, reverse=True)]
# Which field a service's refusal belongs to.
FIELD_OF_CODE = {
    "level_required": "level",
    "reason_required": "reasons",
    "unknown_reason": "reasons",
    "comment_required": "comment",
    "comment_too_long": "comment",
}


class RatingForm(forms.Form):
    """One screen, one question (GB/T 39734-2020's five levels); for 不满意 or 非常不满意
    the reasons, and for any level a comment."""

    level = forms.TypedChoiceField(
        label=_("您对这次服务满意吗？"),
        choices=LEVEL_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择您对这次服务的满意程度。")},
    )
    reasons = forms.MultipleChoiceField(
        label=_("哪里不满意？"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=_("您的意见和建议（选填）"),
        required=False,
        max_length=services.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, channel: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.fields["reasons"].choices = [(k, str(label)) for k, label in reasons_for(channel)]

    def clean(self):
        data = super().clean()
        if "level" in data and "reasons" in data:
            try:
                services.clean_rating(
                    self.channel, data["level"], {}, data.get("comment", ""), data["reasons"]
                )
            except ValidationError as exc:
                self.add_refusal(exc)
        return data

    def add_refusal(self, exc: ValidationError) -> None:
        self.add_error(FIELD_OF_CODE.get(exc.code), exc.messages[0])


class RespondForm(forms.Form):
    explanation = forms.CharField(
        label=_("核实情况"),
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("差评反映的问题是否属实，原因是什么。"),
        error_messages={"required": _("请写明核实的情况。")},
    )
    measures = forms.CharField(
        label=_("整改措施"),
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("已经或将要采取的措施，例如补充告知、优化流程、约谈窗口人员。"),
        error_messages={"required": _("请写明采取的整改措施。")},
    )


class VerifyForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("核实结论"),
        choices=[("accept", _("整改到位，通过核实")), ("return", _("整改不到位，退回重新整改"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择核实结论。")},
    )
    note = forms.CharField(
        label=_("核实意见"),
        required=False,
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("退回时必须写明理由。"),
    )


YES_NO = [("yes", _("是")), ("no", _("否"))]


class CallbackForm(forms.Form):
    reached = forms.ChoiceField(
        label=_("是否联系上群众"),
        choices=[("yes", _("已联系上")), ("no", _("未联系上"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择是否联系上群众。")},
    )
    satisfied = forms.ChoiceField(
        label=_("群众对整改是否满意"),
        required=False,
        choices=[("yes", _("满意")), ("no", _("不满意"))],
        widget=forms.RadioSelect,
        help_text=_("联系上群众时必填。"),
    )
    note = forms.CharField(
        label=_("回访记录"),
        required=False,
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("未联系上或群众不满意时必填。"),
    )

    def values(self) -> dict:
        data = self.cleaned_data
        reached = data["reached"] == "yes"
        satisfied = {"yes": True, "no": False}.get(data.get("satisfied") or "")
        return {"reached": reached, "satisfied": satisfied, "note": data.get("note", "")}

"""Forms of the rating and rectification pages. They shape input; the rules (who, when,
which indicators, a reason for a bad rating) are checked by services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Level

# The tiles read from best to worst, as the national form lists them.
LEVEL_CHOICES = [(level.value, level.label) for level in sorted(Level, reverse=True)]
SCORE_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]
SCORE_PREFIX = "score_"
# Which field a service's refusal belongs to.
FIELD_OF_CODE = {
    "level_required": "level",
    "comment_required": "comment",
    "comment_too_long": "comment",
}


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("您对这次服务满意吗？"),
        choices=LEVEL_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择您对这次服务的满意程度。")},
    )
    comment = forms.CharField(
        label=_("您的意见和建议"),
        required=False,
        max_length=services.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("选择“不满意”或“非常不满意”时请写明原因，责任部门会据此整改。"),
    )

    def __init__(self, *args, channel: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.indicators = services.indicators_for(channel)
        for key, label in self.indicators:
            self.fields[SCORE_PREFIX + key] = forms.TypedChoiceField(
                label=label,
                choices=SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("请为“%(name)s”打分。") % {"name": label}},
            )

    def score_fields(self):
        return [self[SCORE_PREFIX + key] for key, _label in self.indicators]

    def scores(self) -> dict:
        return {key: self.cleaned_data.get(SCORE_PREFIX + key) for key, _ in self.indicators}

    def clean(self):
        data = super().clean()
        if "level" in data and not any(f.errors for f in self.score_fields()):
            try:
                services.clean_rating(
                    self.channel, data["level"], self.scores(), data.get("comment", "")
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

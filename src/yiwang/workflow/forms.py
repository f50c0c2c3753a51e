"""Forms of the back-office pages. They only shape input; the rules (who, when, how many
days) are checked by services, clocks and delivery."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Decision, DeliveryMethod, SuspensionKind

DECISION_LABELS = {
    Decision.APPROVE: _("准予（同意）"),
    Decision.DENY: _("不予（不同意）"),
    Decision.RETURN: _("退回上一环节"),
}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("办理意见"),
        choices=[(value, DECISION_LABELS[value]) for value in Decision.values],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择办理意见。")},
    )
    opinion = forms.CharField(
        label=_("意见内容"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不予或退回时必须写明理由；意见会写入决定书。"),
    )


class SuspendForm(forms.Form):
    kind = forms.ChoiceField(label=_("特别程序"), choices=SuspensionKind.choices)
    reason = forms.CharField(
        label=_("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    expected_workdays = forms.IntegerField(
        label=_("预计需要的工作日"), min_value=0, max_value=365, initial=5
    )


class ExtensionForm(forms.Form):
    reason = forms.CharField(
        label=_("延期理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    workdays = forms.IntegerField(label=_("延长工作日"), min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = settings.YIWANG_EXTENSION_WORKDAYS
        self.fields["workdays"].initial = allowed
        self.fields["workdays"].max_value = allowed
        self.fields["workdays"].widget.attrs["max"] = allowed
        self.fields["workdays"].help_text = _(
            "《行政许可法》第四十二条：经本行政机关负责人批准，可以延长十日。"
        )


class DeliveryForm(forms.Form):
    method = forms.ChoiceField(
        label=_("领取方式"), choices=DeliveryMethod.choices, widget=forms.RadioSelect
    )
    recipient = forms.CharField(
        label=_("收件人"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    address = forms.CharField(
        label=_("邮寄地址"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )

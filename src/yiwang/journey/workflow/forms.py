"""Forms of the back-office pages. They only shape input; the rules (who, when, how many
days) are checked by services, clocks and delivery."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Collector, Confirmation, Decision, DeliveryMethod, IdDocument, SuspensionKind

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


class UnechoedInput(forms.TextInput):
    """A text input that never renders its value back: an identity number typed by the
    clerk is not shown again after a refusal (docs/security.md: numbers are masked on
    screen); the clerk types it again."""

    def format_value(self, value):
        return None


class UnechoedHiddenInput(forms.HiddenInput):
    """The signature's PNG: after a refusal the pad starts blank, so the field does too."""

    def format_value(self, value):
        return None


class HandOverForm(forms.Form):
    """窗口领取 on one screen: who collects, their identity document, and how the collection
    is confirmed. Only shapes input: delivery.hand_over checks everything again."""

    collector = forms.ChoiceField(
        label=_("领取人"), choices=Collector.choices, widget=forms.RadioSelect, initial="applicant"
    )
    agent_name = forms.CharField(
        label=_("代领人姓名"), required=False, max_length=50, help_text=_("受托代领时填写。")
    )
    authorisation_checked = forms.BooleanField(
        label=_("已核验授权委托书"),
        required=False,
        help_text=_("代领时，核验申请人签署的授权委托书原件，并留存复印件。"),
    )
    id_document = forms.ChoiceField(
        label=_("领取人出示的证件"), choices=IdDocument.choices, initial="resident_id"
    )
    id_number = forms.CharField(
        label=_("证件号码"),
        max_length=30,
        help_text=_(
            "申请人本人：输入证件号码全号或后四位，与申请人登记的号码核对；代领人：输入全号。"
            "号码不会显示出来。"
        ),
        widget=UnechoedInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    confirmation = forms.ChoiceField(
        label=_("确认方式"),
        choices=Confirmation.choices,
        widget=forms.RadioSelect,
        initial="sms_code",
    )
    code = forms.CharField(
        label=_("短信验证码"),
        required=False,
        max_length=6,
        help_text=_("先点“发送验证码”，由领取人读出申请人手机收到的6位数字。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}
        ),
    )
    signature = forms.CharField(required=False, widget=UnechoedHiddenInput, max_length=500_000)

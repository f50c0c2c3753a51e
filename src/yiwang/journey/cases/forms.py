"""Forms of the apply and intake pages. They only shape and check input; every change goes
through cases.services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import conditional_escape, mark_safe
from django.utils.translation import gettext_lazy as _

from yiwang.core import official

SELF = "self"


def _with_name(text, name):
    """A choice label holding a person's or enterprise's name, the name marked Chinese on
    English pages (docs/i18n.md)."""
    return mark_safe(conditional_escape(text) % {"name": official.zh(name)})  # noqa: S308


class StartForm(forms.Form):
    """As whom (myself or an enterprise I act for) and, where there is a choice, where."""

    applicant_as = forms.ChoiceField(label=_("以谁的名义申请"), widget=forms.RadioSelect)
    place = forms.ChoiceField(label=_("办理地点"), widget=forms.RadioSelect, required=False)

    def __init__(self, *args, user, enterprises, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprises = {str(e.pk): e for e in enterprises}
        self.places = {str(p.pk): p for p in places}
        self.fields["applicant_as"].choices = [
            (SELF, _with_name(_("我本人（%(name)s）"), user.display_name)),
            *[(pk, _with_name(_("企业：%(name)s"), e.name)) for pk, e in self.enterprises.items()],
        ]
        self.fields["applicant_as"].initial = SELF
        if len(self.places) > 1:
            self.fields["place"].choices = [(pk, p.name) for pk, p in self.places.items()]
            self.fields["place"].required = True
            self.fields["place"].error_messages["required"] = _("请选择办理地点。")
        else:
            del self.fields["place"]
        self.fields["applicant_as"].error_messages.update(
            required=_("请选择以谁的名义申请。"),
            invalid_choice=_("您没有代该企业办事的有效授权，请选择列出的选项。"),
        )
        if "place" in self.fields:
            self.fields["place"].error_messages["invalid_choice"] = _("请从列出的办理地点中选择。")

    def chosen_enterprise(self):
        return self.enterprises.get(self.cleaned_data["applicant_as"])

    def chosen_place(self):
        if "place" not in self.fields:
            return None
        return self.places.get(self.cleaned_data.get("place") or "")


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因（选填）"), max_length=300, required=False)


class QueueSearchForm(forms.Form):
    q = forms.CharField(label=_("办件编号"), max_length=32, required=False)


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("不予受理的理由"),
        max_length=2000,
        help_text=_("写明依据，申请人会在不予受理决定书中看到。"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请写明不予受理的理由。")},
    )


class WalkInLookupForm(forms.Form):
    id_number = forms.CharField(
        label=_("申请人居民身份证号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("请填写身份证号码。")},
    )


class WalkInStartForm(forms.Form):
    item_code = forms.CharField(
        label=_("事项编码"),
        max_length=40,
        required=False,
        help_text=_("如 SCJ-XK-0005；办理一件事时留空并在下面选择。"),
    )
    bundle_code = forms.ChoiceField(label=_("或选择一件事"), required=False)

    def __init__(self, *args, bundles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bundle_code"].choices = [
            ("", _("（不选）")),
            *[(b.code, b.name) for b in bundles],
        ]

    def clean(self):
        data = super().clean()
        if bool(data.get("item_code", "").strip()) == bool(data.get("bundle_code")):
            raise ValidationError(_("请填写一个事项编码，或选择一件事（二选一）。"), code="one_of")
        return data

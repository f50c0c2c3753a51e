from django import forms
from django.utils.translation import gettext_lazy as _


class ShareForm(forms.Form):
    valid_for = forms.ChoiceField(
        label=_("链接有效期"),
        choices=[("1h", _("1小时")), ("1d", _("1天")), ("7d", _("7天"))],
        initial="1d",
        widget=forms.RadioSelect,
    )


class RevokeForm(forms.Form):
    # The revoke and replace forms share a page: their ids must differ.
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "revoke_%s")
        super().__init__(*args, **kwargs)

    reason = forms.CharField(
        label=_("注销原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReplaceForm(forms.Form):
    """One optional input per 照面字段: what is filled changes, what is empty stays."""

    reason = forms.CharField(
        label=_("换发原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, licence, **kwargs):
        kwargs.setdefault("auto_id", "replace_%s")
        super().__init__(*args, **kwargs)
        self.names = list(licence.license_type.fields)
        for n, name in enumerate(self.names):
            self.fields[f"f{n}"] = forms.CharField(label=name, required=False, max_length=500)

    def changes(self) -> dict:
        return {
            name: self.cleaned_data[f"f{n}"].strip()
            for n, name in enumerate(self.names)
            if self.cleaned_data.get(f"f{n}", "").strip()
        }

    def field_rows(self):
        return [self[f"f{n}"] for n in range(len(self.names))]


class ConfirmForm(forms.Form):
    """The fields a draft still lacks, each required; the rest were filled from the case."""

    def __init__(self, *args, licence, **kwargs):
        super().__init__(*args, **kwargs)
        self.names = []
        for n, name in enumerate(licence.license_type.fields):
            if not str(licence.data.get(name, "") or "").strip():
                self.names.append(name)
                self.fields[f"f{n}"] = forms.CharField(label=name, max_length=500)

    def data_to_fill(self) -> dict:
        return {field.label: self.cleaned_data[key].strip() for key, field in self.fields.items()}

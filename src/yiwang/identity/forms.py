"""Page forms. They only collect input; the rules live in identity.services."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


def _passwords_match(form, cleaned: dict, first: str, second: str) -> dict:
    """A new password is typed twice; the second field says when they differ."""
    one, two = cleaned.get(first), cleaned.get(second)
    if one and two and one != two:
        form.add_error(second, _("两次输入的密码不一致。"))
    return cleaned


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _("用户名或密码不正确。请注意密码区分大小写。"),
        "inactive": _("该账户已停用，请联系政务服务中心。"),
    }


class RegistrationForm(forms.Form):
    real_name = forms.CharField(
        label=_("真实姓名"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("居民身份证号码"),
        max_length=20,
        help_text=_("18位，最后一位可能是X。号码加密保存，页面上只显示部分数字。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        help_text=_("我们会向这个号码发送验证码。"),
        widget=forms.TextInput(attrs={"autocomplete": "tel-national", "inputmode": "numeric"}),
    )
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("登录时使用，可以是字母、数字或 @/./+/-/_。"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        help_text=_("至少8位，不要只用数字，不要和姓名、用户名相近。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("再次输入密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    # Field names used by identity.services.check_registration → fields of this form.
    SERVICE_FIELDS = {
        "real_name": "real_name",
        "id_number": "id_number",
        "phone": "phone",
        "username": "username",
        "password": "password1",
    }

    def clean(self):
        return _passwords_match(self, super().clean(), "password1", "password2")

    def add_service_errors(self, error) -> None:
        """Put a ValidationError from register_citizen next to the fields it is about."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                name = self.SERVICE_FIELDS.get(field)
                if name is None or name not in self.errors:  # the form said it already
                    self.add_error(name, errors)
        else:
            self.add_error(None, error)


class PhoneCodeForm(forms.Form):
    code = forms.CharField(
        label=_("短信验证码"),
        min_length=6,
        max_length=6,
        help_text=_("6位数字，10分钟内有效。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}
        ),
    )


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("身份验证器上的6位动态码"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "autofocus": True,
            }
        ),
    )


class PersonLookupForm(forms.Form):
    id_number = forms.CharField(
        label=_("申请人居民身份证号码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autofocus": True}
        ),
    )


class PasswordResetRequestForm(forms.Form):
    login = forms.CharField(
        label=_("用户名或身份证号码"),
        max_length=150,
        help_text=_("注册时填写的用户名，或本人的居民身份证号码。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "spellcheck": "false", "autofocus": True}
        ),
        error_messages={"required": _("请填写用户名或身份证号码。")},
    )


class PasswordResetConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=12,
        help_text=_("6位数字，10分钟内有效。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": _("请填写短信验证码。")},
    )
    new_password1 = forms.CharField(
        label=_("新密码"),
        strip=False,
        help_text=_("至少8位，不要只用数字，不要和姓名、用户名相近。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("请设置新密码。")},
    )
    new_password2 = forms.CharField(
        label=_("再次输入新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("请再次输入新密码。")},
    )

    def clean(self):
        return _passwords_match(self, super().clean(), "new_password1", "new_password2")

    def add_service_error(self, error) -> None:
        """Put a ValidationError from confirm_password_reset next to its field."""
        if hasattr(error, "error_dict"):
            self.add_error("new_password1", error.error_dict.get("new_password", []))
        elif error.code == "reset_code_invalid":
            self.add_error("code", error)
        else:
            self.add_error(None, error)

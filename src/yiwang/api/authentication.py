"""`Authorization: Token <key>` for apps. A token is refused when it is unknown, when it has
expired, and, where staff must confirm a TOTP code (YIWANG_REQUIRE_STAFF_OTP, always in
production), when it was issued to staff without one or its device has since been removed:
a token from a development sign-in does not carry over into production.

Kept apart from yiwang.api.auth: DRF imports authentication classes while it defines
APIView, so this module must not import any view."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def requires_otp(user) -> bool:
    """Staff confirm a TOTP code when the site requires it; the same rule as the pages'
    StaffSecondFactorMiddleware."""
    from yiwang.identity.services import is_staff_member

    return settings.YIWANG_REQUIRE_STAFF_OTP and is_staff_member(user)


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = _("API 令牌已过期，请重新登录以获取新令牌。")
    default_code = "token_expired"


class TokenNotVerified(exceptions.AuthenticationFailed):
    default_detail = _("工作人员的 API 令牌须经动态验证码验证，请使用动态验证码重新登录。")
    default_code = "token_otp_required"


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        from yiwang.identity.models import ApiToken

        try:
            token = ApiToken.objects.select_related("user", "otp_device").get(
                digest=ApiToken.digest_of(key)
            )
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("API 令牌无效，请重新登录。")) from None
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("该账号已停用。"))
        if token.is_expired(timezone.now()):
            raise TokenExpired()
        if requires_otp(user) and not _verified_by_own_device(token):
            raise TokenNotVerified()
        return (user, token)


def _verified_by_own_device(token) -> bool:
    device = token.otp_device
    return device is not None and device.confirmed and device.user_id == token.user_id

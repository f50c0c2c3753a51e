from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from . import policy
from .roles import ALL_STAFF_ROLES

# Pages a staff member may open before confirming the second factor.
_OPEN_PREFIXES = ("/static/", "/i18n/", "/logout/", "/account/otp/", "/api/")
# … and, after the second factor, before replacing a temporary password.
_PASSWORD_OPEN_PREFIXES = (*_OPEN_PREFIXES, "/account/password/")


def needs_second_factor(user) -> bool:
    if not settings.YIWANG_REQUIRE_STAFF_OTP or not policy.is_authenticated(user):
        return False
    is_staff = user.is_superuser or user.is_staff or policy.has_role(user, *ALL_STAFF_ROLES)
    return is_staff and not user.is_verified()


class StaffSecondFactorMiddleware:
    """When staff 2FA is required (always in production), a staff session that has not
    confirmed a TOTP code reaches nothing but the confirm/setup page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if needs_second_factor(request.user) and not request.path.startswith(_OPEN_PREFIXES):
            return redirect(f"{reverse('otp')}?next={request.get_full_path()}")
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """After an administrator's reset (identity.services.reset_staff_password) the user
    reaches nothing but the change-password page until they choose their own password.
    Placed after StaffSecondFactorMiddleware: staff enrol their authenticator first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            getattr(request.user, "must_change_password", False)
            and request.user.is_authenticated
            and not request.path.startswith(_PASSWORD_OPEN_PREFIXES)
        ):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('password_change')}?{query}")
        return self.get_response(request)

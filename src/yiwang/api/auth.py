"""Tokens for apps: `POST /api/v1/auth/token` signs in (password, and a TOTP code for staff
when required) and returns the user's token; `DELETE` revokes it. Pages use the session."""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from yiwang.identity import services as identity

from .authentication import requires_otp
from .problems import (
    InvalidCredentials,
    LockedOut,
    OtpRequired,
    PasswordChangeRequired,
    ProblemSerializer,
)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("工作人员的动态验证码（TOTP），当系统要求工作人员两步验证时必填。"),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=gettext_lazy("在请求头中发送：Authorization: Token <token>")
    )


class TokenView(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def get_permissions(self):
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return [AllowAny()]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: ProblemSerializer,
            403: ProblemSerializer,
            429: ProblemSerializer,
        },
        summary="获取 API 令牌",
    )
    def post(self, request):
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        username = form.validated_data["username"]
        # The Django request, so django-axes counts failures and locks out.
        http_request = request._request
        user = authenticate(
            request=http_request, username=username, password=form.validated_data["password"]
        )
        if user is None:
            if getattr(http_request, "axes_locked_out", False):
                # We answer the lockout ourselves, as problem+json; without this AxesMiddleware
                # would replace the answer with the HTML lockout page.
                http_request.axes_locked_out = False
                raise LockedOut()
            raise InvalidCredentials()
        device = None
        if requires_otp(user):
            code = (form.validated_data.get("otp") or "").strip()
            if not code:
                raise OtpRequired()
            device = identity.verify_totp(user, code)
            if device is None:
                # A wrong code counts as a failed sign-in, so guessing locks out too.
                user_login_failed.send(
                    sender=__name__, credentials={"username": username}, request=http_request
                )
                http_request.axes_locked_out = False
                raise OtpRequired(_("动态验证码不正确或已过期。"))
        if user.must_change_password:
            # A temporary password set by an administrator opens the change-password page
            # and nothing else, apps included.
            raise PasswordChangeRequired()
        token = identity.issue_api_token(user, otp_device=device)
        # A sign-in like any other: updates last_login, resets axes' failure count, audits.
        user_logged_in.send(sender=type(user), request=http_request, user=user)
        return Response({"token": token})

    @extend_schema(request=None, responses={204: None}, summary="撤销自己的 API 令牌")
    def delete(self, request):
        identity.revoke_api_token(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

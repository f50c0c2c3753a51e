"""Identity endpoints: register a citizen, one's own profile and phone, the org tree.
Thin: every change goes through identity.services, every check through the policy."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from yiwang.api.helpers import ChoiceDisplay
from yiwang.api.idempotency import idempotent
from yiwang.api.problems import ProblemSerializer

from . import policy, services
from .models import OrgKind, OrgUnit, RoleGrant

# --- serializers ----------------------------------------------------------------------------


class RegistrationSerializer(serializers.Serializer):
    # Blank values pass through: the service reports every problem with the form at once.
    real_name = serializers.CharField(allow_blank=True, label=gettext_lazy("真实姓名"))
    id_number = serializers.CharField(allow_blank=True, label=gettext_lazy("身份证号码"))
    phone = serializers.CharField(allow_blank=True, label=gettext_lazy("手机号码"))
    username = serializers.CharField(allow_blank=True, label=gettext_lazy("用户名"))
    password = serializers.CharField(
        allow_blank=True,
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        label=gettext_lazy("密码"),
    )


class RoleSerializer(serializers.Serializer):
    role = serializers.CharField()
    role_name = ChoiceDisplay("role")
    org = serializers.CharField(source="org.code")
    org_name = serializers.CharField(source="org.name")


class EnterpriseSerializer(serializers.Serializer):
    name = serializers.CharField()
    uscc = serializers.CharField(help_text=gettext_lazy("统一社会信用代码"))


class ProfileSerializer(serializers.Serializer):
    username = serializers.CharField()
    kind = serializers.ChoiceField(choices=["citizen", "staff"])
    real_name = serializers.CharField()
    id_number_masked = serializers.CharField(help_text=gettext_lazy("脱敏的身份证号码"))
    phone_masked = serializers.CharField(help_text=gettext_lazy("脱敏的手机号码"))
    phone_verified_at = serializers.DateTimeField(allow_null=True)
    roles = serializers.SerializerMethodField()
    enterprises = serializers.SerializerMethodField(
        help_text=gettext_lazy("作为经办人当前有权代办的企业")
    )

    @extend_schema_field(RoleSerializer(many=True))
    def get_roles(self, user):
        grants = RoleGrant.objects.active().filter(user=user).select_related("org")
        return RoleSerializer(grants.order_by("org__path", "role"), many=True).data

    @extend_schema_field(EnterpriseSerializer(many=True))
    def get_enterprises(self, user):
        return EnterpriseSerializer(services.enterprises_of(user).order_by("name"), many=True).data


class PhoneCodeSerializer(serializers.Serializer):
    code = serializers.CharField(label=gettext_lazy("验证码"))


class IdNumberSerializer(serializers.Serializer):
    id_number = serializers.CharField()


class PasswordResetRequestSerializer(serializers.Serializer):
    login = serializers.CharField(max_length=150, label=gettext_lazy("用户名或身份证号码"))


class PasswordResetConfirmSerializer(serializers.Serializer):
    login = serializers.CharField(max_length=150, label=gettext_lazy("用户名或身份证号码"))
    code = serializers.CharField(max_length=12, label=gettext_lazy("短信验证码"))
    new_password = serializers.CharField(
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
        label=gettext_lazy("新密码"),
    )


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class OrgSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = OrgUnit
        fields = [
            "code",
            "name",
            "kind",
            "level",
            "division_code",
            "parent",
            "address",
            "phone",
            "hours",
            "is_active",
        ]


class OrgFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OrgKind.choices, required=False)
    parent = serializers.CharField(required=False, help_text=gettext_lazy("上级机构编码"))


# --- views ----------------------------------------------------------------------------------


class CitizenRegistration(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(
        request=RegistrationSerializer,
        responses={201: ProfileSerializer, 400: ProblemSerializer, 422: ProblemSerializer},
        summary="注册自然人账号",
        description="创建账号并向手机发送验证码。支持 Idempotency-Key。",
    )
    @idempotent
    def post(self, request):
        form = RegistrationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = services.register_citizen(services.Registration(**form.validated_data))
        return Response(ProfileSerializer(user).data, status=status.HTTP_201_CREATED)


class Me(APIView):
    @extend_schema(responses=ProfileSerializer, summary="我的资料")
    def get(self, request):
        return Response(ProfileSerializer(request.user).data)


class PhoneCodeThrottle(UserRateThrottle):
    scope = "phone_code"
    rate = "5/hour"  # each code is a text message someone pays for


class PhoneCodeResend(APIView):
    throttle_classes = [PhoneCodeThrottle]

    @extend_schema(
        request=None,
        responses={202: None, 400: ProblemSerializer},  # 400: no phone number on the account
        summary="重新发送手机验证码",
    )
    def post(self, request):
        if not request.user.phone:
            raise ValidationError({"phone": [_("账号没有登记手机号码。")]}, code="phone_missing")
        services.send_phone_code(request.user)
        return Response(status=status.HTTP_202_ACCEPTED)


class PhoneVerify(APIView):
    @extend_schema(
        request=PhoneCodeSerializer,
        responses={200: ProfileSerializer, 400: ProblemSerializer},
        summary="验证手机号码",
    )
    def post(self, request):
        form = PhoneCodeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.verify_phone(request.user, form.validated_data["code"])
        return Response(ProfileSerializer(request.user).data)


class PasswordResetThrottle(AnonRateThrottle):
    # Per client address in front of the service's own limits per login and per address.
    scope = "password_reset"
    rate = "10/min"

    def get_cache_key(self, request, view):
        # Signed-in callers too: the flow is for people who cannot sign in.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _reset_call(function, *args):
    """The service's throttle is a 429 like DRF's own; its other errors are 400s."""
    try:
        return function(*args)
    except DjangoValidationError as exc:
        if getattr(exc, "code", None) == "reset_throttled":
            raise Throttled(detail=exc.messages[0]) from None
        raise


class PasswordResetRequest(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetThrottle]

    @extend_schema(
        request=PasswordResetRequestSerializer,
        responses={202: DetailSerializer, 400: ProblemSerializer, 429: ProblemSerializer},
        summary="找回密码：发送短信验证码",
        description=(
            "向自然人账号登记并验证过的手机发送验证码（10分钟内有效）。无论账号是否存在、"
            "是否为工作人员账号，回答都相同。工作人员请联系管理员重设。"
        ),
    )
    def post(self, request):
        form = PasswordResetRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        _reset_call(services.request_password_reset, form.validated_data["login"])
        return Response(
            {"detail": _("如果该账户存在并已验证手机号码，验证码已发送到这个手机。")},
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetConfirm(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetThrottle]

    @extend_schema(
        request=PasswordResetConfirmSerializer,
        responses={200: DetailSerializer, 400: ProblemSerializer, 429: ProblemSerializer},
        summary="找回密码：用验证码设置新密码",
        description=(
            "验证码只能用一次，输错5次即作废。成功后该用户其他所有登录会话和 API 令牌失效。"
            "验证码错误、过期或账号不存在时，错误码都是 reset_code_invalid。"
        ),
    )
    def post(self, request):
        form = PasswordResetConfirmSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        _reset_call(
            services.confirm_password_reset, data["login"], data["code"], data["new_password"]
        )
        return Response({"detail": _("密码已重设，请用新密码登录。")})


class IdNumberReveal(APIView):
    @extend_schema(request=None, responses=IdNumberSerializer, summary="查看完整身份证号码")
    def post(self, request):
        number = services.reveal_id_number(request.user, by=request.user)
        return Response({"id_number": number})


class OrgList(generics.ListAPIView):
    """Org units within the caller's scope; staff only."""

    serializer_class = OrgSerializer
    queryset = OrgUnit.objects.all()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OrgUnit.objects.none()
        filters = OrgFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        orgs = policy.scope(self.request.user, OrgUnit.objects.select_related("parent"))
        if "kind" in filters.validated_data:
            orgs = orgs.filter(kind=filters.validated_data["kind"])
        if "parent" in filters.validated_data:
            orgs = orgs.filter(parent__code=filters.validated_data["parent"])
        return orgs.order_by("path")

    @extend_schema(
        parameters=[OrgFilterSerializer],
        responses={200: OrgSerializer(many=True), 403: ProblemSerializer},
        summary="机构列表",
    )
    def get(self, request, *args, **kwargs):
        policy.require(request.user, "workbench.use")
        return super().get(request, *args, **kwargs)


class OrgDetail(generics.RetrieveAPIView):
    serializer_class = OrgSerializer
    queryset = OrgUnit.objects.all()
    lookup_field = "code"

    def get_object(self):
        org = get_object_or_404(OrgUnit.objects.select_related("parent"), code=self.kwargs["code"])
        policy.require(self.request.user, "org.view", org)  # outside one's scope: 404
        return org

    @extend_schema(summary="机构详情", responses={200: OrgSerializer, 404: ProblemSerializer})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

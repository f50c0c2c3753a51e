"""The 12345 line's appeals over the API (docs/hotline.md, "Open311 and the API").

Citizens file an appeal from an app (channel `app`), list their own, read one with its
public timeline and rate the reply. Staff of the line (agents, dispatchers, supervisors,
handlers) list the appeals the policy lets them see, filtered by status, subject and unit,
and read one with its whole timeline — internal notes included where they may see them,
the caller only where selectors.caller_visible_to allows (never to the handling units of
a confidential 举报), the phone masked. Thin: every change goes through services, so a
forbidden move is the machine's 409 and an appeal that is not the reader's is a 404."""

import decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.api.helpers import ChoiceDisplay, TextField
from yiwang.api.helpers import validated as _valid
from yiwang.api.idempotency import idempotent
from yiwang.api.problems import ProblemSerializer
from yiwang.identity import policy
from yiwang.identity.models import OrgUnit

from . import selectors, services
from .models import (
    TYPE_BY_LABEL,
    Appeal,
    AppealStatus,
    AppealType,
    AppealUnit,
    Channel,
    Satisfaction,
    Subject,
)

ERRORS = {400: ProblemSerializer, 403: ProblemSerializer, 404: ProblemSerializer}
CONFLICTS = {**ERRORS, 409: ProblemSerializer}
NUMBER = r"^[0-9]{14,20}$"

TYPE_HELP = gettext_lazy(
    "consult 咨询、help 求助、complaint 投诉、report 举报、suggestion 建议、praise 表扬"
    "（也可用中文名称）"
)
STATUS_HELP = gettext_lazy(
    "pending 待派单、dispatched 已派单、handling 办理中、replied 待审核、answered 已答复、"
    "closed 已办结、merged 已合并、withdrawn 已撤回"
)
SATISFACTION_HELP = gettext_lazy("satisfied 满意、basic 基本满意、unsatisfied 不满意")


def _number_parameter():
    return OpenApiParameter(
        "number",
        {"type": "string", "pattern": NUMBER},
        OpenApiParameter.PATH,
        description=gettext_lazy("诉求编号（受理日期与序号，14至20位数字）"),
    )


# --- serializers ----------------------------------------------------------------------------


class AppealCreateSerializer(serializers.Serializer):
    type = serializers.CharField(max_length=12, help_text=TYPE_HELP)
    subject = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=20,
        help_text=gettext_lazy("二级诉求分类编码（如 CS-01）；不清楚可不填，由派单员确定"),
    )
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
    text = TextField(help_text=gettext_lazy("诉求内容"))
    area = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text=gettext_lazy("所在街道或社区的机构编码"),
    )
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    phone = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=20,
        help_text=gettext_lazy("联系电话；不填则用账号的手机号码"),
    )
    confidential = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("举报人信息保密：承办单位看不到举报人"),
    )
    lat = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=decimal.Decimal("-90"),
        max_value=decimal.Decimal("90"),
        required=False,
        allow_null=True,
        default=None,
        coerce_to_string=False,
    )
    long = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=decimal.Decimal("-180"),
        max_value=decimal.Decimal("180"),
        required=False,
        allow_null=True,
        default=None,
        coerce_to_string=False,
    )

    def validate_type(self, value):
        value = TYPE_BY_LABEL.get(value, value)
        if value not in AppealType.values:
            raise serializers.ValidationError(
                gettext_lazy("诉求类型应为：咨询、求助、投诉、举报、建议、表扬。"),
                code="invalid_type",
            )
        return value

    def validate(self, data):
        if (data.get("lat") is None) != (data.get("long") is None):
            raise serializers.ValidationError(
                {"long": [gettext_lazy("lat 与 long 须同时给出。")]}, code="invalid"
            )
        return data


class AppealFilterSerializer(serializers.Serializer):
    status = serializers.CharField(required=False, max_length=12, help_text=STATUS_HELP)
    subject = serializers.CharField(
        required=False, max_length=20, help_text=gettext_lazy("诉求分类编码")
    )
    unit = serializers.CharField(
        required=False,
        max_length=64,
        help_text=gettext_lazy("承办单位的机构编码（主办或协办）"),
    )

    def validate_status(self, value):
        if value and value not in AppealStatus.values:
            raise serializers.ValidationError(
                gettext_lazy("状态应为：%(values)s") % {"values": ", ".join(AppealStatus.values)},
                code="invalid_status",
            )
        return value


class AppealRatingSerializer(serializers.Serializer):
    satisfaction = serializers.CharField(max_length=12, help_text=SATISFACTION_HELP)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        help_text=gettext_lazy("评价说明"),
    )

    def validate_satisfaction(self, value):
        if value not in Satisfaction.values:
            raise serializers.ValidationError(
                gettext_lazy("满意度应为 satisfied、basic 或 unsatisfied。"),
                code="invalid_satisfaction",
            )
        return value


class HotlineSubjectRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class HotlineOrgRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class AppealSummarySerializer(serializers.Serializer):
    number = serializers.CharField(help_text=gettext_lazy("诉求编号"))
    type = serializers.CharField(help_text=TYPE_HELP)
    type_display = ChoiceDisplay("type")
    subject = HotlineSubjectRefSerializer(allow_null=True)
    title = serializers.CharField()
    status = serializers.CharField(help_text=STATUS_HELP)
    status_display = ChoiceDisplay("status")
    channel = serializers.CharField(
        help_text=gettext_lazy("phone 电话、web 网站、app 移动端/接口、board 留言板、open311")
    )
    received_at = serializers.DateTimeField()
    lead_unit = HotlineOrgRefSerializer(allow_null=True, help_text=gettext_lazy("主办单位"))
    due_on = serializers.DateField(allow_null=True, help_text=gettext_lazy("办理期限"))
    satisfaction = serializers.CharField(help_text=SATISFACTION_HELP)


class AppealEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField(help_text=gettext_lazy("环节"))
    kind_display = ChoiceDisplay("kind")
    org = serializers.SerializerMethodField(help_text=gettext_lazy("单位"))
    text = serializers.CharField()
    internal = serializers.BooleanField(help_text=gettext_lazy("仅内部可见"))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_org(self, entry) -> str | None:
        return entry.org.name if entry.org_id else None


class AppealCallerSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(help_text=gettext_lazy("已脱敏"))


class AppealUnitRowSerializer(serializers.Serializer):
    org = HotlineOrgRefSerializer()
    role = serializers.CharField(help_text=gettext_lazy("lead 主办、assist 协办"))
    role_display = ChoiceDisplay("role")
    status = serializers.CharField(
        help_text=gettext_lazy(
            "dispatched 待签收、accepted 已签收、returned 已退单、replied 已反馈"
        )
    )
    status_display = ChoiceDisplay("status")
    is_current = serializers.BooleanField()


# What only staff are shown; a citizen's answer leaves these out.
STAFF_ONLY = ("confidential", "caller", "units", "accept_by", "warning", "returns", "reopened")


class AppealDetailSerializer(AppealSummarySerializer):
    """An appeal as its reader may see it: the citizen their own, with the public timeline;
    staff with the whole timeline (internal lines where they may see notes), the units and
    the caller where selectors.caller_visible_to allows. Context: `timeline`, `staff`,
    `caller_visible`."""

    text = serializers.CharField()
    address = serializers.CharField()
    area = HotlineOrgRefSerializer(allow_null=True, help_text=gettext_lazy("所在街道或社区"))
    reply = serializers.SerializerMethodField(
        help_text=gettext_lazy("答复（市民在审核通过后才能看到）")
    )
    rated_at = serializers.DateTimeField(allow_null=True)
    can_rate = serializers.SerializerMethodField(help_text=gettext_lazy("诉求人现在可以评价"))
    timeline = serializers.SerializerMethodField()
    # Staff only (not in a citizen's answer).
    confidential = serializers.BooleanField(required=False)
    caller = serializers.SerializerMethodField(
        required=False, help_text=gettext_lazy("诉求人；保密举报对承办单位不显示（null）")
    )
    units = serializers.SerializerMethodField(required=False, help_text=gettext_lazy("承办单位"))
    accept_by = serializers.DateField(
        allow_null=True, required=False, help_text=gettext_lazy("签收期限")
    )
    warning = serializers.CharField(
        required=False, help_text=gettext_lazy("yellow 黄牌、red 红牌，空为正常")
    )
    returns = serializers.IntegerField(required=False, help_text=gettext_lazy("退单次数"))
    reopened = serializers.IntegerField(required=False, help_text=gettext_lazy("重办次数"))

    @extend_schema_field(serializers.CharField())
    def get_reply(self, appeal) -> str:
        shown = selectors.reply_shown(appeal)
        return appeal.reply if shown or self.context["staff"] else ""

    @extend_schema_field(serializers.BooleanField())
    def get_can_rate(self, appeal) -> bool:
        return appeal.status == AppealStatus.ANSWERED and not appeal.satisfaction

    @extend_schema_field(AppealEntrySerializer(many=True))
    def get_timeline(self, appeal) -> list:
        return AppealEntrySerializer(self.context["timeline"], many=True).data

    @extend_schema_field(AppealCallerSerializer(allow_null=True))
    def get_caller(self, appeal):
        if not self.context.get("caller_visible"):
            return None
        return {"name": appeal.caller_name, "phone": appeal.phone_masked}

    @extend_schema_field(AppealUnitRowSerializer(many=True))
    def get_units(self, appeal) -> list:
        return AppealUnitRowSerializer(self.context.get("units", []), many=True).data

    def to_representation(self, appeal):
        data = super().to_representation(appeal)
        if not self.context["staff"]:
            for name in STAFF_ONLY:
                data.pop(name, None)
        return data


# --- helpers --------------------------------------------------------------------------------


def _appeals():
    return Appeal.objects.select_related("subject", "lead_unit", "area")


def _load(request, number: str) -> Appeal:
    """The appeal the user may view, by its public number; a 404 for anyone else."""
    pk = Appeal.id_of_number(number)
    if pk is None:
        raise Http404
    appeal = selectors.load_for(request.user, "hotline.view", pk)
    if appeal.number != number:
        raise Http404
    return appeal


def _detail(request, appeal: Appeal, status_code=status.HTTP_200_OK) -> Response:
    user = request.user
    if appeal.citizen_id == user.pk:  # the citizen's own: what a citizen sees
        context = {"timeline": selectors.timeline(appeal, public=True), "staff": False}
        return Response(AppealDetailSerializer(appeal, context=context).data, status=status_code)
    internal = policy.can(user, "hotline.note", appeal)
    context = {
        "staff": True,
        "timeline": selectors.timeline(appeal, public=not internal),
        "caller_visible": selectors.caller_visible_to(user, appeal),
        "units": AppealUnit.objects.filter(appeal=appeal)
        .select_related("org")
        .order_by("-role", "id"),
    }
    return Response(AppealDetailSerializer(appeal, context=context).data, status=status_code)


# --- views ----------------------------------------------------------------------------------


class AppealList(generics.ListAPIView):
    """A citizen's own appeals; staff see those of their scope (identity.policy)."""

    serializer_class = AppealSummarySerializer
    queryset = Appeal.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Appeal.objects.none()
        filters = _valid(AppealFilterSerializer, self.request.query_params)
        appeals = policy.scope(self.request.user, _appeals(), "hotline.view")
        if filters.get("status"):
            appeals = appeals.filter(status=filters["status"])
        if filters.get("subject"):
            appeals = appeals.filter(subject__code=filters["subject"])
        if filters.get("unit"):
            current = AppealUnit.objects.filter(org__code=filters["unit"], is_current=True)
            appeals = appeals.filter(pk__in=current.values("appeal_id"))
        return appeals.order_by("-received_at", "-id")

    @extend_schema(
        parameters=[AppealFilterSerializer],
        summary="我的诉求 / 范围内的诉求",
        description="市民：本人提交的诉求。话务员、派单员、电子监察员和承办人：按权限范围，"
        "可按状态、分类和承办单位筛选。",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=AppealCreateSerializer,
        responses={201: AppealDetailSerializer, **ERRORS, 422: ProblemSerializer},
        summary="提交诉求",
        description="以本人名义提交诉求（渠道：移动端/接口）。返回诉求编号和公开的办理记录。"
        "支持 Idempotency-Key：重试不会重复登记。",
    )
    @idempotent
    def post(self, request):
        data = _valid(AppealCreateSerializer, request.data)
        subject = area = None
        if data["subject"]:
            subject = Subject.objects.filter(code=data["subject"]).first()
            if subject is None:
                raise serializers.ValidationError(
                    {"subject": [gettext_lazy("没有这个诉求分类。")]}, code="invalid"
                )
        if data["area"]:
            area = OrgUnit.objects.filter(code=data["area"]).first()
            if area is None:
                raise serializers.ValidationError(
                    {"area": [gettext_lazy("没有这个街道或社区。")]}, code="invalid"
                )
        user = request.user
        appeal = services.record_appeal(
            by=None,
            type=data["type"],
            text=data["text"],
            channel=Channel.APP,
            subject=subject,
            area=area,
            address=data["address"],
            caller_name=user.real_name,
            phone=data["phone"] or user.phone,
            citizen=user,
            confidential=data["confidential"],
            title=data["title"],
            lat=data["lat"],
            long=data["long"],
        )
        # As recorded, with its subject and area: nothing to read back.
        return _detail(request, appeal, status.HTTP_201_CREATED)


class AppealDetail(APIView):
    @extend_schema(
        parameters=[_number_parameter()],
        responses={200: AppealDetailSerializer, 404: ProblemSerializer},
        summary="诉求详情",
        description="市民看到本人诉求的公开办理记录（不含内部备注）；工作人员按权限看到全部"
        "记录，保密举报的举报人不向承办单位显示。返回的字段按读者不同：市民没有 caller、"
        "units 等内部字段。",
    )
    def get(self, request, number):
        return _detail(request, _load(request, number))


class AppealRating(APIView):
    @extend_schema(
        parameters=[_number_parameter()],
        request=AppealRatingSerializer,
        responses={200: AppealDetailSerializer, **CONFLICTS},
        summary="评价答复",
        description="诉求人对已答复的诉求评价：满意、基本满意即办结；第一次不满意重新办理，"
        "第二次不满意办结。不是已答复状态为 409。",
    )
    def post(self, request, number):
        data = _valid(AppealRatingSerializer, request.data)
        appeal = selectors.appeal_for_citizen(request.user, number)
        services.rate(appeal, satisfaction=data["satisfaction"], by=request.user, note=data["note"])
        return _detail(request, get_object_or_404(_appeals(), pk=appeal.pk))

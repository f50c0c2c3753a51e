"""好差评 over the API: the applicant's rating of a concluded case (logged in, or with the
signed link from the conclusion notification), the staff's scoped lists of ratings, and
the rectification of bad ones (respond, verify or return, return call). Thin: every
change goes through feedback.services, every read through feedback.selectors, so the
policy decides who sees what (404 to outsiders, 403 to insiders without the right).
A conflict with the current state (already rated, not concluded, a forbidden step of the
rectification) is a 409 problem with the service's code."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.api import problems
from yiwang.api.helpers import ChoiceDisplay
from yiwang.api.helpers import validated as _valid
from yiwang.api.problems import ProblemSerializer
from yiwang.identity import policy
from yiwang.journey.cases.models import Case
from yiwang.workdays import calendar

from . import selectors, services
from .models import BAD_LEVELS, Evaluation, Level, Rectification, RectificationStatus, reasons_for
from .templatetags.feedback_words import step_words

problems.register_codes(
    "already_rated",
    "not_concluded",
    "rate_journey",
    "callback_required",
    status=409,
)
problems.register_codes("link_expired", status=410)

ERRORS = {400: ProblemSerializer, 403: ProblemSerializer, 404: ProblemSerializer}
CONFLICTS = {**ERRORS, 409: ProblemSerializer}


# Plain fields with their values described: the enum names Level, Channel and Status are
# taken by other apps' choice sets in the schema.
LEVEL_HELP = gettext_lazy("评价等级：5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意")
STATUS_HELP = gettext_lazy("open 待整改、responded 待核实、verified 待回访、closed 已办结")


def LevelField(**kwargs):  # noqa: N802 - reads like the field class it stands for
    return serializers.IntegerField(help_text=LEVEL_HELP, **kwargs)


def ChannelField(**kwargs):  # noqa: N802
    return serializers.CharField(
        help_text=gettext_lazy("online 网上办事、window 窗口办事"), **kwargs
    )


def RectificationStatusField(**kwargs):  # noqa: N802
    return serializers.CharField(help_text=STATUS_HELP, **kwargs)


# --- serializers ----------------------------------------------------------------------------


class RatedOrgSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class RatedItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=gettext_lazy("事项编码"))
    name = serializers.CharField(
        source="published.name",
        default=None,
        allow_null=True,
        help_text=gettext_lazy("事项名称（当前发布版本）"),
    )


class RatedCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True, help_text=gettext_lazy("办件编号"))
    title = serializers.CharField()


class RatingIndicatorSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=gettext_lazy("scores 中的键"))
    label = serializers.CharField()


class RatingLevelSerializer(serializers.Serializer):
    value = LevelField()
    label = serializers.CharField()
    bad = serializers.BooleanField(help_text=gettext_lazy("差评：转责任部门整改"))


class RectificationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = RectificationStatusField()
    status_display = ChoiceDisplay("status")
    due_on = serializers.DateField(help_text=gettext_lazy("整改期限"))


class EvaluationSerializer(serializers.Serializer):
    """好差评: one rating of one concluded case."""

    id = serializers.IntegerField()
    case = RatedCaseSerializer(allow_null=True)
    level = LevelField()
    level_display = ChoiceDisplay("level")
    bad = serializers.BooleanField(source="is_bad", help_text=gettext_lazy("差评"))
    channel = ChannelField()
    channel_display = ChoiceDisplay("channel")
    scores = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=gettext_lazy("各指标评分，1–5（只有早先按指标打分的评价才有）"),
    )
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("不满意的原因（reasons 中的键）")
    )
    comment = serializers.CharField()
    via_link = serializers.BooleanField(help_text=gettext_lazy("通过短信或邮件中的链接评价"))
    rated_on = serializers.DateField(help_text=gettext_lazy("评价日期（北京时间）"))
    created_at = serializers.DateTimeField()
    department = RatedOrgSerializer(allow_null=True, help_text=gettext_lazy("责任部门"))
    place = RatedOrgSerializer(allow_null=True, help_text=gettext_lazy("办理地点"))
    item = RatedItemSerializer(allow_null=True)
    rectification = serializers.SerializerMethodField(help_text=gettext_lazy("差评整改"))

    @extend_schema_field(RectificationRefSerializer(allow_null=True))
    def get_rectification(self, evaluation):
        if not evaluation.is_bad:
            return None
        rectification = getattr(evaluation, "rectification", None)
        return RectificationRefSerializer(rectification).data if rectification else None


def _levels() -> list[dict]:
    return [
        {"value": int(level), "label": str(level.label), "bad": level in BAD_LEVELS}
        for level in sorted(Level, reverse=True)
    ]


def _indicators(channel) -> list[dict]:
    return [{"key": key, "label": label} for key, label in services.indicators_for(channel)]


class RatingFormSerializer(serializers.Serializer):
    """What to ask: the five levels and the indicators of the case's channel."""

    case = RatedCaseSerializer()
    rateable = serializers.BooleanField(
        help_text=gettext_lazy("现在可以评价：已办结的办件，尚未评价")
    )
    levels = RatingLevelSerializer(many=True)
    indicators = RatingIndicatorSerializer(
        many=True, help_text=gettext_lazy("本办件渠道的评价指标")
    )
    reasons = RatingIndicatorSerializer(
        many=True, help_text=gettext_lazy("不满意、非常不满意时可选的原因")
    )
    bad_comment_min = serializers.IntegerField(
        help_text=gettext_lazy("差评没有选择原因时，意见的最少字数")
    )
    rectification_workdays = serializers.IntegerField(
        help_text=gettext_lazy("差评转责任部门整改的期限（工作日）")
    )


class CaseEvaluationSerializer(RatingFormSerializer):
    evaluation = EvaluationSerializer(
        allow_null=True, help_text=gettext_lazy("已给出的评价；尚未评价为 null")
    )


class RateSerializer(serializers.Serializer):
    level = LevelField(min_value=1, max_value=5)
    reasons = serializers.ListField(
        child=serializers.CharField(max_length=30),
        required=False,
        default=list,
        max_length=20,
        help_text=gettext_lazy("不满意、非常不满意时的原因（表单 reasons 中的键）"),
    )
    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5),
        required=False,
        default=dict,
        help_text=gettext_lazy("已不再询问；给出时须包含本办件渠道的每一项指标，1–5 分"),
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=services.COMMENT_MAX,
        help_text=gettext_lazy("评价内容；不满意、非常不满意而没有选择原因时必填，至少5个字"),
    )


class RatingTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=gettext_lazy("评价链接 /rate/{token}/ 中的 token"))


class RateByTokenSerializer(RatingTokenSerializer, RateSerializer):
    pass


class EvaluationFilterSerializer(serializers.Serializer):
    level = serializers.IntegerField(
        required=False, min_value=1, max_value=5, help_text=gettext_lazy("评价等级 1–5")
    )
    bad = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("只看差评（true）或只看非差评（false）"),
    )
    rated_from = serializers.DateField(required=False, help_text=gettext_lazy("评价日期起"))
    rated_to = serializers.DateField(required=False, help_text=gettext_lazy("评价日期止"))


class RectificationEvaluationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = RatedCaseSerializer(allow_null=True)
    level = LevelField()
    level_display = ChoiceDisplay("level")
    comment = serializers.CharField()
    rated_on = serializers.DateField()
    place = RatedOrgSerializer(allow_null=True)
    item = RatedItemSerializer(allow_null=True)


class RectificationSerializer(serializers.Serializer):
    """差评整改, as the lists show it."""

    id = serializers.IntegerField()
    status = RectificationStatusField()
    status_display = ChoiceDisplay("status")
    department = RatedOrgSerializer(allow_null=True, help_text=gettext_lazy("整改部门"))
    evaluation = RectificationEvaluationSerializer()
    created_on = serializers.DateField(help_text=gettext_lazy("转办日期"))
    due_on = serializers.DateField(help_text=gettext_lazy("整改期限"))
    due_at = serializers.SerializerMethodField(
        help_text=gettext_lazy("整改期限的截止时刻（当日结束，北京时间）")
    )
    due_provisional = serializers.BooleanField(
        help_text=gettext_lazy("期限跨入节假日安排尚未公布的年份，暂按周末计算")
    )
    warning = serializers.CharField(help_text=gettext_lazy("预警：空为正常，red 红牌（超期）"))
    workdays_left = serializers.SerializerMethodField(
        help_text=gettext_lazy("距整改期限的工作日，负数为已超期；已核实或办结为 null")
    )
    returned_count = serializers.IntegerField(help_text=gettext_lazy("退回重新整改的次数"))
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DateTimeField())
    def get_due_at(self, rectification) -> str:
        return calendar.deadline_instant(rectification.due_on).isoformat()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_workdays_left(self, rectification) -> int | None:
        if rectification.status not in (RectificationStatus.OPEN, RectificationStatus.RESPONDED):
            return None
        return calendar.workdays_between_checked(services.today(), rectification.due_on).days

    @extend_schema_field(serializers.URLField())
    def get_url(self, rectification) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:rectification", kwargs={"pk": rectification.pk})
        )


class RectificationEventSerializer(serializers.Serializer):
    action = serializers.CharField(
        help_text=gettext_lazy("open、respond、verify、return、callback、overdue")
    )
    action_display = serializers.SerializerMethodField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.SerializerMethodField()
    at = serializers.DateTimeField()
    note = serializers.CharField()

    @extend_schema_field(serializers.CharField())
    def get_action_display(self, event) -> str:
        return step_words(event)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, event) -> str | None:
        return event.actor.display_name if event.actor_id else None


class RectificationCallbackResultSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="callback_at")
    by = serializers.CharField(source="callback_by.display_name")
    reached = serializers.BooleanField(source="callback_reached")
    satisfied = serializers.BooleanField(source="callback_satisfied", allow_null=True)
    note = serializers.CharField(source="callback_note")


class RectificationDetailSerializer(RectificationSerializer):
    evaluation = EvaluationSerializer()
    explanation = serializers.CharField(help_text=gettext_lazy("部门核实的情况"))
    measures = serializers.CharField(help_text=gettext_lazy("整改措施"))
    responded_at = serializers.DateTimeField(allow_null=True)
    responded_by = serializers.SerializerMethodField()
    verified_at = serializers.DateTimeField(allow_null=True)
    verified_by = serializers.SerializerMethodField()
    verify_note = serializers.CharField(help_text=gettext_lazy("核实意见（退回时为退回理由）"))
    callback = serializers.SerializerMethodField(help_text=gettext_lazy("回访；未回访为 null"))
    closed_at = serializers.DateTimeField(allow_null=True)
    events = serializers.SerializerMethodField(help_text=gettext_lazy("整改过程"))
    actions = serializers.SerializerMethodField(
        help_text=gettext_lazy("当前用户现在可以做的：respond、verify、callback")
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_responded_by(self, r) -> str | None:
        return r.responded_by.display_name if r.responded_by_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_verified_by(self, r) -> str | None:
        return r.verified_by.display_name if r.verified_by_id else None

    @extend_schema_field(RectificationCallbackResultSerializer(allow_null=True))
    def get_callback(self, r):
        return RectificationCallbackResultSerializer(r).data if r.callback_at else None

    @extend_schema_field(RectificationEventSerializer(many=True))
    def get_events(self, r):
        return RectificationEventSerializer(selectors.history(r), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, r) -> list[str]:
        user = self.context["request"].user
        actions = []
        if r.status == RectificationStatus.OPEN and policy.can(user, "rectification.respond", r):
            actions.append("respond")
        if policy.can(user, "rectification.verify", r):
            if r.status == RectificationStatus.RESPONDED:
                actions.append("verify")
            elif r.status == RectificationStatus.VERIFIED:
                actions.append("callback")
        return actions


class RectificationFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["open_all", *RectificationStatus.values, "all"],
        required=False,
        help_text=gettext_lazy("open_all（默认：未办结）、open、responded、verified、closed、all"),
    )
    warning = serializers.ChoiceField(
        choices=["red"], required=False, help_text=gettext_lazy("red：只看超期（红牌）")
    )


class RectificationRespondSerializer(serializers.Serializer):
    explanation = serializers.CharField(
        max_length=services.TEXT_MAX, help_text=gettext_lazy("核实的情况")
    )
    measures = serializers.CharField(
        max_length=services.TEXT_MAX, help_text=gettext_lazy("整改措施")
    )


class RectificationVerifySerializer(serializers.Serializer):
    accept = serializers.BooleanField(
        help_text=gettext_lazy("true 核实通过；false 退回部门重新整改（须写明理由）")
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.TEXT_MAX
    )


class RectificationCallbackSerializer(serializers.Serializer):
    reached = serializers.BooleanField(help_text=gettext_lazy("是否联系上群众"))
    satisfied = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("群众对整改是否满意；联系上时必填"),
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=services.TEXT_MAX,
        help_text=gettext_lazy("回访记录；未联系上或不满意时必填"),
    )


# --- helpers --------------------------------------------------------------------------------


def _rating_form(case: Case, user=None) -> dict:
    return {
        "case": case,
        "rateable": services.is_rateable(user or case.applicant, case),
        "levels": _levels(),
        "indicators": _indicators(case.channel),
        "reasons": [{"key": k, "label": str(label)} for k, label in reasons_for(case.channel)],
        "bad_comment_min": services.BAD_COMMENT_MIN,
        "rectification_workdays": settings.YIWANG_RECTIFICATION_WORKDAYS,
    }


def _evaluation(evaluation_id) -> Evaluation:
    return Evaluation.objects.select_related(
        "case", "department", "place", "item__published", "rectification"
    ).get(pk=evaluation_id)


def _rectification(request, pk) -> Response:
    rectification = selectors.rectification(request.user, pk)
    return Response(RectificationDetailSerializer(rectification, context={"request": request}).data)


# --- the applicant --------------------------------------------------------------------------


class CaseEvaluation(APIView):
    def _case(self, request, pk) -> Case:
        case = get_object_or_404(Case.objects.select_related("applicant"), pk=pk)
        if not services.may_rate(request.user, case):
            raise Http404
        return case

    @extend_schema(
        responses={200: CaseEvaluationSerializer, 404: ProblemSerializer},
        summary="办件的评价",
        description="申请人（或有权查看的企业经办人）查看办件的评价；尚未评价时 evaluation 为"
        " null，并给出要问的五个等级和本办件渠道（网上办事、窗口办事）的评价指标。"
        "他人的办件为 404。",
    )
    def get(self, request, pk):
        case = self._case(request, pk)
        evaluation = selectors.evaluation_of(case)
        data = {**_rating_form(case, request.user), "evaluation": evaluation}
        return Response(CaseEvaluationSerializer(data, context={"request": request}).data)

    @extend_schema(
        request=RateSerializer,
        responses={201: EvaluationSerializer, **CONFLICTS},
        summary="评价办件（好差评）",
        description="办结（准予、容缺准予、不予许可）或不予受理的办件，由申请人评价一次："
        "五级评价，本渠道的每项指标 1–5 分。不满意、非常不满意须写明原因，并转责任部门"
        "整改（期限为若干个工作日）。再次评价为 409 already_rated，未办结为 409 not_concluded。",
    )
    def post(self, request, pk):
        self._case(request, pk)
        data = _valid(RateSerializer, request.data)
        evaluation = services.rate(pk, by=request.user, **data)
        return Response(
            EvaluationSerializer(_evaluation(evaluation.pk)).data, status=status.HTTP_201_CREATED
        )


class EvaluationByToken(APIView):
    """The link in the conclusion notification: no login, the token stands for the
    applicant; one rating spends it."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("token", str, required=True, description="评价链接中的 token")
        ],
        responses={200: RatingFormSerializer, 400: ProblemSerializer, 410: ProblemSerializer},
        summary="评价链接：要问的内容",
        description="无需登录。链接无效为 400 link_invalid，过期为 410 link_expired。",
    )
    def get(self, request):
        case = services.read_token(request.query_params.get("token", ""))
        return Response(RatingFormSerializer(_rating_form(case)).data)

    @extend_schema(
        request=RateByTokenSerializer,
        responses={
            201: EvaluationSerializer,
            400: ProblemSerializer,
            409: ProblemSerializer,
            410: ProblemSerializer,
        },
        summary="通过评价链接评价",
        description="无需登录：办结通知（短信、邮件、站内消息）中的链接带有签名的 token，"
        "有效期内可用一次。已用过为 409 already_rated，过期为 410 link_expired，"
        "无效为 400 link_invalid。",
    )
    def post(self, request):
        data = _valid(RateByTokenSerializer, request.data)
        token = data.pop("token")
        evaluation = services.rate_by_token(token, **data)
        return Response(
            EvaluationSerializer(_evaluation(evaluation.pk)).data, status=status.HTTP_201_CREATED
        )


# --- staff ----------------------------------------------------------------------------------


class EvaluationList(generics.ListAPIView):
    """Ratings of the services the user may see, newest first."""

    serializer_class = EvaluationSerializer
    queryset = Evaluation.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Evaluation.objects.none()
        filters = _valid(EvaluationFilterSerializer, self.request.query_params)
        return selectors.evaluations(
            self.request.user,
            level=filters.get("level"),
            bad=filters.get("bad"),
            date_from=filters.get("rated_from"),
            date_to=filters.get("rated_to"),
        ).select_related("rectification")

    @extend_schema(
        parameters=[EvaluationFilterSerializer],
        responses={
            200: EvaluationSerializer(many=True),
            400: ProblemSerializer,
            403: ProblemSerializer,
        },
        summary="好差评列表",
        description="部门工作人员看本部门（含下级）的评价；电子监察员看其辖区："
        "办理地点或责任部门在辖区内的。",
    )
    def get(self, request, *args, **kwargs):
        policy.require(request.user, "evaluation.view")
        return super().get(request, *args, **kwargs)


class RectificationList(generics.ListAPIView):
    """差评整改, the most urgent first."""

    serializer_class = RectificationSerializer
    queryset = Rectification.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Rectification.objects.none()
        filters = _valid(RectificationFilterSerializer, self.request.query_params)
        chosen = filters.get("status", "open_all")
        return selectors.rectifications(
            self.request.user,
            status=selectors.OPEN if chosen == "open_all" else chosen,
            red=filters.get("warning") == "red",
        )

    @extend_schema(
        parameters=[RectificationFilterSerializer],
        responses={
            200: RectificationSerializer(many=True),
            400: ProblemSerializer,
            403: ProblemSerializer,
        },
        summary="差评整改列表",
    )
    def get(self, request, *args, **kwargs):
        policy.require(request.user, "rectification.view")
        return super().get(request, *args, **kwargs)


class RectificationDetail(APIView):
    @extend_schema(
        responses={200: RectificationDetailSerializer, 404: ProblemSerializer},
        summary="差评整改详情",
    )
    def get(self, request, pk):
        return _rectification(request, pk)


class RectificationRespond(APIView):
    @extend_schema(
        request=RectificationRespondSerializer,
        responses={200: RectificationDetailSerializer, **CONFLICTS},
        summary="反馈整改情况",
        description="责任部门（审批负责人、审核员）写明核实情况和整改措施：待整改 → 待核实。",
    )
    def post(self, request, pk):
        data = _valid(RectificationRespondSerializer, request.data)
        services.respond(pk, by=request.user, **data)
        return _rectification(request, pk)


class RectificationVerify(APIView):
    @extend_schema(
        request=RectificationVerifySerializer,
        responses={200: RectificationDetailSerializer, **CONFLICTS},
        summary="核实整改（通过或退回）",
        description="电子监察员核实：通过为 待核实 → 待回访；退回（须写明理由）为 待核实 → "
        "待整改，退回次数加一。",
    )
    def post(self, request, pk):
        data = _valid(RectificationVerifySerializer, request.data)
        services.verify(pk, by=request.user, **data)
        return _rectification(request, pk)


class RectificationCallback(APIView):
    @extend_schema(
        request=RectificationCallbackSerializer,
        responses={200: RectificationDetailSerializer, **CONFLICTS},
        summary="记录回访并办结",
        description="电子监察员电话回访群众并记录结果：待回访 → 已办结。每一条实名差评都须回访后"
        "才能办结（未回访不能办结）。",
    )
    def post(self, request, pk):
        data = _valid(RectificationCallbackSerializer, request.data)
        services.record_callback(pk, by=request.user, **data)
        return _rectification(request, pk)

"""Supervision orders (督办单) over the API: the list in the user's scope, issuing one, an
order with its history, and the department's response, the supervisor's close and send
back. Thin: `orders` changes and checks the policy, `order_selectors` reads, so outsiders
get 404 and insiders without the right 403. A move the order's state forbids (respond
twice, close an unanswered order, anything on a closed one) is a 409 problem with the
code `invalid_order_transition`."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.api import problems
from yiwang.api.helpers import ChoiceDisplay
from yiwang.api.helpers import absolute_url as _url
from yiwang.api.helpers import display_name as _name
from yiwang.api.helpers import validated as _valid
from yiwang.api.idempotency import idempotent
from yiwang.api.problems import ProblemSerializer
from yiwang.identity import policy
from yiwang.identity.models import OrgUnit
from yiwang.journey.cases.api import CaseOrgSerializer
from yiwang.journey.cases.models import Case, Warning
from yiwang.workdays import calendar

from . import order_selectors as selectors
from . import orders
from .models import OrderStatus, SupervisionOrder

problems.register_codes("order_open", status=409)

ERRORS = {400: ProblemSerializer, 403: ProblemSerializer, 404: ProblemSerializer}
CONFLICTS = {**ERRORS, 409: ProblemSerializer}
HISTORY_ACTIONS = [
    ("issued", gettext_lazy("督办")),
    ("responded", gettext_lazy("部门反馈")),
    ("sent_back", gettext_lazy("退回重办")),
    ("closed", gettext_lazy("办结")),
    ("overdue", gettext_lazy("超期未反馈（红牌）")),
]
ORDER_ACTIONS = [
    ("respond", gettext_lazy("反馈")),
    ("close", gettext_lazy("办结")),
    ("send_back", gettext_lazy("退回重办")),
]


# --- serializers ----------------------------------------------------------------------------


class OrderCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True, help_text=gettext_lazy("办件编号"))
    title = serializers.CharField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField())
    def get_url(self, case) -> str:
        return _url(self.context["request"], "api:case", case.pk)


class OrderSerializer(serializers.Serializer):
    """督办单: a supervisor's order to a department, with its deadline and response."""

    id = serializers.IntegerField()
    number = serializers.CharField(help_text=gettext_lazy("督办单号"))
    status = serializers.ChoiceField(
        choices=OrderStatus.choices,
        help_text=gettext_lazy("issued 待反馈、responded 已反馈、closed 已办结"),
    )
    status_display = ChoiceDisplay("status")
    department = CaseOrgSerializer(help_text=gettext_lazy("督办部门"))
    case = OrderCaseSerializer(allow_null=True, help_text=gettext_lazy("相关办件；部门督办为空"))
    subject = serializers.CharField(help_text=gettext_lazy("督办事由"))
    requirement = serializers.CharField(help_text=gettext_lazy("督办要求"))
    issued_by = serializers.SerializerMethodField(help_text=gettext_lazy("督办人"))
    issued_at = serializers.DateTimeField()
    due_on = serializers.DateField(help_text=gettext_lazy("反馈期限"))
    due_at = serializers.SerializerMethodField(
        help_text=gettext_lazy("反馈期限的截止时刻（当日结束，北京时间）")
    )
    due_provisional = serializers.BooleanField(
        help_text=gettext_lazy("期限跨入节假日安排尚未公布的年份，暂按周末计算")
    )
    warning = serializers.ChoiceField(
        choices=Warning.choices,
        help_text=gettext_lazy("预警：空为正常，red 红牌（超过反馈期限未反馈，办结后清除）"),
    )
    workdays_left = serializers.SerializerMethodField(
        help_text=gettext_lazy("待反馈时距反馈期限的工作日，负数为已超期；其他状态为空")
    )
    deadline_words = serializers.SerializerMethodField(
        help_text=gettext_lazy("期限情况的文字说明，如“剩余3个工作日”“已超期2个工作日”")
    )
    response = serializers.CharField(help_text=gettext_lazy("办理情况（部门反馈）"))
    responded_by = serializers.SerializerMethodField()
    responded_at = serializers.DateTimeField(allow_null=True)
    closed_by = serializers.SerializerMethodField()
    closed_at = serializers.DateTimeField(allow_null=True)
    close_note = serializers.CharField(help_text=gettext_lazy("办结意见"))
    url = serializers.SerializerMethodField()

    def _clock(self, order) -> dict:
        cache = self.context.setdefault("clocks", {})
        if order.pk not in cache:
            cache[order.pk] = selectors.clock(order)
        return cache[order.pk]

    @extend_schema_field(serializers.CharField())
    def get_issued_by(self, order) -> str:
        return order.issued_by.display_name

    @extend_schema_field(serializers.DateTimeField())
    def get_due_at(self, order) -> str:
        return calendar.deadline_instant(order.due_on).isoformat()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_workdays_left(self, order) -> int | None:
        return self._clock(order)["days"] if order.status == OrderStatus.ISSUED else None

    @extend_schema_field(serializers.CharField())
    def get_deadline_words(self, order) -> str:
        return str(self._clock(order)["words"])

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_responded_by(self, order) -> str | None:
        return _name(order.responded_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_closed_by(self, order) -> str | None:
        return _name(order.closed_by)

    @extend_schema_field(serializers.URLField())
    def get_url(self, order) -> str:
        return _url(self.context["request"], "api:supervision-order", order.pk)


class OrderEventSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=HISTORY_ACTIONS)
    action_display = serializers.CharField(source="words")
    at = serializers.DateTimeField()
    actor = serializers.CharField(help_text=gettext_lazy("操作人；超期由系统标记"))
    note = serializers.CharField(help_text=gettext_lazy("督办要求、办理情况、退回理由或办结意见"))
    due_on = serializers.CharField(
        allow_blank=True, help_text=gettext_lazy("本次设定的反馈期限（督办、改期的退回）")
    )


class OrderDetailSerializer(OrderSerializer):
    """The order with its history (oldest first) and what the requester may do now."""

    history = serializers.SerializerMethodField(help_text=gettext_lazy("督办过程"))
    actions = serializers.SerializerMethodField(
        help_text=gettext_lazy("当前用户现在可以做的操作：respond、close、send_back")
    )

    @extend_schema_field(OrderEventSerializer(many=True))
    def get_history(self, order):
        return OrderEventSerializer(selectors.history(order), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(ORDER_ACTIONS)))
    def get_actions(self, order) -> list[str]:
        user = self.context["request"].user
        if order.status == OrderStatus.ISSUED:
            return ["respond"] if policy.can(user, "supervision_order.respond", order) else []
        if order.status == OrderStatus.RESPONDED:
            if policy.can(user, "supervision_order.issue", order):
                return ["close", "send_back"]
        return []


class OrderFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["open", *OrderStatus.values, "all"],
        required=False,
        help_text=gettext_lazy("open（默认：待反馈和已反馈）、issued、responded、closed、all"),
    )
    overdue = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("true 只列超期（红牌）的督办单")
    )
    case = serializers.IntegerField(required=False, help_text=gettext_lazy("办件 id"))


class IssueSerializer(serializers.Serializer):
    department = serializers.CharField(
        required=False,
        help_text=gettext_lazy("督办部门的机构编码；督办办件时可不填，默认为办件的主管部门"),
    )
    case = serializers.IntegerField(required=False, help_text=gettext_lazy("相关办件 id"))
    subject = serializers.CharField(
        required=False,
        max_length=200,
        help_text=gettext_lazy("督办事由；督办办件时可不填，默认为办件编号和事项名称"),
    )
    requirement = serializers.CharField(help_text=gettext_lazy("督办要求"))
    workdays = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=orders.MAX_WORKDAYS,
        help_text=gettext_lazy("反馈期限（工作日）；不填为系统设置的默认值"),
    )


class RespondSerializer(serializers.Serializer):
    response = serializers.CharField(help_text=gettext_lazy("办理情况"))


class CloseSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=gettext_lazy("办结意见")
    )


class SendBackSerializer(serializers.Serializer):
    note = serializers.CharField(help_text=gettext_lazy("退回理由"))
    workdays = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=orders.MAX_WORKDAYS,
        help_text=gettext_lazy("新的反馈期限（从今天起的工作日）；不填沿用原期限"),
    )


# --- helpers --------------------------------------------------------------------------------


def _detail(request, pk, code=status.HTTP_200_OK) -> Response:
    order = selectors.order(request.user, pk)
    return Response(OrderDetailSerializer(order, context={"request": request}).data, status=code)


# --- endpoints ------------------------------------------------------------------------------


class OrderList(generics.ListAPIView):
    """The orders in the user's scope: a supervisor's subtree, a chief's department."""

    serializer_class = OrderSerializer
    queryset = SupervisionOrder.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SupervisionOrder.objects.none()
        filters = _valid(OrderFilterSerializer, self.request.query_params)
        wanted = filters.get("status", "open")
        return selectors.orders_for(
            self.request.user,
            status="" if wanted == "open" else wanted,
            overdue=filters.get("overdue", False),
            case=filters.get("case"),
        )

    @extend_schema(
        parameters=[OrderFilterSerializer],
        responses={200: OrderSerializer(many=True), 400: ProblemSerializer, 403: ProblemSerializer},
        summary="督办单列表",
    )
    def get(self, request, *args, **kwargs):
        policy.require(request.user, "supervision_order.view")
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=IssueSerializer,
        responses={201: OrderDetailSerializer, **CONFLICTS},
        summary="发督办单",
        description="电子监察员向其范围内的部门发督办单（或督办其范围内办理的办件），"
        "反馈期限按工作日计算；部门负责人收到站内消息和短信。同一办件对同一部门已有未办结的"
        "督办单时为 409 order_open。支持 Idempotency-Key。",
    )
    @idempotent
    def post(self, request):
        data = _valid(IssueSerializer, request.data)
        user = request.user
        policy.require(user, "supervision_order.issue")
        case = None
        if data.get("case"):
            case = get_object_or_404(Case.objects.select_related("department"), pk=data["case"])
            policy.require(user, "case.view", case)
        department = None
        if data.get("department"):
            department = OrgUnit.objects.filter(code=data["department"]).first()
            if department is None:
                raise serializers.ValidationError(
                    {"department": [_("没有这个机构编码。")]}, code="department_unknown"
                )
        subject = data.get("subject", "")
        if not subject and case is not None:
            subject = _("办件 %(number)s %(title)s") % {
                "number": case.number or "",
                "title": case.title,
            }
        order = orders.issue(
            user,
            department,
            subject,
            data["requirement"],
            case=case,
            workdays=data.get("workdays"),
        )
        response = _detail(request, order.pk, status.HTTP_201_CREATED)
        response["Location"] = _url(request, "api:supervision-order", order.pk)
        return response


class OrderDetail(APIView):
    @extend_schema(
        responses={200: OrderDetailSerializer, 404: ProblemSerializer}, summary="督办单详情"
    )
    def get(self, request, pk):
        return _detail(request, pk)


class OrderRespond(APIView):
    @extend_schema(
        request=RespondSerializer,
        responses={200: OrderDetailSerializer, **CONFLICTS},
        summary="反馈督办单",
        description="督办部门的审批负责人反馈办理情况；督办人收到站内消息。",
    )
    def post(self, request, pk):
        data = _valid(RespondSerializer, request.data)
        orders.respond(pk, request.user, data["response"])
        return _detail(request, pk)


class OrderClose(APIView):
    @extend_schema(
        request=CloseSerializer,
        responses={200: OrderDetailSerializer, **CONFLICTS},
        summary="办结督办单",
        description="电子监察员认可反馈，督办单办结，红牌清除。",
    )
    def post(self, request, pk):
        data = _valid(CloseSerializer, request.data)
        orders.close(pk, request.user, data["note"])
        return _detail(request, pk)


class OrderSendBack(APIView):
    @extend_schema(
        request=SendBackSerializer,
        responses={200: OrderDetailSerializer, **CONFLICTS},
        summary="退回重办",
        description="电子监察员对反馈不满意，写明理由退回部门重新办理（可给新的反馈期限）；"
        "此前的反馈保留在督办过程中。",
    )
    def post(self, request, pk):
        data = _valid(SendBackSerializer, request.data)
        orders.send_back(pk, request.user, data["note"], workdays=data.get("workdays"))
        return _detail(request, pk)

"""The service hall over the API (kiosks, mini-programs, the window's client): the halls and
their categories and taking a number, open to anyone; a number's status by the token of its
page; and the window's steps for staff. Thin: every change goes through halls.services, so
the policy decides who acts where (404 to outsiders, 403 to insiders without the right). A
conflict with the current state (hall closed, window busy, a forbidden step) is a 409
problem with the service's code."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from yiwang.api import problems
from yiwang.api.helpers import ChoiceDisplay
from yiwang.api.helpers import validated as _valid
from yiwang.api.idempotency import idempotent
from yiwang.api.problems import ProblemSerializer
from yiwang.identity import policy
from yiwang.journey.cases.models import Case

from . import services
from .models import (
    CLAIMABLE_LANES,
    Hall,
    ServiceCategory,
    Ticket,
    TicketChannel,
    TicketStatus,
    Window,
)

problems.register_codes(
    "hall_closed",
    "category_not_served_today",
    "ticket_already_waiting",
    "window_not_open",
    "window_busy",
    "staff_at_other_window",
    status=409,
)
problems.register_codes("not_your_window", "not_hall_staff", status=403)

# Who takes a number through the API (an appointment's check-in goes through its own door),
# and the lanes staff may confirm (named once, for the schema's enum).
TAKING_CHANNELS = [TicketChannel.KIOSK, TicketChannel.MOBILE, TicketChannel.STAFF]
CLAIMED_LANES = sorted(CLAIMABLE_LANES)
ERRORS = {400: ProblemSerializer, 403: ProblemSerializer, 404: ProblemSerializer}
CONFLICTS = {**ERRORS, 409: ProblemSerializer}
LANE_HELP = gettext_lazy(
    "appointment 预约、elderly 70岁以上老人、disabled 残疾人、pregnant 孕妇、serviceman 军人、"
    "normal 普通"
)
STATUS_HELP = gettext_lazy(
    "waiting 等候中、called 已叫号、serving 办理中、done 已办结、no_show 过号、closed 已关闭、"
    "cancelled 已取消"
)


# --- serializers ----------------------------------------------------------------------------


class HallSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(source="org.code", help_text=gettext_lazy("机构编码"))
    name = serializers.CharField()
    address = serializers.CharField(source="org.address")
    phone = serializers.CharField(source="org.phone", help_text=gettext_lazy("咨询电话"))
    hours = serializers.CharField(source="hours_text", help_text=gettext_lazy("办公时间"))
    schedule = serializers.DictField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.CharField())),
        help_text=gettext_lazy('每周办公时间：ISO 星期（"1" 周一 … "7" 周日）→ [开始, 结束]'),
    )
    open_now = serializers.SerializerMethodField(
        help_text=gettext_lazy("现在是否在办公时间（含节假日与调休）")
    )

    @extend_schema_field(serializers.BooleanField())
    def get_open_now(self, hall) -> bool:
        return services.is_open(hall)


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    letter = serializers.CharField(help_text=gettext_lazy("号码字母"))
    name = serializers.CharField()
    default_minutes = serializers.IntegerField(help_text=gettext_lazy("平均办理时间（分钟）"))
    waiting = serializers.IntegerField(help_text=gettext_lazy("今天正在等候的人数"))
    served_today = serializers.BooleanField(help_text=gettext_lazy("今天是否办理"))


class TakeTicketSerializer(serializers.Serializer):
    category = serializers.IntegerField(help_text=gettext_lazy("业务类别 id"))
    # A plain field with its values described: the enum name Channel is the case's.
    channel = serializers.CharField(
        default=TicketChannel.KIOSK,
        max_length=12,
        help_text=gettext_lazy("kiosk 自助取号机（默认）、mobile 手机、staff 工作人员代取"),
    )

    def validate_channel(self, value):
        if value not in TAKING_CHANNELS:
            raise serializers.ValidationError(
                gettext_lazy("取号方式应为 kiosk、mobile 或 staff。"), code="invalid_channel"
            )
        return value

    id_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=gettext_lazy("身份证号码（选填）：年满70周岁走老年人通道；不保存号码本身"),
    )
    phone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=gettext_lazy("手机号码（选填）：快到时短信提醒，下班后删除"),
    )
    lane_claims = serializers.ListField(
        child=serializers.ChoiceField(choices=CLAIMED_LANES),
        required=False,
        default=list,
        max_length=3,
        help_text=gettext_lazy("工作人员核实的优先通道：disabled、pregnant、serviceman"),
    )
    case = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("关联的办件 id")
    )


class TicketStatusSerializer(serializers.Serializer):
    """What a ticket's public page shows: no personal data."""

    number = serializers.CharField(help_text=gettext_lazy("号码，如 A012"))
    hall = serializers.CharField(source="hall.name")
    category = serializers.CharField(source="category.name")
    status = serializers.CharField(help_text=STATUS_HELP)
    status_display = ChoiceDisplay("status")
    priority = serializers.BooleanField(source="is_priority", help_text=gettext_lazy("优先通道"))
    taken_at = serializers.DateTimeField()
    ahead = serializers.SerializerMethodField(help_text=gettext_lazy("前面还有几人（等候中才有）"))
    estimated_wait_seconds = serializers.SerializerMethodField(
        help_text=gettext_lazy("预计还要等候的秒数（等候中才有）")
    )
    window = serializers.SerializerMethodField(help_text=gettext_lazy("叫号窗口号"))
    close_reason = serializers.CharField()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_ahead(self, ticket) -> int | None:
        return services.ahead_of(ticket) if ticket.status == TicketStatus.WAITING else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_estimated_wait_seconds(self, ticket) -> int | None:
        return services.estimate_wait(ticket) if ticket.status == TicketStatus.WAITING else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_window(self, ticket) -> int | None:
        return ticket.window.number if ticket.window_id else None


class TakenTicketSerializer(TicketStatusSerializer):
    token = serializers.CharField(
        help_text=gettext_lazy("本号页面的密钥（二维码），只在取号时给出一次")
    )
    estimate_seconds = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("取号时预计的等候秒数")
    )


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    letter = serializers.CharField()
    name = serializers.CharField()


class StaffTicketSerializer(serializers.Serializer):
    """A ticket as the window sees it."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    category = CategoryRefSerializer()
    lane = serializers.CharField(help_text=LANE_HELP)
    lane_display = ChoiceDisplay("lane")
    lane_reason = serializers.CharField(help_text=gettext_lazy("优先的理由，普通号为空"))
    status = serializers.CharField(help_text=STATUS_HELP)
    status_display = ChoiceDisplay("status")
    window = serializers.SerializerMethodField()
    call_count = serializers.IntegerField(help_text=gettext_lazy("叫号次数"))
    taken_at = serializers.DateTimeField()
    called_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    case = serializers.IntegerField(source="case_id", allow_null=True)
    appointment_code = serializers.CharField()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_window(self, ticket) -> int | None:
        return ticket.window.number if ticket.window_id else None


class WindowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField(help_text=gettext_lazy("窗口号"))
    name = serializers.CharField(source="__str__")
    kind = serializers.CharField(help_text=gettext_lazy("comprehensive 综合窗口、dedicated 专窗"))
    status = serializers.CharField(
        help_text=gettext_lazy("closed 未开放、open 服务中、paused 暂停")
    )
    status_display = ChoiceDisplay("status")
    staff = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_staff(self, window) -> str | None:
        return window.staff.display_name if window.staff_id else None


class TransferSerializer(serializers.Serializer):
    category = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("转至业务类别 id")
    )
    window = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("转至窗口 id")
    )


class StartSerializer(serializers.Serializer):
    case = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("窗口受理的办件 id")
    )


# --- public ---------------------------------------------------------------------------------


class TicketThrottle(AnonRateThrottle):
    # Per client address, for people without an account; staff and signed-in citizens are
    # limited by the one-waiting-number-per-category rule instead.
    scope = "hall_ticket"
    rate = "30/min"


def _hall(pk) -> Hall:
    return get_object_or_404(Hall.objects.select_related("org"), pk=pk, is_active=True)


class HallList(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = HallSerializer
    queryset = Hall.objects.none()

    def get_queryset(self):
        return Hall.objects.filter(is_active=True).select_related("org").order_by("org_path")

    @extend_schema(
        summary="服务大厅列表", description="无需登录。各政务服务中心、便民服务中心和社区服务站。"
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class HallCategories(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: CategorySerializer(many=True), 404: ProblemSerializer},
        summary="大厅的业务类别",
        description="无需登录。每个类别今天是否办理、正在等候的人数。",
    )
    def get(self, request, pk):
        hall = _hall(pk)
        weekday = services.local().isoweekday()
        today = services.local().date()
        categories = hall.categories.filter(is_active=True).annotate(
            waiting=Count("tickets", filter=Q(tickets__status="waiting", tickets__day=today))
        )
        rows = [
            {
                "id": c.pk,
                "letter": c.letter,
                "name": c.name,
                "default_minutes": c.default_minutes,
                "waiting": c.waiting,
                "served_today": c.is_served_on(weekday),
            }
            for c in categories
        ]
        return Response(CategorySerializer(rows, many=True).data)


class HallTickets(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [TicketThrottle]

    @extend_schema(
        request=TakeTicketSerializer,
        responses={
            201: TakenTicketSerializer,
            **CONFLICTS,
            422: ProblemSerializer,
            429: ProblemSerializer,
        },
        summary="取号",
        description="无需登录（自助取号机、手机）。给出身份证号码时，年满70周岁走老年人通道；"
        "残疾人、孕妇、军人通道由工作人员核实后代取（lane_claims）。返回号码、预计等候时间和"
        "本号页面的 token（只给一次）。不在办公时间为 409 hall_closed，今天不办理该类别为 409 "
        "category_not_served_today，同一人在该类别已有等候中的号为 409 ticket_already_waiting。"
        "支持 Idempotency-Key。",
    )
    @idempotent
    def post(self, request, pk):
        hall = _hall(pk)
        data = _valid(TakeTicketSerializer, request.data)
        category = get_object_or_404(ServiceCategory, pk=data["category"], hall=hall)
        case = None
        if data["case"] is not None:
            case = get_object_or_404(Case.objects.select_related("applicant"), pk=data["case"])
            policy.require(request.user, "case.view", case)
        ticket = services.take_ticket(
            hall,
            category,
            channel=data["channel"],
            by=request.user,
            id_number=data.get("id_number") or None,
            phone=data.get("phone") or None,
            lane_claims=data["lane_claims"],
            case=case,
        )
        return Response(TakenTicketSerializer(ticket).data, status=status.HTTP_201_CREATED)


class TicketByToken(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("token", str, required=True, description="取号时给出的 token")
        ],
        responses={200: TicketStatusSerializer, 404: ProblemSerializer},
        summary="按 token 查看排队号",
        description="无需登录：号码、状态、前面还有几人、预计等候时间、叫号窗口。不含个人信息。",
    )
    def get(self, request):
        ticket = services.ticket_by_token(request.query_params.get("token", ""))
        return Response(TicketStatusSerializer(ticket).data)


# --- staff ----------------------------------------------------------------------------------


def _window(request, pk) -> Window:
    window = get_object_or_404(Window.objects.select_related("hall", "staff"), pk=pk)
    policy.require(request.user, "hall.view", window)
    return window


def _ticket(request, pk) -> Ticket:
    ticket = get_object_or_404(Ticket.objects.select_related("hall", "category", "window"), pk=pk)
    policy.require(request.user, "hall.view", ticket)
    return ticket


def _staff_ticket(ticket) -> Response:
    fresh = Ticket.objects.select_related("category", "window").get(pk=ticket.pk)
    return Response(StaffTicketSerializer(fresh).data)


class HallWindows(APIView):
    @extend_schema(
        responses={200: WindowSerializer(many=True), **ERRORS},
        summary="大厅的窗口",
        description="大厅工作人员和电子监察员：窗口号、类型、状态和当前工作人员。",
    )
    def get(self, request, pk):
        hall = _hall(pk)
        policy.require(request.user, "hall.view", hall)
        windows = hall.windows.select_related("hall", "staff")
        return Response(WindowSerializer(windows, many=True).data)


class WindowCallNext(APIView):
    @extend_schema(
        request=None,
        responses={200: StaffTicketSerializer, 204: None, **CONFLICTS},
        summary="叫下一个号",
        description="本窗口的下一个号：按大厅的优先通道顺序，同一通道先到先叫；连续叫了若干个"
        "优先号后叫等得最久的普通号。没有人等候时为 204。窗口未开放为 409 window_not_open，"
        "还有号在窗口为 409 window_busy，不是本窗口的工作人员为 403 not_your_window。",
    )
    def post(self, request, pk):
        ticket = services.call_next(_window(request, pk), by=request.user)
        if ticket is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return _staff_ticket(ticket)


def _window_step(name, summary, description):
    function = getattr(services, name)

    class Step(APIView):
        @extend_schema(
            request=None,
            responses={200: WindowSerializer, **CONFLICTS},
            summary=summary,
            description=description,
        )
        def post(self, request, pk):
            window = _window(request, pk)
            if name == "open_window":
                window = function(window, request.user)
            else:
                window = function(window, by=request.user)
            return Response(WindowSerializer(window).data)

    Step.__name__ = Step.__qualname__ = "Window" + name.split("_")[0].title()
    return Step


WindowOpen = _window_step(
    "open_window", "开窗", "当前用户在本窗口签到并开始服务（暂停后恢复也用它）。"
)
WindowPause = _window_step("pause_window", "暂停服务", "暂停期间本窗口不叫号。")
WindowClose = _window_step(
    "close_window", "关窗", "签退。窗口还有号时为 409 window_busy，请先办结、标记过号或转出。"
)


def _ticket_step(name, summary, description):
    function = getattr(services, name)

    class Step(APIView):
        @extend_schema(
            request=None,
            responses={200: StaffTicketSerializer, **CONFLICTS},
            summary=summary,
            description=description,
        )
        def post(self, request, pk):
            return _staff_ticket(function(_ticket(request, pk), by=request.user))

    Step.__name__ = Step.__qualname__ = "Ticket" + "".join(p.title() for p in name.split("_"))
    return Step


TicketRecall = _ticket_step("recall", "重呼", "再叫一次本窗口正在叫的号。")
TicketNoShow = _ticket_step("mark_no_show", "过号", "叫号后没有人来：标记过号，窗口可叫下一个。")
TicketFinish = _ticket_step("finish_service", "办结", "本号办理完毕，窗口可叫下一个。")


class TicketStart(APIView):
    @extend_schema(
        request=StartSerializer,
        responses={200: StaffTicketSerializer, **CONFLICTS},
        summary="开始办理",
        description="群众已到窗口；可关联窗口受理的办件。",
    )
    def post(self, request, pk):
        ticket = _ticket(request, pk)
        data = _valid(StartSerializer, request.data)
        case = None
        if data["case"] is not None:
            case = get_object_or_404(Case, pk=data["case"])
        return _staff_ticket(services.start_service(ticket, by=request.user, case=case))


class TicketTransfer(APIView):
    @extend_schema(
        request=TransferSerializer,
        responses={200: StaffTicketSerializer, **CONFLICTS},
        summary="转号",
        description="把本窗口的号转到本大厅的另一个业务类别或窗口（只选一个），保留原来的取号"
        "时间，不用重新排队。",
    )
    def post(self, request, pk):
        ticket = _ticket(request, pk)
        data = _valid(TransferSerializer, request.data)
        category = window = None
        if data["category"] is not None:
            category = get_object_or_404(ServiceCategory, pk=data["category"])
        if data["window"] is not None:
            window = get_object_or_404(Window, pk=data["window"])
        moved = services.transfer(ticket, by=request.user, category=category, window=window)
        return _staff_ticket(moved)

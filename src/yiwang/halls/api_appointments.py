"""Appointments over the API (mini-programs, the kiosk): a category's slots, open to anyone;
booking (`Idempotency-Key`), the citizen's own appointments, cancelling and moving one; and
checking in at the hall for a ticket. Thin: every change goes through halls.appointments;
a refusal is a problem with the service's code (409 for a conflict with the slot's or the
appointment's state)."""

import datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.api import problems
from yiwang.api.helpers import ChoiceDisplay
from yiwang.api.helpers import validated as _valid
from yiwang.api.idempotency import idempotent
from yiwang.api.problems import ProblemSerializer
from yiwang.catalog.models import ServiceItem
from yiwang.identity import policy
from yiwang.journey.cases.models import Case

from . import appointments
from .api import CONFLICTS, ERRORS, TakenTicketSerializer, TicketThrottle, _hall
from .models import Appointment, ServiceCategory

problems.register_codes(
    "slot_full",
    "slot_unavailable",
    "same_slot",
    "appointment_exists",
    "too_many_appointments",
    "booking_suspended",
    "past_cutoff",
    "check_in_wrong_day",
    "check_in_too_early",
    "check_in_too_late",
    "already_checked_in",
    status=409,
)
problems.register_codes("appointment_not_found", status=404)

APPOINTMENT_STATUS_HELP = gettext_lazy(
    "booked 已预约、checked_in 已签到、cancelled 已取消、no_show 爽约"
)


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    label = serializers.CharField(help_text=gettext_lazy("如 10:00-10:30"))
    capacity = serializers.IntegerField(help_text=gettext_lazy("本时段名额"))
    left = serializers.IntegerField(help_text=gettext_lazy("剩余名额"))


class SlotQuerySerializer(serializers.Serializer):
    category = serializers.IntegerField(help_text=gettext_lazy("业务类别 id"))
    day = serializers.DateField(help_text=gettext_lazy("日期，如 2025-03-04"))


class BookSerializer(serializers.Serializer):
    category = serializers.IntegerField(help_text=gettext_lazy("业务类别 id"))
    starts_at = serializers.DateTimeField(help_text=gettext_lazy("时段开始时间（见时段列表）"))
    item = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text=gettext_lazy("事项编码（选填）")
    )
    case = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("关联的办件 id（选填，如到窗口递交原件）"),
    )
    id_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=gettext_lazy("工作人员为现场群众预约时填写其身份证号码；不保存号码本身"),
    )
    phone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=gettext_lazy("接收预约码和提醒短信的手机号码（选填）"),
    )


class RescheduleSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(help_text=gettext_lazy("新时段的开始时间"))


class CheckInSerializer(serializers.Serializer):
    code = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text=gettext_lazy("预约码")
    )
    id_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=gettext_lazy("或身份证号码（仅限大厅工作人员）：签到本人今天在本大厅的预约"),
    )


class AppointmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text=gettext_lazy("预约码：到大厅签到时出示"))
    hall = serializers.CharField(source="hall.name")
    hall_id = serializers.IntegerField()
    category = serializers.CharField(source="category.name")
    category_id = serializers.IntegerField()
    item = serializers.CharField(source="item.code", allow_null=True, default=None)
    case = serializers.IntegerField(source="case_id", allow_null=True)
    day = serializers.DateField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    status = serializers.CharField(help_text=APPOINTMENT_STATUS_HELP)
    status_display = ChoiceDisplay("status")
    ticket = serializers.CharField(
        source="ticket.number",
        allow_null=True,
        default=None,
        help_text=gettext_lazy("签到后的号码"),
    )


class CheckedInSerializer(TakenTicketSerializer):
    late = serializers.BooleanField(help_text=gettext_lazy("迟到：按普通号排队"))
    explanation = serializers.CharField()


def _appointment(request, pk) -> Appointment:
    found = get_object_or_404(
        Appointment.objects.select_related("hall", "category", "item", "ticket"), pk=pk
    )
    policy.require(request.user, "appointment.view", found)
    return found


def _fresh(appointment) -> Response:
    row = Appointment.objects.select_related("hall", "category", "item", "ticket").get(
        pk=appointment.pk
    )
    return Response(AppointmentSerializer(row).data)


class HallSlots(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("category", int, required=True, description="业务类别 id"),
            OpenApiParameter("day", datetime.date, required=True, description="日期"),
        ],
        responses={200: SlotSerializer(many=True), 400: ProblemSerializer, 404: ProblemSerializer},
        summary="可预约时段",
        description="无需登录。某业务类别某天还能预约的时段和剩余名额：按大厅办公时间（节假日"
        "无时段，调休上班日照常）切分；已过去、离现在不足截止时间或超出可预约天数的时段不列出。",
    )
    def get(self, request, pk):
        hall = _hall(pk)
        query = _valid(SlotQuerySerializer, request.query_params)
        category = get_object_or_404(ServiceCategory, pk=query["category"], hall=hall)
        rows = appointments.slots(hall, category, query["day"])
        return Response(SlotSerializer(rows, many=True).data)


class AppointmentList(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = AppointmentSerializer
    queryset = Appointment.objects.none()

    def get_queryset(self):
        return (
            Appointment.objects.filter(citizen_id=self.request.user.pk)
            .select_related("hall", "category", "item", "ticket")
            .order_by("-starts_at", "-pk")
        )

    @extend_schema(summary="我的预约", description="当前用户的预约，最近的在前。")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=BookSerializer,
        responses={201: AppointmentSerializer, **CONFLICTS, 422: ProblemSerializer},
        summary="预约",
        description="预约某业务类别的一个时段（可指定事项或关联办件）。名额已满为 409 slot_full，"
        "时段不可预约为 409 slot_unavailable，同一事项已有预约为 409 appointment_exists，当天次数"
        "已满为 409 too_many_appointments，因爽约暂停预约为 409 booking_suspended（说明到哪天）。"
        "工作人员为现场群众预约时填写 id_number 和 phone。支持 Idempotency-Key。",
    )
    @idempotent
    def post(self, request):
        data = _valid(BookSerializer, request.data)
        category = get_object_or_404(
            ServiceCategory.objects.select_related("hall"), pk=data["category"], is_active=True
        )
        item = None
        if data.get("item"):
            item = get_object_or_404(ServiceItem, code=data["item"].strip().upper())
        case = None
        if data["case"] is not None:
            case = get_object_or_404(Case, pk=data["case"])
            policy.require(request.user, "case.view", case)
        appointment = appointments.book(
            category,
            data["starts_at"],
            by=request.user,
            item=item,
            case=case,
            id_number=data.get("id_number") or None,
            phone=data.get("phone") or None,
        )
        response = _fresh(appointment)
        response.status_code = status.HTTP_201_CREATED
        return response


class AppointmentDetail(APIView):
    @extend_schema(responses={200: AppointmentSerializer, **ERRORS}, summary="预约详情")
    def get(self, request, pk):
        return _fresh(_appointment(request, pk))


class AppointmentCancel(APIView):
    @extend_schema(
        request=None,
        responses={200: AppointmentSerializer, **CONFLICTS},
        summary="取消预约",
        description="截止时间前可取消（409 past_cutoff），名额退回。",
    )
    def post(self, request, pk):
        return _fresh(appointments.cancel(_appointment(request, pk), by=request.user))


class AppointmentReschedule(APIView):
    @extend_schema(
        request=RescheduleSerializer,
        responses={200: AppointmentSerializer, **CONFLICTS},
        summary="改约",
        description="改到同一业务类别的另一时段，预约码不变；截止时间前可改（409 past_cutoff）。",
    )
    def post(self, request, pk):
        appointment = _appointment(request, pk)
        data = _valid(RescheduleSerializer, request.data)
        moved = appointments.reschedule(appointment, data["starts_at"], by=request.user)
        return _fresh(moved)


class HallCheckIn(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [TicketThrottle]

    @extend_schema(
        request=CheckInSerializer,
        responses={201: CheckedInSerializer, **CONFLICTS, 429: ProblemSerializer},
        summary="预约签到取号",
        description="预约当天、时段开始前30分钟起，凭预约码（登录的群众可不填；身份证号码仅限大厅工作人员）"
        "签到，取得预约优先通道的号；开始15分钟后到的按普通号排队（late）。找不到预约为 404 "
        "appointment_not_found；不是当天、太早或时段已过为 409 check_in_wrong_day / "
        "check_in_too_early / check_in_too_late。",
    )
    def post(self, request, pk):
        hall = _hall(pk)
        data = _valid(CheckInSerializer, request.data)
        ticket = appointments.check_in(
            hall,
            code=data.get("code", ""),
            id_number=data.get("id_number") or None,
            citizen=request.user if policy.is_authenticated(request.user) else None,
            by=request.user,
        )
        ticket.hall = hall
        return Response(CheckedInSerializer(ticket).data, status=status.HTTP_201_CREATED)

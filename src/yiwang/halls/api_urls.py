"""Included by yiwang.api.urls under /api/v1/ in the `api` namespace."""

from django.urls import path

from . import api, api_appointments

urlpatterns = [
    path("halls", api.HallList.as_view(), name="halls"),
    path("halls/<id:pk>/categories", api.HallCategories.as_view(), name="hall-categories"),
    path("halls/<id:pk>/tickets", api.HallTickets.as_view(), name="hall-tickets"),
    path("halls/<id:pk>/windows", api.HallWindows.as_view(), name="hall-windows"),
    path("tickets/by-token", api.TicketByToken.as_view(), name="ticket-by-token"),
    path("windows/<id:pk>/call-next", api.WindowCallNext.as_view(), name="window-call-next"),
    path("windows/<id:pk>/open", api.WindowOpen.as_view(), name="window-open"),
    path("windows/<id:pk>/pause", api.WindowPause.as_view(), name="window-pause"),
    path("windows/<id:pk>/close", api.WindowClose.as_view(), name="window-close"),
    path("tickets/<id:pk>/recall", api.TicketRecall.as_view(), name="ticket-recall"),
    path("tickets/<id:pk>/no-show", api.TicketNoShow.as_view(), name="ticket-no-show"),
    path("tickets/<id:pk>/transfer", api.TicketTransfer.as_view(), name="ticket-transfer"),
    path("tickets/<id:pk>/start", api.TicketStart.as_view(), name="ticket-start"),
    path("tickets/<id:pk>/finish", api.TicketFinish.as_view(), name="ticket-finish"),
    # Appointments (预约).
    path("halls/<id:pk>/slots", api_appointments.HallSlots.as_view(), name="hall-slots"),
    path("halls/<id:pk>/check-in", api_appointments.HallCheckIn.as_view(), name="hall-check-in"),
    path("appointments", api_appointments.AppointmentList.as_view(), name="appointments"),
    path("appointments/<id:pk>", api_appointments.AppointmentDetail.as_view(), name="appointment"),
    path(
        "appointments/<id:pk>/cancel",
        api_appointments.AppointmentCancel.as_view(),
        name="appointment-cancel",
    ),
    path(
        "appointments/<id:pk>/reschedule",
        api_appointments.AppointmentReschedule.as_view(),
        name="appointment-reschedule",
    ),
]

"""Included by yiwang.api.urls under /api/v1/ in the `api` namespace."""

from django.urls import path

from . import api

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
]

"""The hall's public pages: the kiosk, the display board, a ticket followed on a phone."""

from django.urls import path

from . import rating_views, views_public

urlpatterns: list = [
    path("hall/<int:hall_id>/kiosk/", views_public.kiosk, name="hall_kiosk"),
    path("hall/<int:hall_id>/board/", views_public.board, name="hall_board"),
    path("hall/<int:hall_id>/board/state/", views_public.board_state, name="hall_board_state"),
    path("hall/ticket/<str:token>/", views_public.ticket_page, name="hall_ticket"),
    path("hall/ticket/<str:token>/state/", views_public.ticket_state, name="hall_ticket_state"),
    path("hall/ticket/<str:token>/cancel/", views_public.ticket_cancel, name="hall_ticket_cancel"),
    # 好差评 of a window's service: the tablet at the window and the citizen's phone.
    path("hall/rate/<str:token>/", rating_views.rate, name="hall_rate"),
]

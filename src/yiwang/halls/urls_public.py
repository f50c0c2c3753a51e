"""The hall's public pages."""

from django.urls import path

from . import rating_views

urlpatterns: list = [
    # 好差评 of a window's service: the tablet at the window and the citizen's phone.
    path("hall/rate/<str:token>/", rating_views.rate, name="hall_rate"),
]

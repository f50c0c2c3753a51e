"""The hall's booking pages (预约): from an item's guide or a case, the citizen's own
appointments, and the window's booking for a walk-in."""

from django.urls import path

from . import views_booking as views

urlpatterns = [
    path("book/<str:code>/", views.book, name="book_appointment"),
    path("my/appointments/", views.my_appointments, name="my_appointments"),
    path("my/appointments/<id:pk>/cancel/", views.cancel, name="appointment_cancel"),
    path(
        "my/appointments/<id:pk>/reschedule/",
        views.reschedule,
        name="appointment_reschedule",
    ),
    path("workbench/halls/appointments/new/", views.walk_in, name="hall_book_walk_in"),
]

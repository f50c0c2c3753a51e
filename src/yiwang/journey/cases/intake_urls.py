from django.urls import path

from . import views_intake as views

urlpatterns = [
    path("", views.intake_queue, name="intake_queue"),
    path("new/", views.walk_in, name="intake_walk_in"),
    path("<id:pk>/", views.intake_case, name="intake_case"),
    path("<id:pk>/accept/", views.intake_accept, name="intake_accept"),
    path("<id:pk>/supplement/", views.intake_supplement, name="intake_supplement"),
    path("<id:pk>/refuse/", views.intake_refuse, name="intake_refuse"),
]

"""The hall's window pages: the window staff's workbench (叫号)."""

from django.urls import path

from . import views_window as views

urlpatterns = [
    path("workbench/window/", views.workbench, name="window_workbench"),
    path("workbench/window/<id:pk>/", views.screen, name="window_screen"),
    path("workbench/window/<id:pk>/queue/", views.queue, name="window_queue"),
    path("workbench/window/<id:pk>/<slug:action>/", views.act, name="window_act"),
]

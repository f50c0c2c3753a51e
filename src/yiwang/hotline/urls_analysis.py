"""Supervision of the line (docs/hotline.md, "Supervision, hotspots and the weekly report"):
hotspots, overdue and returned appeals with 督办, the units' weekly ranking and report."""

from django.urls import path

from . import views_analysis as views

urlpatterns = [
    path("workbench/hotline/hotspots/", views.hotspot_list, name="hotline_hotspots"),
    path("workbench/hotline/hotspots/<id:pk>/", views.hotspot_detail, name="hotline_hotspot"),
    path("workbench/hotline/supervision/", views.supervision, name="hotline_supervision"),
    path(
        "workbench/hotline/supervision/<id:pk>/order/",
        views.supervise_appeal,
        name="hotline_supervise",
    ),
    path("workbench/hotline/ranking/", views.unit_ranking, name="hotline_ranking"),
    path("workbench/hotline/report/", views.weekly_report, name="hotline_report"),
]

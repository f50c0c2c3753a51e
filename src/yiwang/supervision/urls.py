"""Pages of 电子监察. Figures (dashboard, drill-down, ranking) are listed here; supervision
orders have their own module."""

from django.urls import path

from . import order_urls, views

urlpatterns: list = [
    path("workbench/supervision/", views.dashboard, name="supervision_dashboard"),
    path("workbench/supervision/cases/", views.cases, name="supervision_cases"),
    path("workbench/supervision/ranking/", views.ranking, name="supervision_ranking"),
    *order_urls.urlpatterns,
]

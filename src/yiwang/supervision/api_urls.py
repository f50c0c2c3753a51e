"""Included by yiwang.api.urls under /api/v1/ in the `api` namespace."""

from django.urls import path

from . import api, order_api_urls

urlpatterns: list = [
    path("supervision/dashboard", api.SupervisionDashboard.as_view(), name="supervision-dashboard"),
    path("supervision/ranking", api.SupervisionRanking.as_view(), name="supervision-ranking"),
    path("supervision/cases", api.SupervisionCases.as_view(), name="supervision-cases"),
    *order_api_urls.urlpatterns,
]

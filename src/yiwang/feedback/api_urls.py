"""Included by yiwang.api.urls under /api/v1/ in the `api` namespace."""

from django.urls import path

from . import api

urlpatterns = [
    path("cases/<id:pk>/evaluation", api.CaseEvaluation.as_view(), name="case-evaluation"),
    path("evaluations", api.EvaluationList.as_view(), name="evaluations"),
    path("evaluations/by-token", api.EvaluationByToken.as_view(), name="evaluation-by-token"),
    path("rectifications", api.RectificationList.as_view(), name="rectifications"),
    path("rectifications/<id:pk>", api.RectificationDetail.as_view(), name="rectification"),
    path(
        "rectifications/<id:pk>/respond",
        api.RectificationRespond.as_view(),
        name="rectification-respond",
    ),
    path(
        "rectifications/<id:pk>/verify",
        api.RectificationVerify.as_view(),
        name="rectification-verify",
    ),
    path(
        "rectifications/<id:pk>/callback",
        api.RectificationCallback.as_view(),
        name="rectification-callback",
    ),
]

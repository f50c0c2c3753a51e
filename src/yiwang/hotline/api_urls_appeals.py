"""Appeals over the API under /api/v1/hotline/ (yiwang.hotline.api_appeals; docs/hotline.md,
"Open311 and the API"). Included by yiwang.api.urls in the `api` namespace."""

from django.urls import path

from . import api_appeals

urlpatterns = [
    path("hotline/appeals", api_appeals.AppealList.as_view(), name="hotline_appeals"),
    path("hotline/appeals/<str:number>", api_appeals.AppealDetail.as_view(), name="hotline_appeal"),
    path(
        "hotline/appeals/<str:number>/rating",
        api_appeals.AppealRating.as_view(),
        name="hotline_appeal_rating",
    ),
]

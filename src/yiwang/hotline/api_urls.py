"""The 12345 line's API under /api/v1/hotline/ (docs/hotline.md)."""

from django.urls import include, path

urlpatterns = [
    path("", include("yiwang.hotline.api_urls_suggestions")),
    path("", include("yiwang.hotline.api_urls_appeals")),
]

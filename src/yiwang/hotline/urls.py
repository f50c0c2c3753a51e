"""The 12345 line's pages (docs/hotline.md)."""

from django.urls import include, path

urlpatterns = [
    path("", include("yiwang.hotline.urls_console")),
    path("", include("yiwang.hotline.urls_citizen")),
    path("", include("yiwang.hotline.urls_workbench")),
    path("", include("yiwang.hotline.urls_routing")),
    path("", include("yiwang.hotline.urls_board")),
    path("", include("yiwang.hotline.urls_knowledge")),
    path("", include("yiwang.hotline.urls_analysis")),
    path("open311/", include("yiwang.hotline.urls_open311")),
]

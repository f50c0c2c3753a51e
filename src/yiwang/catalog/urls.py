from django.urls import include, path

urlpatterns = [
    path("", include("yiwang.catalog.portal_urls")),
    path("workbench/catalog/", include("yiwang.catalog.workbench_urls")),
]

from django.urls import include, path

urlpatterns = [
    path("", include("yiwang.cases.applicant_urls")),
    path("workbench/intake/", include("yiwang.cases.intake_urls")),
    path("", include("yiwang.cases.document_urls")),
]

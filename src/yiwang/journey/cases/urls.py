from django.urls import include, path

urlpatterns = [
    path("", include("yiwang.journey.cases.applicant_urls")),
    path("workbench/intake/", include("yiwang.journey.cases.intake_urls")),
    path("", include("yiwang.journey.cases.document_urls")),
]

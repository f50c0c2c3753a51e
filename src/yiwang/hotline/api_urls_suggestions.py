"""POST /api/v1/hotline/suggestions (docs/hotline.md, "Routing and the classifier")."""

from django.urls import path

from . import api_suggestions

urlpatterns = [
    path("hotline/suggestions", api_suggestions.Suggestions.as_view(), name="hotline-suggestions"),
]

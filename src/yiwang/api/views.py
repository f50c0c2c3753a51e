from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

ENDPOINTS = [
    ("token", "api:token", {}),
    ("citizens", "api:citizens", {}),
    ("password-reset", "api:password-reset", {}),
    ("me", "api:me", {}),
    ("orgs", "api:orgs", {}),
    ("messages", "api:messages", {}),
    ("items", "api:items", {}),
    ("themes", "api:themes", {}),
    ("departments", "api:departments", {}),
    ("bundles", "api:bundles", {}),
    ("cases", "api:cases", {}),
    ("intake", "api:intake", {}),
    ("tasks", "api:tasks", {}),
    ("my-licenses", "api:me-licenses", {}),
    ("license-keys", "api:license-keys", {}),
    ("evaluations", "api:evaluations", {}),
    ("rectifications", "api:rectifications", {}),
    ("supervision-dashboard", "api:supervision-dashboard", {}),
    ("supervision-ranking", "api:supervision-ranking", {}),
    ("supervision-orders", "api:supervision-orders", {}),
    ("schema", "api:schema", {}),
    ("docs", "api:docs", {}),
]


class ApiRoot(APIView):
    """What the API offers, as links."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "ApiRoot", {name: serializers.URLField() for name, _url, _kw in ENDPOINTS}
        ),
        summary="API 入口",
    )
    def get(self, request):
        return Response(
            {name: reverse(url, kwargs=kw, request=request) for name, url, kw in ENDPOINTS}
        )


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI from the sidecar's static files, with its init script served by this view
    and its page styles in a static file, so the site's strict CSP needs no exception."""

    template_name = "api/swagger_ui.html"
    title = "Yiwang API"

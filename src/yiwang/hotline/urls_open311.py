"""Open311 GeoReport v2 under /open311/v2/ (yiwang.hotline.open311; docs/hotline.md, "Open311
and the API"). Every resource ends in `.xml` or `.json`, its format."""

from django.urls import re_path

from . import open311

F = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^v2/discovery" + F, open311.discovery, name="hotline_open311_discovery"),
    re_path(r"^v2/services" + F, open311.service_list, name="hotline_open311_services"),
    re_path(
        r"^v2/services/(?P<code>[^/]+?)" + F,
        open311.service_definition,
        name="hotline_open311_service",
    ),
    re_path(r"^v2/requests" + F, open311.service_requests, name="hotline_open311_requests"),
    re_path(
        r"^v2/requests/(?P<request_id>[^/]+?)" + F,
        open311.service_request,
        name="hotline_open311_request",
    ),
    re_path(r"^v2/tokens/(?P<token_id>[^/]+?)" + F, open311.token, name="hotline_open311_token"),
    # Anything else under v2/ is GeoReport's 404, not the site's page.
    re_path(r"^v2/", open311.not_found_view),
]

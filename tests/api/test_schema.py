"""The schema at /api/schema/ is the contract (DESIGN.md §9)."""

import re

import pytest
from django.core.management import call_command
from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator


def test_schema_validates_without_warnings(tmp_path):
    # --fail-on-warn turns any inference warning or error into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_endpoint_is_in_the_schema(schema):
    assert {
        "/api/v1/",
        "/api/v1/auth/token",
        "/api/v1/citizens",
        "/api/v1/me",
        "/api/v1/me/phone/code",
        "/api/v1/me/phone/verify",
        "/api/v1/me/id-number/reveal",
        "/api/v1/orgs",
        "/api/v1/orgs/{code}",
        "/api/v1/messages",
        "/api/v1/messages/{id}/read",
    } <= set(schema["paths"])


def test_lists_are_paginated_in_the_schema(schema):
    for path in ("/api/v1/orgs", "/api/v1/messages"):
        names = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"page", "page_size"} <= names


def test_registration_documents_idempotency_key(schema):
    parameters = schema["paths"]["/api/v1/citizens"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in parameters)


def test_every_list_endpoint_paginates():
    from rest_framework.generics import ListAPIView

    from yiwang.api.pagination import PagePagination

    for pattern in get_resolver("yiwang.api.urls").url_patterns:
        view = getattr(pattern.callback, "view_class", None)
        if view and issubclass(view, ListAPIView):
            assert issubclass(view.pagination_class, PagePagination), view


def test_schema_is_served(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi: 3" in response.content


def test_root_lists_the_endpoints(client, db):
    links = client.get("/api/v1/").json()
    assert links["me"] == "http://testserver/api/v1/me"
    assert links["docs"] == "http://testserver/api/docs/"
    assert links["items"] == "http://testserver/api/v1/items"
    assert links["supervision-dashboard"] == "http://testserver/api/v1/supervision/dashboard"
    assert links["rectifications"] == "http://testserver/api/v1/rectifications"


def test_swagger_ui_uses_only_same_origin_assets(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/"), url
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp


def test_swagger_init_script_is_served_as_javascript(client, db):
    response = client.get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in response.content

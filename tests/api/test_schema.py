"""The schema at /api/schema/ is the contract."""

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


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


# A refused application form is a Problem whose `errors` list each place (JSON Pointer); a
# new draft may be refused for a request field or for the form sent with it (CreateProblem).
PROBLEMS = {
    "#/components/schemas/Problem",
    "#/components/schemas/FormProblem",
    "#/components/schemas/CreateProblem",
}


def test_every_error_is_documented_as_a_problem(schema):
    for label, operation in _operations(schema):
        for status, response in operation["responses"].items():
            if status >= "400":
                assert set(response["content"]) == {"application/problem+json"}, (label, status)
                ref = response["content"]["application/problem+json"]["schema"]["$ref"]
                assert ref in PROBLEMS, (label, status)
    for name in ["Problem", "FormProblem", "CreateProblem"]:
        assert {"type", "title", "status", "detail", "code"} <= set(
            schema["components"]["schemas"][name]["required"]
        )
    pointers = schema["components"]["schemas"]["FormProblem"]["properties"]["errors"]
    assert pointers["type"] == "array"


def test_operations_document_the_errors_they_can_answer(schema):
    def statuses(label):
        method, path = label.split(" ")
        return set(schema["paths"][path][method.lower()]["responses"])

    # A body: invalid (400), session without CSRF token (403), too large (413), wrong
    # Content-Type (415), Idempotency-Key reused (422), throttled (429).
    assert {"400", "401", "403", "406", "413", "415", "422", "429"} <= statuses(
        "POST /api/v1/citizens"
    )
    # A path parameter: not found, or control characters in it (400); a token: refused.
    assert {"400", "401", "404", "406"} <= statuses("GET /api/v1/cases/{id}")
    # No parameters at all, yet control characters in a query string are refused.
    assert statuses("GET /api/v1/me") == {"200", "400", "401", "406"}
    # A paged list: a bad page (400) or one past the last (404).
    assert {"400", "401", "404", "406"} <= statuses("GET /api/v1/themes")
    # No credentials are read and the answer is always JSON: no 401, no 406.
    assert statuses("GET /api/v1/licenses/verify") == {"200", "400"}


def test_lists_document_the_bounds_of_page_and_page_size(schema):
    for path in ("/api/v1/orgs", "/api/v1/messages", "/api/v1/items"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["page"]["schema"] == {"type": "integer", "minimum": 1}
        assert parameters["page_size"]["schema"] == {
            "type": "integer",
            "minimum": 1,
            "maximum": 100,
        }


def test_optional_query_parameters_may_be_left_empty(schema):
    # DRF reads a query string like a form: `?status=` is the same as no `status`.
    for label, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                optional = not parameter.get("required", False)
                assert parameter.get("allowEmptyValue", False) == optional, label


def test_ids_in_paths_are_bounded_and_the_idempotency_key_too(schema):
    (case_id,) = schema["paths"]["/api/v1/cases/{id}"]["get"]["parameters"]
    assert case_id["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    (key,) = [
        p for p in schema["paths"]["/api/v1/citizens"]["post"]["parameters"] if p["in"] == "header"
    ]
    assert key["schema"]["minLength"] == 1 and key["schema"]["maxLength"] == 255


def test_a_format_the_api_cannot_serve_is_the_documented_406(api, db):
    response = api.get("/api/v1/themes", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert response["Content-Type"] == "application/problem+json"

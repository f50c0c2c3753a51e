"""Every error is application/problem+json with a stable code."""

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions

from yiwang.api import problems

PROBLEM = "application/problem+json"


def handle(exc):
    return problems.exception_handler(exc, {})


def body(response):
    import json

    return json.loads(response.content)


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (exceptions.NotAuthenticated(), 401, "not_authenticated"),
        (exceptions.AuthenticationFailed(), 401, "authentication_failed"),
        (exceptions.PermissionDenied(), 403, "permission_denied"),
        (exceptions.NotFound(), 404, "not_found"),
        (exceptions.MethodNotAllowed("PUT"), 405, "method_not_allowed"),
        (exceptions.ParseError(), 400, "parse_error"),
        (exceptions.Throttled(wait=12), 429, "throttled"),
        (Http404(), 404, "not_found"),
        (DjangoPermissionDenied(), 403, "permission_denied"),
    ],
)
def test_framework_errors_become_problems_with_codes(exc, status, code):
    response = handle(exc)
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    data = body(response)
    assert data["code"] == code
    assert data["status"] == status
    assert data["type"].endswith("/" + code)
    assert data["title"] and data["detail"]


def test_throttled_problem_says_when_to_retry():
    assert handle(exceptions.Throttled(wait=12))["Retry-After"] == "12"


def test_drf_validation_error_lists_fields_with_codes():
    exc = exceptions.ValidationError({"name": [exceptions.ErrorDetail("必填", code="required")]})
    data = body(handle(exc))
    assert data["code"] == "invalid"
    assert data["errors"] == {"name": [{"code": "required", "message": "必填"}]}


def test_django_validation_error_keeps_its_codes():
    exc = DjangoValidationError(
        {"id_number": [DjangoValidationError("校验位不正确", code="id_number_checksum")]}
    )
    response = handle(exc)
    assert response.status_code == 400
    data = body(response)
    assert data["code"] == "invalid"
    assert data["errors"]["id_number"] == [
        {"code": "id_number_checksum", "message": "校验位不正确"}
    ]


def test_a_rule_about_the_whole_request_is_the_problem_code():
    data = body(handle(DjangoValidationError("验证码不正确。", code="code_wrong")))
    assert data["code"] == "code_wrong"
    assert data["detail"] == "验证码不正确。"


def test_registered_domain_error_is_mapped():
    class InvalidTransition(Exception):
        code = "invalid_transition"

    problems.register(InvalidTransition, status=409)
    response = handle(InvalidTransition("已受理的案件不能撤回。"))
    assert response.status_code == 409
    assert body(response)["code"] == "invalid_transition"


def test_unknown_exceptions_are_not_swallowed():
    assert handle(RuntimeError("boom")) is None


def test_titles_follow_the_request_language():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert body(handle(exceptions.NotFound()))["title"] == "未找到"


def test_unknown_api_path_is_a_problem_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "not_found"


def test_unknown_object_is_a_problem_404(api_as):
    response = api_as("clerk").get("/api/v1/orgs/NO-SUCH-ORG")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "not_found"


def test_forbidden_is_a_problem_403(api_as):
    response = api_as("citizen").get("/api/v1/orgs")
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "permission_denied"


def test_anonymous_is_a_problem_401(api, db):
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Token")


def test_malformed_json_is_a_parse_error(api, db):
    response = api.post("/api/v1/citizens", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_wrong_method_is_a_problem_405(api_as):
    response = api_as("citizen").delete("/api/v1/me")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"

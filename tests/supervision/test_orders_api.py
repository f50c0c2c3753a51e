# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Supervision orders over the API: the same rules as the pages, errors as problem+json
with stable codes, everything in the schema."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.journey.workflow.conftest import accepted_case, catalog, people  # noqa: F401
from tests.supervision.test_orders import issue, scj, scj_case, staff  # noqa: F401
from yiwang.supervision.models import SupervisionOrder

ORDERS = "/api/v1/supervision/orders"


@pytest.fixture
def api_for(staff):
    def make(name):
        client = APIClient()
        client.force_authenticate(staff[name])
        return client

    return make


def test_supervisor_issues_an_order_about_a_case(scj_case, api_for, staff):
    response = api_for("supervisor").post(
        ORDERS,
        {"case": scj_case.pk, "requirement": "请说明超期原因。", "workdays": 3},
        format="json",
        HTTP_IDEMPOTENCY_KEY="order-1",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    order = SupervisionOrder.objects.get()
    assert body["number"] == order.number and body["number"].startswith("DB")
    assert response["Location"].endswith(f"{ORDERS}/{order.pk}")
    assert body["department"] == {"code": "990101-SCJ", "name": "示范区市场监督管理局"}
    assert body["case"]["number"] == scj_case.number
    assert body["subject"] == f"办件 {scj_case.number} {scj_case.title}"
    assert body["status"] == "issued" and body["workdays_left"] == 3
    assert body["deadline_words"] == "剩余3个工作日"
    assert body["due_at"].endswith("+08:00")
    assert [e["action"] for e in body["history"]] == ["issued"]
    assert body["actions"] == []  # the supervisor waits for the department
    again = api_for("supervisor").post(
        ORDERS,
        {"case": scj_case.pk, "requirement": "请说明超期原因。", "workdays": 3},
        format="json",
        HTTP_IDEMPOTENCY_KEY="order-1",
    )
    assert again.status_code == 201 and SupervisionOrder.objects.count() == 1


def test_respond_close_and_send_back(scj_case, issue, api_for):
    order = issue(case=scj_case)
    url = f"{ORDERS}/{order.pk}"
    chief = api_for("chief")
    assert chief.get(url).json()["actions"] == ["respond"]
    answered = chief.post(f"{url}/respond", {"response": "已办结"}, format="json")
    assert answered.status_code == 200 and answered.json()["status"] == "responded"
    supervisor = api_for("supervisor")
    assert supervisor.get(url).json()["actions"] == ["close", "send_back"]
    back = supervisor.post(f"{url}/send-back", {"note": "不具体", "workdays": 2}, format="json")
    assert back.json()["status"] == "issued"
    chief.post(f"{url}/respond", {"response": "决定书已送达"}, format="json")
    closed = supervisor.post(f"{url}/close", {"note": "属实"}, format="json").json()
    assert closed["status"] == "closed" and closed["close_note"] == "属实"
    assert [e["action"] for e in closed["history"]] == [
        "issued",
        "responded",
        "sent_back",
        "responded",
        "closed",
    ]


def test_a_forbidden_move_is_a_409_problem_with_a_stable_code(scj_case, issue, api_for):
    order = issue(case=scj_case)
    response = api_for("supervisor").post(f"{ORDERS}/{order.pk}/close", {}, format="json")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_order_transition"


def test_a_second_open_order_on_the_same_case_is_a_conflict(scj_case, issue, api_for):
    issue(case=scj_case)
    response = api_for("supervisor").post(
        ORDERS, {"case": scj_case.pk, "requirement": "再次督办"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "order_open"


def test_outsiders_get_404_and_insiders_without_the_right_403(scj_case, issue, api_for):
    order = issue(case=scj_case)
    url = f"{ORDERS}/{order.pk}"
    assert api_for("head-cgw").get(url).status_code == 404
    respond = api_for("head-cgw").post(f"{url}/respond", {"response": "x"}, format="json")
    assert respond.status_code == 404 and respond.json()["code"] == "not_found"
    assert api_for("street-supervisor").get(url).status_code == 404
    street = api_for("street-supervisor").post(
        ORDERS, {"case": scj_case.pk, "requirement": "越权督办"}, format="json"
    )
    assert street.status_code == 404
    by_supervisor = api_for("supervisor").post(f"{url}/respond", {"response": "x"}, format="json")
    assert by_supervisor.status_code == 403
    assert api_for("citizen").get(ORDERS).status_code == 403
    assert (
        api_for("chief").post(ORDERS, {"department": "990101-SCJ", "requirement": "x"}).status_code
        == 403
    )


def test_list_is_scoped_filtered_and_paginated(scj_case, scj, issue, staff, api_for):
    about_case = issue(case=scj_case)
    department_order = issue(department=scj)
    issue(department=scj, subject="第三张")
    body = api_for("chief").get(ORDERS).json()
    assert body["count"] == 3 and {"next", "previous", "count_capped"} <= set(body)
    assert api_for("head-cgw").get(ORDERS).json()["count"] == 0
    by_case = api_for("supervisor").get(ORDERS, {"case": scj_case.pk}).json()
    assert [r["number"] for r in by_case["results"]] == [about_case.number]
    assert api_for("supervisor").get(ORDERS, {"overdue": "true"}).json()["count"] == 0
    page = api_for("supervisor").get(ORDERS, {"page_size": 1}).json()
    assert len(page["results"]) == 1 and page["next"]
    assert department_order.number in {
        r["number"] for r in api_for("supervisor").get(ORDERS).json()["results"]
    }


def test_validation_errors_name_the_field(catalog, api_for):
    response = api_for("supervisor").post(ORDERS, {"department": "990101-SCJ"}, format="json")
    assert response.status_code == 400
    assert "requirement" in response.json()["errors"]
    unknown = api_for("supervisor").post(
        ORDERS, {"department": "nope", "requirement": "x"}, format="json"
    )
    assert unknown.status_code == 400 and "department" in unknown.json()["errors"]


def test_every_order_endpoint_is_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths[ORDERS])
    for suffix in ("", "/respond", "/close", "/send-back"):
        assert f"{ORDERS}/{{id}}{suffix}" in paths
    names = {p["name"] for p in paths[ORDERS]["get"]["parameters"]}
    assert {"page", "page_size", "status", "overdue"} <= names
    assert "OrderStatusEnum" in schema["components"]["schemas"]

"""好差评 over the API: rating a case (logged in, or with the link's token), the staff's
lists, the rectification's steps; errors are problem+json with stable codes; every
endpoint is in the schema."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from yiwang.feedback import services

from .conftest import GOOD_SCORES, rate_bad


@pytest.fixture
def api_for(people):
    def make(username):
        client = APIClient()
        client.force_authenticate(people[username])
        return client

    return make


def test_the_applicant_reads_what_to_ask_then_rates(concluded_case, api_for):
    case = concluded_case()
    client = api_for("citizen")
    before = client.get(f"/api/v1/cases/{case.pk}/evaluation").json()
    assert before["evaluation"] is None and before["rateable"] is True
    assert [level["label"] for level in before["levels"]] == [
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
    ]
    assert [i["key"] for i in before["indicators"]] == list(GOOD_SCORES)

    response = client.post(
        f"/api/v1/cases/{case.pk}/evaluation",
        {"level": 4, "scores": GOOD_SCORES, "comment": "不错"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["level"] == 4 and body["level_display"] == "满意" and body["rectification"] is None
    assert body["department"]["code"] == "990101-SCJ"

    after = client.get(f"/api/v1/cases/{case.pk}/evaluation").json()
    assert after["evaluation"]["id"] == body["id"] and after["rateable"] is False

    again = client.post(
        f"/api/v1/cases/{case.pk}/evaluation",
        {"level": 5, "scores": GOOD_SCORES},
        format="json",
    )
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["code"] == "already_rated"


def test_problems_have_stable_codes(concluded_case, filed, api_for):
    case = concluded_case()
    client = api_for("citizen")
    bad = client.post(
        f"/api/v1/cases/{case.pk}/evaluation",
        {"level": 1, "scores": GOOD_SCORES, "comment": ""},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "reason_required"
    short = client.post(
        f"/api/v1/cases/{case.pk}/evaluation", {"level": 1, "comment": "慢"}, format="json"
    )
    assert short.status_code == 400 and short.json()["code"] == "comment_required"
    unknown = client.post(
        f"/api/v1/cases/{case.pk}/evaluation", {"level": 1, "reasons": ["x"]}, format="json"
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_reason"
    missing = client.post(
        f"/api/v1/cases/{case.pk}/evaluation", {"level": 5, "scores": {"overall": 5}}, format="json"
    )
    assert missing.json()["code"] == "scores_incomplete"
    running = filed()
    early = client.post(
        f"/api/v1/cases/{running.pk}/evaluation", {"level": 5, "scores": GOOD_SCORES}, format="json"
    )
    assert early.status_code == 409 and early.json()["code"] == "not_concluded"
    other = api_for("citizen2").get(f"/api/v1/cases/{case.pk}/evaluation")
    assert other.status_code == 404


def test_rating_by_token_needs_no_login(concluded_case, people):
    case = concluded_case()
    token = services.rating_token(case)
    anonymous = APIClient()
    form = anonymous.get("/api/v1/evaluations/by-token", {"token": token})
    assert form.status_code == 200 and form.json()["case"]["number"] == case.number
    response = anonymous.post(
        "/api/v1/evaluations/by-token",
        {"token": token, "level": 2, "scores": GOOD_SCORES, "comment": "等待时间太长了。"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["via_link"] is True and body["rectification"]["status"] == "open"
    used = anonymous.post(
        "/api/v1/evaluations/by-token",
        {"token": token, "level": 5, "scores": GOOD_SCORES},
        format="json",
    )
    assert used.status_code == 409 and used.json()["code"] == "already_rated"
    forged = anonymous.post(
        "/api/v1/evaluations/by-token",
        {"token": token + "x", "level": 5, "scores": GOOD_SCORES},
        format="json",
    )
    assert forged.status_code == 400 and forged.json()["code"] == "link_invalid"


def test_staff_lists_are_scoped_and_filtered(concluded_case, people, api_for):
    rate_bad(concluded_case(), people["citizen"])
    services.rate(concluded_case().pk, by=people["citizen"], level=5, scores=GOOD_SCORES)
    chief = api_for("chief")
    assert chief.get("/api/v1/evaluations").json()["count"] == 2
    bad = chief.get("/api/v1/evaluations", {"bad": "true"}).json()
    assert [e["level"] for e in bad["results"]] == [2]
    assert chief.get("/api/v1/evaluations", {"level": 5}).json()["count"] == 1
    assert api_for("head-wjw").get("/api/v1/evaluations").json()["count"] == 0
    assert api_for("citizen").get("/api/v1/evaluations").status_code == 403
    listed = chief.get("/api/v1/rectifications").json()
    assert listed["count"] == 1
    row = listed["results"][0]
    assert row["status"] == "open" and row["workdays_left"] == 5
    assert row["due_at"].endswith("+08:00")
    assert chief.get("/api/v1/rectifications", {"status": "closed"}).json()["count"] == 0
    assert chief.get("/api/v1/rectifications", {"warning": "red"}).json()["count"] == 0


def test_the_rectification_steps_over_the_api(concluded_case, people, api_for):
    rectification = rate_bad(concluded_case(), people["citizen"]).rectification
    url = f"/api/v1/rectifications/{rectification.pk}"
    chief, supervisor = api_for("chief"), api_for("supervisor")
    assert chief.get(url).json()["actions"] == ["respond"]
    assert api_for("head-wjw").get(url).status_code == 404
    early = supervisor.post(f"{url}/verify", {"accept": True}, format="json")
    assert early.status_code == 409
    assert early.json()["code"] == "invalid_rectification_transition"
    responded = chief.post(
        f"{url}/respond",
        {"explanation": "属实。", "measures": "已优化告知流程。"},
        format="json",
    )
    assert responded.status_code == 200 and responded.json()["status"] == "responded"
    assert supervisor.post(f"{url}/verify", {"accept": True}, format="json").status_code == 200
    forbidden = chief.post(f"{url}/callback", {"reached": True, "satisfied": True}, format="json")
    assert forbidden.status_code == 403
    closed = supervisor.post(
        f"{url}/callback", {"reached": True, "satisfied": True, "note": ""}, format="json"
    )
    body = closed.json()
    assert body["status"] == "closed" and body["status_display"] == "已办结"
    assert body["callback"]["satisfied"] is True
    assert [e["action"] for e in body["events"]] == ["open", "respond", "verify", "callback"]


def test_every_endpoint_is_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert {
        "/api/v1/cases/{id}/evaluation",
        "/api/v1/evaluations",
        "/api/v1/evaluations/by-token",
        "/api/v1/rectifications",
        "/api/v1/rectifications/{id}",
        "/api/v1/rectifications/{id}/respond",
        "/api/v1/rectifications/{id}/verify",
        "/api/v1/rectifications/{id}/callback",
    } <= set(schema["paths"])
    for path in ("/api/v1/evaluations", "/api/v1/rectifications"):
        names = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"page", "page_size"} <= names

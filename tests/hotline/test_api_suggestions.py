"""POST /api/v1/hotline/suggestions: the line's agents and dispatchers get subjects and
units best first; anyone else is refused; bad input is a 400 problem, never a 500."""

from pathlib import Path

import pytest
import yaml
from rest_framework.test import APIClient

from tests.hotline.factories import CGW, HEPING, QINGNIANHU, org
from yiwang.hotline import routing, subjects, suggest

DATA = Path(suggest.__file__).resolve().parents[1] / "demo" / "data" / "hotline"
URL = "/api/v1/hotline/suggestions"


@pytest.fixture
def tree(demo):
    subjects.sync(yaml.safe_load((DATA / "categories.yaml").read_text(encoding="utf-8")))
    suggest.invalidate()
    yield
    suggest.invalidate()


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("who", ["dispatcher", "agent"])
def test_the_line_gets_subjects_and_units_best_first(tree, line, who):
    answer = as_user(getattr(line, who)).post(
        URL,
        {"text": "家里暖气不热，室温只有十五度", "area": QINGNIANHU, "type": "投诉"},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert set(body) == {"subjects", "units", "assisting", "source"}
    assert len(body["subjects"]) >= 3 and len(body["units"]) >= 3
    assert body["subjects"][0] == {
        "code": "SD-05",
        "name": "供热",
        "confidence": body["subjects"][0]["confidence"],
    }
    assert body["units"][0]["code"] == CGW
    for part in ("subjects", "units"):
        confidences = [s["confidence"] for s in body[part]]
        assert confidences == sorted(confidences, reverse=True)
        assert all(0 <= c <= 1 for c in confidences)


def test_a_rule_answers_first(tree, line):
    routing.create_rule(
        by=line.dispatcher, keyword="暖气", area=org(HEPING), unit=org(HEPING), assisting=[org(CGW)]
    )
    body = (
        as_user(line.dispatcher)
        .post(URL, {"text": "暖气不热", "area": QINGNIANHU}, format="json")
        .json()
    )
    assert body["units"][0]["code"] == HEPING
    assert [a["code"] for a in body["assisting"]] == [CGW]


@pytest.mark.parametrize("who", ["handler", "supervisor", "citizen"])
def test_others_are_refused(tree, line, who):
    answer = as_user(getattr(line, who)).post(URL, {"text": "暖气不热"}, format="json")
    assert answer.status_code == 403
    assert answer["Content-Type"] == "application/problem+json"


def test_signed_out_is_401(tree):
    answer = APIClient().post(URL, {"text": "暖气不热"}, format="json")
    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": 42}, "text"),
        ({"text": ["暖气"]}, "text"),
        ({"text": "暖" * 4001}, "text"),
        ({"text": "暖气", "area": 990101001}, "area"),
        ({"text": "暖气", "area": "990101-CGW"}, "area"),  # a department is not an area
        ({"text": "暖气", "area": "x" * 65}, "area"),
        ({"text": "暖气", "type": "抱怨"}, "type"),
        ({"text": "暖气", "type": 3}, "type"),
    ],
)
def test_bad_input_is_a_400_problem(tree, line, body, field):
    answer = as_user(line.dispatcher).post(URL, body, format="json")
    assert answer.status_code == 400, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    assert field in answer.json()["errors"]


def test_control_characters_are_refused(tree, line):
    answer = as_user(line.dispatcher).post(
        URL, '{"text": "暖气\\u0000不热"}', content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "control_chars"


def test_not_json_is_refused(tree, line):
    answer = as_user(line.dispatcher).post(URL, "{text", content_type="application/json")
    assert answer.status_code == 400


def test_it_is_in_the_schema(tree, line):
    schema = as_user(line.dispatcher).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert "/api/v1/hotline/suggestions" in schema.content.decode()

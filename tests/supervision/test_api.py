# ruff: noqa: F811 (pytest fixtures imported from tests.supervision.figures)
"""The figures over the API: the dashboard, the weekly ranking and the cases behind a
figure, for supervisors only, scoped like the pages, and in the OpenAPI schema."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.supervision.figures import (  # noqa: F401 (fixtures)
    FRIDAY,
    MAIN,
    MONDAY,
    SIGN,
    STREET_ITEM,
    THURSDAY,
    TUESDAY,
    WEEK,
    catalog,
    desk,
    district,
    on,
    staff,
)

pytestmark = pytest.mark.django_db


def api_get(user, path, **params):
    client = APIClient()
    client.force_authenticate(user)
    with on(FRIDAY, 12):
        return client.get(path, params)


def test_the_dashboard_over_the_api(district, staff):
    response = api_get(staff["supervisor"], "/api/v1/supervision/dashboard", **WEEK)
    data = response.json()

    assert response.status_code == 200
    assert data["period"] == {"first": "2025-06-09", "last": "2025-06-13", "preset": "custom"}
    figures = data["figures"]
    assert (figures["received"], figures["red"], figures["concluded"]) == (4, 1, 2)
    assert figures["on_time_rate"] == 1.0
    assert figures["satisfaction_rate"] == 0.0
    assert {d["code"] for d in data["by_department"]} == {"990101-SCJ", "990101-CGW"}
    assert data["by_item"][0]["code"] == MAIN  # the red one first
    assert len(data["series"]) == 5
    assert data["series"][0] == {"day": "2025-06-09", "received": 3, "concluded": 1}


def test_the_street_supervisor_gets_their_street(district, staff):
    data = api_get(staff["street-supervisor"], "/api/v1/supervision/dashboard", **WEEK).json()
    assert data["figures"]["received"] == 1
    assert [i["code"] for i in data["by_item"]] == [STREET_ITEM]


def test_filters_and_bad_input(district, staff):
    supervisor = staff["supervisor"]
    data = api_get(
        supervisor, "/api/v1/supervision/dashboard", level="street", top=1, **WEEK
    ).json()
    assert data["figures"]["received"] == 1
    bad = api_get(supervisor, "/api/v1/supervision/dashboard", period="decade")
    assert bad.status_code == 400
    assert bad["Content-Type"].startswith("application/problem+json")


def test_the_ranking_over_the_api(district, staff, settings):
    settings.YIWANG_INTERVIEW_SATISFACTION_BELOW = 0.9
    data = api_get(staff["supervisor"], "/api/v1/supervision/ranking", week="2025-W24").json()

    assert data["week"] == "2025-W24"
    assert data["satisfaction_below"] == 0.9
    by_code = {r["code"]: r for r in data["results"]}
    assert by_code["990101-CGW"]["interview_satisfaction"] is True
    assert by_code["990101-SCJ"]["satisfaction_rate"] is None
    assert by_code["990101-SCJ"]["interview_satisfaction"] is False


def test_the_cases_behind_a_figure_over_the_api(district, staff):
    response = api_get(staff["supervisor"], "/api/v1/supervision/cases", figure="red")
    data = response.json()

    assert response.status_code == 200
    assert data["count"] == 1 and data["count_capped"] is False
    (case,) = data["results"]
    assert case["number"] == district["red"].number
    assert case["department"]["code"] == "990101-SCJ"
    assert case["url"].endswith(f"/api/v1/cases/{district['red'].pk}")
    street = api_get(staff["street-supervisor"], "/api/v1/supervision/cases", figure="red")
    assert street.json()["count"] == 0
    unknown = api_get(staff["supervisor"], "/api/v1/supervision/cases", figure="nonsense")
    assert unknown.status_code == 400


def test_only_supervisors_get_figures(district, user_named):
    for path in [
        "/api/v1/supervision/dashboard",
        "/api/v1/supervision/ranking",
        "/api/v1/supervision/cases?figure=red",
    ]:
        assert api_get(user_named("chief"), path).status_code == 403
        assert APIClient().get(path).status_code == 401


def test_the_figures_are_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert {
        "/api/v1/supervision/dashboard",
        "/api/v1/supervision/ranking",
        "/api/v1/supervision/cases",
    } <= set(paths)
    names = {p["name"] for p in paths["/api/v1/supervision/cases"]["get"]["parameters"]}
    assert {"figure", "period", "from", "to", "department", "item", "level", "page"} <= names

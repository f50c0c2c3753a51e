# ruff: noqa: F811 (pytest fixtures imported from tests.supervision.figures)
"""The figures pages: the dashboard (cards linking to their cases, tables by department and
item, Excel downloads), the drill-down list, the weekly ranking, and who may open them."""

import io

import openpyxl
import pytest
from django.test import Client

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
from yiwang.core.xlsx import XLSX_TYPE

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def get(user, url, **params):
    with on(FRIDAY, 12):
        return client_for(user).get(url, params)


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_the_dashboard_shows_figures_that_link_to_their_cases(district, staff):
    response = get(staff["supervisor"], "/workbench/supervision/", **WEEK)
    html = response.content.decode()

    assert response.status_code == 200
    assert "效能监察" in html
    assert 'data-figure="red"' in html
    assert "/workbench/supervision/cases/?figure=red" in html
    card = response.context["cards"]
    values = {c["figure"]: c["value"] for c in card}
    assert values["red"] == 1
    assert values["in_progress"] == 1
    assert values["late"] == "100.0%"  # both concluded cases on time
    assert values["bad_rating"] == "0.0%"  # one rating, bad
    assert len(card) == 10
    departments = [e["row"].code for e in response.context["department_rows"]]
    assert departments == ["990101-CGW", "990101-SCJ"]
    assert 'id="supervision-chart-data"' in html
    assert "supervision/dashboard.js" in html
    assert "<script>" not in html  # the CSP forbids inline scripts


def test_every_number_with_cases_behind_it_links_to_them(district, staff):
    response = get(staff["supervisor"], "/workbench/supervision/", **WEEK)
    scj = next(e for e in response.context["department_rows"] if e["row"].code == "990101-SCJ")
    cells = {c["name"]: c for c in scj["cells"]}

    assert cells["red"]["value"] == 1
    assert "figure=red" in cells["red"]["url"] and "department=990101-SCJ" in cells["red"]["url"]
    assert cells["yellow"]["url"] == ""  # nothing behind a zero
    assert cells["on_time_rate"]["url"] == ""  # a rate is not a list


def test_the_dashboard_is_for_supervisors_only(district, staff, user_named):
    for name in ["citizen", "clerk", "approver", "chief"]:
        assert get(user_named(name), "/workbench/supervision/").status_code == 404
        assert get(user_named(name), "/workbench/supervision/ranking/").status_code == 404
        assert (
            get(user_named(name), "/workbench/supervision/cases/", figure="red").status_code == 404
        )
    anonymous = Client().get("/workbench/supervision/")
    assert anonymous.status_code == 302


def test_the_street_supervisor_sees_their_street(district, staff):
    response = get(staff["street-supervisor"], "/workbench/supervision/", **WEEK)
    assert response.context["data"].totals.received == 1
    assert [e["row"].code for e in response.context["item_rows"]] == [STREET_ITEM]


def test_tables_download_as_excel(district, staff):
    supervisor = staff["supervisor"]
    departments = workbook(get(supervisor, "/workbench/supervision/", export="departments", **WEEK))
    items = workbook(get(supervisor, "/workbench/supervision/", export="items", **WEEK))

    assert departments[0][:3] == ["部门", "编码", "在办"]
    assert {row[1] for row in departments[1:]} == {"990101-SCJ", "990101-CGW"}
    assert items[0][0] == "事项"
    assert {row[1] for row in items[1:]} == {MAIN, SIGN, STREET_ITEM}


def test_the_drill_down_lists_the_cases_behind_the_figure(district, staff):
    response = get(staff["supervisor"], "/workbench/supervision/cases/", figure="red", **WEEK)
    html = response.content.decode()

    assert response.status_code == 200
    assert [c.pk for c in response.context["page"].object_list] == [district["red"].pk]
    assert district["red"].number in html
    assert f"/workbench/cases/{district['red'].pk}/" in html
    assert "已超期" in html  # the deadline in words, not colour alone


def test_the_drill_down_offers_a_supervision_order_when_orders_exist(district, staff):
    from django.urls import NoReverseMatch, reverse

    response = get(staff["supervisor"], "/workbench/supervision/cases/", figure="red")
    try:
        order_new = reverse("supervision_order_new")
    except NoReverseMatch:
        assert "督办" not in response.content.decode()
    else:
        assert f"{order_new}?case={district['red'].pk}" in response.content.decode()


def test_the_drill_down_of_concluded_cases_says_how_they_ended(district, staff):
    response = get(staff["supervisor"], "/workbench/supervision/cases/", figure="concluded", **WEEK)
    html = response.content.decode()
    assert response.context["page"].paginator.count == 2
    assert "按时办结" in html


def test_the_drill_down_outside_the_scope_is_empty_and_unknown_figures_are_404(district, staff):
    street = staff["street-supervisor"]
    response = get(street, "/workbench/supervision/cases/", figure="red")
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert "没有符合条件的办件" in response.content.decode()
    assert get(street, "/workbench/supervision/cases/", figure="nonsense").status_code == 404
    assert get(street, "/workbench/supervision/cases/").status_code == 404


def test_the_drill_down_downloads_as_excel(district, staff):
    rows = workbook(
        get(
            staff["supervisor"],
            "/workbench/supervision/cases/",
            figure="received",
            export="xlsx",
            **WEEK,
        )
    )
    assert rows[0][0] == "办件编号"
    assert {row[0] for row in rows[1:]} == {c.number for c in district.values()}


def test_the_ranking_page_flags_and_downloads(district, staff, settings):
    settings.YIWANG_INTERVIEW_SATISFACTION_BELOW = 0.9
    response = get(staff["supervisor"], "/workbench/supervision/ranking/", week="2025-W24")
    html = response.content.decode()

    assert response.status_code == 200
    assert "2025-W24" in html
    assert "约谈：满意率低于90.0%" in html
    assert "?week=2025-W23" in html
    rows = workbook(
        get(staff["supervisor"], "/workbench/supervision/ranking/", week="2025-W24", export="xlsx")
    )
    assert rows[0][:2] == ["名次", "部门"]
    flagged = [row for row in rows[1:] if row[8]]
    assert [row[1] for row in flagged] == ["示范区城市管理委员会"]


def test_the_workbench_links_to_the_figures_for_supervisors(district, staff, user_named):
    html = get(staff["supervisor"], "/workbench/").content.decode()
    assert "/workbench/supervision/" in html
    assert "/workbench/supervision/ranking/" in html
    assert (
        "/workbench/supervision/ranking/"
        not in get(user_named("clerk"), "/workbench/").content.decode()
    )
    nav = get(staff["supervisor"], "/workbench/supervision/").content.decode()
    assert '<a href="/workbench/supervision/" aria-current="page">' in nav

"""Where a case stands (workflow.position), one answer on every page and the API: a
concluded case has no current step, a bundle's timeline says each event once, and a
suspended case shows one "剩余" figure — the same to staff, the applicant and the API."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from yiwang.journey.workflow import clocks, position, process, selectors, services
from yiwang.workdays import calendar

from .test_pages import conclude_bundle, text
from .test_services import open_task


@pytest.fixture
def as_user(client, people):
    def log_in(name):
        client.force_login(people[name])
        return client

    return log_in


FIGURE = re.compile(r"(剩余|已超期)\d+个工作日|今天到期")


def test_a_concluded_case_has_no_current_step_and_reads_as_concluded(
    accepted_case, people, as_user
):
    case = accepted_case()
    services.complete(open_task(case).pk, by=people["approver"], decision="approve")
    services.complete(open_task(case).pk, by=people["chief"], decision="approve")
    case.refresh_from_db()
    (lane,) = process.diagram(case).main
    assert lane.state == "done"
    assert [s.state for s in lane.stages] == ["done", "done", "ready"]  # 制证: 待领取
    page = text(as_user("issuer").get(reverse("workbench_case", args=[case.pk])))
    diagram = page[page.index('id="process-title"') :]
    diagram = diagram[: diagram.index("</section>")]
    assert "当前环节" not in diagram and 'aria-current="step"' not in diagram
    assert "已办结" in diagram and "待领取或送达" in diagram


def test_a_denied_case_skips_the_rest_of_its_process(accepted_case, people):
    case = accepted_case()
    services.complete(open_task(case).pk, by=people["approver"], decision="approve")
    services.complete(open_task(case).pk, by=people["chief"], decision="deny", opinion="不符合条件")
    case.refresh_from_db()
    (lane,) = process.diagram(case).main
    assert [s.state for s in lane.stages] == ["done", "done", "skipped"]


def test_a_bundles_timeline_lists_each_event_once_on_every_page(accepted_bundle, people, as_user):
    parent = conclude_bundle(accepted_bundle(), people)
    events = list(selectors.case_progress(parent))
    for action in ("submit", "accept"):
        assert [e.case_id for e in events if e.action == action] == [parent.pk], action
    staff = text(as_user("issuer").get(reverse("workbench_case", args=[parent.pk])))
    citizen = text(as_user("citizen").get(reverse("my_case", args=[parent.pk])))
    for page in (staff, citizen):
        assert page.count("journey-event journey-accept") == 1
        assert page.count("journey-event journey-submit") == 1
        assert page.count("journey-event journey-task_pushed") == 11  # 2 + 3 items × 3
    said = [(e.case_id, e.action, e.note) for e in events]
    assert len(said) == len(set(said))


def test_a_suspended_task_shows_one_remaining_figure_to_staff_applicant_and_api(
    accepted_case, people, as_user, api_as, on_day
):
    # Accepted on a Tuesday; its first stage is due the next day, the case a week later.
    with time_machine.travel(datetime.datetime(2025, 6, 3, 10, tzinfo=calendar.SHANGHAI)):
        case = accepted_case("CGW-XK-0001")
    task = open_task(case)
    assert task.due_on < case.promised_due_on  # two deadlines, one figure
    on_day(datetime.date(2025, 6, 6))  # the stage is late, the case is not
    clocks.suspend(case.pk, by=people["reviewer-cgw"], kind="inspection", reason="现场核查")
    on_day(datetime.date(2025, 6, 11))  # the clock stays where it stopped
    case.refresh_from_db()
    expected = position.clock(case)
    assert expected.days == 2 and expected.paused
    pages = {
        "task": as_user("reviewer-cgw").get(reverse("task_detail", args=[task.pk])),
        "inbox": as_user("reviewer-cgw").get(reverse("task_inbox")),
        "case": as_user("reviewer-cgw").get(reverse("workbench_case", args=[case.pk])),
        "mine": as_user("citizen").get(reverse("my_case", args=[case.pk])),
        "list": as_user("citizen").get(reverse("my_cases")),
    }
    for name, response in pages.items():
        figures = {m.group(0) for m in FIGURE.finditer(text(response))}
        assert figures == {"剩余2个工作日"}, name
    api = api_as("reviewer-cgw")
    assert api.get(f"/api/v1/cases/{case.pk}").json()["deadlines"]["workdays_left"] == 2
    assert api.get(f"/api/v1/tasks/{task.pk}").json()["workdays_left"] == 2
    assert [t["workdays_left"] for t in api.get("/api/v1/tasks").json()["results"]] == [2]
    mine = api_as("citizen").get(f"/api/v1/cases/{case.pk}").json()
    assert mine["deadlines"]["workdays_left"] == 2


def test_my_cases_reads_every_position_in_a_fixed_number_of_queries(
    accepted_case, as_user, django_assert_max_num_queries
):
    for _ in range(3):
        accepted_case()
    client = as_user("citizen")
    client.get(reverse("my_cases"))
    with django_assert_max_num_queries(12):
        page = text(client.get(reverse("my_cases")))
    assert page.count("正在办理：示范区市场监督管理局·审查") == 3

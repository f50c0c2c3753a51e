"""The line's supervision pages: who may open them, overdue and returned appeals with 督办
(a supervision order that shows in supervision's own list), the units' weekly ranking with
its interview flags, the weekly report as Excel and PDF, and the hotspots of the demo data
with the appeals behind them."""

import datetime
import io

import openpyxl
import pytest

from tests.hotline import factories
from tests.hotline.conftest import SHANGHAI
from tests.hotline.demo_appeals import load_appeals
from tests.pdf_fonts import fonts_of, text_of
from tests.statements import exactly, fresh
from yiwang.hotline import hotspots, services, supervise
from yiwang.hotline.models import AppealEntry, AppealOrder, EntryKind, HotspotAlert
from yiwang.identity.roles import Role
from yiwang.supervision.models import SupervisionOrder

HOTSPOTS = "/workbench/hotline/hotspots/"
SUPERVISION = "/workbench/hotline/supervision/"
RANKING = "/workbench/hotline/ranking/"
REPORT = "/workbench/hotline/report/"
PAGES = [HOTSPOTS, SUPERVISION, RANKING, REPORT]
WEEK = "2026-W10"  # Monday 2 March 2026, the line fixture's day


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)


def order_url(appeal) -> str:
    return f"{SUPERVISION}{appeal.pk}/order/"


# --- who may open the pages -----------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_supervisors_and_dispatchers_open_every_page(client, line, page):
    for user in (line.supervisor, line.dispatcher):
        client.force_login(user)
        assert client.get(page).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_everyone_else_gets_404(client, line, page):
    for user in (line.agent, line.handler, line.citizen):
        client.force_login(user)
        assert client.get(page).status_code == 404
    client.logout()
    assert client.get(page).status_code == 302  # to the login page


def test_hostile_query_strings_are_answered_calmly(client, line):
    client.force_login(line.supervisor)
    for page in PAGES:
        for query in (
            {"period": "custom", "from": "2026-13-99", "to": "2026-02-30"},
            {"week": "２０２６-W10"},
            {"week": "9999-W99", "page": "-1", "show": "<script>", "dimension": "x" * 5000},
            {"format": "docx"},
        ):
            assert client.get(page, query).status_code == 200


# --- overdue and returned appeals, 督办 -------------------------------------------------------


@pytest.fixture
def overdue(line, subject, monday):
    """An appeal 城管委 accepted on Monday 2 March, due in 5 working days (9 March); the
    clock then on Thursday 12 March."""
    appeal = factories.make_appeal("handling", line=line, subject=subject)
    assert appeal.due_on == datetime.date(2026, 3, 9)
    monday.move_to(at(datetime.date(2026, 3, 12)))
    return appeal


def test_overdue_appeals_are_listed_with_their_working_days_late(client, line, overdue):
    client.force_login(line.supervisor)
    page = client.get(SUPERVISION)
    html = page.content.decode()
    assert overdue.number in html
    assert "已超期3个工作日" in html
    assert "示范区城市管理委员会" in html
    assert f'action="{order_url(overdue)}"' in html
    assert f"/workbench/hotline/appeals/{overdue.pk}/" in html  # the staff appeal page


def test_supervisor_issues_a_supervision_order_visible_in_supervision_s_list(client, line, overdue):
    client.force_login(line.supervisor)
    response = client.post(
        order_url(overdue), {"requirement": "请于三日内办结并答复。", "workdays": "3"}
    )
    assert response.status_code == 302
    order = SupervisionOrder.objects.get()
    assert order.department.code == factories.CGW
    assert overdue.number in order.subject and "超期" in order.subject
    assert order.requirement == "请于三日内办结并答复。"
    assert AppealOrder.objects.get().appeal_id == overdue.pk
    entry = AppealEntry.objects.get(appeal=overdue, kind=EntryKind.SUPERVISED)
    assert entry.internal and order.number in entry.text
    assert "已向示范区城市管理委员会发出督办单" in client.get(response["Location"]).content.decode()
    listed = client.get("/workbench/supervision/orders/").content.decode()
    assert order.number in listed
    # the list shows the order and no second 督办 while it is open
    html = client.get(SUPERVISION).content.decode()
    assert order.number in html and f'action="{order_url(overdue)}"' not in html
    again = client.post(order_url(overdue), {"requirement": "再次督办"}, follow=True)
    assert "尚未办结的督办单" in again.content.decode()
    assert SupervisionOrder.objects.count() == 1


def test_the_supervision_order_statement_count_is_pinned(line, overdue):
    supervisor = fresh(line.supervisor)
    # Savepoint, the appeal locked, the supervisor's grants, an open order to the unit?;
    # supervision.orders.issue: savepoint, the working-day calendar (overrides, published
    # years), the day's last number, the order in its own savepoint (2 + INSERT), the audit
    # event, the chiefs to tell, release; the link, the timeline entry, release.
    with exactly(17, "hotline.supervise.issue"):
        supervise.issue(overdue, by=supervisor, requirement="请尽快办结。")


def test_a_dispatcher_sees_the_list_but_cannot_issue_orders(client, line, overdue):
    """Supervision orders are the supervisors' (supervision_order.issue)."""
    client.force_login(line.dispatcher)
    html = client.get(SUPERVISION).content.decode()
    assert overdue.number in html and f'action="{order_url(overdue)}"' not in html
    assert client.post(order_url(overdue), {"requirement": "请办理"}).status_code == 404
    assert not SupervisionOrder.objects.exists()


def test_bad_input_changes_nothing(client, line, overdue):
    client.force_login(line.supervisor)
    for data in (
        {"requirement": ""},
        {"requirement": "请办理", "workdays": "９"},
        {"requirement": "请办理", "workdays": "999"},
        {"requirement": "长" * 5000},
    ):
        page = client.post(order_url(overdue), data, follow=True)
        assert page.status_code == 200
        assert 'role="alert"' in page.content.decode()
    # control characters are refused at the door, for every form (web.middleware)
    assert client.post(order_url(overdue), {"requirement": "请办理\u0007"}).status_code == 400
    assert not SupervisionOrder.objects.exists()
    assert client.post(f"{SUPERVISION}999999/order/", {"requirement": "x"}).status_code == 404


def test_a_street_supervisor_does_not_reach_a_district_unit_s_appeal_elsewhere(
    client, line, subject, monday
):
    appeal = factories.make_appeal(
        "handling", line=line, subject=subject, area=factories.org("990101002001")
    )
    monday.move_to(at(datetime.date(2026, 3, 12)))
    client.force_login(line.street_supervisor)
    assert appeal.number not in client.get(SUPERVISION).content.decode()
    assert client.post(order_url(appeal), {"requirement": "请办理"}).status_code == 404


def test_returned_appeals_are_supervised_at_the_unit_that_returned_them(client, line, subject):
    appeal = factories.make_appeal("dispatched", line=line, subject=subject)
    services.return_appeal(appeal, by=line.handler, reason="不属于本单位职责")
    client.force_login(line.supervisor)
    html = client.get(SUPERVISION, {"show": "returned"}).content.decode()
    assert appeal.number in html and "示范区城市管理委员会" in html
    client.post(order_url(appeal), {"requirement": "请说明退单理由。", "show": "returned"})
    order = SupervisionOrder.objects.get()
    assert order.department.code == factories.CGW and "退单" in order.subject


# --- the weekly ranking ---------------------------------------------------------------------


@pytest.fixture
def week(line, monday):
    """Week 10 of 2026: 城管委 answers two appeals on time (one rated 满意, one 不满意) and
    returns a third; 住建委 accepts one late."""
    cgw = factories.make_subject(org=factories.CGW, days=5)
    zjw = factories.make_subject(org=factories.ZJW, days=5)
    factories.make_appeal("closed", line=line, subject=cgw)
    unhappy = factories.make_appeal("answered", line=line, subject=cgw)
    services.rate(unhappy, satisfaction="unsatisfied", token=unhappy.token)
    returned = factories.make_appeal("dispatched", line=line, subject=cgw)
    services.return_appeal(returned, by=line.handler, reason="不属于本单位职责")
    late = factories.make_appeal("dispatched", line=line, subject=zjw, lead=factories.ZJW)
    monday.move_to(at(datetime.date(2026, 3, 5)))  # accept_by was 4 March
    services.accept(late, by=line.handler2)
    monday.move_to(at(datetime.date(2026, 3, 10)))


def test_ranking_counts_acceptance_on_time_and_satisfaction(client, line, week):
    client.force_login(line.supervisor)
    page = client.get(RANKING, {"week": WEEK})
    rows = {r["row"].code: r for r in page.context["rows"]}
    cgw, zjw = rows[factories.CGW]["row"], rows[factories.ZJW]["row"]
    assert (cgw.dispatched, cgw.accepted_on_time, cgw.returned) == (3, 2, 1)
    assert (cgw.answered, cgw.answered_on_time) == (2, 2)
    assert (cgw.rated, cgw.satisfied) == (2, 1)
    assert (zjw.dispatched, zjw.accepted_on_time, zjw.answered) == (1, 0, 0)
    assert cgw.rank == 1 and zjw.rank == 2  # no answers: no on-time rate, ranked after
    assert cgw.flags == ["acceptance", "satisfaction"]  # 66.7 % < 80 %, 50 % < 90 %
    assert zjw.flags == ["acceptance"]
    html = page.content.decode()
    assert "66.7%" in html and "100.0%" in html and "50.0%" in html
    assert "约谈：满意率低于90.0%" in html and "约谈：签收率低于80.0%" in html


def test_ranking_opens_on_the_last_complete_week(client, line, week):
    client.force_login(line.supervisor)
    assert client.get(RANKING).context["ranking"].label == WEEK


@pytest.mark.parametrize(
    "asked", ["0001-W01", "1900-W01", "２０２６-W１０", "2026-W99", "٢٠٢٦-W10"]
)
def test_a_week_nobody_worked_in_or_not_a_week_opens_the_last_complete_week(
    client, line, week, asked
):
    """Year 1 was a server error on the ranking and the report (its Monday cannot be turned
    into UTC); a week out of reach or not written in ASCII digits is no week."""
    client.force_login(line.supervisor)
    assert client.get(RANKING, {"week": asked}).context["ranking"].label == WEEK
    assert client.get(REPORT, {"week": asked}).status_code == 200


def test_ranking_reads_a_constant_number_of_statements(
    client, line, week, django_assert_max_num_queries
):
    client.force_login(line.supervisor)
    client.get(RANKING, {"week": WEEK})
    with django_assert_max_num_queries(12):
        client.get(RANKING, {"week": WEEK})


# --- the weekly report ----------------------------------------------------------------------


def test_the_report_downloads_as_excel_with_its_figures_and_a_chart(client, line, week):
    client.force_login(line.supervisor)
    response = client.get(REPORT, {"week": WEEK, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True)}
    assert summary["受理诉求"] == "4"
    assert summary["按期办结率"] == "100.0%" and summary["满意率"] == "50.0%"
    assert len(book["分类"]._charts) == 1
    units = list(book["单位"].iter_rows(values_only=True))
    assert units[1][1] == "示范区城市管理委员会" and units[1][2] == 3
    assert "约谈：满意率偏低" in units[1][12]
    channels = list(book["类型与渠道"].iter_rows(values_only=True))
    assert ("投诉", 4) in channels and ("电话", 4) in channels


def test_the_report_downloads_as_pdf_with_its_figures(client, line, week):
    client.force_login(line.supervisor)
    response = client.get(REPORT, {"week": WEEK, "format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "12345热线周报2026-W10" in text
    assert "受理诉求" in text and "示范区城市管理委员会" in text
    assert "100.0%" in text and "50.0%" in text
    assert all(fonts_of(response.content).values())


def test_the_report_page_shows_the_week(client, line, week):
    client.force_login(line.supervisor)
    html = client.get(REPORT, {"week": WEEK}).content.decode()
    assert "12345热线周报 · 2026-W10" in html
    assert "format=xlsx" in html and "format=pdf" in html


def test_an_empty_week_still_makes_both_files(client, line):
    client.force_login(line.dispatcher)
    assert client.get(REPORT, {"week": "2026-W01", "format": "pdf"}).status_code == 200
    assert client.get(REPORT, {"week": "2026-W01", "format": "xlsx"}).status_code == 200


# --- hotspots over the demo data ------------------------------------------------------------


@pytest.fixture
def demo_hotspots(demo):
    factories.make_line()  # the roles exist
    load_appeals()
    hotspots.find_between(datetime.date(2026, 1, 1), datetime.date(2026, 10, 31))


def test_the_hotspot_page_shows_both_demo_spikes(client, demo_hotspots):
    client.force_login(factories.make_user(role=Role.SUPERVISOR))
    page = client.get(HOTSPOTS, {"period": "custom", "from": "2026-06-25", "to": "2026-08-31"})
    html = page.content.decode()
    assert "房屋租赁与中介" in html  # ZF-02, deposits kept by agencies
    assert "排水与积水" in html  # SD-02, after the late-July storms
    assert "押金" in html or "中介" in html
    assert "积水" in html
    assert "<svg" in html and 'fill="#b3261e"' in html  # the chart marks the alert days
    assert "style=" not in html.split("<main", 1)[-1]  # CSP: no inline styles


def test_an_alert_lists_the_appeals_behind_it(client, demo_hotspots):
    client.force_login(factories.make_user(role=Role.DISPATCHER))
    alert = HotspotAlert.objects.filter(key="SD-02").order_by("day").first()
    page = client.get(f"{HOTSPOTS}{alert.pk}/")
    assert page.status_code == 200
    appeals = list(page.context["page"].object_list)
    assert len(appeals) == alert.count
    assert all(a.subject.code == "SD-02" for a in appeals)
    assert f"/workbench/hotline/appeals/{appeals[0].pk}/" in page.content.decode()


def test_an_unknown_alert_is_404(client, line):
    client.force_login(line.supervisor)
    assert client.get(f"{HOTSPOTS}987654/").status_code == 404

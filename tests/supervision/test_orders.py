# ruff: noqa: F811 (pytest fixtures imported from tests.journey.workflow.conftest)
"""Supervision orders (督办单), the services: a supervisor issues an order with a readable
number and a deadline in working days, the department's chief responds, the supervisor
closes it or sends it back; forbidden moves are errors; the overdue job turns unanswered
orders red once. Scope: outsiders get 404."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.journey.workflow.conftest import (  # noqa: F401 (fixtures)
    _demo_sheets,
    _provide_everything,
    accepted_case,
    bundle_sheets,
    catalog,
    on_day,
    people,
    published,
)
from tests.statements import exactly, fresh
from yiwang.catalog import exchange
from yiwang.core.machines import TransitionError
from yiwang.identity.models import OrgUnit
from yiwang.journey.cases import services as cases
from yiwang.notify.models import Message
from yiwang.supervision import order_selectors, orders
from yiwang.supervision.models import OrderStatus, SupervisionOrder
from yiwang.workdays import calendar

FRIDAY = datetime.date(2025, 6, 6)
BEFORE_NATIONAL_DAY = datetime.date(2025, 9, 30)  # 国庆 2025: Oct 1–8 off
STREET_ITEM = "SCJ-XK-0006"  # 市场监管局's item handled at the street centres
STREET_CENTRE = "990101001-BMZX"  # 和平街道便民服务中心
OTHER_STREET_CENTRE = "990101002-BMZX"


# --- fixtures (imported by the other test_orders* modules) ----------------------------------


@pytest.fixture
def staff(people, user_named):
    return {**people, "street-supervisor": user_named("street-supervisor")}


@pytest.fixture
def scj_case(accepted_case):
    """A case of 市场监管局 accepted at the district centre, in review."""
    return accepted_case("SCJ-XK-0008")


@pytest.fixture
def street_case(catalog, staff):
    """street_case(centre) → a case of 市场监管局 submitted at a street centre."""
    sheets = {name: [dict(r) for r in rows] for name, rows in bundle_sheets().items()}
    full = _demo_sheets()
    for name in [exchange.ITEMS, exchange.MATERIALS, exchange.STEPS, exchange.FORMS]:
        sheets[name] = [r for r in full[name] if r["事项编码"] == STREET_ITEM]
    sheets[exchange.BUNDLES] = []
    exchange.import_sheets(sheets)

    def make(centre=STREET_CENTRE):
        citizen = staff["citizen"]
        place = OrgUnit.objects.get(code=centre)
        case = cases.start_case(published(STREET_ITEM).pk, by=citizen, place=place)
        _provide_everything(case, citizen)
        cases.submit(case.pk, by=citizen)
        case.refresh_from_db()
        return case

    return make


@pytest.fixture
def scj(catalog):
    return OrgUnit.objects.get(code="990101-SCJ")


@pytest.fixture
def issue(staff):
    """issue(case=…, department=…, by="supervisor", workdays=…) through the service."""

    def make(case=None, department=None, by="supervisor", **options):
        options.setdefault("subject", "督办事由")
        options.setdefault("requirement", "请按期办结。")
        return orders.issue(
            staff[by],
            department,
            options.pop("subject"),
            options.pop("requirement"),
            case=case,
            **options,
        )

    return make


# --- issuing: number and deadline -----------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "due"),
    [(FRIDAY, datetime.date(2025, 6, 9)), (BEFORE_NATIONAL_DAY, datetime.date(2025, 10, 9))],
    ids=["over-a-weekend", "over-national-day"],
)
def test_issue_gives_a_readable_number_and_a_deadline_in_working_days(
    scj_case, issue, on_day, day, due
):
    on_day(day)
    order = issue(case=scj_case, workdays=1)
    assert order.number == f"DB{day:%Y%m%d}-0001"
    assert order.due_on == due
    assert not order.due_provisional
    assert order.department.code == "990101-SCJ"  # the case's responsible department
    assert order.status == OrderStatus.ISSUED
    second = issue(department=scj_case.department)
    assert second.number == f"DB{day:%Y%m%d}-0002"


def test_default_deadline_is_the_configured_working_days(scj_case, issue, on_day, settings):
    settings.YIWANG_SUPERVISION_ORDER_WORKDAYS = 3
    on_day(FRIDAY)
    order = issue(case=scj_case)
    assert order.due_on == datetime.date(2025, 6, 11)  # Mon, Tue, Wed


def test_deadline_through_an_unpublished_year_is_provisional(scj, issue, on_day):
    day = datetime.date(2026, 12, 28)
    on_day(day)
    order = issue(department=scj, workdays=5)
    expected = calendar.add_workdays_checked(day, 5)
    assert (order.due_on, order.due_provisional) == (expected.date, expected.provisional)
    if not calendar.is_covered(2027):
        assert order.due_provisional
        assert "期限为暂定" in order_selectors.clock(order, day)["words"]


def test_provisional_deadline_is_derived_again_when_the_year_is_imported(
    scj, issue, staff, on_day, django_capture_on_commit_callbacks
):
    from yiwang.workdays import services as workdays

    if calendar.is_covered(2027):
        pytest.skip("the installed calendar already covers 2027")
    on_day(datetime.date(2026, 12, 28))  # Monday
    order = issue(department=scj, workdays=5)
    assert (order.due_on, order.due_provisional) == (datetime.date(2027, 1, 4), True)
    admin = staff["supervisor"]
    with django_capture_on_commit_callbacks(execute=True):
        workdays.set_override(datetime.date(2027, 1, 1), is_workday=False, name="元旦", by=admin)
        workdays.mark_year_covered(2027, by=admin)
    order.refresh_from_db()
    assert (order.due_on, order.due_provisional) == (datetime.date(2027, 1, 5), False)


def test_issue_tells_the_departments_chiefs_by_site_and_sms(
    scj_case, issue, staff, django_capture_on_commit_callbacks
):
    chief = staff["chief"]
    chief.phone = "13900000011"
    chief.save()
    with django_capture_on_commit_callbacks(execute=True):
        order = issue(case=scj_case, requirement="请说明超期原因。")
    site = Message.objects.get(recipient=chief, channel="site")
    assert order.number in site.subject
    assert site.link == f"/workbench/supervision/orders/{order.pk}/"
    assert Message.objects.filter(channel="sms", address="13900000011").exists()
    assert not Message.objects.filter(recipient=staff["head-cgw"]).exists()


@pytest.mark.parametrize(
    ("field", "code"),
    [("requirement", "requirement_required"), ("subject", "subject_required")],
)
def test_issue_needs_a_subject_and_a_requirement(scj_case, issue, field, code):
    with pytest.raises(ValidationError) as caught:
        issue(case=scj_case, **{field: "  "})
    assert caught.value.code == code
    assert not SupervisionOrder.objects.exists()


@pytest.mark.parametrize("workdays", [0, 61])
def test_deadline_must_be_between_one_and_sixty_working_days(scj, issue, workdays):
    with pytest.raises(ValidationError) as caught:
        issue(department=scj, workdays=workdays)
    assert caught.value.code == "workdays_out_of_range"


def test_one_open_order_per_case_and_department(scj_case, issue, staff):
    first = issue(case=scj_case)
    with pytest.raises(ValidationError) as caught:
        issue(case=scj_case)
    assert caught.value.code == "order_open"
    orders.respond(first.pk, staff["chief"], "已办理")
    orders.close(first.pk, staff["supervisor"])
    assert issue(case=scj_case).number != first.number  # closed: a new one may follow


def test_an_order_about_a_case_goes_to_a_department_that_handles_it(scj_case, issue):
    cgw = OrgUnit.objects.get(code="990101-CGW")
    with pytest.raises(ValidationError) as caught:
        issue(case=scj_case, department=cgw)
    assert caught.value.code == "department_not_on_case"


# --- scope ----------------------------------------------------------------------------------


def test_chief_cannot_issue_orders(scj, issue):
    with pytest.raises(PermissionDenied):
        issue(department=scj, by="chief")  # sees orders to the department, may not issue


def test_street_supervisor_cannot_order_about_a_district_case(scj_case, issue):
    with pytest.raises(Http404):
        issue(case=scj_case, by="street-supervisor")
    with pytest.raises(Http404):
        issue(department=scj_case.department, by="street-supervisor")
    assert not SupervisionOrder.objects.exists()


def test_street_supervisor_orders_a_district_department_about_a_case_at_their_street(
    street_case, issue, staff
):
    here = street_case(STREET_CENTRE)
    order = issue(case=here, by="street-supervisor")
    assert order.department.code == "990101-SCJ"
    elsewhere = street_case(OTHER_STREET_CENTRE)
    with pytest.raises(Http404):
        issue(case=elsewhere, by="street-supervisor")
    mine = order_selectors.orders_for(staff["street-supervisor"])
    assert list(mine) == [order]
    other = issue(case=elsewhere)  # the district supervisor may
    assert other not in order_selectors.orders_for(staff["street-supervisor"])
    with pytest.raises(Http404):
        orders.close(other.pk, staff["street-supervisor"])


def test_supervisor_outside_scope_gets_404(scj_case, issue, staff):
    order = issue(case=scj_case)
    with pytest.raises(Http404):
        order_selectors.order(staff["street-supervisor"], order.pk)
    orders.respond(order.pk, staff["chief"], "已办理")
    with pytest.raises(Http404):
        orders.close(order.pk, staff["street-supervisor"])
    with pytest.raises(Http404):
        orders.send_back(order.pk, staff["street-supervisor"], "不满意")


def test_chief_of_another_department_cannot_respond(scj_case, issue, staff):
    order = issue(case=scj_case)
    for outsider in ("head-cgw", "approver", "citizen"):
        with pytest.raises(Http404):
            orders.respond(order.pk, staff[outsider], "不是我们部门的")
    with pytest.raises(PermissionDenied):
        orders.respond(order.pk, staff["supervisor"], "督办人不能代为反馈")
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED and order.response == ""


def test_chief_sees_the_orders_to_their_department_only(scj_case, issue, staff):
    mine = issue(case=scj_case)
    theirs = issue(department=OrgUnit.objects.get(code="990101-CGW"))
    assert list(order_selectors.orders_for(staff["chief"])) == [mine]
    assert list(order_selectors.orders_for(staff["head-cgw"])) == [theirs]
    assert set(order_selectors.orders_for(staff["supervisor"])) == {mine, theirs}
    assert not order_selectors.orders_for(staff["approver"]).exists()


# --- respond, close, send back --------------------------------------------------------------


def test_respond_then_close_tells_each_side_and_keeps_the_history(
    scj_case, issue, staff, django_capture_on_commit_callbacks
):
    supervisor, chief = staff["supervisor"], staff["chief"]
    order = issue(case=scj_case, requirement="请三日内办结。")
    with django_capture_on_commit_callbacks(execute=True):
        orders.respond(order.pk, chief, "已于今日作出决定。")
    assert Message.objects.filter(recipient=supervisor, subject__contains=order.number).exists()
    with django_capture_on_commit_callbacks(execute=True):
        orders.send_back(order.pk, supervisor, "请附决定书编号。", workdays=2)
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED
    orders.respond(order.pk, chief, "决定书编号 SCJ-2025-001。")
    orders.close(order.pk, supervisor, "属实。")
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED and order.closed_by == supervisor
    history = order_selectors.history(order)
    assert [e.action for e in history] == [
        "issued",
        "responded",
        "sent_back",
        "responded",
        "closed",
    ]
    assert [e.note for e in history] == [
        "请三日内办结。",
        "已于今日作出决定。",
        "请附决定书编号。",
        "决定书编号 SCJ-2025-001。",
        "属实。",
    ]
    assert history[0].actor == supervisor.display_name
    assert history[1].actor == chief.display_name


def test_send_back_needs_a_reason(scj_case, issue, staff):
    order = issue(case=scj_case)
    orders.respond(order.pk, staff["chief"], "已办理")
    with pytest.raises(ValidationError) as caught:
        orders.send_back(order.pk, staff["supervisor"], " ")
    assert caught.value.code == "note_required"


def test_send_back_with_new_working_days_moves_the_deadline(scj, issue, staff, on_day):
    on_day(FRIDAY)
    order = issue(department=scj, workdays=1)
    orders.respond(order.pk, staff["chief"], "已办理")
    on_day(datetime.date(2025, 6, 10))  # Tuesday
    orders.send_back(order.pk, staff["supervisor"], "不够具体", workdays=2)
    order.refresh_from_db()
    assert order.due_on == datetime.date(2025, 6, 12)


ACTIONS = {
    "respond": (OrderStatus.RESPONDED, lambda pk, s: orders.respond(pk, s["chief"], "反馈")),
    "close": (OrderStatus.CLOSED, lambda pk, s: orders.close(pk, s["supervisor"], "")),
    "send_back": (OrderStatus.ISSUED, lambda pk, s: orders.send_back(pk, s["supervisor"], "重办")),
}


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=st.lists(st.sampled_from(sorted(ACTIONS)), max_size=8))
def test_any_sequence_of_moves_follows_the_table_and_closed_is_final(scj, issue, staff, moves):
    order = issue(department=scj)
    expected = OrderStatus.ISSUED
    for move in moves:
        target, run = ACTIONS[move]
        if orders.ORDER.allows(expected, target):
            run(order.pk, staff)
            expected = target
        else:
            with pytest.raises(TransitionError) as caught:
                run(order.pk, staff)
            assert caught.value.code == "invalid_order_transition"
        order.refresh_from_db()
        assert order.status == expected
    if expected == OrderStatus.CLOSED:
        for _target, run in ACTIONS.values():
            with pytest.raises(TransitionError):
                run(order.pk, staff)


def test_the_transition_table():
    assert orders.ORDER.table == {
        OrderStatus.ISSUED: {OrderStatus.RESPONDED},
        OrderStatus.RESPONDED: {OrderStatus.CLOSED, OrderStatus.ISSUED},
        OrderStatus.CLOSED: set(),
    }


# --- overdue --------------------------------------------------------------------------------


def test_overdue_job_turns_an_unanswered_order_red_once_and_close_clears_it(
    scj_case, issue, staff, on_day, django_capture_on_commit_callbacks
):
    on_day(FRIDAY)
    order = issue(case=scj_case, workdays=1)  # due Monday 2025-06-09
    chief, supervisor = staff["chief"], staff["supervisor"]

    def told(person):
        return Message.objects.filter(recipient=person, subject__contains="超期").count()

    on_day(datetime.date(2025, 6, 9))  # the due day lasts until its end
    assert orders.refresh_overdue() == []
    on_day(datetime.date(2025, 6, 10))
    with django_capture_on_commit_callbacks(execute=True):
        assert orders.refresh_overdue() == [order.pk]
    order.refresh_from_db()
    assert order.warning == "red"
    assert (told(chief), told(supervisor)) == (1, 1)
    assert order_selectors.clock(order, datetime.date(2025, 6, 10))["words"] == "已超期1个工作日"
    with django_capture_on_commit_callbacks(execute=True):
        assert orders.refresh_overdue() == []  # twice: nothing more
    assert (told(chief), told(supervisor)) == (1, 1)
    orders.respond(order.pk, chief, "已办理")
    order.refresh_from_db()
    assert order.warning == "red"  # answered late: stays red until the supervisor closes
    assert order_selectors.clock(order)["words"] == "已反馈（超过反馈期限）"
    orders.close(order.pk, supervisor)
    order.refresh_from_db()
    assert order.warning == ""
    assert "overdue" in [e.action for e in order_selectors.history(order)]


def test_overdue_job_leaves_answered_orders_alone(scj, issue, staff, on_day):
    on_day(FRIDAY)
    order = issue(department=scj, workdays=1)
    orders.respond(order.pk, staff["chief"], "已办理")
    on_day(datetime.date(2025, 6, 20))
    assert orders.refresh_overdue() == []
    order.refresh_from_db()
    assert order.warning == ""


def test_overdue_job_is_registered():
    from yiwang.core import schedule

    names = [job.name for job in schedule.jobs()]
    assert "yiwang.supervision.order_jobs.mark_overdue_supervision_orders" in names


# --- statement budgets (tests/statements.py) ---------------------------------------------------


def test_issuing_answering_and_closing_cost_a_fixed_number_of_statements(scj_case, staff):
    supervisor, chief = staff["supervisor"], staff["chief"]
    fresh(supervisor)
    # Savepoint, the case, the supervisor's grants, the departments of the journey, an open
    # order to that department?, the day's last number, the order in its own savepoint (a
    # number taken meanwhile is retried), the audit event, the chiefs to tell.
    with exactly(12, "orders.issue"):
        order = orders.issue(supervisor, None, "督办事由", "请按期办结。", case=scj_case)
    fresh(chief)
    # Savepoint, lock (with the case and department), grants, UPDATE, audit, the issuer.
    with exactly(7, "orders.respond"):
        orders.respond(order.pk, chief, "已于今日作出决定。")
    fresh(supervisor)
    with exactly(8, "orders.send_back"):  # + the scope checked on the case's place
        orders.send_back(order.pk, supervisor, "请附决定书编号。", workdays=2)
    orders.respond(order.pk, chief, "决定书编号 SCJ-2025-001。")
    fresh(supervisor)
    with exactly(9, "orders.close"):  # as send_back, + the responder to tell
        orders.close(order.pk, supervisor, "属实。")

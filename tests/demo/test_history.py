"""The demo district's past (yiwang.demo.history): loaded once for the module (~4 s), each
test looks at it from one person's side; everything is rolled back afterwards."""

import pytest
from django.db import transaction

from yiwang.demo.history import load_history
from yiwang.demo.loader import load_demo
from yiwang.identity.models import User
from yiwang.journey.cases import selectors as case_selectors
from yiwang.journey.cases.models import Case, CaseEvent, Status, Warning
from yiwang.journey.workflow import selectors
from yiwang.journey.workflow.models import OPEN_TASK, ApprovalTask, TaskStatus


@pytest.fixture(scope="module")
def past(django_db_setup, django_db_blocker):
    # The `demo_catalog` fixture's load, once for the module instead of once per test.
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        summary = load_history()
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def person(past, db):
    return lambda username: User.objects.get(username=username)


def test_there_is_a_case_in_every_state(person, past):
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    zhang = Case.objects.filter(applicant=person("citizen"), parent__isnull=True)
    for status in [
        Status.DRAFT,
        Status.SUBMITTED,
        Status.SUPPLEMENT,
        Status.REFUSED,
        Status.WITHDRAWN,
        Status.IN_REVIEW,
        Status.SUSPENDED,
        Status.APPROVED,
        Status.APPROVED_TOLERATED,
        Status.DENIED,
    ]:
        assert zhang.filter(status=status).exists(), status
    assert past.background_cases == 300


def test_the_restaurant_bundle_is_half_way(person):
    parent = Case.objects.get(applicant=person("citizen"), bundle__code="YJS-0001", parent=None)
    children = {c.item_version.item.code: c.status for c in parent.children.all()}
    assert children == {
        "SCJ-XK-0005": Status.APPROVED,
        "SCJ-XK-0008": Status.APPROVED,
        "CGW-XK-0001": Status.IN_REVIEW,
        "XFJ-XK-0001": Status.IN_REVIEW,
    }
    assert parent.status == Status.IN_REVIEW


def test_every_desk_has_work(person):
    approver = person("approver")
    assert selectors.inbox(approver).exists()
    assert selectors.my_tasks(approver).exists()  # claimed this morning
    assert selectors.inbox(person("chief")).exists()
    assert selectors.pending_extensions(person("chief")).exists()
    assert selectors.result_queue(person("issuer")).exists()
    assert case_selectors.intake_queue(person("clerk")).exists()
    assert case_selectors.intake_queue(person("street-clerk")).exists()


def test_cases_happened_over_past_working_days(person):
    events = CaseEvent.objects.filter(case__applicant=person("citizen"))
    days = {e.at.date() for e in events}
    assert len(days) > 10
    shipped = events.get(action="shipped")
    assert "运单号 YWKD" in shipped.note


def test_some_cases_are_yellow_and_some_red(db, past):
    assert Case.objects.filter(warning=Warning.YELLOW).count() == past.yellow >= 1
    assert Case.objects.filter(warning=Warning.RED).count() == past.red >= 1
    assert ApprovalTask.objects.filter(warning=Warning.RED, status__in=OPEN_TASK).exists()


def test_background_cases_under_review_wait_at_a_department(db, past):
    seeded = Case.objects.filter(
        applicant__username__startswith="seed-citizen-",
        status__in=[Status.IN_REVIEW, Status.SUSPENDED],
    )
    assert seeded.exists()
    for case in seeded:
        (task,) = case.tasks.all()
        assert task.status == TaskStatus.PENDING
        assert task.org_id == case.department_id
        assert task.due_on is not None


def test_loading_again_adds_nothing(db, past):
    counts = (Case.objects.count(), CaseEvent.objects.count(), ApprovalTask.objects.count())
    assert load_history() is None
    assert (Case.objects.count(), CaseEvent.objects.count(), ApprovalTask.objects.count()) == counts


def test_every_filed_demo_case_carries_a_complete_form(person):
    """Staff pages show real data: each case past its draft has its item's form filled in,
    valid by that form's own rules, and each bundle child its part."""
    from yiwang.journey.cases import filling

    filed = Case.objects.exclude(status=Status.DRAFT).select_related("item_version__item")
    demo = filed.filter(applicant__username__in=["citizen", "citizen2", "company"])
    assert demo.count() > 20
    for case in demo.filter(parent__isnull=True):
        definition = filling.definition_of(case)
        assert filling.problems(case, definition) == [], case.title
        assert case.form_sources, case.title  # something came from prefill
    for child in demo.filter(parent__isnull=False):
        assert child.form_data, child.title
    # The background cases too: a sample of their item's form, the applicant's own name.
    background = list(
        filed.filter(applicant__username__startswith="seed-").select_related("applicant")[:20]
    )
    assert background and all(c.form_data for c in background)
    assert any(c.applicant.real_name in c.form_data.values() for c in background)


def test_results_collected_at_the_window_have_a_hand_over_record(db, past):
    from yiwang.journey.workflow.models import HandOver, ResultDelivery

    delivered = ResultDelivery.objects.filter(status="delivered", method="pickup")
    assert delivered.exists()
    records = HandOver.objects.filter(delivery__in=delivered)
    assert records.count() == delivered.count()
    assert {r.collector for r in records} == {"applicant", "agent"}
    agent = records.get(collector="agent")
    assert agent.authorisation_checked and "*" in agent.id_number_masked


def test_an_overdue_demo_case_owns_up_and_its_applicant_was_told(person):
    from yiwang.journey.cases.templatetags.case_words import next_step, overdue

    late = [
        c
        for c in Case.objects.filter(applicant__username__in=["citizen", "citizen2"])
        if overdue(c)
    ]
    assert late, "the demo shows an overdue case"
    assert all(c.overdue_told_at for c in late)
    assert CaseEvent.objects.filter(case__in=late, action="overdue_told").count() == len(late)
    assert all("非常抱歉" in next_step(c) for c in late)

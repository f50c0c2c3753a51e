"""差评整改: the department responds, the supervisor verifies or returns, the return call
closes it. The machine is a table; a forbidden move is an error with a stable code and no
sequence of moves closes a real-name bad review without its return call."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.audit.models import AuditEvent
from yiwang.feedback import services, transitions
from yiwang.feedback.models import Evaluation, Rectification, RectificationStatus
from yiwang.identity.models import OrgUnit
from yiwang.notify.models import Message
from yiwang.supervision.models import DirtyDay

from .conftest import rate_bad

R = RectificationStatus


@pytest.fixture
def rectification(concluded_case, people):
    return rate_bad(concluded_case(), people["citizen"]).rectification


def test_the_department_responds_the_supervisor_verifies_and_calls_back(
    rectification, people, django_capture_on_commit_callbacks
):
    chief, supervisor = people["chief"], people["supervisor"]
    with django_capture_on_commit_callbacks(execute=True):
        services.respond(
            rectification.pk,
            by=chief,
            explanation="窗口人员未一次性告知所需材料，情况属实。",
            measures="已对窗口人员批评教育，并在办事指南中补充材料说明。",
        )
    rectification.refresh_from_db()
    assert rectification.status == R.RESPONDED and rectification.responded_by == chief
    assert Message.objects.filter(recipient=supervisor, subject__startswith="差评整改待核实")

    services.verify(rectification.pk, by=supervisor, accept=True)
    services.record_callback(
        rectification.pk, by=supervisor, reached=True, satisfied=True, note="群众表示满意。"
    )
    rectification.refresh_from_db()
    assert rectification.status == R.CLOSED and rectification.get_status_display() == "已办结"
    assert rectification.callback_reached and rectification.callback_satisfied
    assert rectification.closed_at is not None
    assert [e.action for e in rectification.events.all()] == [
        "open",
        "respond",
        "verify",
        "callback",
    ]
    assert list(
        AuditEvent.objects.filter(action__startswith="rectification.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "rectification.opened",
        "rectification.responded",
        "rectification.verified",
        "rectification.closed",
    ]
    # The day it was opened is counted again by the supervision rollups.
    assert DirtyDay.objects.filter(day=rectification.created_on).exists()


def test_the_supervisor_returns_an_unconvincing_response(
    rectification, people, django_capture_on_commit_callbacks
):
    chief, supervisor = people["chief"], people["supervisor"]
    services.respond(rectification.pk, by=chief, explanation="已核实。", measures="已整改。")
    with pytest.raises(ValidationError) as refused:
        services.verify(rectification.pk, by=supervisor, accept=False)
    assert refused.value.code == "note_required"
    with django_capture_on_commit_callbacks(execute=True):
        services.verify(
            rectification.pk, by=supervisor, accept=False, note="措施过于笼统，请具体说明。"
        )
    rectification.refresh_from_db()
    assert rectification.status == R.OPEN and rectification.returned_count == 1
    assert Message.objects.filter(recipient=chief, subject__startswith="差评整改被退回")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"explanation": "", "measures": "已整改"}, "explanation_required"),
        ({"explanation": "属实", "measures": "  "}, "measures_required"),
    ],
)
def test_a_response_needs_an_explanation_and_measures(rectification, people, kwargs, code):
    with pytest.raises(ValidationError) as refused:
        services.respond(rectification.pk, by=people["chief"], **kwargs)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"reached": True}, "satisfied_required"),
        ({"reached": False}, "callback_note_required"),
        ({"reached": True, "satisfied": False}, "callback_note_required"),
    ],
)
def test_a_callback_says_what_the_citizen_said(rectification, people, kwargs, code):
    services.respond(rectification.pk, by=people["chief"], explanation="属实", measures="已整改")
    services.verify(rectification.pk, by=people["supervisor"], accept=True)
    with pytest.raises(ValidationError) as refused:
        services.record_callback(rectification.pk, by=people["supervisor"], **kwargs)
    assert refused.value.code == code


def test_forbidden_moves_are_errors_with_a_stable_code(rectification, people):
    supervisor = people["supervisor"]
    for move in (
        lambda: services.verify(rectification.pk, by=supervisor, accept=True),
        lambda: services.verify(rectification.pk, by=supervisor, accept=False, note="退回"),
        lambda: services.record_callback(rectification.pk, by=supervisor, reached=True),
    ):
        with pytest.raises(ValidationError) as refused:
            move()
        assert refused.value.code == "invalid_rectification_transition"
    rectification.refresh_from_db()
    assert rectification.status == R.OPEN


def test_closing_without_the_return_call_is_refused(rectification):
    rectification.status = R.VERIFIED
    with pytest.raises(ValidationError) as refused:
        transitions.check(rectification, R.CLOSED)
    assert refused.value.code == "callback_required"


def test_only_the_department_responds_and_only_the_supervisor_verifies(rectification, people):
    with pytest.raises(PermissionDenied):  # sees it, may not answer for the department
        services.respond(rectification.pk, by=people["supervisor"], explanation="x", measures="y")
    with pytest.raises(Http404):  # another department's chief does not even see it
        services.respond(rectification.pk, by=people["head-wjw"], explanation="x", measures="y")
    services.respond(rectification.pk, by=people["approver"], explanation="属实", measures="已改")
    with pytest.raises(PermissionDenied):
        services.verify(rectification.pk, by=people["chief"], accept=True)
    with pytest.raises(Http404):  # the street supervisor does not watch the district centre
        services.verify(rectification.pk, by=people["street-supervisor"], accept=True)


# --- the machine, with random sequences of moves -----------------------------------------------

MOVES = ["respond", "verify", "return", "callback", "callback_unreached"]
TARGET = {
    "respond": R.RESPONDED,
    "verify": R.VERIFIED,
    "return": R.OPEN,
    "callback": R.CLOSED,
    "callback_unreached": R.CLOSED,
}


def _fresh_rectification() -> Rectification:
    """A bad rating's rectification, written directly: the machine is what is tested."""
    department = OrgUnit.objects.get(code="990101-SCJ")
    place = OrgUnit.objects.get(code="990101-ZWZX")
    evaluation = Evaluation.objects.create(
        level=2,
        channel="online",
        comment="办理太慢了。",
        department=department,
        department_path=department.path,
        place=place,
        place_path=place.path,
        rated_on=datetime.date(2026, 11, 2),
    )
    return Rectification.objects.create(
        evaluation=evaluation,
        department=department,
        department_path=department.path,
        place_path=place.path,
        created_on=datetime.date(2026, 11, 2),
        due_on=datetime.date(2026, 11, 9),
    )


def _do(move, pk, people):
    chief, supervisor = people["chief"], people["supervisor"]
    if move == "respond":
        services.respond(pk, by=chief, explanation="情况属实。", measures="已整改。")
    elif move == "verify":
        services.verify(pk, by=supervisor, accept=True)
    elif move == "return":
        services.verify(pk, by=supervisor, accept=False, note="请补充整改措施。")
    elif move == "callback":
        services.record_callback(pk, by=supervisor, reached=True, satisfied=True)
    else:
        services.record_callback(pk, by=supervisor, reached=False, note="三次未接通。")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moves=st.lists(st.sampled_from(MOVES), max_size=10))
def test_no_sequence_of_moves_closes_without_a_return_call(people, moves):
    rectification = _fresh_rectification()
    status, returns, done = R.OPEN, 0, 0
    for move in moves:
        if transitions.RECTIFICATION.allows(status, TARGET[move]):
            _do(move, rectification.pk, people)
            status, done = TARGET[move], done + 1
            returns += move == "return"
        else:
            with pytest.raises(ValidationError) as refused:
                _do(move, rectification.pk, people)
            assert refused.value.code == "invalid_rectification_transition"
        rectification.refresh_from_db()
        assert rectification.status == status
        if status == R.CLOSED:
            assert rectification.callback_at is not None
            assert rectification.callback_by == people["supervisor"]
        else:
            assert rectification.callback_at is None and rectification.closed_at is None
    assert rectification.returned_count == returns
    assert rectification.events.count() == done  # one history entry per move made

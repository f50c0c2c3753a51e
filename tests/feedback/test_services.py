"""好差评: who may rate what, once, on which indicators; a bad rating opens a rectification
for the responsible department with a deadline in working days."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.statements import exactly, fresh
from yiwang.audit.models import AuditEvent
from yiwang.feedback import services
from yiwang.feedback.models import Evaluation, Rectification
from yiwang.journey.cases import services as cases
from yiwang.notify.models import Message

from .conftest import BAD_SCORES, GOOD_SCORES, WINDOW_SCORES, at, rate_bad


def test_the_applicant_rates_a_concluded_case_once(concluded_case, people):
    case = concluded_case()
    evaluation = services.rate(
        case.pk, by=people["citizen"], level=5, scores=GOOD_SCORES, comment="很快，很方便。"
    )
    assert evaluation.get_level_display() == "非常满意"
    assert evaluation.department.code == "990101-SCJ"
    assert evaluation.item.code == case.item_version.item.code
    assert evaluation.place_id == case.place_id and evaluation.place_path == case.place_path
    assert evaluation.department_path == "990101/990101-SCJ/"
    assert not hasattr(evaluation, "rectification") or not Rectification.objects.exists()
    assert AuditEvent.objects.filter(action="evaluation.created").count() == 1

    with pytest.raises(ValidationError) as refused:
        services.rate(case.pk, by=people["citizen"], level=4, scores=GOOD_SCORES)
    assert refused.value.code == "already_rated"
    assert "只能评价一次" in refused.value.messages[0]
    assert Evaluation.objects.count() == 1


def test_someone_else_gets_404_and_staff_who_see_the_case_403(concluded_case, people):
    case = concluded_case()
    with pytest.raises(Http404):
        services.rate(case.pk, by=people["citizen2"], level=5, scores=GOOD_SCORES)
    with pytest.raises(PermissionDenied):
        services.rate(case.pk, by=people["supervisor"], level=5, scores=GOOD_SCORES)
    assert not Evaluation.objects.exists()


def test_a_case_still_running_cannot_be_rated(filed, people):
    case = filed()
    with pytest.raises(ValidationError) as refused:
        services.rate(case.pk, by=people["citizen"], level=5, scores=GOOD_SCORES)
    assert refused.value.code == "not_concluded"
    cases.accept(case.pk, by=people["clerk"])
    with pytest.raises(ValidationError, match="办结后才能评价"):
        services.rate(case.pk, by=people["citizen"], level=5, scores=GOOD_SCORES)


def test_a_withdrawn_case_cannot_be_rated_but_a_refused_one_can(filed, people):
    withdrawn = filed()
    cases.withdraw(withdrawn.pk, by=people["citizen"])
    with pytest.raises(ValidationError, match="办结后才能评价"):
        services.rate(withdrawn.pk, by=people["citizen"], level=5, scores=GOOD_SCORES)
    refused = filed()
    cases.refuse(refused.pk, by=people["clerk"], reason="不属于本区管辖。")
    evaluation = services.rate(refused.pk, by=people["citizen"], level=3, scores=GOOD_SCORES)
    assert evaluation.get_level_display() == "基本满意"


def test_online_cases_are_scored_on_the_online_indicators(concluded_case, people):
    case = concluded_case()
    assert case.channel == "online"
    assert [label for _key, label in services.indicators_for(case.channel)] == [
        "整体满意度",
        "办事效率",
        "办事指南精确度",
        "办事便捷度",
        "平台操作性",
    ]
    with pytest.raises(ValidationError) as refused:
        services.rate(case.pk, by=people["citizen"], level=5, scores=WINDOW_SCORES)
    assert refused.value.code == "unknown_indicator"


def test_window_cases_are_scored_on_the_window_indicators(concluded_case, people):
    case = concluded_case(at_window=True)
    assert case.channel == "window"
    assert [label for _key, label in services.indicators_for(case.channel)] == [
        "整体满意度",
        "服务效率",
        "服务水平",
        "服务态度",
    ]
    evaluation = services.rate(case.pk, by=people["citizen"], level=5, scores=WINDOW_SCORES)
    assert evaluation.channel == "window" and evaluation.scores == WINDOW_SCORES


@pytest.mark.parametrize(
    ("level", "scores", "code"),
    [
        (None, GOOD_SCORES, "level_required"),
        (6, GOOD_SCORES, "level_required"),
        (5, {**GOOD_SCORES, "usability": None}, "scores_incomplete"),
        (5, {k: v for k, v in GOOD_SCORES.items() if k != "overall"}, "scores_incomplete"),
        (5, {**GOOD_SCORES, "overall": 6}, "invalid_score"),
        (5, {**GOOD_SCORES, "overall": 0}, "invalid_score"),
        (5, {**GOOD_SCORES, "overall": "很好"}, "scores_incomplete"),
    ],
)
def test_level_and_every_indicator_score_are_required(concluded_case, people, level, scores, code):
    case = concluded_case()
    with pytest.raises(ValidationError) as refused:
        services.rate(case.pk, by=people["citizen"], level=level, scores=scores)
    assert refused.value.code == code


def test_a_bad_rating_needs_a_reason(concluded_case, people):
    case = concluded_case()
    with pytest.raises(ValidationError) as refused:
        services.rate(case.pk, by=people["citizen"], level=1, scores=BAD_SCORES, comment="差")
    assert refused.value.code == "comment_required"
    assert "请把意见写清楚一些" in refused.value.messages[0]
    assert not Evaluation.objects.exists()


def test_a_bad_rating_opens_a_rectification_due_after_the_national_day_week(
    concluded_case, people, django_capture_on_commit_callbacks
):
    case = concluded_case()
    # Wednesday 30 September 2026; 1–7 October are holidays, Saturday 10 October is worked.
    with at(2026, 9, 30, 16), django_capture_on_commit_callbacks(execute=True):
        evaluation = rate_bad(case, people["citizen"])
    rectification = evaluation.rectification
    assert evaluation.rated_on == datetime.date(2026, 9, 30)
    assert rectification.status == "open"
    assert rectification.created_on == datetime.date(2026, 9, 30)
    # 8, 9, 10 (make-up Saturday), 12, 13 October.
    assert rectification.due_on == datetime.date(2026, 10, 13)
    assert rectification.due_provisional is False
    assert rectification.department.code == "990101-SCJ"
    assert rectification.events.get().action == "open"
    told = set(
        Message.objects.filter(subject__startswith="差评整改").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"chief", "supervisor"} <= told
    assert "approver" not in told and "street-supervisor" not in told


def test_the_rating_day_is_beijing_time(concluded_case, people):
    case = concluded_case()
    with at(2026, 10, 8, 0, 30):  # 16:30 UTC the day before
        evaluation = rate_bad(case, people["citizen"])
    assert evaluation.rated_on == datetime.date(2026, 10, 8)


def test_a_deadline_in_an_unpublished_year_is_provisional(concluded_case, people):
    case = concluded_case()
    with at(2026, 12, 29):
        evaluation = rate_bad(case, people["citizen"], level=1)
    rectification = evaluation.rectification
    assert rectification.due_provisional is True
    assert rectification.due_on == datetime.date(2027, 1, 5)  # weekends only


def test_a_bundle_is_rated_for_its_main_item(concluded_bundle, people):
    parent = concluded_bundle()
    assert parent.status == "approved"
    evaluation = services.rate(parent.pk, by=people["citizen"], level=4, scores=GOOD_SCORES)
    assert evaluation.item.code == "SCJ-XK-0005"
    assert evaluation.department.code == "990101-SCJ"
    child = parent.children.first()
    with pytest.raises(ValidationError) as refused:
        services.rate(child.pk, by=people["citizen"], level=4, scores=GOOD_SCORES)
    assert refused.value.code == "rate_journey"


# --- one question, charged to every department ------------------------------------------------


def test_a_bundle_rating_counts_for_every_department_that_handled_it(concluded_bundle, people):
    from yiwang.supervision import rollups
    from yiwang.supervision.models import DailyRollup

    parent = concluded_bundle()
    evaluation = services.rate(parent.pk, by=people["citizen"], level=2, reasons=["efficiency"])
    members = list(parent.children.select_related("department"))
    departments = {member.department.code for member in members}
    assert len(departments) > 1  # 开办餐饮店: 市场监管、城管、消防 …
    charges = list(evaluation.charges.select_related("department"))
    assert {c.case_id for c in charges} == {m.pk for m in members}
    assert {c.department.code for c in charges} == departments

    rollups.refresh(evaluation.rated_on)
    rows = DailyRollup.objects.filter(day=evaluation.rated_on, ratings__gt=0)
    by_department = {row.department.code: (row.ratings, row.ratings_bad) for row in rows}
    assert by_department == {code: (1, 1) for code in departments}
    # The rectification stays with the journey's main department.
    assert evaluation.rectification.department.code == "990101-SCJ"


def test_a_single_item_rating_counts_once_for_its_department(concluded_case, people):
    case = concluded_case()
    evaluation = services.rate(case.pk, by=people["citizen"], level=5)
    [charge] = evaluation.charges.all()
    assert (charge.case_id, charge.department_id, charge.level) == (case.pk, case.department_id, 5)
    assert evaluation.scores == {} and evaluation.reasons == []


def test_reasons_are_kept_only_for_a_bad_rating_and_must_be_offered(concluded_case, people):
    good = services.rate(concluded_case().pk, by=people["citizen"], level=4, reasons=["efficiency"])
    assert good.reasons == []
    with pytest.raises(ValidationError) as refused:
        services.rate(concluded_case().pk, by=people["citizen"], level=1, reasons=["weather"])
    assert refused.value.code == "unknown_reason"


@pytest.mark.parametrize("level", [1, 2])
def test_a_bad_rating_needs_a_reason_or_a_comment(concluded_case, people, level):
    case = concluded_case()
    with pytest.raises(ValidationError) as refused:
        services.rate(case.pk, by=people["citizen"], level=level)
    assert refused.value.code == "reason_required"
    evaluation = services.rate(
        case.pk, by=people["citizen"], level=level, comment="窗口让我跑了三趟"
    )
    assert evaluation.rectification.status == "open"


def test_rating_a_bundle_costs_a_fixed_number_of_statements(concluded_bundle, people):
    parent, citizen = concluded_bundle(), people["citizen"]
    fresh(citizen)
    # Savepoint, lock, rated already?, the journey's order (bundle items, children), the
    # department and item it answers for; the evaluation in its own savepoint; the four
    # member items read and charged in ONE insert; the audit event.
    with exactly(14, "rate (a bundle of four items)"):
        services.rate(parent.pk, by=citizen, level=5)


def test_the_migration_charges_ratings_given_before_to_each_member_department(
    concluded_bundle, people
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "yiwang.feedback.migrations.0003_rating_reasons_and_charges"
    )
    parent = concluded_bundle()
    evaluation = services.rate(parent.pk, by=people["citizen"], level=4)
    evaluation.charges.all().delete()  # as a rating given before charges existed
    migration.charge_earlier_ratings(apps, None)
    charged = set(evaluation.charges.values_list("case_id", "level"))
    assert charged == {(child.pk, 4) for child in parent.children.all()}


# --- statement budgets (tests/statements.py) ---------------------------------------------------


def test_a_good_and_a_bad_rating_cost_a_fixed_number_of_statements(concluded_case, people):
    citizen = people["citizen"]
    good, bad = concluded_case(), concluded_case()
    fresh(citizen)
    # Savepoint, lock, rated already?, department, version, item; the evaluation in its own
    # savepoint; its charge; the audit event.
    with exactly(12, "rate (good)"):
        services.rate(good.pk, by=citizen, level=5, scores=GOOD_SCORES)
    fresh(citizen)
    # The same, and the rectification, its first event, its audit event, and who to tell:
    # one query per role and scope (the department's chiefs, the supervisors of the
    # department and of the service point), however many people hold them.
    with exactly(18, "rate (bad: opens a rectification)"):
        rate_bad(bad, citizen)


def test_a_rectification_costs_a_fixed_number_of_statements_until_closed(concluded_case, people):
    chief, supervisor = people["chief"], people["supervisor"]
    rectification = rate_bad(concluded_case(), people["citizen"]).rectification
    fresh(chief, supervisor)
    # Savepoint, lock (with the case and department), the chief's grants, the event, the
    # update, the audit event, the two scopes of supervisors to tell.
    with exactly(9, "respond"):
        services.respond(
            rectification.pk,
            by=chief,
            explanation="窗口人员未一次性告知所需材料，情况属实。",
            measures="已对窗口人员批评教育，并在办事指南中补充材料说明。",
        )
    fresh(supervisor)
    with exactly(7, "verify (accept)"):  # as respond, and nobody to tell
        services.verify(rectification.pk, by=supervisor, accept=True)
    fresh(supervisor)
    # As verify; the day marked for the figures to be rolled up again (get_or_create in a
    # savepoint: 6 statements the first time that day); the chiefs and the responder told.
    with exactly(15, "record_callback (closes)"):
        services.record_callback(
            rectification.pk, by=supervisor, reached=True, satisfied=True, note="群众表示满意。"
        )

"""Statement budgets of the journey's approval commands (issue: "lean, counted").

Completing a task costs a fixed number of statements whatever the bundle's size — two to
load the journey locked, one for the actor's grants, one write per table — plus one bulk
insert per pushed stage, all in the command's one transaction: nothing of the command is
left for a second one (what follows a decision, such as drafting its licence, is a
subscriber's work after the commit, pinned in tests/licenses/test_bundle_results.py).

Transaction control (BEGIN/COMMIT, here the test's savepoints) is not counted. When a pin
changes, say why in the commit: a new statement must be worth its cost at every step of
every case in the district."""

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from tests.journey.workflow.conftest import (  # noqa: F401
    BUNDLE,
    MAIN,
    PARALLEL,
    _provide_everything,
    accepted_bundle,
    catalog,
    people,
)
from tests.licenses.restaurant import HANDLERS, child, restaurant
from yiwang.identity import holders, policy
from yiwang.journey.cases import services as cases
from yiwang.journey.workflow import process
from yiwang.journey.workflow import services as workflow
from yiwang.journey.workflow.models import ApprovalTask, TemplateStep

# A step whose stage is done pushes the next department's stage.
PLAIN_STEP = 9
# The main item's last step concludes it and starts the three parallel items (their
# templates read once, their first stages pushed in the one bulk insert).
MAIN_CONCLUDED = 11
# A parallel item's last step while others still run: it concludes alone.
ITEM_CONCLUDED = 9
# The last step of the journey: the item and the parent conclude, the result is ready.
JOURNEY_CONCLUDED = 11


def statements(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def complete(task, users, who):
    # The departments' holders are asked once per generation (identity.holders): warm.
    for step in TemplateStep.objects.select_related("org", "template"):
        holders.holder_ids(step.role, step.org.path)
        process.task_steps(step.template)  # and each template's steps, once per process
    policy.forget_grants(users[who])  # a new request: the actor's grants are read again
    with TestCase.captureOnCommitCallbacks() as after_commit:
        with CaptureQueriesContext(connection) as queries:
            workflow.complete(task.pk, by=users[who], decision="approve")
    return statements(queries), after_commit


@pytest.fixture
def journey(accepted_bundle, people):  # noqa: F811
    return restaurant(accepted_bundle)


def open_task(case):
    return ApprovalTask.objects.filter(case=case, status__in=["pending", "active"]).first()


def test_every_step_of_the_restaurant_journey_stays_within_its_budget(journey, people):  # noqa: F811
    spent = []
    for code in [MAIN, *PARALLEL]:
        case = child(journey, code)
        reviewer, head = HANDLERS[code]
        while (task := open_task(case)) is not None:
            who = head if task.role == "chief" else reviewer
            sql, after_commit = complete(task, people, who)
            pushes = sum(s.startswith('INSERT INTO "workflow_approvaltask"') for s in sql)
            assert sum('FROM "identity_rolegrant"' in s for s in sql) == 1
            spent.append((code, task.name, len(sql), pushes))
            # One transaction: after it commits, only subscribers' work (event deliveries).
            assert len(after_commit) <= 1
    # Ten at most, besides the bulk insert of a pushed stage and the actor's grants (read
    # once per request, whatever the request does).
    budgets = [count - pushes - 1 for _code, _name, count, pushes in spent]
    assert max(budgets) <= 10, spent
    first_main, main_decided = spent[0], spent[1]
    assert first_main[2] == PLAIN_STEP, spent
    assert main_decided[2] == MAIN_CONCLUDED, spent
    assert spent[4][2] == ITEM_CONCLUDED, spent  # 食品经营许可 decided, two items still open
    assert spent[-1][2] == JOURNEY_CONCLUDED, spent
    journey.refresh_from_db()
    assert journey.status == "approved"


def test_a_plain_step_costs_the_same_whatever_the_size_of_the_bundle(journey, people):  # noqa: F811
    """The journey is loaded in one statement however many items it has."""
    main = child(journey, MAIN)
    sql, _after = complete(open_task(main), people, "approver")
    assert len(sql) == PLAIN_STEP
    assert sum(s.startswith('SELECT "cases_case"') for s in sql) == 1


def test_accepting_a_bundle_costs_a_fixed_number_of_statements(people):  # noqa: F811
    """Acceptance moves the journey and starts the first item; pinned so it cannot creep."""
    citizen = people["citizen"]
    parent = cases.start_bundle_case(BUNDLE, by=citizen)
    _provide_everything(parent, citizen)
    cases.submit(parent.pk, by=citizen)
    policy.forget_grants(people["clerk"])
    with CaptureQueriesContext(connection) as queries:
        cases.accept(parent.pk, by=people["clerk"])
    assert len(statements(queries)) == ACCEPT_BUNDLE


# The journey locked with its items' versions and the applicant (aggregate.for_case), the
# clerk's grants, the materials still open: 3; the bundle's order and its items' templates:
# 2, plus 4 per item for generating its template the first time (16 here: a district's
# first case of each version); the first stage's steps: 1; then one statement per table:
# the journey's cases (accepted with their clocks, and in review), the stage's tasks, their
# department's holders, the timeline, the audit event, the domain event, the department's
# message: 7. It was 55 before acceptance moved the journey in bulk, 33 before it loaded
# the journey in one statement and wrote acceptance and review together.
ACCEPT_BUNDLE = 29


def test_claiming_and_releasing_cost_a_fixed_number_of_statements(journey, people):  # noqa: F811
    """签收 and 退回待签收 load the journey as completing does (two statements), read the
    actor's grants, update the task and record the audit event."""
    task = open_task(child(journey, MAIN))
    policy.forget_grants(people["approver"])
    with CaptureQueriesContext(connection) as queries:
        workflow.claim(task.pk, by=people["approver"])
    assert len(statements(queries)) == CLAIM
    policy.forget_grants(people["approver"])
    with CaptureQueriesContext(connection) as queries:
        workflow.release(task.pk, by=people["approver"])
    assert len(statements(queries)) == RELEASE
    task.refresh_from_db()
    assert task.status == "pending" and task.assignee is None


CLAIM = 5
RELEASE = 5


def test_suspending_an_item_of_a_bundle_costs_what_a_single_case_does(journey, people):  # noqa: F811
    """A command on a case (aggregate.for_case) locks the whole journey — the parent and
    its four items — in one statement, whatever the bundle's size: 特别程序 on the main item
    costs what it costs on a single case (tests/journey/workflow/test_clocks.py)."""
    from yiwang.journey.workflow import clocks

    main = child(journey, MAIN)
    approver = people["approver"]
    policy.forget_grants(approver)
    with CaptureQueriesContext(connection) as queries:
        clocks.suspend(main.pk, by=approver, kind="inspection", reason="现场核查")
    sql = statements(queries)
    assert len(sql) == SUSPEND
    assert sum(s.startswith('SELECT "cases_case"') for s in sql) == 1
    policy.forget_grants(approver)
    with CaptureQueriesContext(connection) as queries:
        clocks.resume(main.pk, by=approver)
    assert len(statements(queries)) == RESUME
    main.refresh_from_db()
    assert main.status == "in_review"


# The journey (1), its item's open tasks (1), grants (1); the status, the timeline, the
# audit and the domain event, the suspension (5). Resuming on the day it began moves no
# deadline: the suspension closed, the status, timeline, audit, event (5).
SUSPEND = 8
RESUME = 8

"""On PostgreSQL, where completions really run at the same time (SQLite serialises writers)."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from yiwang.identity import services as identity
from yiwang.identity.models import OrgUnit, User
from yiwang.journey.cases.models import Status
from yiwang.journey.workflow import services
from yiwang.journey.workflow.models import ApprovalTask

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so there is no race to test",
    ),
]


def race(calls):
    barrier = Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            call()
            return "ok"
        except ValidationError as error:
            return error.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_twenty_concurrent_completions_of_one_task_give_one(accepted_case, people):
    case = accepted_case()
    scj = OrgUnit.objects.get(code="990101-SCJ")
    approvers = []
    for n in range(20):
        user = User.objects.create_user(f"race-{n}", password="x", kind="staff")
        identity.grant_role(user, "approver", scj)
        approvers.append(user)
    task = ApprovalTask.objects.get(case=case)
    results = race(
        [lambda u=u: services.complete(task.pk, by=u, decision="approve") for u in approvers]
    )
    assert results.count("ok") == 1
    assert sorted(set(results) - {"ok"}) == ["task_done"]
    assert ApprovalTask.objects.filter(case=case, name="决定").count() == 1


def test_the_last_two_parallel_items_at_once_conclude_the_bundle_once(accepted_bundle, people):
    from .test_services import HANDLERS, approve_main, child, finish

    parent = accepted_bundle()
    approve_main(parent, people)
    finish(child(parent, "SCJ-XK-0008"), people["approver"], people["chief"])
    last = {}
    for code in ["CGW-XK-0001", "XFJ-XK-0001"]:
        reviewer, head = HANDLERS[code]
        case = child(parent, code)
        while True:  # everything but the decision
            task = ApprovalTask.objects.get(case=case, status__in=["pending", "active"])
            if task.role == "chief":
                last[code] = (task.pk, people[head])
                break
            services.complete(task.pk, by=people[reviewer], decision="approve")
    results = race(
        [
            lambda pk=pk, who=who: services.complete(pk, by=who, decision="approve")
            for pk, who in last.values()
        ]
    )
    assert results == ["ok", "ok"]
    parent.refresh_from_db()
    assert parent.status == Status.APPROVED
    assert parent.events.filter(action="conclude").count() == 1

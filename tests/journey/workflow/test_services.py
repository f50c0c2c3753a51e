"""The task engine: a bundle's journey from acceptance to conclusion, decisions, claims,
separation of duties, who may act, and withdrawal."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yiwang.identity import policy
from yiwang.journey.cases import services as cases
from yiwang.journey.cases.models import Case, CaseMaterial, Status
from yiwang.journey.workflow import selectors, services
from yiwang.journey.workflow.models import ApprovalTask, TaskStatus
from yiwang.notify.models import Message

from .conftest import MAIN, PARALLEL

HANDLERS = {  # department → (reviewer, head)
    "SCJ-XK-0008": ("approver", "chief"),
    "CGW-XK-0001": ("reviewer-cgw", "head-cgw"),
    "XFJ-XK-0001": ("reviewer-xfj", "head-xfj"),
}


def open_task(case) -> ApprovalTask:
    return ApprovalTask.objects.get(case=case, status__in=["pending", "active"])


def child(parent, code) -> Case:
    return parent.children.get(item_version__item__code=code)


def finish(case, reviewer, head):
    """Approve every stage of a parallel item: 审查, field check, 决定."""
    while True:
        task = ApprovalTask.objects.filter(case=case, status__in=["pending", "active"]).first()
        if task is None:
            return
        services.complete(
            task.pk, by=head if task.role == "chief" else reviewer, decision="approve"
        )


def approve_main(parent, people):
    main = child(parent, MAIN)
    services.complete(open_task(main).pk, by=people["approver"], decision="approve")
    services.complete(open_task(main).pk, by=people["chief"], decision="approve")


def test_single_case_goes_to_review_with_its_first_task_pushed(
    accepted_case, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = accepted_case()
    assert case.status == Status.IN_REVIEW and case.status_code == 8
    task = open_task(case)
    assert (task.name, task.role, task.org.code) == ("审查", "approver", "990101-SCJ")
    assert task.due_on is not None
    pushed = Message.objects.filter(recipient=people["approver"], subject__contains="审查")
    assert pushed.exists() and "自动推送给下一个经办部门" in pushed.first().body


def test_bundle_main_item_then_three_departments_at_once(accepted_bundle, people):
    parent = accepted_bundle()
    assert parent.status == Status.IN_REVIEW
    assert ApprovalTask.objects.filter(case__parent=parent).count() == 1  # only the main item
    assert child(parent, "CGW-XK-0001").status == Status.ACCEPTED  # waiting its turn

    approve_main(parent, people)
    assert child(parent, MAIN).status == Status.APPROVED
    pushed = ApprovalTask.objects.filter(case__parent=parent, status="pending")
    assert sorted(t.org.code for t in pushed) == ["990101-CGW", "990101-SCJ", "990101-XFJ"]
    assert all(t.name == "审查" for t in pushed)
    assert selectors.inbox(people["reviewer-cgw"]).get().case.item_version.item.code == (
        "CGW-XK-0001"
    )


@pytest.mark.parametrize("order", list(itertools.permutations(PARALLEL)))
def test_parallel_items_finish_in_any_order_and_the_parent_concludes_once(
    accepted_bundle, people, order
):
    parent = accepted_bundle()
    approve_main(parent, people)
    for code in order:
        parent.refresh_from_db()
        assert parent.status == Status.IN_REVIEW  # not before the last one
        reviewer, head = HANDLERS[code]
        finish(child(parent, code), people[reviewer], people[head])
    parent.refresh_from_db()
    assert parent.status == Status.APPROVED and parent.status_code == 11
    assert parent.events.filter(action="conclude").count() == 1
    assert parent.concluded_at is not None
    assert parent.delivery.status == "ready"


def test_deny_ends_the_case_with_the_opinion_as_reason(accepted_case, people):
    case = accepted_case()
    with pytest.raises(ValidationError, match="必须写明理由"):
        services.complete(open_task(case).pk, by=people["approver"], decision="deny")
    services.complete(
        open_task(case).pk, by=people["approver"], decision="deny", opinion="经营场所不符合要求"
    )
    case.refresh_from_db()
    assert case.status == Status.DENIED and case.status_code == 13
    assert case.decision_reason == "经营场所不符合要求"
    assert not ApprovalTask.objects.filter(case=case, status__in=["pending", "active"]).exists()


def test_denied_main_item_ends_the_waiting_items_and_the_bundle(accepted_bundle, people):
    parent = accepted_bundle()
    main = child(parent, MAIN)
    services.complete(
        open_task(main).pk, by=people["approver"], decision="deny", opinion="名称重复"
    )
    parent.refresh_from_db()
    assert parent.status == Status.DENIED
    assert set(parent.children.values_list("status", flat=True)) == {Status.DENIED}
    assert not hasattr(parent, "delivery") or parent.delivery is None


def test_return_sends_the_case_back_to_the_previous_stage_keeping_history(accepted_case, people):
    case = accepted_case()
    services.complete(open_task(case).pk, by=people["approver"], decision="approve")
    services.complete(
        open_task(case).pk, by=people["chief"], decision="return", opinion="请核实经营范围"
    )
    again = open_task(case)
    assert (again.name, again.round) == ("审查", 2)
    assert ApprovalTask.objects.filter(case=case).count() == 3
    with pytest.raises(ValidationError, match="不能退回"):
        services.complete(again.pk, by=people["approver"], decision="return", opinion="x")


def test_the_reviewer_cannot_also_decide(accepted_case, people, user_named):
    from yiwang.identity import services as identity
    from yiwang.identity.models import OrgUnit

    case = accepted_case()
    approver = people["approver"]
    identity.grant_role(approver, "chief", OrgUnit.objects.get(code="990101-SCJ"))
    policy.forget_grants(approver)
    services.complete(open_task(case).pk, by=approver, decision="approve")
    with pytest.raises(ValidationError, match="审批分离"):
        services.complete(open_task(case).pk, by=approver, decision="approve")


def test_a_done_task_cannot_be_completed_again(accepted_case, people):
    case = accepted_case()
    task = open_task(case)
    services.complete(task.pk, by=people["approver"], decision="approve")
    with pytest.raises(ValidationError, match="已办结") as error:
        services.complete(task.pk, by=people["reviewer-scj"], decision="approve")
    assert error.value.code == "task_done"


def test_claim_keeps_colleagues_out_until_released(accepted_case, people):
    case = accepted_case()
    task = open_task(case)
    services.claim(task.pk, by=people["approver"])
    with pytest.raises(ValidationError, match="签收"):
        services.complete(task.pk, by=people["reviewer-scj"], decision="approve")
    with pytest.raises(PermissionDenied):  # a colleague cannot release it; the chief can
        services.release(task.pk, by=people["reviewer-scj"])
    services.release(task.pk, by=people["chief"])
    services.complete(task.pk, by=people["reviewer-scj"], decision="approve")


def test_outsiders_get_404_and_wrong_role_403(accepted_case, people):
    case = accepted_case()
    task = open_task(case)
    with pytest.raises(Http404):
        services.complete(task.pk, by=people["reviewer-cgw"], decision="approve")
    with pytest.raises(Http404):
        services.claim(task.pk, by=people["citizen"])
    with pytest.raises(PermissionDenied):  # the chief sees the 审查 task but it is not theirs
        services.complete(task.pk, by=people["chief"], decision="approve")


def test_an_approver_with_a_task_may_view_the_case_and_others_may_not(accepted_bundle, people):
    parent = accepted_bundle()
    main = child(parent, MAIN)
    assert policy.can(people["approver"], "case.view", main)
    assert policy.can(people["approver"], "case.view", parent)  # materials live on the parent
    assert not policy.can(people["reviewer-cgw"], "case.view", parent)  # not pushed yet
    assert not policy.can(people["approver2"], "case.view", parent)
    visible = policy.scope(people["approver"], Case.objects.all())
    assert set(visible.values_list("pk", flat=True)) == {parent.pk, main.pk}


def test_chief_sees_the_department_tasks_and_inbox_filters(accepted_case, people):
    case = accepted_case()
    assert list(selectors.department_tasks(people["chief"])) == [open_task(case)]
    assert selectors.inbox(people["chief"]).count() == 0  # the open task is a reviewer's
    assert selectors.inbox(people["approver"], q=case.number[:10]).count() == 1
    assert selectors.inbox(people["approver"], warning="red").count() == 0
    assert selectors.inbox(people["approver2"]).count() == 0


def test_withdraw_before_conclusion_cancels_open_tasks(accepted_case, people):
    case = accepted_case()
    cases.withdraw(case.pk, by=people["citizen"], reason="不办了")
    case.refresh_from_db()
    assert case.status == Status.WITHDRAWN and case.status_code == 14
    assert ApprovalTask.objects.get(case=case).status == TaskStatus.CANCELLED


def test_tolerated_material_still_owed_concludes_as_approved_with_tolerance(accepted_case, people):
    case = accepted_case()
    material = case.materials.first()
    material.state = CaseMaterial.State.TOLERATED
    material.save()
    services.complete(open_task(case).pk, by=people["approver"], decision="approve")
    services.complete(open_task(case).pk, by=people["chief"], decision="approve")
    case.refresh_from_db()
    assert case.status == Status.APPROVED_TOLERATED and case.status_code == 12


def test_progress_shows_each_department_step_in_one_timeline(accepted_bundle, people):
    parent = accepted_bundle()
    approve_main(parent, people)
    notes = [e.note for e in selectors.case_progress(parent) if e.action == "task_pushed"]
    assert any("城市管理" in n or "城管" in n for n in notes)
    assert len(notes) == 5  # main: 审查 + 决定; then three departments at once

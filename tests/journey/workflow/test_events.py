"""The journey announces its state changes as domain events (docs/events.md): one per
command, on the case it acts on, with ids and codes only; the apps that react subscribe."""

import pytest
from django.core.exceptions import ValidationError

from yiwang.core.models import DomainEvent, EventDelivery
from yiwang.feedback.models import RatingLink
from yiwang.journey.cases import services as cases
from yiwang.journey.cases.models import Status
from yiwang.journey.workflow import services
from yiwang.journey.workflow.models import ApprovalTask
from yiwang.notify.models import Message

from .conftest import MAIN, PARALLEL, _provide_everything, published
from .test_services import HANDLERS, approve_main, child, finish


def kinds_of(case) -> list[str]:
    return list(
        DomainEvent.objects.filter(aggregate_type="case", aggregate_id=case.pk).values_list(
            "kind", flat=True
        )
    )


def test_a_bundle_journey_is_announced_and_only_its_conclusion_invites_a_rating(
    accepted_bundle, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        parent = accepted_bundle()
        approve_main(parent, people)
        for code in PARALLEL:
            reviewer, head = HANDLERS[code]
            finish(child(parent, code), people[reviewer], people[head])
    parent.refresh_from_db()
    assert parent.status == Status.APPROVED
    assert kinds_of(parent) == [
        "case.submitted",
        "case.accepted",
        "case.concluded",
        "case.result_ready",
    ]
    main = child(parent, MAIN)
    assert kinds_of(main) == ["case.task_completed", "case.task_completed", "case.concluded"]
    concluded = DomainEvent.objects.get(kind="case.concluded", aggregate_id=main.pk)
    assert concluded.payload == {"status": "approved", "parent": parent.pk, "outcome": "approved"}
    assert concluded.actor_id == people["chief"].pk and concluded.org_path == main.place_path
    accepted = DomainEvent.objects.get(kind="case.accepted", aggregate_id=parent.pk)
    assert accepted.payload["deemed"] is False and accepted.actor_id == people["clerk"].pk

    # Four items concluded silently; the journey's conclusion told the applicant once,
    # with the rating link, and its subscriber's work is done — as is drafting each item's
    # licence result, the journey's own subscriber (workflow.handlers).
    delivery = EventDelivery.objects.get(handler="feedback.invite_to_rate")
    assert delivery.event.aggregate_id == parent.pk and delivery.done_at is not None
    drafts = EventDelivery.objects.filter(handler="journey.draft_result")
    assert not drafts.filter(done_at__isnull=True).exists()
    assert set(drafts.values_list("event__aggregate_id", flat=True)) >= {
        child(parent, code).pk for code in [MAIN, *PARALLEL]
    }
    assert RatingLink.objects.get().case == parent
    notice = Message.objects.get(recipient=people["citizen"], channel="site", subject="办件已办结")
    assert f"（{parent.number}）已办结，准予许可。请对本次服务作出评价：" in notice.body


def test_a_refusal_is_announced_and_its_notice_invites_a_rating(
    people, django_capture_on_commit_callbacks
):
    citizen = people["citizen"]
    case = cases.start_case(published(MAIN).pk, by=citizen)
    _provide_everything(case, citizen)
    cases.submit(case.pk, by=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        cases.refuse(case.pk, by=people["clerk"], reason="不属于本部门职权范围")
    assert kinds_of(case) == ["case.submitted", "case.refused"]
    refused = DomainEvent.objects.get(kind="case.refused")
    assert "不属于本部门职权范围" not in str(refused.payload)  # reasons stay in the timeline
    notice = Message.objects.get(recipient=citizen, channel="site", subject="办件不予受理")
    assert "不予受理，理由见不予受理决定书。请对本次服务作出评价：" in notice.body


def test_a_refused_task_completion_announces_nothing(accepted_case, people):
    case = accepted_case()
    before = DomainEvent.objects.count()
    task = ApprovalTask.objects.get(case=case, status="pending")
    with pytest.raises(ValidationError, match="必须写明理由"):
        services.complete(task.pk, by=people["approver"], decision="deny")  # no opinion
    assert DomainEvent.objects.count() == before

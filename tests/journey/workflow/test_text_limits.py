"""Opinions and reasons in the back office are bounded, refused with the limit named."""

import pytest
from django.core.exceptions import ValidationError

from yiwang.journey.workflow import clocks, services
from yiwang.journey.workflow.models import ApprovalTask, TaskStatus


def open_task(case) -> ApprovalTask:
    return ApprovalTask.objects.filter(case=case, status__in=["pending", "active"]).first()


def test_an_overlong_opinion_is_refused_and_the_task_stays_open(accepted_case, people):
    case = accepted_case()
    task = open_task(case)
    with pytest.raises(ValidationError) as error:
        services.complete(task.pk, by=people["approver"], decision="deny", opinion="否" * 2001)
    assert "2000" in error.value.message_dict["opinion"][0]
    task.refresh_from_db()
    assert task.status != TaskStatus.DONE


def test_overlong_suspension_and_extension_reasons_are_refused(accepted_case, people):
    case = accepted_case()
    services.claim(open_task(case).pk, by=people["approver"])
    with pytest.raises(ValidationError) as error:
        clocks.suspend(case.pk, by=people["approver"], kind="hearing", reason="听" * 2001)
    assert "2000" in error.value.message_dict["reason"][0]
    with pytest.raises(ValidationError) as error:
        clocks.request_extension(case.pk, by=people["approver"], reason="延" * 2001)
    assert "2000" in error.value.message_dict["reason"][0]
    assert not case.extensions.exists() and not case.suspensions.exists()

"""The overdue warning: a rectification the department still owes after the end of its due
working day turns red, the department is told once, and closing clears it."""

import datetime

from yiwang.core import schedule
from yiwang.feedback import jobs, services
from yiwang.notify.models import Message

from .conftest import at, rate_bad


def test_the_job_is_scheduled_every_few_minutes():
    job = next(j for j in schedule.jobs() if j.func is jobs.raise_overdue_rectifications)
    assert job.every_seconds <= 600


def test_an_overdue_rectification_turns_red_and_the_department_is_told_once(
    concluded_case, people, django_capture_on_commit_callbacks
):
    with at(2026, 9, 30):
        rectification = rate_bad(concluded_case(), people["citizen"]).rectification
    due = rectification.due_on
    assert due == datetime.date(2026, 10, 13)

    assert services.mark_overdue(due) == []  # the last day still counts
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_overdue(due + datetime.timedelta(days=1)) == [rectification.pk]
    rectification.refresh_from_db()
    assert rectification.warning == "red"
    assert rectification.events.last().action == "overdue"
    told = Message.objects.filter(recipient=people["chief"], subject__contains="超期（红牌）")
    assert told.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_overdue(due + datetime.timedelta(days=2)) == []
    assert told.count() == 1


def test_a_responded_rectification_still_turns_red_but_a_verified_one_does_not(
    concluded_case, people
):
    with at(2026, 9, 30):
        first = rate_bad(concluded_case(), people["citizen"]).rectification
        second = rate_bad(concluded_case(), people["citizen"]).rectification
    services.respond(first.pk, by=people["chief"], explanation="属实", measures="已整改")
    services.respond(second.pk, by=people["chief"], explanation="属实", measures="已整改")
    services.verify(second.pk, by=people["supervisor"], accept=True)
    assert services.mark_overdue(datetime.date(2026, 10, 20)) == [first.pk]


def test_closing_clears_the_red_card(concluded_case, people):
    with at(2026, 9, 30):
        rectification = rate_bad(concluded_case(), people["citizen"]).rectification
    services.mark_overdue(datetime.date(2026, 10, 20))
    services.respond(rectification.pk, by=people["chief"], explanation="属实", measures="已整改")
    services.verify(rectification.pk, by=people["supervisor"], accept=True)
    services.record_callback(
        rectification.pk, by=people["supervisor"], reached=True, satisfied=True
    )
    rectification.refresh_from_db()
    assert rectification.status == "closed" and rectification.warning == ""
    assert services.mark_overdue(datetime.date(2026, 10, 21)) == []


def test_the_job_runs_on_today(concluded_case, people):
    with at(2026, 9, 30):
        rectification = rate_bad(concluded_case(), people["citizen"]).rectification
    with at(2026, 10, 14, 0, 5):  # just after the end of 13 October in Beijing
        jobs.raise_overdue_rectifications()
    rectification.refresh_from_db()
    assert rectification.warning == "red"

"""An overdue case owns up (issue 18, item 7): the next step says so, apologises and names
the department and its phone; the applicant is told once; they may urge (催办)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yiwang.journey.cases import services as cases
from yiwang.journey.cases.models import Case, CaseEvent
from yiwang.journey.cases.templatetags.case_words import next_step
from yiwang.journey.workflow import urging
from yiwang.notify.models import Message

TODAY = timezone.localdate()


def make_overdue(case, days=3) -> Case:
    Case.objects.filter(pk=case.pk).update(promised_due_on=TODAY - datetime.timedelta(days=days))
    return Case.objects.select_related("department", "place").get(pk=case.pk)


def test_an_overdue_case_says_so_apologises_and_names_who_to_call(accepted_case):
    case = make_overdue(accepted_case())
    words = next_step(case)
    assert words.startswith("已超过承诺的办结期限")
    assert "非常抱歉" in words and "不用操作" not in words
    assert "示范区市场监督管理局" in words and "0999-87650003" in words
    assert "催办" in words


def test_a_case_within_its_promise_still_needs_nothing(accepted_case):
    case = accepted_case()
    assert next_step(case).startswith("不用操作。承诺在")


def test_the_applicant_is_told_once_whatever_runs_twice(
    accepted_case, people, django_capture_on_commit_callbacks
):
    case = make_overdue(accepted_case())
    with django_capture_on_commit_callbacks(execute=True):
        with CaptureQueriesContext(connection) as spent:
            assert cases.tell_overdue(TODAY) == [case.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert cases.tell_overdue(TODAY) == []  # the second run (or worker) tells no one
    citizen = people["citizen"]
    told = Message.objects.filter(recipient=citizen, subject__contains="办件已超期")
    assert sorted(told.values_list("channel", flat=True)) == ["email", "site"]
    [sms] = Message.objects.filter(address=citizen.phone, body__contains="办件已超期")
    assert "非常抱歉" in sms.body and "0999-87650003" in sms.body
    assert CaseEvent.objects.filter(case=case, action="overdue_told").count() == 1
    # Pinned, the state change: list, claim (one conditional UPDATE), load, timeline, and
    # the transaction's savepoint pair; the messages go out after commit.
    assert len(spent) <= 6, [q["sql"] for q in spent]


def test_a_case_another_worker_claimed_meanwhile_is_not_told_again(
    accepted_case, people, monkeypatch, django_capture_on_commit_callbacks
):
    case = make_overdue(accepted_case())
    real = cases._overdue_on
    calls = []

    def racing(day):
        if calls:  # between the listing and the claim, another worker told the applicant
            Case.objects.filter(pk=case.pk).update(overdue_told_at=timezone.now())
        calls.append(day)
        return real(day)

    monkeypatch.setattr(cases, "_overdue_on", racing)
    with django_capture_on_commit_callbacks(execute=True):
        assert cases.tell_overdue(TODAY) == []
    assert not Message.objects.filter(body__contains="办件已超期").exists()


def test_cases_on_time_paused_or_done_are_not_told(accepted_case):
    accepted_case()  # on time: not told
    assert cases.tell_overdue(TODAY) == []
    overdue = make_overdue(accepted_case(), days=3)
    on_its_last_day = TODAY - datetime.timedelta(days=3)
    assert cases.tell_overdue(on_its_last_day) == []  # due at the end of that day
    assert cases.tell_overdue(TODAY) == [overdue.pk]
    suspended = make_overdue(accepted_case())
    Case.objects.filter(pk=suspended.pk).update(status="suspended")
    assert cases.tell_overdue(TODAY) == []


def test_the_applicant_urges_an_overdue_case_and_the_department_hears(
    accepted_case, people, django_capture_on_commit_callbacks
):
    case = make_overdue(accepted_case())
    with django_capture_on_commit_callbacks(execute=True):
        with CaptureQueriesContext(connection) as spent:
            event = urging.urge(case.pk, by=people["citizen"])
    assert event.action == "urged" and "催办" in event.note
    told = Message.objects.filter(
        subject__contains="申请人催办", link=f"/workbench/cases/{case.pk}/"
    )
    told_names = set(told.values_list("recipient__username", flat=True))
    assert "supervisor" in told_names
    assert told_names & {"approver", "chief"}  # who holds the open task
    # Pinned, the state change: lock, urged today?, timeline, and the savepoint pair.
    assert len(spent) <= 6, [q["sql"] for q in spent]

    with pytest.raises(ValidationError) as again:
        urging.urge(case.pk, by=people["citizen"])
    assert again.value.code == "urged_today"
    assert CaseEvent.objects.filter(case=case, action="urged").count() == 1


def test_a_case_within_its_promise_cannot_be_urged(accepted_case, people):
    case = accepted_case()
    with pytest.raises(ValidationError) as refused:
        urging.urge(case.pk, by=people["citizen"])
    assert refused.value.code == "not_overdue"


def test_only_the_applicant_urges(accepted_case, people):
    case = make_overdue(accepted_case())
    with pytest.raises(Http404):
        urging.urge(case.pk, by=people["citizen2"])
    assert not CaseEvent.objects.filter(case=case, action="urged").exists()


def test_the_overdue_notice_job_is_registered():
    from yiwang.core import schedule
    from yiwang.journey.cases import jobs  # noqa: F401 - registers the job

    assert "yiwang.journey.cases.jobs.tell_applicants_of_overdue_cases" in {
        j.name for j in schedule.jobs()
    }

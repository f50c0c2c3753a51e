"""催办: the applicant of an overdue case asks the department to hurry, from the case's page.

Deliberately small — there is no complaint line (12345) yet: an urge is a line in the case's
timeline, which the department and the supervisors see on the workbench case page, and an
in-site message to the people holding its open tasks and to the supervisors of its service
point. At most one a day per case."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.identity import policy
from yiwang.journey.cases.models import Case, CaseEvent
from yiwang.journey.cases.templatetags.case_words import overdue
from yiwang.notify import services as notify
from yiwang.workdays import calendar

from . import aggregate
from .models import OPEN_TASK, ApprovalTask

URGED = "urged"


def _start_of_today() -> datetime.datetime:
    day = timezone.localdate(timezone.now(), calendar.SHANGHAI)
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=calendar.SHANGHAI)


@transaction.atomic
def urge(case_id, *, by) -> CaseEvent:
    """Record the applicant's 催办 on the case and tell who handles and who supervises it."""
    from .services import _Writes  # lazily: the engine imports its neighbours

    case = aggregate.for_case(case_id).case
    if case.applicant_id != getattr(by, "pk", None):
        if policy.can(by, "case.view", case):
            raise PermissionDenied
        raise Http404
    if not overdue(case, timezone.localdate(timezone.now(), calendar.SHANGHAI)):
        raise ValidationError(_("办件没有超过承诺期限，不需要催办。"), code="not_overdue")
    if case.events.filter(action=URGED, at__gte=_start_of_today()).exists():
        raise ValidationError(_("今天已经催办过，部门已收到。"), code="urged_today")
    writes = _Writes(by)
    words = _("申请人催办：已超过承诺的办结期限%(day)s。")
    writes.note(case, URGED, words % {"day": case.promised_due_on.isoformat()})
    writes.save()
    event = writes.timeline[0]
    transaction.on_commit(lambda: _tell(case))
    return event


def _tell(case: Case) -> None:
    from .services import holders

    recipients = {}
    for task in ApprovalTask.objects.filter(case=case, status__in=OPEN_TASK):
        people = [task.assignee] if task.assignee_id else holders(task.role, task.org_path)
        recipients.update({p.pk: p for p in people})
    recipients.update({p.pk: p for p in holders("supervisor", case.place_path)})
    notify.site_many(
        recipients.values(),
        _("申请人催办：%(number)s") % {"number": case.number},
        case.title,
        link=f"/workbench/cases/{case.pk}/",
    )

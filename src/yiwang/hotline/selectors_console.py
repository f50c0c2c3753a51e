"""What the agent's console reads (docs/hotline.md, "The agent's console"): the subjects and
areas its pickers offer, the appeals an agent recorded today, and the answered appeals
waiting for a return call (回访)."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from yiwang.identity import policy
from yiwang.identity.models import OrgKind, OrgUnit
from yiwang.workdays.calendar import SHANGHAI

from . import subjects
from .models import Appeal, AppealStatus, Subject

AREA_KINDS = (OrgKind.STREET, OrgKind.COMMUNITY)


def subject_choices() -> list[Subject]:
    """The active second-level subjects with their first level, in the tree's order."""
    return list(
        subjects.leaves().select_related("parent").order_by("parent__position", "position", "code")
    )


def area_choices() -> list[OrgUnit]:
    """Streets and communities of the org tree (an appeal's area), street before its
    communities."""
    return list(
        OrgUnit.objects.filter(kind__in=AREA_KINDS, is_active=True)
        .select_related("parent")
        .order_by("path")
    )


def subject_from(raw: str) -> Subject | None:
    """The leaf the picker's text names: its code ("CS-01", or "CS-01 市容环境卫生" as the
    list offers it) or its exact name. None when it names none."""
    raw = " ".join(str(raw or "").split())
    if not raw:
        return None
    code = raw.split(" ", 1)[0]
    found = list(subjects.leaves().filter(Q(code=code) | Q(name=raw))[:2])
    return found[0] if len(found) == 1 else None


def area_from(raw: str) -> OrgUnit | None:
    """The street or community the picker's text names: its code ("990101001", or the list's
    "990101001 和平街道") or its exact name when no other area bears it."""
    raw = " ".join(str(raw or "").split())
    if not raw:
        return None
    code = raw.split(" ", 1)[0]
    name = raw.rsplit(" ", 1)[-1].rsplit("/", 1)[-1]
    found = list(
        OrgUnit.objects.filter(kind__in=AREA_KINDS, is_active=True).filter(
            Q(code=code) | Q(name=name)
        )[:2]
    )
    return found[0] if len(found) == 1 else None


def today_bounds(now: datetime.datetime | None = None):
    day = (now or timezone.now()).astimezone(SHANGHAI).date()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=SHANGHAI)
    return start, start + datetime.timedelta(days=1)


def recorded_today(user, *, now=None) -> QuerySet[Appeal]:
    """The appeals this agent recorded today (Asia/Shanghai), newest first."""
    start, end = today_bounds(now)
    return (
        Appeal.objects.filter(recorded_by=user, received_at__gte=start, received_at__lt=end)
        .select_related("subject")
        .order_by("-received_at", "-id")
    )


def awaiting_callback(user) -> QuerySet[Appeal]:
    """Answered appeals nobody has reached on a return call yet, the longest waiting first,
    with how many calls went unanswered (`attempts`); scoped by the policy."""
    queryset = (
        Appeal.objects.filter(status=AppealStatus.ANSWERED)
        .exclude(callbacks__reached=True)
        .annotate(attempts=Count("callbacks"))
        .select_related("subject", "lead_unit")
        .order_by("answered_at", "id")
    )
    return policy.scope(user, queryset, "hotline.callback")

"""Read queries of ratings and rectifications, scoped by the policy and shaped for their
pages and endpoints: what a row shows is joined in (no N+1), the order follows an index."""

import datetime

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from yiwang.identity import policy

from . import transitions
from .models import BAD_LEVELS, Evaluation, Rectification, RectificationStatus

# The status filter of the lists: "" is everything not yet closed.
OPEN = ""
ALL = "all"


def evaluation_of(case) -> Evaluation | None:
    """The rating of a journey, if given."""
    return Evaluation.objects.filter(case_id=case.pk).select_related("rectification").first()


def _evaluations() -> QuerySet:
    return Evaluation.objects.select_related(
        "case", "ticket__hall", "ticket__window", "department", "place", "item__published", "rater"
    )


def evaluations(
    user,
    *,
    level: int | None = None,
    bad: bool | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet:
    """Ratings the user may see (department subtree, or a supervisor's places), newest
    first; filtered by level, bad or not, and the day they were given."""
    queryset = policy.scope(user, _evaluations(), "evaluation.view")
    if level:
        queryset = queryset.filter(level=level)
    if bad is True:
        queryset = queryset.filter(level__in=BAD_LEVELS)
    elif bad is False:
        queryset = queryset.exclude(level__in=BAD_LEVELS)
    if date_from:
        queryset = queryset.filter(rated_on__gte=date_from)
    if date_to:
        queryset = queryset.filter(rated_on__lte=date_to)
    return queryset.order_by("-created_at", "-id")


def _rectifications() -> QuerySet:
    return Rectification.objects.select_related(
        "evaluation__case",
        "evaluation__ticket__hall",
        "evaluation__ticket__window",
        "evaluation__item__published",
        "evaluation__place",
        "department",
    )


def rectifications(user, *, status: str = OPEN, red: bool = False) -> QuerySet:
    """Rectifications the user may see, the most urgent first. `status`: "" for every
    one not closed, a RectificationStatus value, or "all"; `red`: only overdue ones."""
    queryset = policy.scope(user, _rectifications(), "rectification.view")
    if status == OPEN:
        queryset = queryset.filter(status__in=transitions.NOT_CLOSED)
    elif status != ALL:
        queryset = queryset.filter(status=status)
    if red:
        queryset = queryset.filter(warning="red")
    return queryset.order_by("due_on", "id")


def rectification(user, rectification_id) -> Rectification:
    """One rectification for its page; 404 to anyone outside its scope."""
    return get_object_or_404(
        policy.scope(user, _rectifications(), "rectification.view").select_related(
            "evaluation__rater",
            "evaluation__staff",
            "evaluation__case__applicant",
            "evaluation__case__department",
            "responded_by",
            "verified_by",
            "callback_by",
        ),
        pk=rectification_id,
    )


def history(rectification: Rectification) -> QuerySet:
    return rectification.events.select_related("actor").order_by("at", "id")


STATUS_VALUES = [OPEN, *RectificationStatus.values, ALL]

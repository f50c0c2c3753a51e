"""The case state machine as data (DESIGN.md §6), with the national 办件状态 code each
transition writes (the code depends on the move: resubmitting after a supplement is 7)."""

from django.utils.translation import gettext as _

from .models import Status as S

ALLOWED = {
    S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
    S.SUBMITTED: {S.ACCEPTED, S.SUPPLEMENT, S.REFUSED, S.WITHDRAWN},
    S.SUPPLEMENT: {S.SUBMITTED, S.WITHDRAWN},
    S.ACCEPTED: {S.IN_REVIEW, S.WITHDRAWN},
    S.IN_REVIEW: {S.SUSPENDED, S.APPROVED, S.APPROVED_TOLERATED, S.DENIED, S.WITHDRAWN},
    S.SUSPENDED: {S.IN_REVIEW},
    S.APPROVED: {S.REVOKED},
    S.APPROVED_TOLERATED: {S.REVOKED},
    S.DENIED: set(),
    S.REFUSED: set(),
    S.WITHDRAWN: set(),
    S.REVOKED: set(),
}

CODES = {
    (S.DRAFT, S.SUBMITTED): 1,
    (S.DRAFT, S.WITHDRAWN): None,  # a draft that was never filed has no national code
    (S.SUBMITTED, S.WITHDRAWN): 2,
    (S.SUPPLEMENT, S.WITHDRAWN): 2,
    (S.SUBMITTED, S.ACCEPTED): 3,
    (S.SUBMITTED, S.REFUSED): 5,
    (S.SUBMITTED, S.SUPPLEMENT): 6,
    (S.SUPPLEMENT, S.SUBMITTED): 7,
    (S.ACCEPTED, S.IN_REVIEW): 8,
    (S.IN_REVIEW, S.SUSPENDED): 9,
    (S.SUSPENDED, S.IN_REVIEW): 10,
    (S.IN_REVIEW, S.APPROVED): 11,
    (S.IN_REVIEW, S.APPROVED_TOLERATED): 12,
    (S.IN_REVIEW, S.DENIED): 13,
    (S.ACCEPTED, S.WITHDRAWN): 14,
    (S.IN_REVIEW, S.WITHDRAWN): 14,
    (S.APPROVED, S.REVOKED): 15,
    (S.APPROVED_TOLERATED, S.REVOKED): 15,
}


class InvalidTransition(Exception):
    code = "invalid_transition"

    def __init__(self, current, target):
        self.current, self.target = current, target
        super().__init__(
            _("办件当前状态“%(current)s”，不能变为“%(target)s”。")
            % {"current": S(current).label, "target": S(target).label}
        )


def check(case, target) -> int | None:
    """Raise unless the move is allowed; return the national code it writes."""
    if target not in ALLOWED.get(case.status, ()):
        raise InvalidTransition(case.status, target)
    return CODES.get((case.status, target))

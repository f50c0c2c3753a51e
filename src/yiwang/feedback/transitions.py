"""The rectification (差评整改) state machine as data (docs/cases.md, "State machines"):

    open → responded        the department explains what happened and what it changed
    responded → verified    the supervisor accepts the rectification
    responded → open        the supervisor returns it with a note (returned_count + 1)
    verified → closed       the return call (回访) to the citizen is recorded

A forbidden move is an error with a stable code, never a no-op."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yiwang.core.machines import StateMachine

from .models import RectificationStatus as R

RECTIFICATION = StateMachine(
    "rectification",
    R,
    {
        R.OPEN: {R.RESPONDED},
        R.RESPONDED: {R.VERIFIED, R.OPEN},
        R.VERIFIED: {R.CLOSED},
        R.CLOSED: set(),
    },
    code="invalid_rectification_transition",
    message=_("整改当前状态“%(current)s”，不能变为“%(target)s”。"),
    initial=R.OPEN,
)

# Where the department still owes work (the overdue warning watches these).
DEPARTMENT_OWES = frozenset({R.OPEN, R.RESPONDED})
NOT_CLOSED = frozenset({R.OPEN, R.RESPONDED, R.VERIFIED})


class CallbackRequired(ValidationError):
    """每一条实名差评都要回访: a real-name bad review closes only with its return call."""

    def __init__(self):
        super().__init__(gettext("实名差评必须先记录回访情况才能办结。"), code="callback_required")


def check(rectification, target, *, callback_needed: bool = True) -> None:
    """Raise unless the move is allowed; closing a real-name bad review also needs its
    return call recorded (`callback_needed=False` asks only about the status)."""
    RECTIFICATION.check(rectification.status, target)
    if (
        callback_needed
        and target == R.CLOSED
        and rectification.evaluation.real_name
        and rectification.callback_at is None
    ):
        raise CallbackRequired()

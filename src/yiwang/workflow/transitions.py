"""The approval task's state machine as data (DESIGN.md §6): pending → active → done, with
active → pending when the assignee releases it. Withdrawal cancels open tasks."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import TaskStatus as T

ALLOWED = {
    T.PENDING: {T.ACTIVE, T.DONE, T.CANCELLED},  # done: completing claims on the way
    T.ACTIVE: {T.PENDING, T.DONE, T.CANCELLED},
    T.DONE: set(),
    T.CANCELLED: set(),
}


class InvalidTaskTransition(ValidationError):
    def __init__(self, current, target):
        self.current, self.target = current, target
        super().__init__(
            _("审批环节当前状态“%(current)s”，不能变为“%(target)s”。")
            % {"current": T(current).label, "target": T(target).label},
            code="invalid_task_transition",
        )


def check(task, target) -> None:
    if target not in ALLOWED.get(task.status, ()):
        raise InvalidTaskTransition(task.status, target)

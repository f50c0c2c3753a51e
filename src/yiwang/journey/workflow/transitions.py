"""The engine's state machines as data (docs/cases.md, "State machines"):

- an approval task: pending → active → done, with active → pending when the assignee
  releases it; withdrawal cancels open tasks;
- an extension (延期, 行政许可法 第四十二条): requested → approved or rejected, once;
- a result delivery (出件 / 送达): pending → ready → delivered."""

from django.utils.translation import gettext_lazy as _

from yiwang.core.machines import StateMachine

from .models import DeliveryStatus as D
from .models import Extension
from .models import TaskStatus as T

TASK = StateMachine(
    "approval_task",
    T,
    {
        T.PENDING: {T.ACTIVE, T.DONE, T.CANCELLED},  # done: completing claims on the way
        T.ACTIVE: {T.PENDING, T.DONE, T.CANCELLED},
        T.DONE: set(),
        T.CANCELLED: set(),
    },
    code="invalid_task_transition",
    message=_("审批环节当前状态“%(current)s”，不能变为“%(target)s”。"),
    initial=T.PENDING,
)

E = Extension.Status
EXTENSION = StateMachine(
    "extension",
    E,
    {E.REQUESTED: {E.APPROVED, E.REJECTED}, E.APPROVED: set(), E.REJECTED: set()},
    code="extension_decided",
    message=_("该延期申请已经审批。"),
    initial=E.REQUESTED,
)

DELIVERY = StateMachine(
    "result_delivery",
    D,
    {D.PENDING: {D.READY}, D.READY: {D.DELIVERED}, D.DELIVERED: set()},
    code="invalid_delivery_transition",
    message=_("出件状态“%(current)s”，不能变为“%(target)s”。"),
    initial=D.PENDING,
)

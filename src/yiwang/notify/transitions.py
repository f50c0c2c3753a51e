"""A message's delivery state machine as data (docs/cases.md, "State machines"): pending
until the backend takes it (sent), or until the last retry fails (failed). An in-site
message is sent by being stored."""

from django.utils.translation import gettext_lazy as _

from yiwang.core.machines import StateMachine

from .models import Delivery as D

MESSAGE = StateMachine(
    "message",
    D,
    {D.PENDING: {D.SENT, D.FAILED}, D.SENT: set(), D.FAILED: set()},
    code="invalid_message_transition",
    message=_("通知当前状态“%(current)s”，不能变为“%(target)s”。"),
    initial=D.PENDING,
)

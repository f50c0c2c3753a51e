"""An appeal's status and an extension's as state machines (docs/hotline.md):

Appeal:

    pending → dispatched     the dispatcher sends it to a lead unit (dispatch)
    pending → closed         answered on the spot from the knowledge base (answer_on_spot),
                             or closed by the dispatcher with a reason (close_without_dispatch)
    pending → merged         a duplicate merged into another appeal (merge)
    pending, dispatched, handling → withdrawn   the citizen withdraws it
    dispatched → handling    the lead unit accepts it (accept)
    dispatched → pending     the lead unit returns it (退单) with a reason (return_appeal)
    dispatched → dispatched  sent again to another unit (redispatch)
    handling → replied       the lead unit replies (reply)
    replied → answered       the dispatcher approves the reply; the citizen sees it
    replied → handling       the dispatcher sends the reply back
    answered → closed        rated 满意/基本满意, a return call, or no rating in time
    answered → handling      rated 不满意 the first time: it is handled again (reopen)

A unit's part (AppealUnit):

    dispatched → accepted    it signs for the appeal (签收)
    dispatched → returned    it sends it back (退单), with a reason
    accepted → replied       the lead unit's reply, or an assisting unit's opinion
    replied → accepted       the reply was sent back, or the appeal reopened

Extension: pending → approved | refused.

A forbidden move is an error with a stable code, never a no-op."""

from django.utils.translation import gettext_lazy as _

from yiwang.core.machines import StateMachine

from .models import AppealStatus as S
from .models import ExtensionStatus as E
from .models import UnitStatus as U

APPEAL = StateMachine(
    "hotline_appeal",
    S,
    {
        S.PENDING: {S.DISPATCHED, S.CLOSED, S.MERGED, S.WITHDRAWN},
        S.DISPATCHED: {S.HANDLING, S.PENDING, S.DISPATCHED, S.WITHDRAWN},
        S.HANDLING: {S.REPLIED, S.WITHDRAWN},
        S.REPLIED: {S.ANSWERED, S.HANDLING},
        S.ANSWERED: {S.CLOSED, S.HANDLING},
        S.CLOSED: set(),
        S.MERGED: set(),
        S.WITHDRAWN: set(),
    },
    code="invalid_appeal_transition",
    message=_("诉求当前状态“%(current)s”，不能变为“%(target)s”。"),
    initial=S.PENDING,
)

EXTENSION = StateMachine(
    "hotline_extension",
    E,
    {E.PENDING: {E.APPROVED, E.REFUSED}, E.APPROVED: set(), E.REFUSED: set()},
    code="invalid_extension_transition",
    message=_("延期申请当前状态“%(current)s”，不能变为“%(target)s”。"),
    initial=E.PENDING,
)

UNIT = StateMachine(
    "hotline_unit",
    U,
    {
        U.DISPATCHED: {U.ACCEPTED, U.RETURNED},
        U.ACCEPTED: {U.REPLIED},
        U.REPLIED: {U.ACCEPTED},
        U.RETURNED: set(),
    },
    code="invalid_appeal_unit_transition",
    message=_("承办单位当前状态“%(current)s”，不能变为“%(target)s”。"),
    initial=U.DISPATCHED,
)

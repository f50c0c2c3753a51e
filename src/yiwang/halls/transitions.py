"""The window's and the ticket's statuses as state machines (docs/halls.md):

Window:

    closed → open           staff sign in at the window (open_window)
    open ⇄ paused           a break (pause_window / open_window)
    open, paused → closed   the window closes (close_window)

Ticket:

    waiting → called        a window calls it (call_next)
    called → called         called again (recall)
    called → serving        the citizen came: service starts (start_service)
    serving → done          service finished (finish_service)
    called → no_show        nobody came (mark_no_show)
    called, serving → waiting   transferred to another category or window (transfer)
    waiting → closed        still waiting when the hall closes (close_day), with a reason
    waiting → cancelled     the citizen gave up the number

Appointment (appointments.py):

    booked → booked         moved to another slot (reschedule): the same code, the old
                            slot's place given back
    booked → checked_in     checked in on the day (a ticket is taken)
    booked → cancelled      cancelled by the citizen or staff, until the cut-off
    booked → no_show        the slot ended without a check-in (the job mark_no_shows)

A forbidden move is an error with a stable code, never a no-op."""

from django.utils.translation import gettext_lazy as _

from yiwang.core.machines import StateMachine

from .models import AppointmentStatus as A
from .models import TicketStatus as T
from .models import WindowStatus as W

WINDOW = StateMachine(
    "hall_window",
    W,
    {
        W.CLOSED: {W.OPEN},
        W.OPEN: {W.PAUSED, W.CLOSED},
        W.PAUSED: {W.OPEN, W.CLOSED},
    },
    code="invalid_window_transition",
    message=_("窗口当前状态“%(current)s”，不能变为“%(target)s”。"),
    initial=W.CLOSED,
)

TICKET = StateMachine(
    "queue_ticket",
    T,
    {
        T.WAITING: {T.CALLED, T.CLOSED, T.CANCELLED},
        T.CALLED: {T.CALLED, T.SERVING, T.NO_SHOW, T.WAITING},
        T.SERVING: {T.DONE, T.WAITING},
        T.DONE: set(),
        T.NO_SHOW: set(),
        T.CLOSED: set(),
        T.CANCELLED: set(),
    },
    code="invalid_ticket_transition",
    message=_("排队号当前状态“%(current)s”，不能变为“%(target)s”。"),
    initial=T.WAITING,
)

# A window's ticket of the moment: called and not yet finished.
AT_WINDOW = frozenset({T.CALLED, T.SERVING})

APPOINTMENT = StateMachine(
    "appointment",
    A,
    {
        A.BOOKED: {A.BOOKED, A.CHECKED_IN, A.CANCELLED, A.NO_SHOW},
        A.CHECKED_IN: set(),
        A.CANCELLED: set(),
        A.NO_SHOW: set(),
    },
    code="invalid_appointment_transition",
    message=_("预约当前状态“%(current)s”，不能变为“%(target)s”。"),
    initial=A.BOOKED,
)

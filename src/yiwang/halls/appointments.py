"""Appointments (预约), the door (docs/halls.md, "Appointments"): the time slots of a hall's
category, booking, cancelling and moving a booking, checking in on the day for a ticket in
the appointment lane, and the two jobs (no-shows, reminders the day before).

Slots come from the hall's opening hours on the working-day calendar (no slot on a holiday,
a 调休 make-up day has a working day's), cut into `hall.slot_minutes`. A slot's capacity is
the windows that serve the category × the slot's length ÷ the category's recent mean service
time (`services.average_service_seconds`, the queue estimate's). Slots are offered from
`hall.booking_cutoff_hours` after now to `hall.booking_horizon_days` ahead.

Each state change is one function, in one transaction: lock → authorise → check the machine
(transitions.APPOINTMENT) → change → audit → announce (`services._announce`). Places are
taken on the slot's row (`SlotBooking`) with one conditional UPDATE (… WHERE booked <
capacity): twenty people booking the last place at once give exactly one booking."""

import datetime
import math
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from yiwang.audit import services as audit
from yiwang.catalog.models import ItemVersion, VersionStatus
from yiwang.core import events
from yiwang.identity import crypto, policy
from yiwang.identity.models import User
from yiwang.identity.validators import validate_id_number, validate_phone
from yiwang.notify import services as notify

from . import services
from .models import (
    Appointment,
    Hall,
    ServiceCategory,
    SlotBooking,
    Ticket,
    TicketChannel,
    Window,
    WindowKind,
)
from .models import AppointmentStatus as A
from .transitions import APPOINTMENT

# 8 characters without 0/O, 1/I: read out at a kiosk, typed by an elderly person; 32⁸ ≈ 10¹².
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
# Check-in on the day: from 30 minutes before the slot; up to 15 minutes after its start in
# the appointment lane, later (until the slot ends) in the normal lane.
CHECK_IN_EARLY = datetime.timedelta(minutes=30)
CHECK_IN_ON_TIME = datetime.timedelta(minutes=15)
# Reminders go out on the day before, not before this hour (no text message at midnight).
REMINDER_FROM_HOUR = 9
ACTIVE = (A.BOOKED, A.CHECKED_IN)


# --- slots ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int
    booked: int = 0

    @property
    def left(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def key(self) -> str:
        """The slot's start as a form or URL value (local time, minutes)."""
        return services.local(self.starts_at).strftime("%Y-%m-%dT%H:%M")

    @property
    def label(self) -> str:
        return f"{services.local(self.starts_at):%H:%M}-{services.local(self.ends_at):%H:%M}"

    @property
    def day(self) -> datetime.date:
        return services.local(self.starts_at).date()


def parse_key(value: str) -> datetime.datetime | None:
    """A slot key (2025-03-04T10:00, local time) as an aware datetime; None if unreadable."""
    try:
        moment = datetime.datetime.fromisoformat(str(value or "").strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=services.SHANGHAI)
    return moment


def cut(ranges, minutes: int) -> list[tuple[int, int]]:
    """The opening ranges (minutes after midnight) cut into whole slots of `minutes`; a
    remainder shorter than a slot at the end of a range is not offered."""
    slots = []
    for start, end in ranges:
        at = start
        while at + minutes <= end:
            slots.append((at, at + minutes))
            at += minutes
    return slots


def horizon(hall: Hall, now: datetime.datetime) -> list[datetime.date]:
    """The days a booking may be for: today and the next `booking_horizon_days`."""
    today = services.local(now).date()
    return [today + datetime.timedelta(days=n) for n in range(hall.booking_horizon_days + 1)]


def _times(hall: Hall, category: ServiceCategory, day: datetime.date, now) -> list:
    """The (start, end) of the slots offered on `day`: none on a day the hall is closed
    (holidays too) or the category is not served, none beyond the horizon, none that start
    before the cut-off."""
    if not (hall.is_active and category.is_active) or day not in horizon(hall, now):
        return []
    if not category.is_served_on(day.isoweekday()):
        return []
    midnight = datetime.datetime.combine(day, datetime.time(), tzinfo=services.SHANGHAI)
    earliest = now + datetime.timedelta(hours=hall.booking_cutoff_hours)
    found = []
    for start, end in cut(services.opening_ranges(hall, day), hall.slot_minutes):
        starts_at = midnight + datetime.timedelta(minutes=start)
        if starts_at >= earliest:
            found.append((starts_at, midnight + datetime.timedelta(minutes=end)))
    return found


def serving_windows(category: ServiceCategory) -> int:
    """The windows that serve the category (comprehensive ones serve every category),
    whatever their status now: who will be open on the day is not known yet."""
    return (
        Window.objects.filter(hall_id=category.hall_id)
        .filter(Q(kind=WindowKind.COMPREHENSIVE) | Q(categories=category))
        .order_by()
        .values("pk")
        .distinct()
        .count()
    )


def capacity_of(category: ServiceCategory, slot_minutes: int) -> int:
    """Places per slot: serving windows × slot length ÷ the recent mean service time."""
    mean = services.average_service_seconds(category)
    return math.floor(serving_windows(category) * slot_minutes * 60 / max(mean, 1.0))


def slots(hall: Hall, category: ServiceCategory, day: datetime.date, now=None) -> list[Slot]:
    """The slots of `day` that may still be booked, with the places left in each."""
    now = services.local(now)
    times = _times(hall, category, day, now)
    if not times:
        return []
    capacity = capacity_of(category, hall.slot_minutes)
    booked = dict(
        SlotBooking.objects.filter(category=category, day=day).values_list("starts_at", "booked")
    )
    return [Slot(s, e, capacity, booked.get(s, 0)) for s, e in times]


@dataclass(frozen=True)
class Day:
    day: datetime.date
    slots: int
    left: int


def days(hall: Hall, category: ServiceCategory, now=None) -> list[Day]:
    """The days within the horizon that have slots, with the places left on each."""
    now = services.local(now)
    offered = {d: _times(hall, category, d, now) for d in horizon(hall, now)}
    offered = {d: times for d, times in offered.items() if times}
    if not offered:
        return []
    capacity = capacity_of(category, hall.slot_minutes)
    booked = dict(
        SlotBooking.objects.filter(category=category, day__in=list(offered)).values_list(
            "starts_at", "booked"
        )
    )
    return [
        Day(d, len(times), sum(max(capacity - booked.get(s, 0), 0) for s, _e in times))
        for d, times in offered.items()
    ]


def categories_for(item) -> list[ServiceCategory]:
    """The categories, of active halls, whose items include `item`: where it may be booked."""
    return list(
        ServiceCategory.objects.filter(items=item, is_active=True, hall__is_active=True)
        .select_related("hall", "hall__org")
        .order_by("hall__org_path", "position")
    )


def is_bookable(item) -> bool:
    """The item's published version supports appointments (事项“支持预约”)."""
    return ItemVersion.objects.filter(
        item=item, status=VersionStatus.PUBLISHED, appointment=True
    ).exists()


def _slot_at(hall, category, starts_at, now) -> Slot:
    """The slot starting at `starts_at`, if it may be booked now; a clear refusal if not."""
    if starts_at is None:
        raise ValidationError(_("请选择预约时段。"), code="slot_unavailable")
    day = services.local(starts_at).date()
    for start, end in _times(hall, category, day, now):
        if start == starts_at:
            return Slot(start, end, capacity_of(category, hall.slot_minutes))
    raise ValidationError(
        _(
            "这个时段不能预约：它已过去、离现在不足%(hours)d小时、不在办公时间，或超出可预约的"
            "%(days)d天。请另选时段。"
        )
        % {"hours": hall.booking_cutoff_hours, "days": hall.booking_horizon_days},
        code="slot_unavailable",
    )


def _take_place(hall, category, slot: Slot) -> None:
    """One place in the slot, or `slot_full`. The row is made once (ON CONFLICT DO
    NOTHING); the place is taken by one conditional UPDATE, which on PostgreSQL waits for a
    concurrent booking of the same slot and then sees its count: only as many succeed as
    there are places."""
    full = ValidationError(
        _("%(time)s的名额已约满，请另选时段。")
        % {"time": f"{services.local(slot.starts_at):%m-%d} {slot.label}"},
        code="slot_full",
    )
    if slot.capacity < 1:
        raise full
    SlotBooking.objects.bulk_create(
        [SlotBooking(hall=hall, category=category, day=slot.day, starts_at=slot.starts_at)],
        ignore_conflicts=True,
    )
    taken = SlotBooking.objects.filter(
        category=category, starts_at=slot.starts_at, booked__lt=slot.capacity
    ).update(booked=F("booked") + 1)
    if not taken:
        raise full


def _give_back(appointment: Appointment) -> None:
    SlotBooking.objects.filter(
        category_id=appointment.category_id, starts_at=appointment.starts_at, booked__gt=0
    ).update(booked=F("booked") - 1)


# --- who books, and the rules for a person ----------------------------------------------------


@dataclass
class Person:
    """Who the appointment is for: an account, or a walk-in known by the keyed hash of
    their ID number (and a phone for the reminder)."""

    citizen: User | None
    index: str
    phone: str = ""

    def matches(self) -> Q:
        found = Q(pk__in=[])
        if self.citizen is not None:
            found |= Q(citizen=self.citizen)
        if self.index:
            found |= Q(id_number_index=self.index)
        return found


def _person(hall: Hall, *, by, id_number, phone) -> Person:
    """The signed-in citizen; or, when staff give an ID number, the walk-in it names (their
    account if they have one)."""
    if not policy.is_authenticated(by):
        raise PermissionDenied(_("请先登录再预约。"))
    if id_number is None:
        if by.kind != User.Kind.CITIZEN:
            raise ValidationError(
                _("为群众预约请填写其身份证号码。"), code="walk_in_id_number_required"
            )
        return Person(by, by.id_number_index or "", validate_phone(phone) if phone else "")
    policy.require(by, "appointment.book_for_walk_in", hall)
    index = crypto.blind_index(validate_id_number(id_number))
    citizen = User.objects.filter(id_number_index=index, kind=User.Kind.CITIZEN).first()
    phone = validate_phone(phone) if phone else ""
    if not phone and not (citizen and citizen.phone):
        raise ValidationError(
            _("请填写群众的手机号码，用于发送预约码和前一天的提醒。"), code="walk_in_phone_required"
        )
    return Person(citizen, index, phone)


def ban_until(ends, *, limit: int, window_days: int, ban_days: int):
    """The end of the booking ban the no-shows at `ends` (the missed slots' ends) give:
    `limit` of them within `window_days` bar booking for `ban_days` from the last of them.
    None without such a run (or with the rule off, limit 0)."""
    if limit < 1:
        return None
    ends = sorted(ends)
    window = datetime.timedelta(days=window_days)
    until = None
    for i in range(limit - 1, len(ends)):
        if ends[i] - ends[i - limit + 1] <= window:
            end = ends[i] + datetime.timedelta(days=ban_days)
            until = end if until is None or end > until else until
    return until


def _date_words(moment) -> str:
    return formats.date_format(services.local(moment), "Y年n月j日")


def _check_person(hall, category, item_id, day, person: Person, now, *, moving=None) -> None:
    """The per-person rules, read in one query: no booking while a no-show ban lasts; one
    active appointment per item (per category without one); `hall.bookings_per_day` a day."""
    since = now - datetime.timedelta(days=hall.no_show_window_days + hall.no_show_ban_days)
    rows = list(
        Appointment.objects.filter(person.matches(), hall=hall)
        .filter(Q(status__in=ACTIVE, day__gte=now.date()) | Q(status=A.NO_SHOW, ends_at__gte=since))
        .exclude(pk=getattr(moving, "pk", None))
        .values_list("status", "item_id", "category_id", "day", "starts_at", "ends_at")
    )
    if moving is None:
        until = ban_until(
            [ends for status, *_rest, ends in rows if status == A.NO_SHOW],
            limit=hall.no_show_limit,
            window_days=hall.no_show_window_days,
            ban_days=hall.no_show_ban_days,
        )
        if until is not None and until > now:
            raise ValidationError(
                _(
                    "您在%(window)d天内有%(n)d次预约没有按时签到，%(until)s前不能在本大厅预约。"
                    "您仍可以到大厅现场取号办理。"
                )
                % {
                    "window": hall.no_show_window_days,
                    "n": hall.no_show_limit,
                    "until": _date_words(until),
                },
                code="booking_suspended",
            )
        for status, row_item, category_id, _d, starts_at, _e in rows:
            same = row_item == item_id if item_id is not None else category_id == category.pk
            if status == A.BOOKED and same:
                raise ValidationError(
                    _("您已预约了%(when)s办理同一事项，请先办理或取消那个预约。")
                    % {"when": f"{_date_words(starts_at)} {services.local(starts_at):%H:%M}"},
                    code="appointment_exists",
                )
    that_day = sum(
        1 for status, _i, _c, booked_day, _s, _e in rows if status in ACTIVE and booked_day == day
    )
    if that_day >= hall.bookings_per_day:
        raise ValidationError(
            _("每人每天在%(hall)s最多预约%(n)d次，您这天的次数已用完。")
            % {"hall": hall.name, "n": hall.bookings_per_day},
            code="too_many_appointments",
        )


def _what_for(category, *, item, case, person: Person, by):
    """The item booked (the case's, when booked from a case), which must be one of the
    category's and support appointments; a case must be the person's own, or one staff see."""
    if case is not None:
        mine = person.citizen is not None and case.applicant_id == person.citizen.pk
        if not mine:
            policy.require(by, "case.view", case)
        if case.item_version_id:
            item = ItemVersion.objects.select_related("item").get(pk=case.item_version_id).item
    if item is None:
        return None, case
    fits = ItemVersion.objects.filter(
        item=item,
        status=VersionStatus.PUBLISHED,
        appointment=True,
        item__hall_categories=category,
    ).exists()
    if not fits:
        raise ValidationError(
            _("“%(category)s”不预约办理这个事项，请选择其他大厅或业务类别。")
            % {"category": category.name},
            code="item_not_bookable_here",
        )
    return item, case


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """What a person typed, as stored: upper case, without spaces or dashes."""
    return "".join(c for c in str(code or "").upper() if c.isalnum())


# --- announcing -----------------------------------------------------------------------------


def _payload(event: str, appointment: Appointment) -> dict:
    return {
        "event": event,
        "appointment": appointment.pk,
        "category": appointment.category_id,
        "day": appointment.day.isoformat(),
        "starts_at": appointment.starts_at.isoformat(),
        "status": appointment.status,
    }


def _record(by, action: str, appointment: Appointment, hall: Hall, **summary) -> None:
    audit.record(
        services._actor(by, "appointment"),
        f"hall.appointment_{action}",
        appointment,
        org_path=hall.org_path,
        summary={
            "code": appointment.code,
            "starts_at": appointment.starts_at.isoformat(),
            **summary,
        },
    )
    services._announce(hall, _payload(f"appointment_{action}", appointment), by=by)


# The weekdays as people write them, in the active language (周二 / Tue).
WEEKDAY_NAMES = (
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
)


def day_words(day: datetime.date) -> str:
    """“3月4日（周二）” / “4 March (Tue)”: the day and its weekday in the active language."""
    return _("%(date)s（%(weekday)s）") % {
        # The month and day in the reader's order (English: "4 March").
        "date": formats.date_format(day, pgettext("month and day", "n月j日")),
        "weekday": WEEKDAY_NAMES[day.isoweekday() - 1],
    }


def when_words(appointment) -> str:
    """“3月4日（周二）10:00-10:30” / “4 March (Tue) 10:00-10:30”"""
    start, end = services.local(appointment.starts_at), services.local(appointment.ends_at)
    return _("%(day)s%(start)s-%(end)s") % {
        "day": day_words(start.date()),
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
    }


# --- booking --------------------------------------------------------------------------------


@transaction.atomic
def book(
    category: ServiceCategory,
    starts_at: datetime.datetime | None,
    *,
    by,
    item=None,
    case=None,
    id_number: str | None = None,
    phone: str | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """预约: a place in the slot of `category` starting at `starts_at`, for the signed-in
    citizen, or — when staff give `id_number` (and `phone`) — for a walk-in who wants to
    come back. Optionally for an `item` of the category, or for a `case` (its item), which
    the appointment is then linked to. Refused with a stable code: `slot_unavailable`,
    `slot_full`, `booking_suspended` (the no-show rule, saying until when),
    `appointment_exists`, `too_many_appointments`, `item_not_bookable_here`."""
    hall = category.hall
    now = services.local(now)
    person = _person(hall, by=by, id_number=id_number, phone=phone)
    item, case = _what_for(category, item=item, case=case, person=person, by=by)
    slot = _slot_at(hall, category, starts_at, now)
    _check_person(hall, category, getattr(item, "pk", None), slot.day, person, now)
    _take_place(hall, category, slot)
    appointment = Appointment(
        hall=hall,
        category=category,
        item=item,
        case=case,
        day=slot.day,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        citizen=person.citizen,
        id_number_index=person.index,
        booked_by=by,
        code=_new_code(),
        booked_at=now,
    )
    appointment.set_phone(person.phone)
    appointment.save()
    _record(by, "booked", appointment, hall, walk_in=appointment.is_walk_in)
    if appointment.is_walk_in:
        # The walk-in leaves with the code in a text message (and on the printed slip).
        notify.sms(
            appointment.phone,
            _(
                "【%(hall)s】您已预约%(when)s办理“%(category)s”，预约码%(code)s。请当天提前到大厅签到取号。"
            )
            % {
                "hall": hall.name,
                "when": when_words(appointment),
                "category": category.name,
                "code": appointment.code_display,
            },
            recipient=person.citizen,
        )
    return appointment


def _lock(appointment_id) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("hall", "category", "citizen")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise Http404
    return appointment


def _before_cutoff(appointment: Appointment, now, verb: str) -> None:
    cutoff = appointment.starts_at - datetime.timedelta(hours=appointment.hall.booking_cutoff_hours)
    if now >= cutoff:
        raise ValidationError(
            _("离预约时段开始已不足%(hours)d小时，不能再%(verb)s。如不能来，请致电大厅。")
            % {"hours": appointment.hall.booking_cutoff_hours, "verb": verb},
            code="past_cutoff",
        )


@transaction.atomic
def cancel(appointment: Appointment, *, by, now=None) -> Appointment:
    """取消预约: the place goes back to the slot. The citizen, or hall staff and clerks of
    the hall; until `hall.booking_cutoff_hours` before the slot."""
    now = services.local(now)
    appointment = _lock(appointment.pk)
    policy.require(by, "appointment.change", appointment)
    APPOINTMENT.check(appointment.status, A.CANCELLED)
    _before_cutoff(appointment, now, _("取消"))
    APPOINTMENT.move(appointment, A.CANCELLED)
    appointment.cancelled_at = now
    appointment.save(update_fields=["status", "cancelled_at"])
    _give_back(appointment)
    _record(by, "cancelled", appointment, appointment.hall)
    return appointment


@transaction.atomic
def reschedule(appointment: Appointment, starts_at, *, by, now=None) -> Appointment:
    """改约: the same appointment (and code) moved to another slot of its category; the old
    slot's place goes back. Until the cut-off of the old slot; the new one must be bookable
    and within the per-day limit."""
    now = services.local(now)
    appointment = _lock(appointment.pk)
    policy.require(by, "appointment.change", appointment)
    APPOINTMENT.check(appointment.status, A.BOOKED)
    hall = appointment.hall
    _before_cutoff(appointment, now, _("改约"))
    slot = _slot_at(hall, appointment.category, starts_at, now)
    if slot.starts_at == appointment.starts_at:
        raise ValidationError(_("新时段与原时段相同，请另选时段。"), code="same_slot")
    person = Person(appointment.citizen, appointment.id_number_index or "")
    _check_person(
        hall, appointment.category, appointment.item_id, slot.day, person, now, moving=appointment
    )
    _take_place(hall, appointment.category, slot)
    _give_back(appointment)
    before = appointment.starts_at
    APPOINTMENT.move(appointment, A.BOOKED)
    appointment.day, appointment.starts_at, appointment.ends_at = (
        slot.day,
        slot.starts_at,
        slot.ends_at,
    )
    appointment.rescheduled_count += 1
    appointment.reminder_sent_at = None
    appointment.save(
        update_fields=[
            "status",
            "day",
            "starts_at",
            "ends_at",
            "rescheduled_count",
            "reminder_sent_at",
        ]
    )
    _record(by, "rescheduled", appointment, hall, before=before.isoformat())
    return appointment


# --- checking in ----------------------------------------------------------------------------


def _find(hall: Hall, *, code, citizen, id_number, today) -> Appointment:
    """The appointment a check-in is for: by its code (any day, to say which day it is), or
    the citizen's / ID number's booked appointment of today at this hall."""
    found = Appointment.objects.filter(hall=hall)
    if code:
        found = found.filter(code=normalise_code(code))
    else:
        person = Q(pk__in=[])
        if id_number:
            person |= Q(id_number_index=crypto.blind_index(validate_id_number(id_number)))
        if policy.is_authenticated(citizen):
            person |= Q(citizen=citizen)
        found = found.filter(person, day=today, status=A.BOOKED)
    appointment = (
        found.select_for_update(of=("self",))
        .select_related("hall", "category", "citizen")
        .order_by("starts_at")
        .first()
    )
    if appointment is None:
        raise ValidationError(
            _("没有找到您在%(hall)s的预约。请核对预约码，或到取号机取普通号。")
            % {"hall": hall.name},
            code="appointment_not_found",
        )
    return appointment


@transaction.atomic
def check_in(
    hall: Hall,
    *,
    code: str = "",
    citizen=None,
    id_number: str | None = None,
    by=None,
    now=None,
) -> Ticket:
    """签到: on the day of the appointment, from 30 minutes before its slot, a ticket in its
    category — in the appointment lane up to 15 minutes after the start; later (until the
    slot ends) in the normal lane (`ticket.late`, with `ticket.explanation`). Found by the
    code (kiosk, window), or the citizen's or the ID number's appointment of today here.
    Refused with `appointment_not_found`, `check_in_wrong_day`, `check_in_too_early`,
    `check_in_too_late`, `already_checked_in`; by an ID number only for hall staff."""
    now = services.local(now)
    if id_number and not policy.can(by, "hall.issue_ticket", hall):
        # Only staff, the person in front of them, check in by an ID number: from anyone
        # else it would tell whether that person has an appointment here today, and when.
        raise PermissionDenied(_("凭身份证号码签到请到服务台或窗口办理，或输入预约码。"))
    appointment = _find(hall, code=code, citizen=citizen, id_number=id_number, today=now.date())
    if appointment.status == A.CHECKED_IN:
        number = appointment.ticket.number if appointment.ticket_id else ""
        raise ValidationError(
            _("这个预约已签到（号码 %(number)s），请留意叫号。") % {"number": number},
            code="already_checked_in",
        )
    APPOINTMENT.check(appointment.status, A.CHECKED_IN)
    if appointment.day != now.date():
        raise ValidationError(
            _("您预约的是%(when)s，请在当天来签到。") % {"when": when_words(appointment)},
            code="check_in_wrong_day",
        )
    if now < appointment.starts_at - CHECK_IN_EARLY:
        raise ValidationError(
            _("签到时间还没到：请在%(time)s以后签到。")
            % {"time": f"{services.local(appointment.starts_at - CHECK_IN_EARLY):%H:%M}"},
            code="check_in_too_early",
        )
    if now >= appointment.ends_at:
        raise ValidationError(
            _("您预约的时段（%(when)s）已经过了，请到取号机取普通号。")
            % {"when": when_words(appointment)},
            code="check_in_too_late",
        )
    late = now > appointment.starts_at + CHECK_IN_ON_TIME
    ticket = services.take_ticket(
        hall,
        appointment.category,
        channel=TicketChannel.APPOINTMENT,
        by=by,
        id_number=id_number or None,
        case=appointment.case,
        appointment=appointment,
        appointment_lane=not late,
    )
    APPOINTMENT.move(appointment, A.CHECKED_IN)
    appointment.checked_in_at = now
    appointment.ticket = ticket
    appointment.save(update_fields=["status", "checked_in_at", "ticket"])
    _record(by, "checked_in", appointment, hall, ticket=ticket.number, late=late)
    ticket.late = late
    ticket.explanation = (
        _("您比预约时间晚到了%(minutes)d分钟以上，按普通号排队。")
        % {"minutes": CHECK_IN_ON_TIME.seconds // 60}
        if late
        else _("预约签到成功，您走预约优先通道。")
    )
    return ticket


# --- the jobs -------------------------------------------------------------------------------


@transaction.atomic
def mark_no_shows(now=None) -> int:
    """爽约: the booked appointments whose slot has ended become no-shows, in one UPDATE;
    each citizen is told (in-site), with the rule it counts for. Safe to run twice."""
    now = services.local(now)
    due = list(
        Appointment.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=A.BOOKED, ends_at__lte=now)
        .select_related("hall")
    )
    if not due:
        return 0
    APPOINTMENT.update(
        Appointment.objects.filter(pk__in=[a.pk for a in due]), A.NO_SHOW, no_show_at=now
    )
    for appointment in due:
        appointment.status = A.NO_SHOW
    audit.record_all(
        "halls.appointments",
        [
            (
                "hall.appointment_no_show",
                a,
                {"code": a.code, "starts_at": a.starts_at.isoformat()},
                a.hall.org_path,
            )
            for a in due
        ],
    )
    events.append_all(
        [
            (
                "hall.appointment_no_show",
                a.hall,
                a.hall.org_path,
                {"hall": a.hall_id, **_payload("appointment_no_show", a)},
            )
            for a in due
        ]
    )
    link = _my_appointments_link()
    notify.site_all(
        (
            a.citizen_id,
            _("预约未签到，已记爽约一次"),
            _(
                "您预约的%(when)s在%(hall)s办理的业务没有签到，已记爽约一次。%(days)d天内爽约"
                "%(n)d次，将暂停预约%(ban)d天。"
            )
            % {
                "when": when_words(a),
                "hall": a.hall.name,
                "days": a.hall.no_show_window_days,
                "n": a.hall.no_show_limit,
                "ban": a.hall.no_show_ban_days,
            },
            link,
        )
        for a in due
        if a.citizen_id
    )
    return len(due)


def _my_appointments_link() -> str:
    try:
        return reverse("my_appointments")
    except Exception:  # noqa: BLE001 - the pages are not loaded (an API-only install)
        return ""


@transaction.atomic
def send_reminders(now=None) -> int:
    """The day before: every booked appointment of tomorrow not yet reminded gets an in-site
    message (with an account) and a text message (with a phone); from REMINDER_FROM_HOUR.
    Rows are claimed with SKIP LOCKED and stamped, so two workers never send one twice."""
    now = services.local(now)
    if now.hour < REMINDER_FROM_HOUR:
        return 0
    tomorrow = now.date() + datetime.timedelta(days=1)
    due = list(
        Appointment.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=A.BOOKED, day=tomorrow, reminder_sent_at__isnull=True)
        .select_related("hall", "hall__org", "category", "citizen")
    )
    if not due:
        return 0
    Appointment.objects.filter(pk__in=[a.pk for a in due]).update(reminder_sent_at=now)
    link = _my_appointments_link()
    texts = []
    for a in due:
        text = _(
            "【%(hall)s】提醒：您预约了明天%(when)s办理“%(category)s”，预约码%(code)s。请提前"
            "到大厅（%(address)s）签到取号；不能来请在“我的预约”中取消。"
        ) % {
            "hall": a.hall.name,
            "when": when_words(a),
            "category": a.category.name,
            "code": a.code_display,
            "address": a.hall.org.address or a.hall.name,
        }
        texts.append((a, text))
    notify.site_all(
        (a.citizen_id, _("明天的预约提醒"), text, link) for a, text in texts if a.citizen_id
    )
    notify.sms_many((a.phone, text, a.citizen) for a, text in texts if a.phone)
    return len(due)

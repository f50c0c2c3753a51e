"""The service hall's only door (docs/halls.md): halls from the org tree, opening hours,
taking a queue number (取号), calling it (叫号) and serving it, windows opening and closing,
and the day's close.

Each state change is one function, in one transaction: lock → authorise → check the
transition (transitions.py) → change → audit → announce (`_announce`, for the board and the
ticket pages). Errors a person can cause are ValidationErrors with stable codes; a forbidden
move is the machine's TransitionError (409 in the API).

No ticket is ever called twice: `call_next` locks the window it calls for, then takes the
first eligible waiting ticket with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so fifty
windows pressing "next" at once each lock a different ticket and none waits for another; on
SQLite every write transaction begins IMMEDIATE (settings.py) and the calls take turns."""

import datetime
import math
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric

from yiwang.audit import services as audit
from yiwang.catalog.models import LicenseType
from yiwang.core import events, live
from yiwang.identity import crypto, policy
from yiwang.identity.models import OrgKind, OrgUnit, User
from yiwang.identity.validators import validate_id_number, validate_phone
from yiwang.journey.cases.models import Case as CaseModel
from yiwang.licenses import services as licences
from yiwang.notify import services as notify
from yiwang.sharing import services as sharing
from yiwang.workdays import calendar

from . import hours
from .models import (
    CLAIMABLE_LANES,
    Hall,
    Lane,
    LaneBasis,
    ServiceCategory,
    Ticket,
    TicketChannel,
    TicketCounter,
    Window,
    WindowKind,
)
from .models import TicketStatus as T
from .models import WindowStatus as W
from .transitions import AT_WINDOW, TICKET, WINDOW

SHANGHAI = calendar.SHANGHAI
HALL_KINDS = (OrgKind.SERVICE_CENTRE, OrgKind.HALL)
ELDERLY_AGE = 70
# The service times an estimate averages: the category's last finished tickets, not older.
SAMPLE_SIZE = 20
SAMPLE_DAYS = 14
CLOSE_REASON_MAX = 200


def local(at: datetime.datetime | None = None) -> datetime.datetime:
    """`at` (default now) in Beijing time: opening hours and ticket days are local."""
    return (at or timezone.now()).astimezone(SHANGHAI)


# --- halls and their hours ------------------------------------------------------------------


@transaction.atomic
def sync_halls(*, by=None) -> dict[str, int]:
    """Give every active service centre and hall of the org tree its Hall (named after it,
    its hours read from its 办公时间), and read the hours again where the org's text changed.
    Safe to run twice."""
    orgs = OrgUnit.objects.filter(kind__in=HALL_KINDS, is_active=True).select_related("hall")
    created = updated = 0
    for org in orgs:
        hall = getattr(org, "hall", None)
        if hall is None:
            Hall.objects.create(
                org=org,
                org_path=org.path,
                name=org.name,
                hours_text=org.hours,
                schedule=hours.parse(org.hours).as_json(),
            )
            created += 1
        elif hall.hours_text != org.hours:
            hall.hours_text = org.hours
            hall.schedule = hours.parse(org.hours).as_json()
            hall.save(update_fields=["hours_text", "schedule"])
            updated += 1
    if created or updated:
        audit.record(by, "hall.synced", None, summary={"created": created, "updated": updated})
    return {"created": created, "updated": updated}


def schedule_of(hall: Hall) -> hours.Schedule:
    return hours.Schedule.from_json(hall.schedule)


def opening_ranges(hall: Hall, day: datetime.date) -> tuple[hours.Range, ...]:
    """The hall's hours on `day`: none on a holiday (weekends inside it too); a 调休
    make-up working day on a weekend keeps the hours of a working day (周一's); any other
    day those of its weekday."""
    listed = calendar.listed(day)
    schedule = schedule_of(hall)
    if listed is False:
        return ()
    if listed is True and day.isoweekday() >= 6:
        return schedule.ranges(1)
    return schedule.ranges(day.isoweekday())


def is_open(hall: Hall, at: datetime.datetime | None = None) -> bool:
    """Whether the hall serves at `at` (default now), by its weekly hours and the
    working-day calendar."""
    moment = local(at)
    minute = moment.hour * 60 + moment.minute
    return hall.is_active and any(
        start <= minute < end for start, end in opening_ranges(hall, moment.date())
    )


def closes_for_the_day(hall: Hall, at: datetime.datetime | None = None) -> bool:
    """Whether the hall's last session of the day is over at `at` (a lunch break is not)."""
    moment = local(at)
    minute = moment.hour * 60 + moment.minute
    return all(end <= minute for _start, end in opening_ranges(hall, moment.date()))


# --- who acts -------------------------------------------------------------------------------


def _actor(by, channel: str = ""):
    """The audit actor: the signed-in person, or the channel for an anonymous kiosk."""
    return by if policy.is_authenticated(by) else f"halls.{channel or 'system'}"


def _require_at_window(by, window: Window) -> None:
    """Window staff act at the window they staff; hall managers at any window of their
    halls. Others: 404 when they cannot see the hall, 403 when they can."""
    policy.require(by, "hall.operate_window", window)
    if window.staff_id != by.pk and not policy.can(by, "hall.manage", window):
        raise ValidationError(
            _("您不是%(window)s当前的工作人员，请先在该窗口签到开窗。") % {"window": window},
            code="not_your_window",
        )


# --- announcing -----------------------------------------------------------------------------


def _announce(hall: Hall, payload: dict, *, by=None) -> None:
    """Tell whoever follows the hall — its board, its kiosks, a citizen's ticket page — what
    changed: a domain event (`hall.<payload["event"]>`, ids and numbers only, in the caller's
    transaction) and, once the transaction commits, the live channel `hall:<id>`
    (docs/live.md). A ticket's own change goes to its page's channel too
    (`Ticket.live_channel`). Live payloads are public: what changed — the event, the ticket
    number, its category and letter, its status, the window number — and nothing else."""
    ticket = payload.pop("_ticket", None)
    payload = {"hall": hall.pk, **payload}
    events.append(f"hall.{payload['event']}", hall, by=by, org_path=hall.org_path, **payload)
    public = {key: payload[key] for key in LIVE_FIELDS if key in payload}
    live.publish(f"hall:{hall.pk}", public)
    if ticket is not None:
        live.publish(ticket.live_channel, public)


# What a live event may carry (docs/live.md: payloads are public).
LIVE_FIELDS = ("event", "number", "category", "letter", "status", "window", "tickets", "windows")


def _ticket_payload(event: str, ticket: Ticket, window: Window | None = None) -> dict:
    return {
        "event": event,
        "ticket": ticket.pk,
        "number": ticket.number,
        "category": ticket.category_id,
        "letter": ticket.category.letter,
        "status": ticket.status,
        "window": window.number if window is not None else None,
        # Not stored in the event: the ticket, for its page's live channel.
        "_ticket": ticket,
    }


# --- taking a number ------------------------------------------------------------------------


def _age(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# 中华人民共和国残疾人证: its type code in the e-licence library (the demo catalogue's);
# a deployment whose catalogue codes it otherwise sets HALLS_DISABILITY_LICENSE_TYPE.
DISABILITY_LICENSE_TYPE = "L-CJRZ"


def disability_license_type_code() -> str:
    return getattr(settings, "HALLS_DISABILITY_LICENSE_TYPE", DISABILITY_LICENSE_TYPE)


def holds_disability_licence(number: str, *, hall: Hall, by=None) -> bool:
    """Whether the e-licence library holds a valid 残疾人证 for the ID number `number` —
    asked only when its holder ticked their consent (the kiosk's and the window's
    checkbox), and logged as a data access they read in "谁查看了我的数据". Only yes or no
    comes back: nothing of the licence is kept on the ticket but its lane and reason."""
    person = User.objects.filter(id_number_index=crypto.blind_index(number)).first()
    if person is None:
        return False  # nobody registered with this number: no licence names them
    kind = LicenseType.objects.filter(code=disability_license_type_code()).first()
    if kind is None:
        return False
    found = licences.valid_for(person, kind, today=local().date())
    sharing.record_consented_check(
        person,
        _("电子证照：%(name)s") % {"name": kind.name},
        by=by,
        org=hall.org,
        purpose=_("大厅取号：核验残疾人证以优先办理（本人同意）"),
    )
    return bool(found)


def _lanes_of(
    hall: Hall,
    *,
    id_number,
    case,
    lane_claims,
    appointment_code,
    today,
    licence_consent=False,
    by=None,
) -> tuple[Lane, str, str, bool]:
    """(lane, basis, blind index of the ID number, whether the licence library was asked and
    held no valid 残疾人证): the first lane, in the hall's order, that the ticket has a
    reason for. The library is asked only with the holder's consent and only when the
    disabled lane would come first among the reasons found."""
    found: dict[str, str] = {}
    index = number = ""
    if id_number:
        number = validate_id_number(id_number, today=today)
        index = crypto.blind_index(number)
        if _age(ric.get_birth_date(number), today) >= ELDERLY_AGE:
            found[Lane.ELDERLY] = LaneBasis.ID_NUMBER
    if case is not None and Lane.ELDERLY not in found and case.applicant_id:
        applicant = case.applicant.reveal_id_number()
        if applicant and _age(ric.get_birth_date(applicant), today) >= ELDERLY_AGE:
            found[Lane.ELDERLY] = LaneBasis.CASE
    for claim in lane_claims:
        if claim not in CLAIMABLE_LANES:
            raise ValidationError(
                _("“%(lane)s”不能由工作人员确认。") % {"lane": claim}, code="lane_not_claimable"
            )
        found.setdefault(claim, LaneBasis.STAFF)
    if appointment_code:
        found[Lane.APPOINTMENT] = LaneBasis.APPOINTMENT
    not_held = False
    if licence_consent:
        if not number:
            raise ValidationError(
                _("查询残疾人证需要输入本人的身份证号码。"), code="id_number_required"
            )
        order = hall.lanes
        first = min((order.index(lane) for lane in found), default=len(order))
        if order.index(Lane.DISABLED) < first:
            if holds_disability_licence(number, hall=hall, by=by):
                found[Lane.DISABLED] = LaneBasis.LICENSE
            else:
                not_held = True
    for lane in hall.lanes:
        if lane in found:
            return Lane(lane), found[lane], index, not_held
    return Lane.NORMAL, LaneBasis.NONE, index, not_held


def _next_seq(category: ServiceCategory, day: datetime.date) -> int:
    """The category's next number of the day: one upsert on its counter row, which it holds
    until commit (call it last). Only takers of the same category wait on each other."""
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    with connection.cursor() as cursor:
        # The table name is the model's own, quoted; the values are parameters.
        cursor.execute(
            f"INSERT INTO {table} (category_id, day, last) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (category_id, day) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [category.pk, day],
        )
        return cursor.fetchone()[0]


def display_number(category: ServiceCategory, seq: int) -> str:
    return f"{category.letter}{seq:03d}"


@transaction.atomic
def take_ticket(
    hall: Hall,
    category: ServiceCategory,
    *,
    channel: str,
    by=None,
    id_number: str | None = None,
    case=None,
    phone: str | None = None,
    lane_claims=(),
    appointment_code: str = "",
    appointment=None,
    appointment_lane: bool = True,
    licence_consent: bool = False,
) -> Ticket:
    """取号: a number in `category` for today, in the lane its reasons give — 70 or older
    (from the ID number, or the case's applicant), a lane staff confirmed (`lane_claims`:
    disabled, pregnant, serviceman), a checked-in appointment (`appointment_code`, given by
    the appointments' check-in, which has verified it). The returned ticket carries
    `.token`, the key of its public page, shown once (only its hash is kept).

    `appointment`: the appointment `appointments.check_in` has just verified (its code, by
    anyone who holds it); the ticket keeps its code and, unless `appointment_lane` is off
    (a late arrival), goes in the appointment lane. Its case link was checked at booking.

    Refused when the hall is closed, the category is not served today, staff-only reasons
    come from someone who is not hall staff, or the same person already waits in the
    category. The look-up of a 残疾人证 (`licence_consent`) is for hall staff, the person
    present."""
    if category.hall_id != hall.pk:
        raise Http404
    if channel not in TicketChannel.values:
        raise ValidationError(_("未知的取号方式。"), code="invalid_channel")
    now = local()
    today = now.date()
    if not is_open(hall, now):
        described = schedule_of(hall).describe() or _("未设置")
        raise ValidationError(
            _("%(hall)s现在不在办公时间，不能取号（办公时间：%(hours)s）。")
            % {"hall": hall.name, "hours": described},
            code="hall_closed",
        )
    if not category.is_served_on(today.isoweekday()):
        raise ValidationError(
            _("“%(category)s”今天不办理。") % {"category": category.name},
            code="category_not_served_today",
        )
    lane_claims = [str(c) for c in lane_claims or () if c]
    # The licence look-up is staff's, with the person present: at an unattended kiosk anyone
    # knowing an ID number could learn from the lane whether its holder has a 残疾人证.
    staff_only = (
        lane_claims or appointment_code or licence_consent or channel == TicketChannel.STAFF
    )
    if staff_only or (case is not None and appointment is None):
        _require_issuer(by, hall, case=case if not staff_only else None)
    if appointment is not None:
        appointment_code = appointment.code
    lane, basis, index, not_held = _lanes_of(
        hall,
        id_number=id_number,
        case=case,
        lane_claims=lane_claims,
        appointment_code=appointment_code if appointment_lane else "",
        today=today,
        licence_consent=licence_consent,
        by=by,
    )
    phone = validate_phone(phone) if phone else ""
    citizen = by if policy.is_authenticated(by) and by.kind == by.Kind.CITIZEN else None
    if appointment is not None:
        # The person the appointment is for, whoever checks in for them.
        citizen = appointment.citizen if appointment.citizen_id else citizen
        index = index or appointment.id_number_index
    _refuse_second_ticket(category, today, index=index, citizen=citizen)
    ticket = Ticket(
        hall=hall,
        category=category,
        day=today,
        channel=channel,
        lane=lane,
        lane_basis=basis,
        taken_at=now,
        citizen=citizen,
        id_number_index=index,
        case=case,
        appointment_code=appointment_code[:32],
    )
    ticket.set_phone(phone)
    ticket.estimate_seconds = estimate_wait(ticket)
    token = secrets.token_urlsafe(16)
    ticket.token_hash = Ticket.hash_token(token)
    ticket.seq = _next_seq(category, today)
    ticket.number = display_number(category, ticket.seq)
    ticket.save()
    ticket.token = token
    if not_held:
        ticket.explanation = _(
            "电子证照库中没有查到您有效的残疾人证。持实体残疾人证的，请向工作人员出示，"
            "可为您改为优先。"
        )
    audit.record(
        _actor(by, channel),
        "hall.ticket_taken",
        ticket,
        org_path=hall.org_path,
        summary={"number": ticket.number, "lane": lane, "channel": channel},
    )
    _announce(hall, _ticket_payload("ticket_taken", ticket), by=by)
    return ticket


def _require_issuer(by, hall: Hall, *, case=None) -> None:
    """Priority reasons only staff can confirm, and links to a case: hall staff of the
    hall; a citizen may link a case of their own."""
    if case is not None and policy.is_authenticated(by) and case.applicant_id == by.pk:
        return
    if case is not None and getattr(case, "holder_verified", False):
        return  # case_for_holder: its applicant's ID number was given with it (the kiosk)
    if not policy.can(by, "hall.issue_ticket", hall):
        raise PermissionDenied(_("只有大厅工作人员可以确认优先通道或关联办件。"))


def case_for_holder(number: str, id_number: str):
    """The case numbered `number` whose applicant has the ID number `id_number` — what a
    citizen without an account proves at the kiosk by typing both (the number is on their
    receipt): a ticket may then link it. Either wrong is the same error, so the kiosk does not
    tell which case numbers exist."""
    index = crypto.blind_index(validate_id_number(id_number))
    case = (
        CaseModel.objects.select_related("applicant")
        .filter(number=str(number or "").strip()[:32], applicant__id_number_index=index)
        .first()
    )
    if case is None:
        raise ValidationError(
            _("没有找到这个办件编号，或身份证号码与办件申请人不一致，请核对后再试。"),
            code="case_not_found",
        )
    case.holder_verified = True
    return case


def _refuse_second_ticket(category, day, *, index: str, citizen) -> None:
    if not index and citizen is None:
        return
    person = Q(id_number_index=index) if index else Q()
    if citizen is not None:
        person = (person | Q(citizen=citizen)) if index else Q(citizen=citizen)
    waiting = Ticket.objects.filter(person, category=category, day=day, status=T.WAITING)
    if waiting.exists():
        raise ValidationError(
            _("您在“%(category)s”已有一个等候中的号，请不要重复取号。")
            % {"category": category.name},
            code="ticket_already_waiting",
        )


def ticket_by_token(token: str) -> Ticket:
    """The ticket of a public ticket page; 404 for a token we never gave."""
    ticket = (
        Ticket.objects.select_related("hall", "category", "window")
        .filter(token_hash=Ticket.hash_token(token))
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


# --- positions and estimates ----------------------------------------------------------------


def _lane_rank(hall: Hall):
    """The lane's place in the hall's order, as an SQL expression to order by."""
    return Case(
        *(When(lane=lane, then=Value(i)) for i, lane in enumerate(hall.lanes)),
        default=Value(len(Lane)),
        output_field=IntegerField(),
    )


def ahead_of(ticket: Ticket) -> int:
    """How many waiting tickets of its category are called before it: those of an earlier
    lane, and those of its lane taken before it (a ticket not yet saved is last in its
    lane). Windows that serve several categories are not counted in: an estimate."""
    lanes = ticket.hall.lanes
    earlier = lanes[: lanes.index(ticket.lane)]
    before = Q(lane__in=earlier) | Q(lane=ticket.lane, taken_at__lt=ticket.taken_at)
    if ticket.pk:
        before |= Q(lane=ticket.lane, taken_at=ticket.taken_at, pk__lt=ticket.pk)
    else:
        before |= Q(lane=ticket.lane, taken_at=ticket.taken_at)
    waiting = Ticket.objects.filter(
        hall_id=ticket.hall_id, category_id=ticket.category_id, status=T.WAITING, day=ticket.day
    ).filter(before)
    if ticket.pk:
        waiting = waiting.exclude(pk=ticket.pk)
    return waiting.count()


def _serving(category: ServiceCategory) -> list[int]:
    """The open windows that serve the category (comprehensive ones serve every category)."""
    return list(
        Window.objects.filter(hall_id=category.hall_id, status=W.OPEN)
        .filter(Q(kind=WindowKind.COMPREHENSIVE) | Q(categories=category))
        .order_by()
        .values_list("pk", flat=True)
        .distinct()
    )


def average_service_seconds(category: ServiceCategory, windows=None) -> float:
    """The mean service time of the category's last finished tickets (at `windows` when
    given and they have any); the category's default minutes without any."""
    since = timezone.now() - datetime.timedelta(days=SAMPLE_DAYS)
    done = Ticket.objects.filter(
        category=category, status=T.DONE, finished_at__gte=since, started_at__isnull=False
    )
    if windows:
        done = done.filter(window_id__in=windows)
    spans = list(
        done.order_by("-finished_at").values_list("started_at", "finished_at")[:SAMPLE_SIZE]
    )
    if not spans:
        return category.default_minutes * 60.0
    return sum((end - start).total_seconds() for start, end in spans) / len(spans)


def estimate_wait(ticket: Ticket) -> int:
    """The expected wait in seconds: the tickets ahead of it, times the recent mean service
    time of the category at its open windows, shared among those windows."""
    ahead = ahead_of(ticket)
    if ahead == 0:
        return 0
    windows = _serving(ticket.category)
    mean = average_service_seconds(ticket.category, windows)
    return math.ceil(ahead * mean / max(len(windows), 1))


# --- calling --------------------------------------------------------------------------------


def _lock_window(window_id) -> Window:
    window = (
        Window.objects.select_for_update(of=("self",))
        .select_related("hall")
        .filter(pk=window_id)
        .first()
    )
    if window is None:
        raise Http404
    return window


def _categories_of(window: Window) -> list[int]:
    if window.kind == WindowKind.COMPREHENSIVE:
        found = ServiceCategory.objects.filter(hall_id=window.hall_id, is_active=True)
    else:
        found = window.categories.filter(is_active=True)
    return list(found.values_list("pk", flat=True))


def _require_open(window: Window) -> None:
    if window.status != W.OPEN:
        raise ValidationError(
            _("%(window)s未开放，请先开窗。") % {"window": window}, code="window_not_open"
        )


def _require_free(window: Window) -> None:
    if window.current_ticket_id is not None:
        raise ValidationError(
            _("%(window)s还有正在叫号或办理的号，请先办结、标记过号或转出。") % {"window": window},
            code="window_busy",
        )


def _first_waiting(window: Window, categories: list[int], *, normal_only: bool):
    hall = window.hall
    found = Ticket.objects.filter(hall_id=hall.pk, status=T.WAITING, day=local().date()).filter(
        Q(category_id__in=categories, for_window__isnull=True) | Q(for_window=window)
    )
    if normal_only:
        found = found.filter(lane=Lane.NORMAL).order_by("taken_at", "pk")
    else:
        found = found.annotate(rank=_lane_rank(hall)).order_by("rank", "taken_at", "pk")
    # Fifty windows at once each lock a different ticket; none waits for another's.
    # The category comes along (its letter is announced) without a statement of its own.
    found = found.select_related("category")
    return found.select_for_update(skip_locked=True, of=("self",)).first()


@transaction.atomic
def call_next(window: Window, *, by) -> Ticket | None:
    """叫号: the next eligible waiting ticket for the window — of its categories (every one
    for a comprehensive window) or transferred to it — by lane in the hall's order, first
    come first served within a lane; after `hall.priority_streak` priority tickets in a row
    here, the longest-waiting normal ticket goes first. None when nobody waits."""
    window = _lock_window(window.pk)
    _require_at_window(by, window)
    _require_open(window)
    _require_free(window)
    categories = _categories_of(window)
    hall = window.hall
    ticket = None
    if window.priority_streak >= hall.priority_streak:
        ticket = _first_waiting(window, categories, normal_only=True)
    if ticket is None:
        ticket = _first_waiting(window, categories, normal_only=False)
    if ticket is None:
        return None
    now = timezone.now()
    TICKET.check(ticket.status, T.CALLED)
    Ticket.objects.filter(pk=ticket.pk).update(
        status=T.CALLED,
        window=window,
        for_window=None,
        called_at=now,
        first_called_at=ticket.first_called_at or now,
        call_count=ticket.call_count + 1,
    )
    ticket.status, ticket.window, ticket.for_window = T.CALLED, window, None
    ticket.called_at, ticket.first_called_at = now, ticket.first_called_at or now
    ticket.call_count += 1
    window.priority_streak = window.priority_streak + 1 if ticket.is_priority else 0
    window.current_ticket = ticket
    Window.objects.filter(pk=window.pk).update(
        current_ticket=ticket, priority_streak=window.priority_streak
    )
    audit.record(
        by,
        "hall.ticket_called",
        ticket,
        org_path=hall.org_path,
        summary={"number": ticket.number, "window": window.number, "lane": ticket.lane},
    )
    _announce(hall, _ticket_payload("ticket_called", ticket, window), by=by)
    _text_those_ahead(hall, ticket.category_id)
    return ticket


def _text_those_ahead(hall: Hall, category_id: int) -> None:
    """短信提醒: the waiting tickets with `hall.sms_ahead` or fewer ahead of them in their
    category that left a phone number and were not told yet get one text message."""
    if not hall.sms_ahead:
        return
    first = list(
        Ticket.objects.filter(
            hall_id=hall.pk, category_id=category_id, status=T.WAITING, day=local().date()
        )
        .annotate(rank=_lane_rank(hall))
        .order_by("rank", "taken_at", "pk")
        .values_list("pk", "number", "phone_encrypted", "sms_sent_at")[: hall.sms_ahead + 1]
    )
    to_tell = [(pk, number, phone) for pk, number, phone, sent in first if phone and not sent]
    if not to_tell:
        return
    Ticket.objects.filter(pk__in=[pk for pk, _n, _p in to_tell]).update(sms_sent_at=timezone.now())
    for _pk, number, phone in to_tell:
        notify.sms(
            crypto.decrypt(phone),
            _("【%(hall)s】您的%(number)s号快到了，前面还有不超过%(n)d人，请到大厅等候叫号。")
            % {"hall": hall.name, "number": number, "n": hall.sms_ahead},
        )


def _lock_ticket(ticket_id) -> Ticket:
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("hall", "window", "category")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def _at_its_window(ticket: Ticket, by, target: T) -> Window:
    """The window the ticket is at (called or served), where `by` must be the one who
    acts; a ticket at no window refuses the move to `target`."""
    window = ticket.window
    if window is None or ticket.status not in AT_WINDOW:
        raise TICKET.error(ticket.status, target)
    window.hall = ticket.hall
    _require_at_window(by, window)
    return window


def _free(window: Window, ticket: Ticket) -> None:
    Window.objects.filter(pk=window.pk, current_ticket=ticket).update(current_ticket=None)


@transaction.atomic
def recall(ticket: Ticket, *, by) -> Ticket:
    """重呼: call the same ticket again at its window."""
    ticket = _lock_ticket(ticket.pk)
    window = _at_its_window(ticket, by, T.CALLED)
    TICKET.move(ticket, T.CALLED)
    ticket.called_at = timezone.now()
    ticket.call_count += 1
    ticket.save(update_fields=["status", "called_at", "call_count"])
    audit.record(
        by,
        "hall.ticket_recalled",
        ticket,
        org_path=ticket.hall.org_path,
        summary={"number": ticket.number, "window": window.number, "times": ticket.call_count},
    )
    _announce(ticket.hall, _ticket_payload("ticket_recalled", ticket, window), by=by)
    return ticket


@transaction.atomic
def mark_no_show(ticket: Ticket, *, by) -> Ticket:
    """过号: nobody came to the window."""
    ticket = _lock_ticket(ticket.pk)
    window = _at_its_window(ticket, by, T.NO_SHOW)
    TICKET.move(ticket, T.NO_SHOW)
    ticket.closed_at = timezone.now()
    ticket.save(update_fields=["status", "closed_at"])
    _free(window, ticket)
    audit.record(
        by,
        "hall.ticket_no_show",
        ticket,
        org_path=ticket.hall.org_path,
        summary={"number": ticket.number, "window": window.number, "times": ticket.call_count},
    )
    _announce(ticket.hall, _ticket_payload("ticket_no_show", ticket, window), by=by)
    return ticket


@transaction.atomic
def transfer(ticket: Ticket, *, by, category: ServiceCategory | None = None, window=None):
    """转号: send a called or served ticket back to the queue, of another category or for
    another window; it keeps the moment it was taken, so it is not put behind the queue."""
    if (category is None) == (window is None):
        raise ValidationError(_("请选择转至的业务类别或窗口（只选一个）。"), code="transfer_target")
    ticket = _lock_ticket(ticket.pk)
    here = _at_its_window(ticket, by, T.WAITING)
    target = category or window
    if target.hall_id != ticket.hall_id:
        raise ValidationError(_("只能转至本大厅的业务类别或窗口。"), code="transfer_other_hall")
    if window is not None and window.pk == here.pk:
        raise ValidationError(_("不能转给本窗口。"), code="transfer_same_window")
    TICKET.move(ticket, T.WAITING)
    if category is not None:
        ticket.category = category
    ticket.for_window = window
    ticket.window = None
    ticket.save(update_fields=["status", "category", "for_window", "window"])
    _free(here, ticket)
    audit.record(
        by,
        "hall.ticket_transferred",
        ticket,
        org_path=ticket.hall.org_path,
        summary={
            "number": ticket.number,
            "from_window": here.number,
            "category": category.letter if category else None,
            "window": window.number if window else None,
        },
    )
    _announce(ticket.hall, _ticket_payload("ticket_transferred", ticket, window), by=by)
    return ticket


@transaction.atomic
def start_service(ticket: Ticket, *, by, case=None) -> Ticket:
    """开始办理: the citizen is at the window; optionally link the case opened for them."""
    ticket = _lock_ticket(ticket.pk)
    window = _at_its_window(ticket, by, T.SERVING)
    TICKET.move(ticket, T.SERVING)
    if case is not None:
        policy.require(by, "case.view", case)
        ticket.case = case
    ticket.started_at = timezone.now()
    ticket.served_by = by
    ticket.save(update_fields=["status", "case", "started_at", "served_by"])
    audit.record(
        by,
        "hall.service_started",
        ticket,
        org_path=ticket.hall.org_path,
        summary={"number": ticket.number, "window": window.number},
    )
    _announce(ticket.hall, _ticket_payload("service_started", ticket, window), by=by)
    return ticket


@transaction.atomic
def link_case(ticket: Ticket, *, by, case) -> Ticket:
    """关联办件: the case opened at the window for the citizen being served (when it was
    opened after service started; start_service links one opened before)."""
    ticket = _lock_ticket(ticket.pk)
    window = _at_its_window(ticket, by, T.SERVING)
    if ticket.status != T.SERVING:
        raise ValidationError(
            _("%(number)s还没有开始办理，请在开始办理时关联办件。") % {"number": ticket.number},
            code="ticket_not_serving",
        )
    policy.require(by, "case.view", case)
    ticket.case = case
    ticket.save(update_fields=["case"])
    audit.record(
        by,
        "hall.case_linked",
        ticket,
        org_path=ticket.hall.org_path,
        summary={"number": ticket.number, "window": window.number, "case": case.pk},
    )
    return ticket


# A lane claim moves a ticket that is still in the hall: waiting, or at a window.
CLAIMABLE_STATUSES = frozenset({T.WAITING, T.CALLED, T.SERVING})


@transaction.atomic
def claim_lane(ticket: Ticket, lane: str, *, by) -> Ticket:
    """核实优先: hall staff saw the document (残疾人证, 军官证, a pregnancy record) and move
    a waiting number — or the one at their window — to that lane. It keeps the moment it
    was taken, so among the lane's numbers it goes by when it was taken. Refused for a lane
    staff cannot confirm, a number no longer in the hall, and a number already in that lane
    or one called before it in the hall's order (a claim never moves a number back)."""
    if lane not in CLAIMABLE_LANES:
        raise ValidationError(
            _("“%(lane)s”不能由工作人员确认。") % {"lane": lane}, code="lane_not_claimable"
        )
    ticket = _lock_ticket(ticket.pk)
    policy.require(by, "hall.issue_ticket", ticket.hall)
    if ticket.status not in CLAIMABLE_STATUSES:
        raise ValidationError(
            _("%(number)s已%(status)s，不能再改通道。")
            % {"number": ticket.number, "status": ticket.get_status_display()},
            code="ticket_not_in_hall",
        )
    order = ticket.hall.lanes
    if order.index(ticket.lane) <= order.index(lane):
        raise ValidationError(
            _("%(number)s已在“%(current)s”通道，不比“%(lane)s”靠后，无需改动。")
            % {
                "number": ticket.number,
                "current": ticket.get_lane_display(),
                "lane": Lane(lane).label,
            },
            code="lane_not_earlier",
        )
    before = ticket.lane
    ticket.lane, ticket.lane_basis = lane, LaneBasis.STAFF
    ticket.save(update_fields=["lane", "lane_basis"])
    audit.record(
        by,
        "hall.lane_claimed",
        ticket,
        org_path=ticket.hall.org_path,
        summary={"number": ticket.number, "lane": lane, "from": before},
    )
    window = ticket.window if ticket.status in AT_WINDOW else None
    _announce(ticket.hall, _ticket_payload("lane_claimed", ticket, window), by=by)
    return ticket


@transaction.atomic
def finish_service(ticket: Ticket, *, by) -> Ticket:
    """办结: service at the window is over; the window is free for the next number."""
    ticket = _lock_ticket(ticket.pk)
    window = _at_its_window(ticket, by, T.DONE)
    TICKET.move(ticket, T.DONE)
    ticket.finished_at = timezone.now()
    ticket.save(update_fields=["status", "finished_at"])
    _free(window, ticket)
    audit.record(
        by,
        "hall.service_finished",
        ticket,
        org_path=ticket.hall.org_path,
        summary={"number": ticket.number, "window": window.number},
    )
    _announce(ticket.hall, _ticket_payload("service_finished", ticket, window), by=by)
    return ticket


@transaction.atomic
def cancel_ticket(ticket: Ticket, *, token: str) -> Ticket:
    """The citizen gives up a waiting number from its ticket page (the token is the key)."""
    ticket = _lock_ticket(ticket.pk)
    if not secrets.compare_digest(ticket.token_hash, Ticket.hash_token(token)):
        raise Http404
    TICKET.move(ticket, T.CANCELLED)
    ticket.closed_at = timezone.now()
    ticket.save(update_fields=["status", "closed_at"])
    audit.record(
        "halls.ticket_page",
        "hall.ticket_cancelled",
        ticket,
        org_path=ticket.hall.org_path,
        summary={"number": ticket.number},
    )
    _announce(ticket.hall, _ticket_payload("ticket_cancelled", ticket))
    return ticket


# --- windows --------------------------------------------------------------------------------


def _move_window(window: Window, target: W, *, by, action: str, staff=None) -> Window:
    WINDOW.move(window, target)
    window.status_changed_at = timezone.now()
    fields = ["status", "status_changed_at"]
    if target in (W.OPEN, W.CLOSED):
        window.staff = staff
        fields.append("staff")
    if target == W.CLOSED:
        window.priority_streak = 0
        fields.append("priority_streak")
    window.save(update_fields=fields)
    audit.record(
        by,
        f"hall.window_{action}",
        window,
        org_path=window.hall.org_path,
        summary={"window": window.number, "staff": getattr(staff, "pk", None)},
    )
    _announce(
        window.hall,
        {"event": f"window_{action}", "window": window.number, "status": window.status},
        by=by,
    )
    return window


@transaction.atomic
def open_window(window: Window, staff, *, by=None) -> Window:
    """开窗: `staff` signs in at the window (from closed, or back from a pause). A hall
    manager may open a window for someone else; nobody staffs two windows at once."""
    by = by or staff
    window = _lock_window(window.pk)
    policy.require(by, "hall.operate_window", window)
    if by.pk != staff.pk:
        policy.require(by, "hall.manage", window)
    if not policy.can(staff, "hall.operate_window", window):
        raise ValidationError(
            _("%(name)s不是本大厅的窗口工作人员。") % {"name": staff.display_name},
            code="not_hall_staff",
        )
    if window.status == W.PAUSED and window.staff_id not in (None, staff.pk):
        _require_at_window(by, window)
    elsewhere = Window.objects.filter(staff=staff).exclude(pk=window.pk).exclude(status=W.CLOSED)
    if elsewhere.exists():
        raise ValidationError(
            _("%(name)s已在其他窗口签到，请先关闭那个窗口。") % {"name": staff.display_name},
            code="staff_at_other_window",
        )
    return _move_window(window, W.OPEN, by=by, action="opened", staff=staff)


@transaction.atomic
def pause_window(window: Window, *, by) -> Window:
    """暂停服务: a break; no number is called here until the window opens again."""
    window = _lock_window(window.pk)
    policy.require(by, "hall.operate_window", window)
    WINDOW.check(window.status, W.PAUSED)
    _require_at_window(by, window)
    return _move_window(window, W.PAUSED, by=by, action="paused")


@transaction.atomic
def close_window(window: Window, *, by) -> Window:
    """关窗: the staff sign out; a ticket still at the window must be finished, marked or
    transferred first."""
    window = _lock_window(window.pk)
    _require_at_window(by, window)
    _require_free(window)
    return _move_window(window, W.CLOSED, by=by, action="closed")


# --- the day's close ------------------------------------------------------------------------


@transaction.atomic
def close_day(hall: Hall, now: datetime.datetime | None = None, *, by=None, reason: str = ""):
    """下班: tickets still waiting after the hall's last session of the day (or from an
    earlier day) are closed with a reason, open windows close, and the phone numbers of the
    day's finished tickets are erased. Returns how many tickets were closed. Safe to run
    twice; a run during opening hours or the lunch break closes only earlier days'."""
    if by is not None:
        policy.require(by, "hall.manage", hall)
    now = local(now)
    today = now.date()
    last_day = today if closes_for_the_day(hall, now) else today - datetime.timedelta(days=1)
    reason = (reason or _("大厅已下班，本号未能叫到，请下一个工作日再来或预约办理。"))[
        :CLOSE_REASON_MAX
    ]
    tickets = Ticket.objects.filter(hall=hall, day__lte=last_day)
    closed = TICKET.update(
        tickets.filter(status=T.WAITING), T.CLOSED, closed_at=now, close_reason=reason
    )
    erased = (
        tickets.exclude(phone_encrypted="")
        .exclude(status__in=[T.WAITING, *AT_WINDOW])
        .update(phone_encrypted="")
    )
    windows = 0
    if last_day == today:
        windows = WINDOW.update(
            Window.objects.filter(hall=hall, current_ticket__isnull=True).exclude(status=W.CLOSED),
            W.CLOSED,
            staff=None,
            priority_streak=0,
            status_changed_at=now,
        )
    if closed or windows:
        audit.record(
            _actor(by),
            "hall.day_closed",
            hall,
            org_path=hall.org_path,
            summary={"day": last_day.isoformat(), "tickets": closed, "windows": windows},
        )
        _announce(hall, {"event": "day_closed", "tickets": closed, "windows": windows}, by=by)
    return {"tickets": closed, "windows": windows, "phones_erased": erased}


def close_days(now: datetime.datetime | None = None) -> int:
    """Every hall's close (the worker's job): how many tickets were closed."""
    closed = 0
    for hall in Hall.objects.filter(is_active=True):
        closed += close_day(hall, now)["tickets"]
    return closed

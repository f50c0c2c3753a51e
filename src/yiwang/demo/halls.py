"""The demo district's service halls at work: categories mapped to catalogue items, windows
and their staff, 60 days of queue history (numbers taken, called, served, no-shows, with the
wait estimated when each was taken, and window ratings on some), and today's queue in every
state — so the board, the kiosk, the window page and the hall manager's figures all have
something real to show.

History is simulated, not replayed through the services: a day of a hall is a small
queueing simulation (arrivals with a morning and an afternoon peak, lanes, each window
serving its categories in the calling rule's order, service times per category, a few
no-shows), and its tickets are inserted with bulk_create — thousands of tickets in well
under a second, where the services would take minutes. The estimate kept on each ticket
follows the rule of `halls.services.estimate_wait` (tickets ahead × the category's recent
mean service time ÷ its windows), so the estimate's error on the manager's page is the
one the real rule would have had. The few bad ratings go through
`feedback.services.rate_ticket`, so each has its rectification like any other.

Appointments (`load_appointments`, run after the halls): the coming week's bookings go
through `halls.appointments.book` (and one `cancel`), so slots, limits, audit and events are
the real ones; `citizen`'s own is for a slot they can check in for at the kiosk right away
when the centre is open (else its next day with slots); the past weeks' appointments, checked
in or missed, are inserted like the queue's history."""

import datetime
import math
import random
import secrets
from dataclasses import dataclass, field

import time_machine
from django.db import connection, transaction
from django.utils import timezone

from yiwang.catalog.models import ServiceItem
from yiwang.feedback import services as feedback
from yiwang.feedback.models import BAD_LEVELS, Evaluation, reasons_for
from yiwang.halls import services as halls
from yiwang.halls.models import (
    Hall,
    Lane,
    LaneBasis,
    ServiceCategory,
    Ticket,
    TicketChannel,
    TicketCounter,
    Window,
    WindowKind,
    WindowStatus,
)
from yiwang.halls.models import TicketStatus as T
from yiwang.identity.models import User
from yiwang.workdays import calendar

SEED = 990120
HISTORY_DAYS = 60
CENTRE = "990101-ZWZX"
HEPING = "990101001-BMZX"
STREETS = [HEPING, "990101002-BMZX", "990101003-BMZX"]

# letter, name, the departments (主管部门) whose items it serves ("*": every other item of
# the hall's level), default minutes, share of the day's numbers.
CENTRE_CATEGORIES = [
    ("A", "市场准入", ["990101-SCJ"], 14, 0.34),
    ("B", "社会保障", ["990101-RSJ"], 9, 0.26),
    ("C", "不动产", ["990101-GHZ"], 18, 0.14),
    ("D", "综合", ["*"], 10, 0.26),
]
STREET_CATEGORIES = [
    (
        "A",
        "社会事务",
        ["990101-RSJ", "990101-YBJ", "990101-MZJ", "990101-CLJ", "990101-TJJ"],
        8,
        0.6,
    ),
    ("B", "综合", ["*"], 9, 0.4),
]
# number, kind, the letters of a dedicated window, its staff (username) or "" if spare.
CENTRE_WINDOWS = [
    (1, WindowKind.COMPREHENSIVE, "", "window-1"),
    (2, WindowKind.DEDICATED, "A", "window-2"),
    (3, WindowKind.DEDICATED, "A", "window-3"),
    (4, WindowKind.DEDICATED, "B", "window-4"),
    (5, WindowKind.DEDICATED, "BD", "window-5"),
    (6, WindowKind.DEDICATED, "CD", "window-6"),
    (7, WindowKind.DEDICATED, "C", ""),
    (8, WindowKind.COMPREHENSIVE, "", ""),
]
STREET_WINDOWS = [
    (1, WindowKind.COMPREHENSIVE, "", "street-window"),
    (2, WindowKind.DEDICATED, "A", ""),
]
# Numbers taken on an ordinary working day (a Saturday or Sunday morning: fewer).
VOLUME = {CENTRE: 150, HEPING: 32}
# Today's windows: the staff of the last one are on a break.
PAUSED_TODAY = {CENTRE: 6}
LANES = [  # lane, basis, share
    (Lane.ELDERLY, LaneBasis.ID_NUMBER, 0.09),
    (Lane.DISABLED, LaneBasis.STAFF, 0.02),
    (Lane.PREGNANT, LaneBasis.STAFF, 0.01),
    (Lane.SERVICEMAN, LaneBasis.STAFF, 0.01),
]
CHANNELS = [(TicketChannel.KIOSK, 0.7), (TicketChannel.MOBILE, 0.22), (TicketChannel.STAFF, 0.08)]
NO_SHOW = 0.05
RATED = 0.25  # of the numbers served, rated on the tablet
LEVELS = [(5, 0.72), (4, 0.17), (3, 0.08), (2, 0.02), (1, 0.01)]
BAD_COMMENTS = [
    "等了一个多小时才叫到号，窗口只开了两个。",
    "工作人员态度不耐烦，问两遍就不高兴。",
    "材料要求前后说法不一，跑了两趟。",
]


@dataclass
class Summary:
    halls: int
    categories: int
    windows: int
    tickets: int
    ratings: int
    today: dict = field(default_factory=dict)
    rate_token: str = ""  # a number served today, not rated yet: its rating page
    appointments: object = None  # Appointments, once load_appointments ran

    def __str__(self):
        states = ", ".join(f"{n} {s}" for s, n in sorted(self.today.items()))
        return (
            f"demo halls: {self.halls} halls with {self.categories} categories and "
            f"{self.windows} windows; {self.tickets} queue numbers over {HISTORY_DAYS} days "
            f"({self.ratings} window ratings); today: {states}"
        ) + (f"\n{self.appointments}" if self.appointments else "")


# --- the halls' setup -----------------------------------------------------------------------


def _items_of(level_orgs: list[str], departments: list[str], taken: set[int]) -> list[int]:
    """Published items of those departments (or, for "*", every item not taken yet)."""
    items = ServiceItem.objects.filter(published__isnull=False)
    if level_orgs:
        items = items.filter(published__level__in=level_orgs)
    if departments != ["*"]:
        items = items.filter(published__department__code__in=departments)
    return [pk for pk in items.order_by("code").values_list("pk", flat=True) if pk not in taken]


def _set_up(hall: Hall, categories, windows, level: str) -> dict[str, ServiceCategory]:
    found = {}
    taken: set[int] = set()
    for position, (letter, name, departments, minutes, _share) in enumerate(categories):
        category = ServiceCategory.objects.create(
            hall=hall, letter=letter, name=name, default_minutes=minutes, position=position
        )
        items = _items_of([level], departments, taken)
        taken.update(items)
        category.items.set(items)
        found[letter] = category
    for number, kind, letters, _staff in windows:
        window = Window.objects.create(hall=hall, number=number, kind=kind)
        if letters:
            window.categories.set([found[letter] for letter in letters])
    return found


# --- a day of a hall, simulated -------------------------------------------------------------


@dataclass
class _Visit:
    category: ServiceCategory
    taken: datetime.datetime
    lane: str
    basis: str
    channel: str
    seq: int = 0
    called: datetime.datetime | None = None
    started: datetime.datetime | None = None
    finished: datetime.datetime | None = None
    no_show: bool = False
    window: Window | None = None
    staff: User | None = None
    estimate: int = 0
    cat_id: int = 0


def _pick(rng: random.Random, weighted):
    return rng.choices([w[0] for w in weighted], weights=[w[-1] for w in weighted])[0]


def _arrivals(rng, ranges, count, start: datetime.datetime, categories, surge_until=None):
    """`count` numbers over the opening ranges (minutes), busier in the first hour of each
    session; with `surge_until`, a crowd in the 40 minutes before it (today's queue)."""
    minutes = [m for a, b in ranges for m in range(a, b - 10)]
    if not minutes:
        return []
    weights = []
    for m in minutes:
        session = next(a for a, b in ranges if a <= m < b)
        weights.append(3.0 if m - session < 60 else 1.0)
    visits = []
    for minute in rng.choices(minutes, weights=weights, k=count):
        visits.append(
            _visit(
                rng,
                categories,
                start + datetime.timedelta(minutes=minute, seconds=rng.randint(0, 59)),
            )
        )
    if surge_until is not None:
        for _n in range(max(14, count // 8)):
            moment = surge_until - datetime.timedelta(seconds=rng.randint(30, 40 * 60))
            visits.append(_visit(rng, categories, moment))
    return sorted(visits, key=lambda v: v.taken)


def _visit(rng, categories, taken) -> _Visit:
    category = _pick(rng, [(c, share) for c, share in categories])
    lane, basis = Lane.NORMAL, LaneBasis.NONE
    draw = rng.random()
    for each, each_basis, share in LANES:
        if draw < share:
            lane, basis = each, each_basis
            break
        draw -= share
    visit = _Visit(category, taken, lane, basis, _pick(rng, CHANNELS))
    visit.cat_id = category.pk
    return visit


def _simulate(rng, visits, windows, staff, ranges, start, lanes):
    """Serve the visits at the windows: each free window calls the first waiting number of
    its categories by lane, then by the moment it was taken; calls stop at the end of each
    session and resume at the next."""
    sessions = [
        (start + datetime.timedelta(minutes=a), start + datetime.timedelta(minutes=b))
        for a, b in ranges
    ]
    rank = {lane: i for i, lane in enumerate(lanes)}
    free = {w.pk: sessions[0][0] for w in windows}
    pending = list(visits)
    waiting: list[_Visit] = []
    serves = {
        w.pk: (None if w.kind == WindowKind.COMPREHENSIVE else {c.pk for c in w.categories.all()})
        for w in windows
    }
    open_windows = list(windows)
    while open_windows:
        window = min(open_windows, key=lambda w: free[w.pk])
        now = free[window.pk]
        session = next(((a, b) for a, b in sessions if now < b), None)
        if session is None:
            open_windows.remove(window)
            continue
        now = max(now, session[0])
        while pending and pending[0].taken <= now:
            waiting.append(pending.pop(0))
        cats = serves[window.pk]
        eligible = [v for v in waiting if cats is None or v.cat_id in cats]
        if not eligible:
            later = [v.taken for v in pending if cats is None or v.cat_id in cats]
            if not later:
                open_windows.remove(window)
                continue
            free[window.pk] = max(later[0], now + datetime.timedelta(seconds=30))
            continue
        visit = min(eligible, key=lambda v: (rank.get(v.lane, 9), v.taken))
        if now >= session[1]:
            free[window.pk] = now
            continue
        waiting.remove(visit)
        visit.called, visit.window, visit.staff = now, window, staff.get(window.pk)
        if rng.random() < NO_SHOW:
            visit.no_show = True
            free[window.pk] = now + datetime.timedelta(seconds=rng.randint(90, 180))
            continue
        visit.started = now + datetime.timedelta(seconds=rng.randint(20, 90))
        mean = visit.category.default_minutes * 60
        span = max(120, int(rng.lognormvariate(math.log(mean), 0.45)))
        visit.finished = visit.started + datetime.timedelta(seconds=span)
        free[window.pk] = visit.finished + datetime.timedelta(seconds=rng.randint(10, 40))
    return visits


def _estimates(visits, windows, means) -> None:
    """The wait each number was promised when taken (halls.services.estimate_wait): those
    of its category ahead of it then (an earlier lane, or the same lane taken earlier),
    times the category's recent mean service time, shared among its open windows."""
    by_category: dict[int, list[_Visit]] = {}
    for visit in visits:
        by_category.setdefault(visit.cat_id, []).append(visit)
    for cat_id, same in by_category.items():
        category = same[0].category
        serving = sum(
            1
            for w in windows
            if w.kind == WindowKind.COMPREHENSIVE or cat_id in {c.pk for c in w.categories.all()}
        )
        mean = means.get(cat_id) or category.default_minutes * 60
        same.sort(key=lambda v: v.taken)
        for i, visit in enumerate(same):
            ahead = sum(
                1 for other in same[:i] if other.called is None or other.called > visit.taken
            )
            visit.estimate = math.ceil(ahead * mean / max(serving, 1)) if ahead else 0


@dataclass
class _HallPlan:
    hall: Hall
    categories: list  # (ServiceCategory, share)
    windows: list[Window]  # staffed ones
    staff: dict[int, User]
    volume: int


def _token() -> tuple[str, str]:
    """A ticket page's key, as take_ticket makes it (random; only its hash is kept)."""
    token = secrets.token_urlsafe(16)
    return token, Ticket.hash_token(token)


def _tickets_of_day(rng, plan: _HallPlan, day, ranges, start, means, cutoff=None, scale=1.0):
    """The day's tickets (unsaved), their state at `cutoff` (default: the day is over)."""
    count = plan.volume if day.isoweekday() <= 5 else plan.volume // 3
    count = max(4, int(count * scale * rng.uniform(0.8, 1.2)))
    day_end = start + datetime.timedelta(minutes=ranges[-1][1])
    visits = _arrivals(rng, ranges, count, start, plan.categories, surge_until=cutoff)
    if cutoff is not None:
        visits = [v for v in visits if v.taken <= cutoff]
    _simulate(rng, visits, plan.windows, plan.staff, ranges, start, plan.hall.lanes)
    _estimates(visits, plan.windows, means)
    seqs: dict[int, int] = {}
    tickets = []
    for visit in visits:
        seq = seqs[visit.category.pk] = seqs.get(visit.category.pk, 0) + 1
        number = halls.display_number(visit.category, seq)
        token, token_hash = _token()
        ticket = Ticket(
            hall=plan.hall,
            category=visit.category,
            day=day,
            seq=seq,
            number=number,
            channel=visit.channel,
            lane=visit.lane,
            lane_basis=visit.basis,
            taken_at=visit.taken,
            estimate_seconds=visit.estimate,
            token_hash=token_hash,
        )
        ticket.token = token
        _state_at(ticket, visit, cutoff, day_end)
        tickets.append(ticket)
    return tickets, seqs


def _state_at(ticket: Ticket, visit: _Visit, cutoff, day_end) -> None:
    """The ticket as it stands at `cutoff` (None: after the day's close, which closed the
    numbers never called)."""

    def seen(moment):
        return moment is not None and (cutoff is None or moment <= cutoff)

    if not seen(visit.called):
        if cutoff is None:
            ticket.status = T.CLOSED
            ticket.close_reason = "大厅已下班，本号未能叫到，请下一个工作日再来或预约办理。"
            ticket.closed_at = day_end
        return
    ticket.window, ticket.served_by = visit.window, None
    ticket.first_called_at = ticket.called_at = visit.called
    ticket.call_count = 1
    ticket.status = T.CALLED
    if visit.no_show:
        closed = visit.called + datetime.timedelta(minutes=2)
        if seen(closed):
            ticket.status, ticket.closed_at, ticket.call_count = T.NO_SHOW, closed, 2
        return
    if seen(visit.started):
        ticket.status, ticket.started_at, ticket.served_by = T.SERVING, visit.started, visit.staff
    if seen(visit.finished):
        ticket.status, ticket.finished_at = T.DONE, visit.finished


# --- loading --------------------------------------------------------------------------------


def _insert(model, rows: list) -> None:
    """INSERT the unsaved rows with one executemany: bulk_create spends most of its time
    turning each of ~300,000 values into SQL one by one (and SQLite's variable limit cuts it
    into hundreds of statements); the demo's rows need only their values. Primary keys are
    not read back: callers find them by a unique column."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    ops = connection.ops
    convert = []
    for f in fields:
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            convert.append(ops.adapt_datetimefield_value)
        elif kind == "DateField":
            convert.append(ops.adapt_datefield_value)
        elif kind == "JSONField":
            convert.append(lambda value, f=f: f.get_db_prep_save(value, connection))
        else:
            convert.append(None)
    for obj in rows:
        for f in fields:
            if getattr(f, "auto_now_add", False) and getattr(obj, f.attname) is None:
                setattr(obj, f.attname, timezone.now())
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    values = [
        [
            c(getattr(obj, f.attname)) if c else getattr(obj, f.attname)
            for f, c in zip(fields, convert, strict=True)
        ]
        for obj in rows
    ]
    with connection.cursor() as cursor:
        # The table and columns are the model's own, quoted; the values are parameters.
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608


def _plans(rng) -> list[_HallPlan]:
    people = {u.username: u for u in User.objects.filter(kind=User.Kind.STAFF)}
    plans = []
    for code, categories, windows in [
        (CENTRE, CENTRE_CATEGORIES, CENTRE_WINDOWS),
        (HEPING, STREET_CATEGORIES, STREET_WINDOWS),
    ]:
        hall = Hall.objects.get(org__code=code)
        by_letter = {c.letter: c for c in hall.categories.all()}
        shares = [(by_letter[letter], share) for letter, _n, _d, _m, share in categories]
        staffed = {number: people[username] for number, _k, _l, username in windows if username}
        rows = list(hall.windows.filter(number__in=staffed).prefetch_related("categories"))
        plans.append(
            _HallPlan(
                hall=hall,
                categories=shares,
                windows=rows,
                staff={w.pk: staffed[w.number] for w in rows},
                volume=VOLUME[code],
            )
        )
    return plans


def _means(recent: dict[int, list[float]]) -> dict[int, float]:
    """Each category's mean service time over its last 20 services."""
    return {pk: sum(spans[-20:]) / len(spans[-20:]) for pk, spans in recent.items() if spans}


def _remember(recent: dict[int, list[float]], tickets) -> None:
    for t in tickets:
        if t.status == T.DONE:
            spans = recent.setdefault(t.category_id, [])
            spans.append((t.finished_at - t.started_at).total_seconds())
            del spans[:-20]


def _today_ranges(hall: Hall, now: datetime.datetime):
    """(opening ranges in minutes, the moment they count from, the share of a whole day's
    numbers) for today. If the hall has been open for an hour and a half or more, the day
    simply runs from its opening to now. Otherwise — a night, a Sunday afternoon, a
    holiday, the first minutes of the day — the demo still shows work done and a queue: a
    three-hour session that began two hours ago ("as if the day ran"), its numbers dated
    today. The worker's close of the day (halls.jobs) closes the waiting ones when the
    hall's real hours say the day is over, as it would in a real hall."""
    today = now.date()
    midnight = datetime.datetime.combine(today, datetime.time(), tzinfo=calendar.SHANGHAI)
    ranges = halls.opening_ranges(hall, today)
    minute = now.hour * 60 + now.minute
    if halls.is_open(hall, now) and minute - ranges[0][0] >= 90:
        whole = sum(b - a for a, b in ranges)
        return ranges, midnight, 1.0 if whole >= 480 else whole / 480
    return [(0, 180)], now - datetime.timedelta(hours=2), 180 / 480


def _rate(rng, tickets, now) -> tuple[list[Evaluation], list[Ticket]]:
    """Good and fair ratings in bulk; the bad ones are returned to go through feedback."""
    good, bad = [], []
    for t in tickets:
        if t.status != T.DONE or rng.random() >= RATED:
            continue
        level = _pick(rng, LEVELS)
        if level in BAD_LEVELS:
            t.demo_level = level
            bad.append(t)
            continue
        rated_at = min(t.finished_at + datetime.timedelta(seconds=rng.randint(20, 90)), now)
        evaluation = Evaluation(
            subject_kind="ticket",
            ticket=t,
            staff=t.served_by,
            real_name=False,
            level=level,
            channel="window",
            department=t.category.demo_department,
            department_path=t.category.demo_department.path if t.category.demo_department else "",
            place=t.hall.org,
            place_path=t.hall.org.path,
            rated_on=rated_at.astimezone(calendar.SHANGHAI).date(),
        )
        evaluation.created_at = rated_at  # on the tablet, a minute after service
        good.append(evaluation)
    return good, bad


@transaction.atomic
def load_halls(now: datetime.datetime | None = None) -> Summary | None:
    """Set up and fill the demo halls; None when they are set up already."""
    halls.sync_halls()
    centre = Hall.objects.select_related("org").get(org__code=CENTRE)
    if centre.categories.exists():
        return None
    for code in [CENTRE, *STREETS]:
        hall = Hall.objects.get(org__code=code)
        if code == CENTRE:
            _set_up(hall, CENTRE_CATEGORIES, CENTRE_WINDOWS, "district")
        else:
            _set_up(hall, STREET_CATEGORIES, STREET_WINDOWS, "street")
    rng = random.Random(SEED)  # noqa: S311 - sample data, not secrets
    now = halls.local(now)
    today = now.date()
    plans = _plans(rng)
    for plan in plans:
        for category, _share in plan.categories:
            category.demo_department = _department_of(category)
    tickets: list[Ticket] = []
    todays: list[Ticket] = []
    counters = []
    for plan in plans:
        recent: dict[int, list[float]] = {}
        for ago in range(HISTORY_DAYS, 0, -1):
            day = today - datetime.timedelta(days=ago)
            ranges = halls.opening_ranges(plan.hall, day)
            if not ranges:
                continue  # a holiday
            start = datetime.datetime.combine(day, datetime.time(), tzinfo=calendar.SHANGHAI)
            day_tickets, _seqs = _tickets_of_day(rng, plan, day, ranges, start, _means(recent))
            _remember(recent, day_tickets)
            tickets.extend(day_tickets)
        ranges, start, scale = _today_ranges(plan.hall, now)
        day_tickets, seqs = _tickets_of_day(
            rng, plan, today, ranges, start, _means(recent), cutoff=now, scale=scale
        )
        _every_state(day_tickets, plan, now)
        todays.extend(day_tickets)
        counters.extend(
            TicketCounter(category_id=pk, day=today, last=last) for pk, last in seqs.items()
        )
    made = [*tickets, *todays]
    _insert(Ticket, made)
    ids = dict(
        Ticket.objects.filter(hall__in=[plan.hall for plan in plans]).values_list(
            "token_hash", "pk"
        )
    )
    for t in made:
        t.pk = ids[t.token_hash]
    TicketCounter.objects.bulk_create(counters)
    reasons = [key for key, _label in reasons_for("window") if key != "other"]
    good, bad = _rate(rng, [*tickets, *todays], now)
    _insert(Evaluation, good)
    for t in bad:
        moment = t.finished_at + datetime.timedelta(minutes=1)
        with time_machine.travel(min(moment, timezone.now()), tick=False):
            feedback.rate_ticket(
                t,
                level=t.demo_level,
                reasons=[rng.choice(reasons)],
                comment=rng.choice(BAD_COMMENTS),
                department=t.category.demo_department,
                place=t.hall.org,
            )
    _open_windows_today(plans, todays, now)
    rated = {e.ticket_id for e in good} | {t.pk for t in bad}
    unrated = [t for t in todays if t.status == T.DONE and t.pk not in rated]
    states: dict[str, int] = {}
    for t in todays:
        states[t.status] = states.get(t.status, 0) + 1
    return Summary(
        halls=Hall.objects.filter(categories__isnull=False).distinct().count(),
        categories=ServiceCategory.objects.count(),
        windows=Window.objects.count(),
        tickets=len(tickets) + len(todays),
        ratings=len(good) + len(bad),
        today=states,
        rate_token=unrated[-1].token if unrated else "",
    )


def _every_state(tickets: list[Ticket], plan: _HallPlan, now) -> None:
    """Today has a number just called: when the simulation left none at the moment the demo
    starts, the most recent service at a window has only been called yet."""
    if any(t.status == T.CALLED for t in tickets):
        return
    serving = [t for t in tickets if t.status == T.SERVING]
    if serving:
        last = max(serving, key=lambda t: t.started_at)
        last.status, last.started_at, last.served_by = T.CALLED, None, None
        last.called_at = last.first_called_at = min(last.called_at, now)


def _department_of(category: ServiceCategory):
    """The one department of the category's items (A 市场准入: 市场监督管理局 …), or None."""
    from yiwang.identity.models import OrgUnit

    found = list(
        category.items.order_by().values_list("published__department", flat=True).distinct()[:2]
    )
    return OrgUnit.objects.get(pk=found[0]) if len(found) == 1 else None


def _open_windows_today(plans, todays, now) -> None:
    """The staffed windows stand as the day left them: open with the number called or
    served there now, the last one of the centre on a break (paused)."""
    at_window = {t.window_id: t for t in todays if t.status in (T.CALLED, T.SERVING)}
    for plan in plans:
        paused = PAUSED_TODAY.get(plan.hall.org.code)
        for window in plan.windows:
            current = at_window.get(window.pk)
            status = (
                WindowStatus.PAUSED
                if window.number == paused and current is None
                else WindowStatus.OPEN
            )
            Window.objects.filter(pk=window.pk).update(
                status=status,
                staff=plan.staff[window.pk],
                status_changed_at=now
                - datetime.timedelta(minutes=15 if status == WindowStatus.PAUSED else 240),
                current_ticket=current,
            )


# --- appointments ---------------------------------------------------------------------------

APPOINTMENTS_A_DAY = (3, 6)  # the centre's bookings on each coming day (fewest, most)
PAST_APPOINTMENT_DAYS = 14
PAST_NO_SHOW = 0.2  # of the past appointments, missed (never more than 2 per person)
# An elderly walk-in booked at window 1: synthetic GB 11643 number (valid check digit), phone.
WALK_IN = ("110101194803051238", "13900000070")
BOOKING_REFUSALS = {"appointment_exists", "too_many_appointments", "slot_full"}


@dataclass
class Appointments:
    booked: int
    cancelled: int
    checked_in: int
    no_shows: int
    citizen_code: str = ""
    citizen_when: str = ""

    def __str__(self):
        return (
            f"demo appointments: {self.booked} booked for the coming week (one at 和平街道, "
            f"one for a walk-in), {self.cancelled} cancelled; in the last "
            f"{PAST_APPOINTMENT_DAYS} days {self.checked_in} checked in, {self.no_shows} "
            f"no-shows"
        ) + (f"; citizen's: {self.citizen_code}, {self.citizen_when}" if self.citizen_code else "")


def _bookable(hall: Hall) -> dict[ServiceCategory, list[ServiceItem]]:
    """The hall's categories with the items of theirs that may be booked (支持预约)."""
    from yiwang.catalog.models import VersionStatus

    found = {}
    for category in hall.categories.filter(is_active=True).order_by("position"):
        items = list(
            ServiceItem.objects.filter(
                hall_categories=category,
                versions__status=VersionStatus.PUBLISHED,
                versions__appointment=True,
            )
            .distinct()
            .order_by("code")
        )
        if items:
            found[category] = items
    return found


def _citizens_slot(hall: Hall, category, now) -> datetime.datetime | None:
    """The start of `citizen`'s slot: when the hall is open now, the one starting within
    the next half hour (checked in from now, in the appointment lane until 15 minutes after
    its start) or, near a session's end, the one that began in the last ten minutes; else
    the first slot that may still be booked (this morning's before opening, else the next
    day's; None: no day within the horizon has one)."""
    from yiwang.halls import appointments

    today = now.date()
    if halls.is_open(hall, now):
        midnight = datetime.datetime.combine(today, datetime.time(), tzinfo=calendar.SHANGHAI)
        starts = [
            midnight + datetime.timedelta(minutes=a)
            for a, _b in appointments.cut(halls.opening_ranges(hall, today), hall.slot_minutes)
        ]
        soon = [s for s in starts if now < s <= now + appointments.CHECK_IN_EARLY]
        begun = [s for s in starts if now - datetime.timedelta(minutes=10) < s <= now]
        if soon or begun:
            return (soon or begun)[0]
    for day in appointments.horizon(hall, now):
        offered = appointments.slots(hall, category, day, now)
        if offered:
            return offered[0].starts_at
    return None


def _book_coming_week(rng, hall, bookable, pool, now, span) -> int:
    """A few bookings on each coming day with slots, by the pool's citizens, through the
    service; a booking the rules refuse (the same item booked, the day's limit) is skipped,
    as the citizen would have been told."""
    from django.core.exceptions import ValidationError

    from yiwang.halls import appointments

    booked = 0
    categories = list(bookable)
    for day in appointments.horizon(hall, now)[1:]:
        for _n in range(rng.randint(*span)):
            category = rng.choice(categories)
            offered = [s for s in appointments.slots(hall, category, day, now) if s.left]
            if not offered:
                continue
            try:
                appointments.book(
                    category,
                    rng.choice(offered).starts_at,
                    by=rng.choice(pool),
                    item=rng.choice(bookable[category]),
                    now=now,
                )
            except ValidationError as refused:
                if not {e.code for e in refused.error_list} <= BOOKING_REFUSALS:
                    raise
                continue
            booked += 1
    return booked


def _past_appointments(rng, hall, bookable, pool, today) -> tuple[int, int]:
    """Appointments of the last PAST_APPOINTMENT_DAYS days, inserted: most checked in (the
    day's served number of their category that was taken in the slot's check-in time is
    theirs, in the appointment lane), some missed — at most two per person, so nobody is
    barred from booking by the no-show rule."""
    from yiwang.halls import appointments
    from yiwang.halls.models import Appointment, AppointmentStatus, LaneBasis

    rows, linked = [], []
    missed: dict[int, int] = {}
    categories = list(bookable)
    for ago in range(PAST_APPOINTMENT_DAYS, 0, -1):
        day = today - datetime.timedelta(days=ago)
        midnight = datetime.datetime.combine(day, datetime.time(), tzinfo=calendar.SHANGHAI)
        starts = appointments.cut(halls.opening_ranges(hall, day), hall.slot_minutes)
        if not starts:
            continue
        for _n in range(rng.randint(2, 4)):
            category = rng.choice(categories)
            start, end = rng.choice(starts)
            starts_at = midnight + datetime.timedelta(minutes=start)
            person = rng.choice(pool)
            row = Appointment(
                hall=hall,
                category=category,
                item=rng.choice(bookable[category]),
                day=day,
                starts_at=starts_at,
                ends_at=midnight + datetime.timedelta(minutes=end),
                citizen=person,
                id_number_index=person.id_number_index or "",
                booked_by=person,
                code=appointments._new_code(),
                booked_at=starts_at - datetime.timedelta(days=rng.randint(1, 6), hours=3),
            )
            if person.username != "citizen" and missed.get(person.pk, 0) < 2:
                if rng.random() < PAST_NO_SHOW:
                    missed[person.pk] = missed.get(person.pk, 0) + 1
                    row.status, row.no_show_at = AppointmentStatus.NO_SHOW, row.ends_at
                    rows.append(row)
                    continue
            ticket = (
                Ticket.objects.filter(
                    category=category,
                    day=day,
                    status=T.DONE,
                    appointment_code="",
                    taken_at__gte=starts_at - appointments.CHECK_IN_EARLY,
                    taken_at__lt=starts_at + appointments.CHECK_IN_ON_TIME,
                )
                .order_by("taken_at")
                .first()
            )
            if ticket is None:
                continue  # nobody of that category came then: the appointment is left out
            row.status, row.checked_in_at, row.ticket = (
                AppointmentStatus.CHECKED_IN,
                ticket.taken_at,
                ticket,
            )
            ticket.channel, ticket.lane, ticket.lane_basis = (
                TicketChannel.APPOINTMENT,
                Lane.APPOINTMENT,
                LaneBasis.APPOINTMENT,
            )
            ticket.appointment_code, ticket.citizen = row.code, person
            rows.append(row)
            linked.append(ticket)
    Appointment.objects.bulk_create(rows)
    Ticket.objects.bulk_update(
        linked, ["channel", "lane", "lane_basis", "appointment_code", "citizen"]
    )
    no_shows = sum(1 for r in rows if r.status == AppointmentStatus.NO_SHOW)
    return len(rows) - no_shows, no_shows


@transaction.atomic
def load_appointments(now: datetime.datetime | None = None) -> Appointments | None:
    """Appointments at the district centre and 和平街道 (after `load_halls`); None when
    the centre has some already."""
    from yiwang.halls import appointments
    from yiwang.halls.models import Appointment

    from . import accounts

    centre = Hall.objects.select_related("org").get(org__code=CENTRE)
    if Appointment.objects.filter(hall=centre).exists():
        return None
    heping = Hall.objects.select_related("org").get(org__code=HEPING)
    rng = random.Random(SEED + 1)  # noqa: S311 - sample data, not secrets
    now = halls.local(now)
    people = {u.username: u for u in User.objects.filter(kind=User.Kind.CITIZEN)}
    citizen = people["citizen"]
    demo = [people[c[0]] for c in accounts.CITIZENS if c[0] != "citizen"]
    # The background's citizens too when the history made them (seed_cases).
    pool = (
        demo
        + sorted(
            (u for name, u in people.items() if name.startswith("seed-citizen-")),
            key=lambda u: u.username,
        )[:30]
    )
    bookable = {CENTRE: _bookable(centre), HEPING: _bookable(heping)}

    # citizen's own, to check in at the kiosk: booked the day before, as a person would.
    # (Over a long holiday the week may have no slot at all: then each part is left out.)
    first = next(iter(bookable[CENTRE]))
    items = bookable[CENTRE][first]
    booked, cancelled, mine = 0, 0, None
    starts_at = _citizens_slot(centre, first, now)
    if starts_at is not None:
        moment = min(starts_at - datetime.timedelta(hours=centre.booking_cutoff_hours + 1), now)
        with time_machine.travel(min(moment, now - datetime.timedelta(days=1)), tick=False):
            mine = appointments.book(first, starts_at, by=citizen, item=items[0])
        booked += 1
    # At window 1, for an elderly walk-in who will come back with the originals; and one
    # booked and called off again.
    ahead = [
        found
        for day in appointments.horizon(centre, now)[2:]
        if (found := appointments.slots(centre, first, day, now))
    ]
    if ahead:
        appointments.book(
            first,
            ahead[0][-1].starts_at,
            by=User.objects.get(username="window-1"),
            item=items[-1],
            id_number=WALK_IN[0],
            phone=WALK_IN[1],
            now=now,
        )
        gone = appointments.book(first, ahead[-1][0].starts_at, by=demo[0], item=items[0], now=now)
        appointments.cancel(gone, by=demo[0], now=now)
        booked, cancelled = booked + 1, 1
    # One at 和平街道, the street centre round the corner.
    street_category = next(iter(bookable[HEPING]))
    street_day = next(
        (
            found
            for day in appointments.horizon(heping, now)[1:]
            if (found := appointments.slots(heping, street_category, day, now))
        ),
        None,
    )
    if street_day:
        appointments.book(
            street_category,
            street_day[len(street_day) // 2].starts_at,
            by=demo[0],
            item=bookable[HEPING][street_category][0],
            now=now,
        )
        booked += 1
    booked += _book_coming_week(rng, centre, bookable[CENTRE], pool, now, APPOINTMENTS_A_DAY)

    checked_in, no_shows = _past_appointments(
        rng, centre, bookable[CENTRE], [citizen, *pool], now.date()
    )
    return Appointments(
        booked=booked,
        cancelled=cancelled,
        checked_in=checked_in,
        no_shows=no_shows,
        citizen_code=mine.code_display if mine else "",
        citizen_when=appointments.when_words(mine) if mine else "",
    )

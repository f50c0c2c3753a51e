"""Domain events and their subscribers (docs/events.md).

A service appends an event inside its transaction (`append`); the apps that react to it
subscribe (`@subscribe("case.concluded")`, in a `handlers.py` their AppConfig.ready
imports). With the event, one pending EventDelivery row per subscriber is written in the
same transaction (an outbox), so a committed event always knows who still has to handle it
and a rolled-back command leaves neither the event nor any work behind.

Once the transaction commits, the event's deliveries run right away, in the process that
committed (transaction.on_commit, as the notifications the journey sends always were: a
notice is written when its decision is, also under the demo's travelling clock). Each run
locks its delivery row and runs the handler in a savepoint of the transaction that marks
the row done: a handler's
database work and its "done" mark commit together, and a second dispatch of the same event
finds the row done and skips it — each handler completes once per event. A failing handler
is logged and its failure recorded on the row; the periodic job (core/jobs.py) tries it
again with a growing pause, for as long as it fails. Nothing is dropped.

Handlers take the event and may read the database; they must not assume an order between
events, and effects outside the database (a message to send) go through
`transaction.on_commit`, as notify does, so they happen only when the run commits.
"""

import contextlib
import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import rows
from .models import DomainEvent, EventDelivery

log = logging.getLogger(__name__)

# A delivery is normally run on commit; the job leaves a new one alone that long.
GRACE = datetime.timedelta(seconds=60)
# After each failure the next try waits twice as long, up to this.
LONGEST_PAUSE = datetime.timedelta(hours=6)
ERROR_MAX = 2000


@dataclass(frozen=True)
class Handler:
    name: str
    kind: str
    func: Callable[[DomainEvent], object]
    when: Callable[[dict], bool] | None = None
    later: bool = False  # run by the worker as a task, not in the committing process


_handlers: dict[str, dict[str, Handler]] = {}  # kind → name → handler


def subscribe(
    kind: str,
    *,
    name: str | None = None,
    when: Callable[[dict], bool] | None = None,
    later: bool = False,
):
    """Register `func(event)` for events of `kind`. `when(payload)`, if given, decides at
    append time whether this event concerns the handler at all (no delivery row is written
    otherwise). The name (default: the function's dotted path) identifies the handler in
    the delivery rows: keep it stable, or pending deliveries lose their handler. `later`:
    the delivery is handed to the worker as a task once the command commits, instead of
    running in the committing process (work that is slow and that nobody waits for)."""

    def register(func):
        handler = Handler(name or f"{func.__module__}.{func.__qualname__}", kind, func, when, later)
        _handlers.setdefault(kind, {})[handler.name] = handler
        return func

    return register


def subscribers(kind: str) -> list[Handler]:
    return list(_handlers.get(kind, {}).values())


def _handler(name: str) -> Handler | None:
    for by_name in _handlers.values():
        if name in by_name:
            return by_name[name]
    return None


def append(kind: str, aggregate, *, by=None, org_path: str = "", **payload) -> DomainEvent:
    """Record that `kind` happened to `aggregate` (a saved model instance), inside the
    caller's transaction. `payload`: ids, codes and dates only — an event is kept forever.
    `by`: the acting user, or None / a system actor's name (no actor id is kept then)."""
    return append_all([(kind, aggregate, org_path, payload)], by=by)[0]


def _deliver(appended: list[DomainEvent]) -> None:
    """Write the events' delivery rows (one insert) and run them once the command commits:
    in this process, or as tasks for the subscribers that asked to run `later`."""
    deliveries = [
        EventDelivery(event=event, handler=handler.name)
        for event in appended
        for handler in subscribers(event.kind)
        if handler.when is None or handler.when(event.payload)
    ]
    if not deliveries:
        return
    rows.insert(EventDelivery, deliveries)
    now_ids, later_ids = [], []
    for delivery in deliveries:
        handler = _handler(delivery.handler)
        (later_ids if handler is not None and handler.later else now_ids).append(delivery.pk)

    def run_all():
        for delivery_id in now_ids:
            run(delivery_id)
        if later_ids:
            from .tasks import run_event_delivery

            # Several: one commit for the queue, not one per delivery.
            with transaction.atomic() if len(later_ids) > 1 else contextlib.nullcontext():
                for delivery_id in later_ids:
                    run_event_delivery.enqueue(delivery_id)

    # robust: whatever goes wrong leaves the deliveries pending for the job; the command
    # itself has committed and succeeded.
    transaction.on_commit(run_all, robust=True)


def append_all(entries, *, by=None) -> list[DomainEvent]:
    """Several events of one command, in one INSERT (and one for their deliveries):
    `entries` are (kind, aggregate, org_path, payload) tuples, appended as `append` would
    append each, in that order."""
    now, actor_id = timezone.now(), getattr(by, "pk", None)
    appended = rows.insert(
        DomainEvent,
        [
            DomainEvent(
                at=now,
                kind=kind,
                aggregate_type=aggregate._meta.model_name,
                aggregate_id=aggregate.pk,
                org_path=org_path,
                payload=payload,
                actor_id=actor_id,
            )
            for kind, aggregate, org_path, payload in entries
        ],
    )
    _deliver(appended)
    return appended


def dispatch(event_id: int) -> dict[str, str]:
    """Run every pending delivery of the event; {handler name: outcome}."""
    pending = EventDelivery.objects.filter(event_id=event_id, done_at__isnull=True)
    return {name: run(pk) for pk, name in pending.order_by("pk").values_list("pk", "handler")}


def run(delivery_id: int) -> str:
    """Run one delivery: "done", "failed" or "skipped" (already done, or gone)."""
    with transaction.atomic():
        delivery = (
            EventDelivery.objects.select_for_update(of=("self",))
            .select_related("event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.done_at is not None:
            return "skipped"
        now = timezone.now()
        delivery.attempts += 1
        delivery.tried_at = now
        handler = _handler(delivery.handler)
        try:
            if handler is None:
                raise LookupError(f"no handler named {delivery.handler} is subscribed")
            with transaction.atomic():
                handler.func(delivery.event)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            log.exception(
                "event handler %s failed on event %s (%s), attempt %d",
                delivery.handler,
                delivery.event_id,
                delivery.event.kind,
                delivery.attempts,
            )
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
            delivery.save(update_fields=["attempts", "tried_at", "last_error"])
            return "failed"
        delivery.done_at, delivery.last_error = now, ""
        delivery.save(update_fields=["attempts", "tried_at", "done_at", "last_error"])
        return "done"


def _pause(attempts: int) -> datetime.timedelta:
    if attempts <= 0:
        return GRACE
    return min(GRACE * 2 ** (attempts - 1), LONGEST_PAUSE)


def retry_pending(now: datetime.datetime | None = None, *, limit: int = 500) -> dict[int, str]:
    """The job: run the deliveries the on-commit run did not complete — it failed, or never
    happened (the process stopped first) — each once its pause since the last try is over.
    Returns {delivery id: outcome}."""
    now = now or timezone.now()
    pending = (
        EventDelivery.objects.filter(done_at__isnull=True, event__at__lte=now - GRACE)
        .order_by("pk")
        .values_list("pk", "attempts", "tried_at")[:limit]
    )
    due = [
        pk
        for pk, attempts, tried_at in pending
        if tried_at is None or tried_at + _pause(attempts) <= now
    ]
    return {pk: run(pk) for pk in due}

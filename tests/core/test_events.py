"""Domain events (docs/events.md): kept as appended — the database itself refuses to change
or remove one — and handled once by each subscriber after the command commits, again by
the job when a subscriber failed, never when the command rolled back."""

import datetime
import logging

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from yiwang.core import events, schedule
from yiwang.core.models import AppendOnlyError, DomainEvent, EventDelivery


@pytest.fixture
def subscribed(monkeypatch):
    """A clean registry; the test subscribes what it needs."""
    monkeypatch.setattr(events, "_handlers", {})
    return events.subscribe


@pytest.fixture
def someone(django_user_model):
    return django_user_model.objects.create(username="events-aggregate")


def _raw(sql):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.mark.django_db
def test_the_database_refuses_to_change_or_remove_an_event(someone):
    event = events.append("case.submitted", someone, by=someone, number="X1")
    table = DomainEvent._meta.db_table
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"UPDATE {table} SET kind = 'case.forged' WHERE id = {event.pk}")
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"DELETE FROM {table} WHERE id = {event.pk}")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DomainEvent.objects.filter(pk=event.pk).update(payload={})
    with pytest.raises(AppendOnlyError):
        event.delete()
    stored = DomainEvent.objects.get(pk=event.pk)
    assert (stored.kind, stored.payload, stored.actor_id) == (
        "case.submitted",
        {"number": "X1"},
        someone.pk,
    )
    assert (stored.aggregate_type, stored.aggregate_id) == ("user", someone.pk)


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_keeps_it_append_only(someone):
    events.append("case.submitted", someone)
    call_command("flush", interactive=False, verbosity=0)
    assert not DomainEvent.objects.exists()
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="after-flush")
    event = events.append("case.submitted", user)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"DELETE FROM {DomainEvent._meta.db_table} WHERE id = {event.pk}")


@pytest.mark.django_db
def test_a_subscriber_runs_once_the_command_commits(
    subscribed, someone, django_capture_on_commit_callbacks
):
    seen = []
    subscribed("case.concluded", name="test.seen")(lambda event: seen.append(event.payload))
    subscribed("case.refused", name="test.other")(lambda event: seen.append("wrong kind"))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.append("case.concluded", someone, outcome="approved")
        assert seen == []  # not before the commit
    assert seen == [{"outcome": "approved"}]
    delivery = EventDelivery.objects.get()
    assert delivery.handler == "test.seen" and delivery.done_at and delivery.attempts == 1


@pytest.mark.django_db
def test_a_handler_runs_once_per_event_even_if_dispatched_twice(
    subscribed, someone, django_capture_on_commit_callbacks
):
    seen = []
    subscribed("case.concluded", name="test.count")(lambda event: seen.append(event.pk))
    with django_capture_on_commit_callbacks(execute=True):
        event = events.append("case.concluded", someone)
    assert events.dispatch(event.pk) == {}  # nothing pending any more
    delivery = EventDelivery.objects.get(event=event)
    assert events.run(delivery.pk) == "skipped"
    assert events.retry_pending(timezone.now() + datetime.timedelta(days=1)) == {}
    assert seen == [event.pk]


@pytest.mark.django_db
def test_a_failing_handler_is_logged_retried_by_the_job_and_keeps_its_event(
    subscribed, someone, caplog, django_capture_on_commit_callbacks
):
    calls = []

    def flaky(event):
        calls.append(event.pk)
        if len(calls) == 1:
            raise ConnectionError("licence registry unreachable")

    subscribed("case.concluded", name="test.flaky")(flaky)
    with caplog.at_level(logging.ERROR, logger="yiwang.core.events"):
        with django_capture_on_commit_callbacks(execute=True):
            event = events.append("case.concluded", someone)
    assert "test.flaky failed on event" in caplog.text
    delivery = EventDelivery.objects.get(event=event)
    assert delivery.done_at is None and delivery.attempts == 1
    assert delivery.last_error == "ConnectionError: licence registry unreachable"
    assert DomainEvent.objects.filter(pk=event.pk).exists()

    # The job leaves it until its pause is over, then runs it again.
    soon = delivery.tried_at + datetime.timedelta(seconds=10)
    assert events.retry_pending(soon) == {}
    later = delivery.tried_at + events.GRACE
    assert events.retry_pending(later) == {delivery.pk: "done"}
    assert len(calls) == 2
    delivery.refresh_from_db()
    assert delivery.done_at is not None and delivery.attempts == 2 and delivery.last_error == ""
    assert events.retry_pending(later + datetime.timedelta(days=1)) == {}


@pytest.mark.django_db
def test_the_job_runs_a_delivery_the_process_never_got_to(subscribed, someone):
    """The process stopped between the commit and the run: the outbox row is still there."""
    seen = []
    subscribed("case.refused", name="test.late")(lambda event: seen.append(event.pk))
    event = events.append("case.refused", someone)  # no on-commit callback runs here
    assert seen == [] and EventDelivery.objects.get().done_at is None
    assert events.retry_pending(event.at + datetime.timedelta(seconds=5)) == {}  # grace
    events.retry_pending(event.at + events.GRACE)
    assert seen == [event.pk]
    assert "yiwang.core.jobs.retry_event_handlers" in {job.name for job in schedule.jobs()}


@pytest.mark.django_db
def test_a_rolled_back_command_leaves_no_event_and_runs_no_handler(
    subscribed, someone, django_capture_on_commit_callbacks
):
    seen = []
    subscribed("case.concluded", name="test.never")(lambda event: seen.append(event.pk))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            events.append("case.concluded", someone)
            raise RuntimeError("the command failed after appending")
    assert callbacks == [] and seen == []
    assert not DomainEvent.objects.exists() and not EventDelivery.objects.exists()
    assert events.retry_pending(timezone.now() + datetime.timedelta(days=1)) == {}


@pytest.mark.django_db
def test_a_subscriber_may_decline_an_event_when_it_is_appended(subscribed, someone):
    subscribed("case.concluded", name="test.top", when=lambda p: p.get("parent") is None)(
        lambda event: None
    )
    events.append("case.concluded", someone, parent=7)
    assert not EventDelivery.objects.exists()
    events.append("case.concluded", someone, parent=None)
    assert EventDelivery.objects.count() == 1

"""Appending is one INSERT with no shared row locked; the sealer links committed events into
the hash chain later, in id order and in batches (docs/security.md, "Appending and sealing")."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from tests.statements import exactly
from yiwang.audit import services
from yiwang.audit.models import AuditEvent, ChainHead


@pytest.fixture
def actor(db, django_user_model):
    return django_user_model.objects.create_user("auditor", password="x" * 12)


def chain_rows():
    return list(AuditEvent.objects.order_by("id").values_list("id", "seq", "prev_hash", "hash"))


def test_recording_is_one_insert_and_leaves_the_event_unsealed(actor):
    services.record(actor, "test.before", actor)
    with CaptureQueriesContext(connection) as queries:
        event = services.record(actor, "test.step", actor, summary={"i": 1})
    assert [q["sql"].split()[0] for q in queries] == ["INSERT"]
    assert "chainhead" not in queries[0]["sql"].lower()
    event.refresh_from_db()
    assert (event.seq, event.prev_hash, event.hash) == (None, "", "")
    assert services.seal_lag().unsealed == 2


def test_the_sealer_links_events_in_id_order_in_batches(actor):
    for i in range(7):
        services.record(actor, f"test.step{i}", actor, summary={"i": i})
    with CaptureQueriesContext(connection) as queries:
        sealed = services.seal(batch_size=3)
    assert (sealed.count, sealed.head) == (7, 7)
    head_moves = [q for q in queries if q["sql"].startswith('UPDATE "audit_chainhead"')]
    assert len(head_moves) == 3  # batches of 3, 3 and 1
    rows = chain_rows()
    assert [seq for _, seq, _, _ in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert [prev for _, _, prev, _ in rows[1:]] == [h for _, _, _, h in rows[:-1]]
    assert ChainHead.objects.get(pk=1).hash == rows[-1][3]
    result = services.verify()
    assert result.ok and result.checked == 7


@pytest.mark.parametrize("n", [3, 9])
def test_a_batch_costs_the_same_statements_whatever_its_size(actor, n):
    services.seal()  # the chain's head exists
    for i in range(n):
        services.record(actor, f"test.step{i}", actor)
    # One batch: savepoint, the head locked, the batch read, the events linked in ONE bulk
    # UPDATE, the head moved, release; the batch came back short: no second query.
    with exactly(6, f"seal of {n} events in one batch"):
        sealed = services.seal(batch_size=10)
    assert sealed.count == n


def test_sealing_twice_changes_nothing(actor):
    for i in range(3):
        services.record(actor, f"test.step{i}", actor)
    services.seal()
    before = chain_rows()
    assert services.seal().count == 0
    assert chain_rows() == before


def test_events_recorded_after_a_seal_continue_the_chain(actor):
    services.record(actor, "test.first", actor)
    services.seal()
    services.record(actor, "test.second", actor)
    services.record(actor, "test.third", actor)
    assert services.seal().count == 2
    assert [seq for _, seq, _, _ in chain_rows()] == [1, 2, 3]
    assert services.verify().ok


def test_an_event_with_a_lower_id_committed_late_is_sealed_in_a_later_batch(actor):
    services.record(actor, "test.first", actor)
    late = services.record(actor, "test.late", actor)
    third = services.record(actor, "test.third", actor)
    # As the database sees a transaction that took its id early and commits after a
    # later one was sealed: its row is not there yet when the sealer runs.
    late_values = {f.attname: getattr(late, f.attname) for f in AuditEvent._meta.concrete_fields}
    AuditEvent.objects.filter(pk=late.pk)._raw_delete(connection.alias)
    services.seal()
    AuditEvent.objects.bulk_create([AuditEvent(**late_values)])
    assert services.seal().count == 1
    order = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert order == ["test.first", "test.third", "test.late"]
    assert late.pk < third.pk and AuditEvent.objects.get(pk=late.pk).seq == 3
    assert services.verify().ok


def test_verify_seals_first_and_reports_the_lag(actor, capsys):
    for i in range(3):
        services.record(actor, f"test.step{i}", actor)
    call_command("audit", "verify", "--no-seal")
    out = capsys.readouterr().out
    assert "Seal lag: 3 events unsealed, the oldest recorded 0 s ago; not checked" in out
    assert "OK: 0 audit events, chain intact." in out
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 3

    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "Seal lag: 3 events were unsealed, the oldest recorded 0 s ago; sealed 3 now." in out
    assert "OK: 3 audit events, chain intact." in out

    call_command("audit", "verify")
    assert "Seal lag: none" in capsys.readouterr().out


def test_unsealed_events_are_not_reported_missing(actor):
    services.record(actor, "test.sealed", actor)
    services.seal()
    services.record(actor, "test.waiting", actor)
    result = services.verify(seal=False)
    assert result.ok and result.checked == 1 and result.lag.unsealed == 1


def test_the_checkpoint_command_seals_before_signing(actor, capsys):
    services.record(actor, "test.step", actor)
    call_command("audit", "checkpoint")
    assert "Checkpoint signed at event #1" in capsys.readouterr().out


def test_the_worker_job_seals(actor):
    from yiwang.audit.jobs import seal_audit_events

    services.record(actor, "test.step", actor)
    seal_audit_events()
    assert services.seal_lag().unsealed == 0


# --- two connections at once (PostgreSQL: SQLite has one writer at a time) ----------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and concurrent writers: PostgreSQL"
)


def _in_thread(target, *args):
    """Run target in a thread of its own, hence on a database connection of its own."""
    outcome = {}

    def run():
        try:
            outcome["value"] = target(*args)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _short_lock_timeout():
    # A regression (a shared row locked by every append) fails fast instead of hanging.
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '2s'")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_transactions_record_at_the_same_time(django_user_model):
    actor = django_user_model.objects.create_user("auditor", password="x" * 12)
    services.record(actor, "test.before", actor)
    services.seal()  # the chain head row exists, as in any running district
    a_recorded, b_done, sealer_holds = threading.Event(), threading.Event(), threading.Event()

    def transaction_a():
        with transaction.atomic():
            services.record(actor, "test.a", actor)
            a_recorded.set()
            assert b_done.wait(10), "B waited for A"

    def a_sealer_holding_the_head():
        # The sealer is the only one who locks the head; appends must not queue behind it.
        with transaction.atomic():
            ChainHead.objects.select_for_update().get(pk=1)
            sealer_holds.set()
            b_done.wait(10)

    def transaction_b():
        _short_lock_timeout()
        with transaction.atomic():
            event = services.record(actor, "test.b", actor)
        b_done.set()
        return event.pk

    thread_a, outcome_a = _in_thread(transaction_a)
    thread_s, outcome_s = _in_thread(a_sealer_holding_the_head)
    assert a_recorded.wait(10) and sealer_holds.wait(10)
    thread_b, outcome_b = _in_thread(transaction_b)
    thread_b.join(10)
    for thread in (thread_a, thread_s):
        thread.join(10)
    assert "error" not in outcome_b, outcome_b.get("error")
    assert "error" not in outcome_a, outcome_a.get("error")
    assert "error" not in outcome_s, outcome_s.get("error")
    assert AuditEvent.objects.filter(action__in=["test.a", "test.b"]).count() == 2
    assert services.verify().ok


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_late_commit_with_a_lower_id_is_sealed_and_never_skipped(django_user_model):
    actor = django_user_model.objects.create_user("auditor", password="x" * 12)
    a_recorded, release_a = threading.Event(), threading.Event()

    def transaction_a():
        with transaction.atomic():
            event = services.record(actor, "test.late", actor)
            a_recorded.set()
            assert release_a.wait(10)
        return event.pk

    thread_a, outcome_a = _in_thread(transaction_a)
    assert a_recorded.wait(10)
    later = services.record(actor, "test.early", actor)  # a higher id, committed first
    assert services.seal().count == 1
    assert AuditEvent.objects.get(pk=later.pk).seq == 1
    release_a.set()
    thread_a.join(10)
    assert outcome_a["value"] < later.pk
    assert services.seal().count == 1
    assert AuditEvent.objects.get(pk=outcome_a["value"]).seq == 2
    assert services.verify().ok


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_sealers_at_once_link_every_event_exactly_once(django_user_model):
    actor = django_user_model.objects.create_user("auditor", password="x" * 12)
    AuditEvent.objects.bulk_create(
        [AuditEvent(at=actor.date_joined, action=f"test.step{i}") for i in range(400)]
    )
    start = threading.Barrier(2)

    def sealer():
        start.wait(10)
        return services.seal(batch_size=50).count

    runs = [_in_thread(sealer) for _ in range(2)]
    for thread, _ in runs:
        thread.join(30)
    assert all("error" not in outcome for _, outcome in runs), runs
    assert sum(outcome["value"] for _, outcome in runs) == 400
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 401))
    result = services.verify()
    assert result.ok and result.checked == 400

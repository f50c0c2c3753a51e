import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from yiwang.audit import services
from yiwang.audit.models import AppendOnlyError, AuditEvent


@pytest.fixture
def events(db, django_user_model):
    actor = django_user_model.objects.create_user("auditor", password="x" * 12)
    recorded = [services.record(actor, f"test.step{i}", actor, summary={"i": i}) for i in range(5)]
    services.seal()  # what the worker does every second
    return recorded


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_untouched_log_verifies(events, capsys):
    call_command("audit", "verify")
    assert "5 audit events, chain intact" in capsys.readouterr().out


def test_editing_one_row_by_hand_is_found_and_named(events, unguarded):
    raw("UPDATE audit_auditevent SET summary = %s WHERE seq = 3", ['{"i": 99}'])
    with pytest.raises(CommandError, match="event #3 is altered"):
        call_command("audit", "verify")


def test_deleting_a_row_by_hand_is_found(events, unguarded):
    raw("DELETE FROM audit_auditevent WHERE seq = 2")
    with pytest.raises(CommandError, match="event #2 is missing"):
        call_command("audit", "verify")


def test_deleting_the_newest_row_is_found(events, unguarded):
    raw("DELETE FROM audit_auditevent WHERE seq = 5")
    with pytest.raises(CommandError, match="event #5 is missing"):
        call_command("audit", "verify")


def test_the_orm_refuses_to_change_history(events):
    event = AuditEvent.objects.get(seq=1)
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_the_database_refuses_to_change_a_sealed_event(events):
    with pytest.raises(IntegrityError, match="sealed"), transaction.atomic():
        raw("UPDATE audit_auditevent SET summary = %s WHERE seq = 3", ['{"i": 99}'])
    with pytest.raises(IntegrityError, match="sealed"), transaction.atomic():
        AuditEvent.objects.filter(seq=3).update(action="test.nothing_happened")
    assert AuditEvent.objects.get(seq=3).summary == {"i": 2}
    assert services.verify().ok


def test_a_rolled_back_change_leaves_no_trace(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.record(None, "test.rolled_back")
        raise RuntimeError
    assert not AuditEvent.objects.exists()
    assert services.verify().ok


def test_request_id_and_ip_are_recorded(db, client, django_user_model):
    django_user_model.objects.create_user("walker", password="a-good-password-1")
    client.post(
        "/login/",
        {"username": "walker", "password": "a-good-password-1"},
        HTTP_X_REQUEST_ID="req-123",
        REMOTE_ADDR="10.1.2.3",
    )
    event = AuditEvent.objects.get(action="identity.login")
    assert (event.request_id, event.ip) == ("req-123", "10.1.2.3")

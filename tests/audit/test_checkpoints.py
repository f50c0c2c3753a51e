"""Signed checkpoints: whoever can write the database can recompute the whole chain, but
cannot sign, nor change the checkpoint file, so `yiwang audit verify` finds the rewrite."""

import json
import logging
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from yiwang import cli
from yiwang.audit import chain, checkpoints, services
from yiwang.audit.models import AuditEvent
from yiwang.core.keyring import KeyRing
from yiwang.core.signing import b64url, canonical

from .conftest import drop_sealed_row_guard


@pytest.fixture
def audit_files(settings, tmp_path):
    settings.YIWANG_AUDIT_CHECKPOINT_FILE = tmp_path / "checkpoints.jsonl"
    settings.YIWANG_AUDIT_KEY_DIR = tmp_path / "keys"
    settings.YIWANG_AUDIT_PUBLIC_KEYS = ""
    return tmp_path


@pytest.fixture
def record(db, audit_files, django_user_model):
    actor = django_user_model.objects.create_user("auditor", password="x" * 12)

    def make(count):
        for _ in range(count):
            n = AuditEvent.objects.count()
            services.record(actor, f"test.step{n}", actor, summary={"i": n})
        services.seal()  # what the worker does every second

    return make


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rewrite_chain(edited_seq: int, drop_newest: int) -> None:
    """The attack of the penetration test: edit one event's content, delete the newest
    ones, recompute every later hash with the project's own `link_hash`, move the head
    (after dropping the database's guard of sealed rows, as such an intruder can)."""
    drop_sealed_row_guard()
    raw("UPDATE audit_auditevent SET summary = %s WHERE seq = %s", ['{"i": 99}', edited_seq])
    top = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    raw("DELETE FROM audit_auditevent WHERE seq > %s", [top - drop_newest])
    prev = AuditEvent.objects.get(seq=edited_seq - 1).hash if edited_seq > 1 else chain.GENESIS
    for event in AuditEvent.objects.filter(seq__gte=edited_seq).order_by("seq"):
        new = chain.link_hash(prev, event)
        raw(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s",
            [prev, new, event.seq],
        )
        prev = new
    raw("UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1", [top - drop_newest, prev])


def checkpoint_lines(audit_files) -> list[str]:
    return (audit_files / "checkpoints.jsonl").read_text().splitlines()


def test_the_chain_alone_cannot_see_a_rewrite(record):
    record(10)
    rewrite_chain(edited_seq=5, drop_newest=3)
    assert services.verify().checked == 7 and not services.verify().problem


def test_a_rewrite_after_a_signed_checkpoint_is_found_and_where_it_could_start_is_named(
    record, capsys
):
    record(3)
    call_command("audit", "checkpoint")
    record(7)
    call_command("audit", "checkpoint")
    rewrite_chain(edited_seq=5, drop_newest=3)

    with pytest.raises(CommandError) as error:
        call_command("audit", "verify")
    message = str(error.value)
    assert "Audit chain rewritten: the checkpoint at event #10" in message
    assert "the chain now ends at event #7" in message
    assert "The last good checkpoint is at event #3" in message
    assert "the rewrite could have started at event #4" in message
    out = capsys.readouterr().out
    assert "Checkpoints: 2 checked" in out and "1 match the chain, 1 do not" in out


def test_a_rewrite_that_keeps_the_length_is_found_by_the_hash(record):
    record(6)
    services.sign_checkpoint()
    rewrite_chain(edited_seq=2, drop_newest=0)
    with pytest.raises(CommandError) as error:
        call_command("audit", "verify")
    signed = services.verify().report.mismatches[0]
    assert signed.found == AuditEvent.objects.get(seq=6).hash != signed.checkpoint.hash
    assert "No earlier checkpoint matches; the rewrite could have started at event #1" in str(
        error.value
    )


def test_the_yiwang_command_exits_non_zero_on_a_rewrite(record, capsys):
    record(10)
    services.sign_checkpoint()
    rewrite_chain(edited_seq=5, drop_newest=3)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["audit", "verify"])
    assert exit_.value.code != 0
    assert "Audit chain rewritten" in capsys.readouterr().err


def test_an_untouched_chain_verifies_with_its_checkpoints_counted_and_dated(record, capsys):
    record(4)
    services.sign_checkpoint()
    record(2)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "OK: 6 audit events, chain intact." in out
    assert "Checkpoints: 1 checked" in out and "1 match the chain, 0 do not" in out
    assert "Newest checkpoint: event #4" in out and "s ago)" in out and "2 events since" in out


def test_no_checkpoint_is_a_warning_not_a_failure(record, capsys):
    record(2)
    call_command("audit", "verify")
    assert "WARNING: no signed checkpoints" in capsys.readouterr().out


def test_a_direct_edit_is_still_named_as_before(record, unguarded):
    record(5)
    services.sign_checkpoint()
    raw("UPDATE audit_auditevent SET summary = %s WHERE seq = 3", ['{"i": 99}'])
    with pytest.raises(CommandError, match="event #3 is altered"):
        call_command("audit", "verify")


def test_a_checkpoint_line_with_a_changed_value_is_reported(record, audit_files):
    record(3)
    services.sign_checkpoint()
    record(2)
    genuine = json.loads(checkpoint_lines(audit_files)[0])
    forged = {**genuine, "seq": 5, "hash": AuditEvent.objects.get(seq=5).hash}
    with (audit_files / "checkpoints.jsonl").open("a") as file:
        file.write(json.dumps(forged) + "\n")
    with pytest.raises(CommandError, match="Checkpoint line 2 is not genuine: its signature"):
        call_command("audit", "verify")


def test_a_checkpoint_signed_with_an_unpublished_key_is_reported(record, audit_files):
    record(3)
    services.sign_checkpoint()
    intruder = KeyRing(audit_files / "elsewhere", audit_files / "elsewhere.jsonl", prefix="a")
    key = intruder.active()
    event = AuditEvent.objects.get(seq=3)
    claims = {
        "v": 1,
        "seq": 3,
        "event": event.pk,
        "hash": event.hash,
        "count": 3,
        "at": "2026-01-01T00:00:00+00:00",
        "kid": key.kid,
    }
    line = canonical({**claims, "sig": b64url(key.sign(canonical(claims)))}).decode()
    with (audit_files / "checkpoints.jsonl").open("a") as file:
        file.write(line + "\n")
    with pytest.raises(CommandError, match="line 2 is not genuine: signed with a key that is not"):
        call_command("audit", "verify")


def test_checkpoints_of_a_retired_key_still_verify_after_rotation(record, audit_files, capsys):
    record(3)
    old = services.sign_checkpoint()
    call_command("audit", "rotate-key")
    record(2)
    new = services.sign_checkpoint()
    assert new.kid != old.kid
    assert AuditEvent.objects.filter(action="audit.key_rotated").exists()
    # The retired key can sign no more; its public key stays published.
    assert [p.name for p in (audit_files / "keys").glob("*.key")] == [f"{new.kid}.key"]
    assert set(checkpoints.keyring().public_keys()) == {old.kid, new.kid}
    capsys.readouterr()
    call_command("audit", "verify")
    assert "2 match the chain, 0 do not, 0 are not genuine" in capsys.readouterr().out


def test_the_private_key_is_a_file_only_its_owner_reads(record, audit_files):
    record(1)
    checkpoint = services.sign_checkpoint()
    key_file = audit_files / "keys" / f"{checkpoint.kid}.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_signing_a_checkpoint_costs_one_statement_and_writes_file_and_log(
    record, audit_files, caplog
):
    record(3)
    with caplog.at_level(logging.INFO, logger="yiwang.audit.checkpoints"):
        with CaptureQueriesContext(connection) as queries:
            checkpoint = services.sign_checkpoint()
    assert len(queries) == 1
    [line] = checkpoint_lines(audit_files)
    assert json.loads(line)["seq"] == checkpoint.seq == 3
    assert [r.getMessage() for r in caplog.records] == [f"audit checkpoint {line}"]


def test_the_periodic_job_signs_only_when_the_head_moved(record, audit_files):
    from yiwang.audit.jobs import sign_audit_checkpoint

    record(2)
    sign_audit_checkpoint()
    with CaptureQueriesContext(connection) as queries:
        sign_audit_checkpoint()
    assert len(queries) == 1
    assert len(checkpoint_lines(audit_files)) == 1
    record(1)
    sign_audit_checkpoint()
    assert [json.loads(line)["seq"] for line in checkpoint_lines(audit_files)] == [2, 3]


def test_the_worker_runs_the_checkpoint_job():
    from django.utils.module_loading import autodiscover_modules

    from yiwang.core import schedule

    autodiscover_modules("jobs")
    names = [job.name for job in schedule.jobs()]
    assert "yiwang.audit.jobs.sign_audit_checkpoint" in names
    # The sealer runs first, so a checkpoint signs what was just sealed.
    assert names.index("yiwang.audit.jobs.seal_audit_events") < names.index(
        "yiwang.audit.jobs.sign_audit_checkpoint"
    )


def test_an_empty_log_has_nothing_to_sign(db, audit_files, capsys):
    call_command("audit", "checkpoint")
    assert "Nothing to sign" in capsys.readouterr().out
    assert not (audit_files / "checkpoints.jsonl").exists()


@pytest.fixture
def one_signed_line(record, audit_files):
    record(3)
    services.sign_checkpoint()
    return checkpoint_lines(audit_files)[0]


@hypothesis_settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), replacement=st.characters(codec="utf-8"))
def test_changing_any_character_of_a_checkpoint_line_makes_it_refused(
    one_signed_line, audit_files, position, replacement
):
    position %= len(one_signed_line)
    if one_signed_line[position] == replacement or replacement in "\r\n":
        return
    tampered = one_signed_line[:position] + replacement + one_signed_line[position + 1 :]
    path = audit_files / "tampered.jsonl"
    path.write_text(tampered + "\n", encoding="utf-8")
    good, rejected = checkpoints.read(path)
    assert good == [] and len(rejected) == 1

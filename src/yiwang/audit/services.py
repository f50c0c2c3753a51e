"""Writing and checking the audit log. `record` is called by every state-changing service,
every login and every reveal of personal data."""

import datetime
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from yiwang.core import context

from . import chain, checkpoints
from .models import AuditEvent, ChainHead


def _jsonable(summary) -> dict:
    # Round-trip so the stored JSON and the hashed JSON are the same values.
    return json.loads(json.dumps(summary or {}, ensure_ascii=False, default=str))


def record(
    actor, action: str, obj=None, *, summary=None, org_path: str = "", object_repr: str = ""
) -> AuditEvent:
    """Append one event. Runs inside the caller's transaction: if the change rolls back, so
    does its trace."""
    info = context.current()
    # No savepoint: an audit write that fails must fail the change it records, and a
    # savepoint is two more round trips on every state change.
    with transaction.atomic(savepoint=False):
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
        user = actor if getattr(actor, "is_authenticated", False) else None
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now().astimezone(datetime.UTC),
            actor=user,
            actor_name=(user.get_username() if user else (actor if isinstance(actor, str) else "")),
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
            org_path=org_path or _org_path_of(obj),
            summary=_jsonable(summary),
            ip=info.ip,
            request_id=info.request_id,
            prev_hash=head.hash,
        )
        event.hash = chain.link_hash(head.hash, event)
        event.save()
        ChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event


def _org_path_of(obj) -> str:
    if obj is None:
        return ""
    path = getattr(obj, "path", None) if obj._meta.label_lower == "identity.orgunit" else None
    if path:
        return path
    org = getattr(obj, "org", None)
    return getattr(org, "path", "") or ""


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""
    seq: int | None = None
    report: checkpoints.Report | None = None


def verify(batch_size: int = 2000) -> VerifyResult:
    """Walk the chain from the start; report the first altered or missing event. Then hold
    it against the signed checkpoints (`checkpoints`): a chain rewritten from some event on,
    every later hash recomputed, is intact as a chain but no longer has the hash a
    checkpoint signed at its place."""
    signed, rejected = checkpoints.read()
    wanted = {c.seq for c in signed}
    hashes: dict[int, str] = {}
    expected_seq, prev_hash, checked = 1, chain.GENESIS, 0
    problem, at = "", None
    queryset = AuditEvent.objects.order_by("seq")
    for event in queryset.iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            problem, at = "missing", expected_seq
            break
        if event.prev_hash != prev_hash or chain.link_hash(prev_hash, event) != event.hash:
            problem, at = "altered", event.seq
            break
        if event.seq in wanted:
            hashes[event.seq] = event.hash
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    else:
        head = ChainHead.objects.filter(pk=1).first()
        if head and (head.seq != expected_seq - 1 or head.hash != prev_hash):
            # The newest events were removed: the head still remembers them.
            problem, at = "missing", expected_seq
    report = checkpoints.compare(
        signed,
        rejected,
        hashes,
        chain_end=checked,
        chain_intact=not problem,
        path=checkpoints.checkpoint_file(),
    )
    return VerifyResult(not problem and report.ok, checked, problem, at, report)


def sign_checkpoint(*, only_if_moved: bool = False) -> checkpoints.Checkpoint | None:
    """Sign the chain's newest linked event (`checkpoints.sign`): the worker every
    YIWANG_AUDIT_CHECKPOINT_SECONDS when it moved, `yiwang audit checkpoint` on demand."""
    return checkpoints.sign(only_if_moved=only_if_moved)


def rotate_checkpoint_key(by: str):
    """A new key signs the checkpoints from now on; the old one's public key stays
    published and keeps verifying what it signed."""
    key = checkpoints.keyring().rotate()
    record(by, "audit.key_rotated", None, summary={"kid": key.kid})
    return key

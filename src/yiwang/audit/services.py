"""Writing and checking the audit log. `record` is called by every state-changing service,
every login and every reveal of personal data."""

import datetime
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from yiwang.core import context

from . import chain
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


def verify(batch_size: int = 2000) -> VerifyResult:
    """Walk the chain from the start; report the first altered or missing event."""
    expected_seq, prev_hash, checked = 1, chain.GENESIS, 0
    queryset = AuditEvent.objects.order_by("seq")
    for event in queryset.iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return VerifyResult(False, checked, "missing", expected_seq)
        if event.prev_hash != prev_hash or chain.link_hash(prev_hash, event) != event.hash:
            return VerifyResult(False, checked, "altered", event.seq)
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = ChainHead.objects.filter(pk=1).first()
    if head and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        # The newest events were removed: the head still remembers them.
        return VerifyResult(False, checked, "missing", expected_seq)
    return VerifyResult(True, checked)

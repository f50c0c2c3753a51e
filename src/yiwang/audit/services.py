"""Writing and checking the audit log. `record` is called by every state-changing service,
every login and every reveal of personal data."""

import datetime
import json
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from yiwang.core import context, rows

from . import chain, checkpoints
from .models import AuditEvent, ChainHead


def _jsonable(summary) -> dict:
    # Round-trip so the stored JSON and the hashed JSON are the same values.
    return json.loads(json.dumps(summary or {}, ensure_ascii=False, default=str))


def _event(actor, action: str, obj, summary, org_path: str, object_repr: str = "") -> AuditEvent:
    info = context.current()
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
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
    )


def record(
    actor, action: str, obj=None, *, summary=None, org_path: str = "", object_repr: str = ""
) -> AuditEvent:
    """Append one event: a single INSERT inside the caller's transaction, so if the change
    rolls back, so does its trace. No shared row is locked: concurrent state changes append
    at the same time, ordered by the id the database gives them (a rolled-back id leaves a
    gap, which is fine). The event joins the hash chain when `seal` runs (every second in
    the worker, and at the start of `yiwang audit verify`)."""
    event = _event(actor, action, obj, summary, org_path, object_repr)
    # An audit write that fails fails the change it records (no savepoint around it).
    event.save()
    return event


def record_all(actor, entries) -> list[AuditEvent]:
    """Several events of one change in one INSERT: `entries` are (action, obj, summary,
    org_path) tuples, recorded as `record` would record each, in that order."""
    return rows.insert(
        AuditEvent,
        [
            _event(actor, action, obj, summary, org_path)
            for action, obj, summary, org_path in entries
        ],
    )


@dataclass
class Sealed:
    count: int = 0  # events linked into the chain by this run
    head: int = 0  # the chain's last seq afterwards
    oldest: datetime.datetime | None = None  # when the longest-waiting of them was recorded


def seal(batch_size: int = 500) -> Sealed:
    """Link every committed, unsealed event into the hash chain, oldest id first, in
    batches of `batch_size`, each in its own transaction: give it the next seq, its
    predecessor's hash and its own, with one bulk UPDATE, and move the head.

    The head row is locked only here, never on a request's path, so two workers sealing at
    once take turns and never link two events onto the same predecessor. An event whose
    transaction commits after a later id was sealed is simply sealed in a later batch: the
    query is "no seq yet", never "id above the last sealed", so no event is skipped."""
    done = Sealed()
    while True:
        with transaction.atomic():
            head = _locked_head()
            batch = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:batch_size])
            seq, prev_hash = head.seq, head.hash
            for event in batch:
                seq += 1
                event.seq, event.prev_hash = seq, prev_hash
                event.hash = prev_hash = chain.link_hash(prev_hash, event)
            if batch:
                AuditEvent.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
                ChainHead.objects.filter(pk=head.pk).update(seq=seq, hash=prev_hash)
        done.count += len(batch)
        done.head = seq
        oldest = min((e.at for e in batch), default=None)
        if oldest is not None and (done.oldest is None or oldest < done.oldest):
            done.oldest = oldest
        if len(batch) < batch_size:
            return done


def _locked_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # The first seal of an empty database; a concurrent first seal that wins the
        # INSERT makes this one wait on its row and read it.
        ChainHead.objects.get_or_create(pk=1)
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


@dataclass
class Lag:
    unsealed: int
    oldest: datetime.datetime | None


def seal_lag() -> Lag:
    """How many committed events wait to be sealed, and when the oldest was recorded."""
    found = AuditEvent.objects.filter(seq__isnull=True).aggregate(n=Count("id"), oldest=Min("at"))
    return Lag(found["n"], found["oldest"])


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
    lag: Lag | None = None  # what waited to be sealed when verify started
    sealed: Sealed | None = None  # what verify sealed first (None with seal=False)


def verify(batch_size: int = 2000, *, seal: bool = True) -> VerifyResult:
    """Walk the sealed chain from the start (unsealed events are not in it yet: see
    `seal` and `seal_lag`); report the first altered or missing event. Then hold
    it against the signed checkpoints (`checkpoints`): a chain rewritten from some event on,
    every later hash recomputed, is intact as a chain but no longer has the hash a
    checkpoint signed at its place."""
    lag = seal_lag()
    sealed = _seal() if seal else None
    signed, rejected = checkpoints.read()
    wanted = {c.seq for c in signed}
    hashes: dict[int, str] = {}
    expected_seq, prev_hash, checked = 1, chain.GENESIS, 0
    problem, at = "", None
    # The walk stops at the head as read now: a sealer running meanwhile (the worker's)
    # links more events, which the next verify checks.
    head = ChainHead.objects.filter(pk=1).first()
    queryset = AuditEvent.objects.filter(seq__isnull=False).order_by("seq")
    if head is not None:
        queryset = queryset.filter(seq__lte=head.seq)
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
    return VerifyResult(not problem and report.ok, checked, problem, at, report, lag, sealed)


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


_seal = seal  # `verify` has an argument of that name

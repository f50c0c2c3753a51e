"""Signed checkpoints of the audit chain.

The chain's hashes have no secret: whoever can write the database can edit an event, drop
the newest ones and recompute every later hash with `chain.link_hash`, and the chain alone
still looks intact. So the worker signs the chain's newest linked event every
YIWANG_AUDIT_CHECKPOINT_SECONDS when it moved (and `yiwang audit checkpoint` on demand)
with an Ed25519 key of its own, kept in files and never in the database, and writes the
checkpoint where the database's writers cannot change it: one JSON line appended to
YIWANG_AUDIT_CHECKPOINT_FILE (O_APPEND, fsync) and one line in the operator's log (logger
`yiwang.audit.checkpoints`). A line is

    {"v": 1, "seq": 500, "event": 512, "hash": "<chain hash at #500>", "count": 500,
     "at": "2026-12-07T02:15:30.123456+00:00", "kid": "a20261207021000-1a2b3c",
     "sig": "<base64url Ed25519 over the canonical JSON of every other field>"}

`seq` is the event's place in the chain and `count` the number of events up to it (events
are numbered from 1 without gaps, so they agree); `event` is its row id.

`yiwang audit verify` trusts only that file and the published public keys: a rewrite
changes the chain's hash at every later checkpoint, or drops the event a checkpoint names.

Signing reads committed, sealed events only (those with a seq): `services.record` appends
unsealed events and the sealer (`services.seal`, every second in the worker) links them.
"""

import dataclasses
import datetime
import json
import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from yiwang.core.keyring import KeyRing, append_line
from yiwang.core.signing import ALGORITHMS, b64url, canonical, unb64url

from .models import AuditEvent

log = logging.getLogger("yiwang.audit.checkpoints")

VERSION = 1
KID_PREFIX = "a"


def keyring() -> KeyRing:
    folder = Path(settings.YIWANG_AUDIT_KEY_DIR)
    public = settings.YIWANG_AUDIT_PUBLIC_KEYS or folder / "public-keys.jsonl"
    return KeyRing(folder, Path(public), prefix=KID_PREFIX)


def checkpoint_file() -> Path:
    return Path(settings.YIWANG_AUDIT_CHECKPOINT_FILE)


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    seq: int
    event: int
    hash: str
    count: int
    at: datetime.datetime
    kid: str
    line: int = 0  # its line in the checkpoint file, from 1; 0 when just signed

    def claims(self) -> dict:
        return {
            "v": VERSION,
            "seq": self.seq,
            "event": self.event,
            "hash": self.hash,
            "count": self.count,
            "at": self.at.isoformat(timespec="microseconds"),
            "kid": self.kid,
        }


# --- signing ------------------------------------------------------------------------------


def _newest_linked() -> dict | None:
    """The newest sealed event, as committed (one query)."""
    return (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values("pk", "seq", "hash")
        .first()
    )


def _last_written(path: Path) -> dict:
    """The last complete line of the checkpoint file, unchecked: enough to know whether the
    head moved since, never trusted for anything else."""
    try:
        with path.open("rb") as file:
            file.seek(0, 2)
            file.seek(max(0, file.tell() - 4096))
            tail = file.read()
    except FileNotFoundError:
        return {}
    for raw in reversed(tail.splitlines()):
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return {}


def sign(*, only_if_moved: bool = False) -> Checkpoint | None:
    """Sign the chain's newest linked event and write the checkpoint to the file and the
    log. With `only_if_moved`, nothing is signed when the file's last checkpoint already
    names that event and hash. None when nothing was signed (or the log is empty).

    Call it outside a transaction: a checkpoint of an event that then rolls back would
    report a rewrite that never happened."""
    newest = _newest_linked()
    if newest is None:
        return None
    path = checkpoint_file()
    if only_if_moved:
        last = _last_written(path)
        if last.get("seq") == newest["seq"] and last.get("hash") == newest["hash"]:
            return None
    key = keyring().active()
    checkpoint = Checkpoint(
        seq=newest["seq"],
        event=newest["pk"],
        hash=newest["hash"],
        count=newest["seq"],
        at=timezone.now().astimezone(datetime.UTC),
        kid=key.kid,
    )
    claims = checkpoint.claims()
    signature = key.sign(canonical(claims))
    line = canonical({**claims, "sig": b64url(signature)}).decode("utf-8")
    append_line(path, line)
    log.info("audit checkpoint %s", line)
    return checkpoint


# --- reading ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Rejected:
    """A line of the checkpoint file that is not a checkpoint we signed."""

    line: int
    reason: str  # malformed | unknown_key | bad_signature


_LINE_KEYS = frozenset({"v", "seq", "event", "hash", "count", "at", "kid", "sig"})


def _parse(data) -> tuple[Checkpoint, dict, str] | None:
    """(checkpoint, signed claims, signature text) of a well-formed line of our version,
    else None."""
    if not isinstance(data, dict) or set(data) != _LINE_KEYS or data["v"] != VERSION:
        return None
    seq, event, count = data["seq"], data["event"], data["count"]
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (seq, event, count)):
        return None
    if not all(isinstance(data[k], str) for k in ("hash", "at", "kid", "sig")):
        return None
    try:
        at = datetime.datetime.fromisoformat(data["at"])
    except ValueError:
        return None
    if at.tzinfo is None:
        return None
    claims = {k: v for k, v in data.items() if k != "sig"}
    return Checkpoint(seq, event, data["hash"], count, at, data["kid"]), claims, data["sig"]


def _check_line(raw: bytes, public_keys) -> Checkpoint | str:
    """The checkpoint a line holds, or why it is refused."""
    try:
        parsed = _parse(json.loads(raw))
    except (ValueError, UnicodeDecodeError):
        parsed = None
    if parsed is None:
        return "malformed"
    checkpoint, claims, signature_text = parsed
    known = public_keys.get(checkpoint.kid)
    if known is None or known[0] not in ALGORITHMS:
        return "unknown_key"
    try:
        signature = unb64url(signature_text)
    except ValueError:
        return "malformed"
    algorithm, public = known
    # The signed bytes are rebuilt from the line's values: a line is genuine exactly when
    # its values are the signed ones, whatever its spacing or key order.
    if not ALGORITHMS[algorithm].verify(public, signature, canonical(claims)):
        return "bad_signature"
    return checkpoint


def read(path: Path | None = None, public_keys=None) -> tuple[list[Checkpoint], list[Rejected]]:
    """Every line of the checkpoint file: those with a good signature by a published key,
    and those refused with the reason."""
    path = path or checkpoint_file()
    public_keys = keyring().public_keys() if public_keys is None else public_keys
    good: list[Checkpoint] = []
    rejected: list[Rejected] = []
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        lines = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        checked = _check_line(raw, public_keys)
        if isinstance(checked, str):
            rejected.append(Rejected(number, checked))
        else:
            good.append(dataclasses.replace(checked, line=number))
    return good, rejected


# --- comparing with the chain -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Mismatch:
    checkpoint: Checkpoint
    found: str  # the chain's hash at the checkpoint's place now, "" when the event is gone


@dataclasses.dataclass
class Report:
    """What the checkpoints say about the chain. `suspect_from` is the first event after the
    last good checkpoint: where a rewrite could have started."""

    path: Path
    chain_end: int
    good: list[Checkpoint] = dataclasses.field(default_factory=list)
    rejected: list[Rejected] = dataclasses.field(default_factory=list)
    matched: list[Checkpoint] = dataclasses.field(default_factory=list)
    mismatches: list[Mismatch] = dataclasses.field(default_factory=list)
    unreached: list[Checkpoint] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.mismatches

    @property
    def checked(self) -> int:
        return len(self.matched) + len(self.mismatches) + len(self.rejected)

    @property
    def last_good(self) -> Checkpoint | None:
        first_bad = min((m.checkpoint.seq for m in self.mismatches), default=None)
        below = [c for c in self.matched if first_bad is None or c.seq < first_bad]
        return max(below, key=lambda c: c.seq, default=None)

    @property
    def suspect_from(self) -> int | None:
        if not self.mismatches:
            return None
        last_good = self.last_good
        return last_good.seq + 1 if last_good else 1

    @property
    def newest(self) -> Checkpoint | None:
        return max(self.good, key=lambda c: (c.at, c.seq), default=None)


def compare(
    good: list[Checkpoint],
    rejected: list[Rejected],
    hashes: dict[int, str],
    *,
    chain_end: int,
    chain_intact: bool,
    path: Path,
) -> Report:
    """Hold each genuine checkpoint against the chain's hash at its place (`hashes`, seq →
    hash, as recomputed by the walk, which reached `chain_end` intact). Past a break the
    walk found, nothing can be compared: those checkpoints are left unreached."""
    report = Report(path=path, chain_end=chain_end, good=good, rejected=rejected)
    for checkpoint in sorted(good, key=lambda c: (c.seq, c.line)):
        found = hashes.get(checkpoint.seq, "")
        if checkpoint.seq > chain_end and not chain_intact:
            report.unreached.append(checkpoint)
        elif found == checkpoint.hash and checkpoint.count == checkpoint.seq:
            report.matched.append(checkpoint)
        else:
            report.mismatches.append(Mismatch(checkpoint, found))
    return report

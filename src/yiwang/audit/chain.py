"""The hash of an audit event: SHA-256 over its predecessor's hash and a canonical JSON of
its own fields, so any edit of a stored field changes it."""

import hashlib
import json

GENESIS = "0" * 64


def canonical(event) -> bytes:
    fields = {
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "org_path": event.org_path,
        "summary": event.summary,
        "ip": event.ip,
        "request_id": event.request_id,
    }
    return json.dumps(
        fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


def link_hash(prev_hash: str, event) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(event)).hexdigest()

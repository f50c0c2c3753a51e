"""Live updates: a publisher says that something changed on a channel, and every page that
follows the channel hears it within a second, whichever web process it is connected to
(docs/live.md).

    from yiwang.core import live

    live.publish(f"hall:{hall.pk}", {"type": "called", "ticket": "A012", "window": "3"})

`publish` sends after the current transaction commits (`transaction.on_commit`), never inside
it: a call that is rolled back is never announced. Pages follow a channel at `/live/<channel>`
(server-sent events, `yiwang.core.live.stream`) with `web/static/web/live.js`.

Only `hall:<id>` and `ticket:<token>` channels can be followed from outside, without signing
in: whatever a publisher puts in a payload is public. Never put personal data in it (names,
identity or telephone numbers, case contents): a ticket number, a window, a count, a time.
"""

import json
import logging
import re
import secrets
import time
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)

# PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (the default build). Every
# backend holds an event to the same limit, so what works on the SQLite demo works in
# production.
MAX_EVENT_BYTES = 7999

# A channel is `<kind>:<name>`: lower-case kind, a name of letters, digits, `-`, `_`, `.`.
CHANNEL = re.compile(r"^[a-z][a-z0-9_]{0,31}:[A-Za-z0-9_.-]{1,128}$")
# What may be followed without signing in: a hall's board, and one ticket by its token. A
# ticket's token must be unguessable: at least 22 URL-safe characters (128 bits,
# `secrets.token_urlsafe(16)`); a shorter one is refused like an unknown channel.
PUBLIC = re.compile(r"^(hall:[A-Za-z0-9_-]{1,64}|ticket:[A-Za-z0-9_-]{22,128})$")


def is_public(channel: str) -> bool:
    return bool(PUBLIC.match(channel))


def new_event_id() -> str:
    """Made by the publisher, so every web process gives the same event the same id and a
    viewer can resume on another process: milliseconds since the epoch (hex) and a random
    part."""
    return f"{time.time_ns() // 1_000_000:x}-{secrets.token_hex(4)}"


def encode(channel: str, payload: dict, event_id: str | None = None) -> bytes:
    """The event as it travels between processes: one line of JSON (`c` channel, `i` id,
    `d` payload). ValueError for a bad channel, a payload that is not a JSON object, or an
    event of MAX_EVENT_BYTES or more."""
    if not CHANNEL.match(channel):
        raise ValueError(f"{channel!r} is not a live channel name (kind:name)")
    if not isinstance(payload, dict):
        raise ValueError("a live payload is a JSON object (a dict)")
    body = json.dumps(
        {"c": channel, "i": event_id or new_event_id(), "d": payload},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    if len(body) > MAX_EVENT_BYTES:
        raise ValueError(
            f"a live event is at most {MAX_EVENT_BYTES} bytes as JSON; this one is {len(body)}"
            " (send what changed, and let the page fetch the rest)"
        )
    return body


def publish(channel: str, payload: dict) -> None:
    """Announce `payload` on `channel` once the current transaction commits (at once outside
    one). A bad channel or an oversized payload raises ValueError here, in the publisher's
    code; a broker that cannot be reached later is logged and does not undo the commit
    (pages that missed the event catch up when they reconnect: docs/live.md)."""
    event = encode(channel, payload)
    transaction.on_commit(partial(_send, event), robust=True)


def _send(event: bytes) -> None:
    from yiwang.core.live.backends import backend

    try:
        backend().send(event)
    except Exception:  # noqa: BLE001 - the change is committed; the page will catch up
        logger.warning("live event not sent", exc_info=True)

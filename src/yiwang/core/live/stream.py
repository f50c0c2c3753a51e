"""`/live/<channel>`: server-sent events (text/event-stream) for the public channels, as a
small ASGI application beside the pages (`yiwang.asgi`). A viewer costs a task and a few
hundred bytes, not a thread; it passes through none of the pages' middleware (no session, no
database).

What a stream sends:

- `retry: 2000` first, for a browser's own reconnection;
- each event as `id: <id>` and `data: <the publisher's JSON payload>`;
- `event: reset` when the events since the `Last-Event-ID` the client sent (header, or the
  `last_event_id` query parameter for a first connection) are no longer known: the page
  fetches its state again;
- `: keep-alive` every YIWANG_LIVE_HEARTBEAT_SECONDS, so proxies keep the connection.

Refusals: 404 for a channel that is not public, 405 for anything but GET, 400 for a host
ALLOWED_HOSTS does not admit, 503 with Retry-After when the process already has
YIWANG_LIVE_MAX_VIEWERS viewers or is shutting down.
"""

import asyncio
import json
from urllib.parse import parse_qs

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.translation import gettext as _

from yiwang.core import live
from yiwang.core.live.hub import Full, start_hub

PREFIX = "/live/"
RETRY_MS = 2000

STREAM_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-store"),
    # nginx passes each event on at once instead of filling its buffer first.
    (b"x-accel-buffering", b"no"),
    (b"x-content-type-options", b"nosniff"),
]


async def _refuse(send, status: int, code: str, detail: str, headers=()) -> None:
    body = json.dumps({"status": status, "code": code, "detail": detail}, ensure_ascii=False)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"cache-control", b"no-store"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin1")
    return ""


def _host_allowed(scope) -> bool:
    domain, _port = split_domain_port(_header(scope, b"host"))
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


async def _until_disconnected(receive, viewer) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    viewer.close()


async def stream(scope, receive, send) -> None:
    channel = scope["path"][len(PREFIX) :]
    if scope["method"] != "GET":
        await _refuse(send, 405, "method_not_allowed", _("只能用 GET 读取实时更新。"))
        return
    if not _host_allowed(scope):
        await _refuse(send, 400, "bad_host", _("主机名不被接受。"))
        return
    if not live.is_public(channel):
        await _refuse(send, 404, "not_found", _("没有这个实时频道。"))
        return
    last_event_id = _header(scope, b"last-event-id")
    if not last_event_id:
        query = parse_qs(scope.get("query_string", b"").decode("latin1"))
        last_event_id = query.get("last_event_id", [""])[0]
    hub = await start_hub(wait=2)
    try:
        viewer, missed = hub.subscribe(channel, last_event_id[:64])
    except Full:
        await _refuse(
            send,
            503,
            "live_full",
            _("实时更新暂时繁忙，页面会自动重新连接。"),
            headers=[(b"retry-after", b"5")],
        )
        return
    watcher = asyncio.ensure_future(_until_disconnected(receive, viewer))
    try:
        await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
        first = f"retry: {RETRY_MS}\n\n".encode() + missed
        await send({"type": "http.response.body", "body": first, "more_body": True})
        while True:
            await viewer.wake.wait()
            data = viewer.take()
            if viewer.closed:
                break
            await send({"type": "http.response.body", "body": data, "more_body": True})
        if not watcher.done():  # the server ends it (shutdown, a viewer far behind)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
    except OSError:
        pass  # the client went away while we wrote
    finally:
        hub.unsubscribe(viewer)
        watcher.cancel()

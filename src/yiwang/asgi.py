"""The application `yiwang serve` runs (uvicorn): live update streams (`/live/…`) as async
server-sent events, and every other request by the same Django WSGI application as before, in
a fixed pool of threads (YIWANG_WEB_THREADS, `yiwang serve --threads`). Pages therefore run
exactly as under a WSGI server, one request per thread, while a stream costs no thread.

Why not Django's own ASGI handler for the pages: with Yiwang's middleware (most of it
sync-only) each request hops between the event loop and threads several times; measured in
the same runs, a bare view answered 0.3–0.6 times as many requests per second as under
waitress, the home page 0.74–0.98 times. In a thread pool both are on a par with waitress
(bench/halls/README.md).
"""

import os
import tempfile

from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.core.wsgi import get_wsgi_application

from yiwang.core.live import stream
from yiwang.core.live.hub import close_hub, start_hub

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")

CHUNK = 64 * 1024


class Application:
    def __init__(self, pages, *, body_limit: int):
        self.pages = pages
        self.body_limit = body_limit

    async def __call__(self, scope, receive, send):
        kind = scope["type"]
        if kind == "http":
            if scope["path"].startswith(stream.PREFIX):
                await stream.stream(scope, receive, send)
            elif _is_chunked(scope):
                await self._chunked(scope, receive, send)
            else:
                await self.pages(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1000})

    async def _lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # Subscribed to the backend before the first viewer connects.
                await start_hub()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                close_hub()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _chunked(self, scope, receive, send):
        """A body sent in chunks, without Content-Length: read up to the request limit (to a
        temporary file past 1 MB), then handed to Django with its length, as waitress did;
        over the limit, 413 (Django's own check, RequestInputMiddleware, reads the length)."""
        with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as body:
            size, more = 0, True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                more = message.get("more_body", False)
                if size > self.body_limit:
                    break
                body.write(chunk)
            headers = [(k, v) for k, v in scope["headers"] if k != b"transfer-encoding"]
            headers.append((b"content-length", str(size).encode()))
            body.seek(0)
            if size > self.body_limit:
                # Only the length reaches Django, which refuses it (413) without a body.
                body = None

            async def replay():
                if body is None:
                    return {"type": "http.request", "body": b"", "more_body": False}
                chunk = body.read(CHUNK)
                return {"type": "http.request", "body": chunk, "more_body": len(chunk) == CHUNK}

            await self.pages({**scope, "headers": headers}, replay, send)


def _is_chunked(scope) -> bool:
    headers = dict(scope["headers"])
    return b"content-length" not in headers and b"chunked" in headers.get(b"transfer-encoding", b"")


django_application = get_wsgi_application()
application = Application(
    WSGIMiddleware(django_application, workers=int(os.environ.get("YIWANG_WEB_THREADS", "8"))),
    body_limit=settings.YIWANG_REQUEST_MAX_BYTES,
)

"""One hub per web process: one subscription to the backend, and every viewer of every
channel in the process behind it. An event is parsed and framed once, then handed to each
viewer of its channel; no thread is spent on a viewer, only a small object and its task.

A hub keeps the last events of each channel that has viewers (and for a while after the last
one left), so a viewer that reconnects with `Last-Event-ID` gets what it missed. When it
cannot (the id is older than the history, the process restarted, the backend's connection
was lost for a while), it sends `event: reset` instead: the page fetches its state again.
"""

import asyncio
import json
import logging
import signal
import threading
import time
from collections import deque

logger = logging.getLogger(__name__)

RESET = b"event: reset\ndata: {}\n\n"
HEARTBEAT = b": keep-alive\n\n"


def frame(event_id: str, payload: dict) -> bytes:
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event_id}\ndata: {data}\n\n".encode()


class Full(Exception):
    """The process has as many viewers as it may take."""


class Viewer:
    """One open stream: the frames waiting to be written, and a flag to wake its task."""

    __slots__ = ("channel", "frames", "wake", "closed")
    # A viewer this far behind (a stalled phone) is dropped; it reconnects and resumes.
    MAX_WAITING = 64

    def __init__(self, channel: str):
        self.channel = channel
        self.frames: list[bytes] = []
        self.wake = asyncio.Event()
        self.closed = False

    def push(self, data: bytes) -> None:
        if len(self.frames) >= self.MAX_WAITING:
            self.close()
            return
        self.frames.append(data)
        self.wake.set()

    def close(self) -> None:
        self.closed = True
        self.wake.set()

    def take(self) -> bytes:
        data, self.frames = b"".join(self.frames), []
        self.wake.clear()
        return data


class Hub:
    HISTORY = 32  # events kept per followed channel
    KEEP_SECONDS = 120  # how long a channel's history outlives its last viewer

    def __init__(self, backend, *, max_viewers: int, heartbeat: float):
        self.backend = backend
        self.max_viewers = max_viewers
        self.heartbeat = heartbeat
        self.loop = asyncio.get_running_loop()
        self.channels: dict[str, set[Viewer]] = {}
        self.history: dict[str, deque[tuple[str, bytes]]] = {}
        self.idle_since: dict[str, float] = {}
        self.viewers = 0
        self.closing = False
        self.ready = asyncio.Event()
        self.tasks = [
            self.loop.create_task(self._listen()),
            self.loop.create_task(self._beat()),
        ]

    # --- viewers ------------------------------------------------------------------------
    def subscribe(self, channel: str, last_event_id: str = "") -> tuple[Viewer, bytes]:
        """A new viewer of the channel and what it missed since `last_event_id` (framed), or
        RESET when that cannot be told. Full when the process has no room."""
        if self.closing or self.viewers >= self.max_viewers:
            raise Full
        viewer = Viewer(channel)
        self.channels.setdefault(channel, set()).add(viewer)
        self.viewers += 1
        self.idle_since.pop(channel, None)
        history = self.history.setdefault(channel, deque(maxlen=self.HISTORY))
        missed = b""
        if last_event_id:
            ids = [event_id for event_id, _ in history]
            if last_event_id in ids:
                missed = b"".join(data for _, data in list(history)[ids.index(last_event_id) + 1 :])
            else:
                missed = RESET
        return viewer, missed

    def unsubscribe(self, viewer: Viewer) -> None:
        viewers = self.channels.get(viewer.channel)
        if viewers is None or viewer not in viewers:
            return
        viewers.discard(viewer)
        self.viewers -= 1
        if not viewers:
            del self.channels[viewer.channel]
            self.idle_since[viewer.channel] = time.monotonic()

    # --- events -------------------------------------------------------------------------
    def deliver(self, raw: bytes) -> None:
        try:
            event = json.loads(raw)
            channel, event_id, payload = event["c"], event["i"], event["d"]
        except (ValueError, KeyError, TypeError):
            logger.warning("live: an unreadable event was dropped")
            return
        history = self.history.get(channel)
        if history is None:
            return  # nobody here follows it
        data = frame(event_id, payload)
        history.append((event_id, data))
        for viewer in self.channels.get(channel, ()):
            viewer.push(data)

    def _ready(self, first: bool) -> None:
        self.ready.set()
        if not first:
            # Events may have been published while the backend was unreachable.
            for history in self.history.values():
                history.clear()
            self._push_all(RESET)

    def _push_all(self, data: bytes) -> None:
        for viewers in list(self.channels.values()):
            for viewer in list(viewers):
                viewer.push(data)

    async def _listen(self) -> None:
        while True:
            try:
                await self.backend.listen(self.deliver, self._ready)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - keep the process's viewers served
                logger.exception("live: the backend's listener stopped; restarting it")
                await asyncio.sleep(1)

    async def _beat(self) -> None:
        """Every `heartbeat` seconds a comment line to every viewer, so proxies keep the
        connection open; and the history of channels nobody follows any more is dropped."""
        while True:
            await asyncio.sleep(self.heartbeat)
            self._push_all(HEARTBEAT)
            now = time.monotonic()
            for channel, since in list(self.idle_since.items()):
                if now - since > self.KEEP_SECONDS:
                    del self.idle_since[channel]
                    self.history.pop(channel, None)

    # --- shutdown -----------------------------------------------------------------------
    def close(self) -> None:
        """Ends every stream now (the browsers reconnect, to another process or to this one
        restarted) and refuses new ones."""
        if self.closing:
            return
        self.closing = True
        for viewers in list(self.channels.values()):
            for viewer in list(viewers):
                viewer.close()
        for task in self.tasks:
            task.cancel()


_hub: Hub | None = None


def get_hub() -> Hub:
    """This process's hub, made on the first stream (inside the server's event loop)."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        from django.conf import settings

        from yiwang.core.live.backends import backend

        _hub = Hub(
            backend(),
            max_viewers=settings.YIWANG_LIVE_MAX_VIEWERS,
            heartbeat=settings.YIWANG_LIVE_HEARTBEAT_SECONDS,
        )
        _close_on_stop(_hub)
    return _hub


def _close_on_stop(hub: Hub) -> None:
    """When the server is told to stop (SIGTERM, Ctrl+C), the streams end at once, before the
    server waits for its open requests: a stream would never end by itself. The server's
    own handler (uvicorn's, which starts the graceful shutdown) is called after."""
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers; lifespan shutdown still closes

    for number in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(number)

        def stop(signum, frame, previous=previous):
            hub.loop.call_soon_threadsafe(hub.close)
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(signum, signal.SIG_DFL)
                signal.raise_signal(signum)

        signal.signal(number, stop)


async def start_hub(wait: float = 5) -> Hub:
    """The hub, once subscribed to the backend (or after `wait` seconds: a broker that is
    down does not keep the pages from being served; the hub keeps trying)."""
    hub = get_hub()
    try:
        await asyncio.wait_for(hub.ready.wait(), wait)
    except TimeoutError:
        logger.warning("live: the backend is not answering yet; live updates will follow")
    return hub


def close_hub() -> None:
    """Called by the server when it is asked to stop (from its loop's thread)."""
    if _hub is not None:
        _hub.close()

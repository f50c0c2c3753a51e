"""How a live event travels from the process that published it to every web process.

Each backend has a `send(event)` for publishers (sync: views, services, the worker) and a
`listen(deliver, ready)` coroutine that one task per web process runs (`hub.Hub`): it calls
`deliver(event)` for every event and `ready(first)` whenever it is (again) subscribed, so
the hub can tell its viewers to catch up after a lost connection.

- Redis pub/sub when REDIS_URL is set: one channel for all events.
- PostgreSQL LISTEN/NOTIFY on PostgreSQL without Redis: one NOTIFY channel; a payload of
  8000 bytes or more is refused by PostgreSQL, hence `live.MAX_EVENT_BYTES`.
- Otherwise (the SQLite demo) Unix sockets in a folder of the data directory: each web
  process listens on a socket of its own there, and a publisher (a page in any web process,
  the worker, a shell) writes the event to every socket it finds. Local to one machine, like
  SQLite itself.
"""

import asyncio
import hashlib
import logging
import os
import secrets
import socket
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

Deliver = Callable[[bytes], None]
Ready = Callable[[bool], None]

CHOICES = ("auto", "redis", "postgres", "local")


def _backoff(delay: float) -> float:
    return min(delay * 2, 10.0)


class LocalBackend:
    """Unix stream sockets in one folder, one per listening web process."""

    # AF_UNIX paths are limited to about 104 bytes (macOS) or 108 (Linux).
    MAX_PATH = 100

    def __init__(self, folder: Path):
        folder = Path(folder)
        if len(str(folder)) + 24 > self.MAX_PATH:
            digest = hashlib.sha256(str(folder).encode()).hexdigest()[:16]
            folder = Path(tempfile.gettempdir()) / f"yiwang-live-{digest}"
        self.folder = folder

    def _checked_folder(self, create: bool) -> bool:
        """Whoever can write a socket into the folder can write on every board: it must be
        ours and closed to others."""
        if create:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            info = self.folder.stat()
        except FileNotFoundError:
            return False
        if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
            raise ImproperlyConfigured(
                f"{self.folder} (live update sockets) must belong to this user and be closed "
                "to others (chmod 700)"
            )
        return True

    def send(self, event: bytes) -> None:
        if not self._checked_folder(create=False):
            return  # no web process has listened yet
        for path in self.folder.glob("*.sock"):
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                    connection.settimeout(2)
                    connection.connect(str(path))
                    connection.sendall(event + b"\n")
            except (ConnectionRefusedError, FileNotFoundError):
                path.unlink(missing_ok=True)  # its process ended without removing it
            except OSError:
                logger.warning("live event not delivered to %s", path.name, exc_info=True)

    async def listen(self, deliver: Deliver, ready: Ready) -> None:
        self._checked_folder(create=True)
        path = self.folder / f"{os.getpid()}-{secrets.token_hex(4)}.sock"

        async def receive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while line := await reader.readline():
                    deliver(line.rstrip(b"\n"))
            except (ValueError, ConnectionError):
                pass  # a line over the limit, a publisher gone: drop it
            finally:
                writer.close()

        server = await asyncio.start_unix_server(receive, path=str(path), limit=64 * 1024)
        os.chmod(path, 0o600)
        ready(True)
        try:
            await asyncio.Future()  # until cancelled
        finally:
            server.close()
            path.unlink(missing_ok=True)


class RedisBackend:
    def __init__(self, url: str, name: str = "yiwang:live"):
        self.url, self.name = url, name
        self._client = None

    def send(self, event: bytes) -> None:
        if self._client is None:
            import redis

            self._client = redis.Redis.from_url(self.url, socket_timeout=5)
        self._client.publish(self.name, event)

    async def listen(self, deliver: Deliver, ready: Ready) -> None:
        import redis.asyncio

        first, delay = True, 0.5
        while True:
            client = redis.asyncio.Redis.from_url(self.url, health_check_interval=15)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.name)
                ready(first)
                first, delay = False, 0.5
                while True:
                    message = await pubsub.get_message(timeout=20)
                    if message is None:
                        await pubsub.ping()  # a dead connection fails here, not forever
                    elif message["type"] == "message":
                        deliver(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - reconnect, whatever broke
                logger.warning("live: Redis subscription lost; reconnecting", exc_info=True)
                await asyncio.sleep(delay)
                delay = _backoff(delay)
            finally:
                await pubsub.aclose()
                await client.aclose()


class PostgresBackend:
    def __init__(self, alias: str = "default", name: str = "yiwang_live"):
        self.alias, self.name = alias, name

    def send(self, event: bytes) -> None:
        from django.db import connections

        with connections[self.alias].cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [self.name, event.decode()])

    def connection_params(self) -> dict:
        from django.db import connections

        params = connections[self.alias].get_connection_params()
        for django_only in ("cursor_factory", "context", "prepare_threshold", "pool"):
            params.pop(django_only, None)
        return params

    async def listen(self, deliver: Deliver, ready: Ready) -> None:
        import psycopg
        from psycopg import sql

        params = self.connection_params()
        first, delay = True, 0.5
        while True:
            try:
                connection = await psycopg.AsyncConnection.connect(**params, autocommit=True)
                async with connection:
                    await connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.name)))
                    ready(first)
                    first, delay = False, 0.5
                    while True:
                        async for notify in connection.notifies(timeout=20):
                            deliver(notify.payload.encode())
                        await connection.execute("SELECT 1")  # a dead connection fails here
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - reconnect, whatever broke
                logger.warning("live: PostgreSQL LISTEN lost; reconnecting", exc_info=True)
                await asyncio.sleep(delay)
                delay = _backoff(delay)


def choose() -> str:
    chosen = settings.YIWANG_LIVE_BACKEND
    if chosen != "auto":
        return chosen
    if settings.REDIS_URL:
        return "redis"
    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return "postgres"
    return "local"


_backends: dict[tuple, object] = {}


def backend():
    """The backend the settings choose (one object per configuration, per process)."""
    kind = choose()
    key = (kind, settings.REDIS_URL, str(settings.YIWANG_LIVE_DIR))
    if key not in _backends:
        if kind == "redis":
            if not settings.REDIS_URL:
                raise ImproperlyConfigured("YIWANG_LIVE_BACKEND=redis needs REDIS_URL")
            _backends[key] = RedisBackend(settings.REDIS_URL)
        elif kind == "postgres":
            _backends[key] = PostgresBackend()
        else:
            _backends[key] = LocalBackend(settings.YIWANG_LIVE_DIR)
    return _backends[key]

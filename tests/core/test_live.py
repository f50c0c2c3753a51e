"""Live updates (yiwang.core.live): events are announced only once their transaction
committed, reach a viewer of `/live/<channel>` through the real server (`yiwang serve`,
uvicorn) from another process, resume after a reconnection, and cross web processes through
PostgreSQL LISTEN/NOTIFY or Redis pub/sub."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import httpx
import pytest
from django.db import connection, connections, transaction

from yiwang.core import live
from yiwang.core.live import backends

TOKEN = "Vt3kq9mZ2xLwP7rB4nHs8c"  # 22 URL-safe characters, as secrets.token_urlsafe(16)


# --- publishing ------------------------------------------------------------------------
def test_an_event_is_sent_only_once_its_transaction_committed(transactional_db, published):
    with transaction.atomic():
        live.publish("hall:1", {"ticket": "A012", "window": "3"})
        assert published == []
    assert published == [("hall:1", {"ticket": "A012", "window": "3"})]


def _run(coroutine):
    """asyncio.run in a thread of its own: an earlier test in the same process (Playwright's
    sync API) may have left an event loop running in this one."""
    outcome = {}

    def run():
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def test_a_rolled_back_call_announces_nothing(transactional_db, published):
    with pytest.raises(RuntimeError), transaction.atomic():
        live.publish("hall:1", {"ticket": "A013"})
        raise RuntimeError("the call failed")
    live.publish("hall:1", {"ticket": "A014"})  # outside a transaction: at once
    assert published == [("hall:1", {"ticket": "A014"})]


def test_a_bad_channel_or_an_oversized_event_fails_in_the_publishers_code(db, published):
    with pytest.raises(ValueError, match="channel"):
        live.publish("hall 1", {})
    with pytest.raises(ValueError, match="7999 bytes"):
        live.publish("hall:1", {"text": "号" * 2700})  # 8100 bytes in UTF-8
    live.publish("hall:1", {"text": "号" * 2600})  # 7800: PostgreSQL takes it
    assert len(published) == 0  # the last one waits for the test's transaction


@pytest.mark.parametrize(
    ("channel", "public"),
    [
        ("hall:12", True),
        (f"ticket:{TOKEN}", True),
        ("ticket:A012", False),  # a guessable ticket number is not a token
        ("window:3", False),
        ("case:1", False),
        ("hall:../x", False),
    ],
)
def test_only_halls_and_ticket_tokens_are_public(channel, public):
    assert live.is_public(channel) is public


# --- the server -------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(data_dir, **env_extra):
    """`yiwang serve` (uvicorn) on SQLite in its own data folder; the local backend's sockets
    live there."""
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL"}
        and not k.startswith("YIWANG_")
    }
    env.update(YIWANG_DATA_DIR=str(data_dir), **env_extra)
    log = open(data_dir / "server.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "yiwang.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, (data_dir / "server.log").read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError((data_dir / "server.log").read_text())


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("live")
    process, url = _serve(data_dir, YIWANG_LIVE_HEARTBEAT_SECONDS="0.3")
    yield {"url": url, "live_dir": data_dir / "live", "process": process}
    _stop(process)


@pytest.fixture
def announce(server, settings):
    """Publishes through `live.publish`, as a view of another process would, to the server's
    web process (the local backend, over its Unix socket)."""
    settings.YIWANG_LIVE_BACKEND = "local"
    settings.YIWANG_LIVE_DIR = server["live_dir"]

    def announce(channel, payload):
        live._send(live.encode(channel, payload))

    return announce


def _events(response, count, *, comments=False):
    """The next `count` events of a stream: dicts of their fields (and comment lines)."""
    events, fields = [], {}
    deadline = time.monotonic() + 10  # heartbeats would keep a silent stream open forever
    for line in response.iter_lines():
        assert time.monotonic() < deadline, f"only {events} in 10 seconds"
        if line.startswith(":"):
            if comments:
                events.append({"comment": line[1:].strip()})
        elif line:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        elif fields:
            events.append(fields)
            fields = {}
        if len(events) == count:
            return events
    raise AssertionError(f"the stream ended after {events}")


def _follow(server, channel, **headers):
    return httpx.stream(
        "GET", f"{server['url']}/live/{channel}", headers=headers, timeout=httpx.Timeout(10)
    )


def test_a_board_hears_a_call_published_by_another_process(server, announce):
    with _follow(server, "hall:7") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-accel-buffering"] == "no"
        assert "no-store" in response.headers["cache-control"]
        announce("hall:7", {"ticket": "A012", "window": "3"})
        retry, event = _events(response, 2)
    assert retry == {"retry": "2000"}
    assert json.loads(event["data"]) == {"ticket": "A012", "window": "3"}
    assert event["id"]


def test_a_board_does_not_hear_another_halls_calls(server, announce):
    with _follow(server, "hall:8") as response:
        announce("hall:9", {"ticket": "B001"})
        announce("hall:8", {"ticket": "A001"})
        _retry, event = _events(response, 2)
    assert json.loads(event["data"]) == {"ticket": "A001"}


def test_a_phone_that_reconnects_gets_what_it_missed(server, announce):
    channel = f"ticket:{TOKEN}"
    with _follow(server, channel) as response:
        announce(channel, {"ahead": 3})
        _retry, first = _events(response, 2)
    announce(channel, {"ahead": 2})
    announce(channel, {"ahead": 1})
    time.sleep(0.3)  # both reach the server while the phone is away
    with _follow(server, channel, **{"Last-Event-ID": first["id"]}) as response:
        _retry, *missed = _events(response, 3)
    assert [json.loads(e["data"]) for e in missed] == [{"ahead": 2}, {"ahead": 1}]


def test_a_viewer_the_server_cannot_catch_up_is_told_to_reload(server, announce):
    with _follow(server, "hall:10", **{"Last-Event-ID": "0-unknown"}) as response:
        _retry, reset = _events(response, 2)
    assert reset["event"] == "reset"


def test_an_idle_stream_gets_heartbeats(server):
    with _follow(server, "hall:11") as response:
        _retry, beat = _events(response, 2, comments=True)
    assert beat == {"comment": "keep-alive"}


@pytest.mark.parametrize("channel", ["case:1", "ticket:A012", "window:3"])
def test_channels_that_are_not_public_are_not_found(server, channel):
    response = httpx.get(f"{server['url']}/live/{channel}", timeout=10)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_full_process_answers_503_and_sigterm_ends_open_streams(tmp_path, settings):
    process, url = _serve(tmp_path, YIWANG_LIVE_MAX_VIEWERS="1")
    try:
        with httpx.stream("GET", f"{url}/live/hall:1", timeout=10) as first:
            assert first.status_code == 200
            refused = httpx.get(f"{url}/live/hall:1", timeout=10)
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "5"
            assert refused.json()["code"] == "live_full"
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            assert list(first.iter_lines())[-1:] == [""]  # the stream ends, not cut
        # uvicorn ends by raising the signal it was stopped with again, after shutting down.
        assert process.wait(timeout=10) in {0, -signal.SIGTERM}
        assert time.monotonic() - started < 5
        assert not list((tmp_path / "live").glob("*.sock"))
    finally:
        _stop(process)


# --- the chunked-body guard in front of the pages ----------------------------------------
def _through_application(chunks, limit):
    from yiwang.asgi import Application

    seen = {}

    async def pages(scope, receive, send):
        seen["headers"] = dict(scope["headers"])
        body, more = b"", True
        while more:
            message = await receive()
            body += message["body"]
            more = message["more_body"]
        seen["body"] = body

    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]

    async def receive():
        return messages.pop(0)

    scope = {
        "type": "http",
        "path": "/api/v1/auth/token",
        "headers": [(b"transfer-encoding", b"chunked"), (b"host", b"127.0.0.1")],
    }
    _run(Application(pages, body_limit=limit)(scope, receive, None))
    return seen


def test_a_chunked_body_reaches_django_with_its_length():
    seen = _through_application([b"a" * 70000, b"b" * 10], limit=100000)
    assert seen["headers"][b"content-length"] == b"70010"
    assert b"transfer-encoding" not in seen["headers"]
    assert seen["body"] == b"a" * 70000 + b"b" * 10


def test_a_chunked_body_over_the_limit_is_not_read_into_django():
    seen = _through_application([b"a" * 600, b"b" * 600], limit=1000)
    assert int(seen["headers"][b"content-length"]) > 1000  # Django answers 413 from this
    assert seen["body"] == b""


# --- fan-out across processes ----------------------------------------------------------
async def _fan_out(make_backend, publish):
    """Two listeners (two web processes' connections) hear one event published."""
    heard = [[], []]
    ready = [asyncio.Event(), asyncio.Event()]
    tasks = [
        asyncio.ensure_future(
            make_backend().listen(heard[n].append, lambda first, n=n: ready[n].set())
        )
        for n in range(2)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 10)
        await asyncio.to_thread(publish)
        deadline = time.monotonic() + 5
        while not all(heard) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return [[json.loads(event) for event in h] for h in heard]


@pytest.mark.skipif(not connection.vendor == "postgresql", reason="LISTEN/NOTIFY needs PostgreSQL")
def test_postgresql_notify_reaches_every_listening_connection(db, settings):
    settings.YIWANG_LIVE_BACKEND = "postgres"
    name = f"yiwang_live_test_{uuid.uuid4().hex[:8]}"

    def publish():  # a view in another thread, outside a transaction: sent at once
        try:
            backends.PostgresBackend(name=name).send(live.encode("hall:1", {"ticket": "A1"}))
        finally:
            connections.close_all()

    heard = _run(_fan_out(lambda: backends.PostgresBackend(name=name), publish))
    assert [[(e["c"], e["d"]) for e in h] for h in heard] == [[("hall:1", {"ticket": "A1"})]] * 2


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis at 127.0.0.1:6379")
def test_redis_pubsub_reaches_every_listening_connection():
    name = f"yiwang:live:test:{uuid.uuid4().hex[:8]}"
    url = "redis://127.0.0.1:6379/0"

    def publish():
        backends.RedisBackend(url, name=name).send(live.encode("hall:2", {"ticket": "B2"}))

    heard = _run(_fan_out(lambda: backends.RedisBackend(url, name=name), publish))
    assert [[(e["c"], e["d"]) for e in h] for h in heard] == [[("hall:2", {"ticket": "B2"})]] * 2


def test_the_backend_follows_the_settings(settings):
    settings.YIWANG_LIVE_BACKEND = "auto"
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert isinstance(backends.backend(), backends.RedisBackend)
    settings.REDIS_URL = None
    expected = (
        backends.PostgresBackend if connection.vendor == "postgresql" else backends.LocalBackend
    )
    assert isinstance(backends.backend(), expected)


@pytest.fixture
def short_dir():
    """A folder whose sockets' paths fit AF_UNIX's limit (pytest's own can be too long, and
    the backend then moves to a folder of its own)."""
    import shutil
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="yl-"))
    yield folder
    shutil.rmtree(folder)


def test_a_live_socket_folder_open_to_others_is_refused(short_dir):
    folder = short_dir / "live"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    with pytest.raises(Exception, match="chmod 700"):
        backends.LocalBackend(folder).send(b"{}")


def test_publishing_with_no_web_process_listening_is_harmless(short_dir):
    backends.LocalBackend(short_dir / "nobody").send(live.encode("hall:1", {}))
    stale = short_dir / "stale"
    stale.mkdir(mode=0o700)
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(stale / "1-dead.sock"))  # a process that ended without cleaning up
    backend = backends.LocalBackend(stale)
    assert backend.folder == stale
    backend.send(live.encode("hall:1", {}))
    assert not list(stale.glob("*.sock"))


def test_threads_are_not_spent_on_viewers(server):
    """Twenty open streams, and the server process has no more threads than before."""

    def threads():
        return len(os.listdir(f"/proc/{server['process'].pid}/task"))

    before = threads()
    streams = [_follow(server, "hall:20") for _ in range(20)]
    responses = [s.__enter__() for s in streams]
    try:
        assert all(r.status_code == 200 for r in responses)
        assert threads() <= before
    finally:
        for s in streams:
            s.__exit__(None, None, None)

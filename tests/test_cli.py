import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

YIWANG = shutil.which("yiwang") or os.path.join(os.path.dirname(sys.executable), "yiwang")
needs_command = pytest.mark.skipif(
    not os.path.exists(YIWANG), reason="the yiwang command is not installed"
)


def _env(data_dir):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "YIWANG_SITE_URL"}
    }
    env["YIWANG_DATA_DIR"] = str(data_dir)
    return env


def run(args, data_dir):
    return subprocess.run(
        [YIWANG, *args],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """One demo district for this module's tests (preparing it takes most of a minute)."""
    data_dir = tmp_path_factory.mktemp("demo")
    return data_dir, run(["demo", "--no-serve", "--port", "8123"], data_dir)


@needs_command
def test_demo_prepares_sqlite_twice_and_prints_where_to_go(prepared):
    tmp_path, first = prepared
    assert first.returncode == 0, first.stderr
    assert "http://127.0.0.1:8123/" in first.stdout
    assert "citizen" in first.stdout and "yiwang-demo" in first.stdout
    assert (tmp_path / "yiwang.sqlite3").exists()
    assert "demo history:" in first.stdout

    second = run(["demo", "--no-serve"], tmp_path)
    assert second.returncode == 0, second.stderr
    assert "demo history: already there" in second.stdout

    # The demo signed the audit chain with a dev key made under the data folder.
    assert "Audit checkpoint signed at event #" in first.stdout
    assert list((tmp_path / "audit-keys").glob("a*.key"))
    verify = run(["audit", "verify"], tmp_path)
    assert verify.returncode == 0 and "chain intact" in verify.stdout
    assert "Checkpoints:" in verify.stdout and "0 do not, 0 are not genuine" in verify.stdout


@needs_command
def test_demo_links_point_at_the_port_it_was_given(prepared):
    """SMS and e-mail progress links and rating links the demo wrote lead to its own port."""
    tmp_path, first = prepared
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(tmp_path / "yiwang.sqlite3") as db:
        bodies = [body for (body,) in db.execute("select body from notify_message")]
    linked = [b for b in bodies if "http://" in b]
    assert linked, "the demo's past sends messages with links"
    assert all("http://127.0.0.1:8123/" in b for b in linked)
    assert not any("127.0.0.1:8000" in b for b in bodies)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    """Running (a zombie is not: it ran to its end and waits to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _serve_demo(data_dir, tmp_path, *, ignore_sigint=False):
    """`yiwang demo` on a free port, in a session of its own; returns the process and the
    worker's pid once both serve. With ignore_sigint, as a shell starts `yiwang demo &`."""
    port = _free_port()
    out = tmp_path / "demo.out"

    def start():
        if ignore_sigint:
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    with open(out, "w") as stdout:
        demo = subprocess.Popen(  # noqa: S603
            [YIWANG, "demo", "--port", str(port)],
            env=_env(data_dir),
            stdout=stdout,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=start,  # noqa: PLW1509 - a fresh child, no threads yet
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = out.read_text()
        if "Worker started (pid " in text:
            worker = int(text.split("Worker started (pid ", 1)[1].split(")", 1)[0])
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return demo, worker, out
            except OSError:
                pass
        assert demo.poll() is None, text
        time.sleep(0.3)
    demo.kill()
    raise AssertionError(out.read_text())


def _stopped(demo, worker, out):
    try:
        demo.wait(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
    deadline = time.monotonic() + 5
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = _alive(worker)
    if alive:
        os.kill(worker, signal.SIGKILL)
    assert not alive, "the worker outlived the demo:\n" + out.read_text()
    assert "Demo stopped" in out.read_text()


@needs_command
def test_sigterm_stops_the_demo_and_its_worker(prepared, tmp_path):
    demo, worker, out = _serve_demo(prepared[0], tmp_path)
    demo.send_signal(signal.SIGTERM)
    _stopped(demo, worker, out)


@needs_command
def test_sigint_stops_a_demo_started_in_the_background(prepared, tmp_path):
    demo, worker, out = _serve_demo(prepared[0], tmp_path, ignore_sigint=True)
    demo.send_signal(signal.SIGINT)
    _stopped(demo, worker, out)


def test_help_lists_the_commands():
    from yiwang.cli import USAGE

    assert all(word in USAGE for word in ["demo", "serve", "worker", "audit verify"])

"""What every HTTP benchmark here shares: a free loopback port, `yiwang serve` started on it
with the baselines (YIWANG_BENCH=1), and a load of keep-alive clients in threads that ask a
list of paths once each and time every answer."""

import http.client
import os
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workdir: str) -> subprocess.Popen:
    """`yiwang serve` (uvicorn, 8 page threads) on the port, once it answers the bare view."""
    env = {**os.environ, "YIWANG_BENCH": "1", "YIWANG_DATA_DIR": workdir}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "yiwang"), "serve", "--port", str(port), "--threads", "8"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/_bench/bare")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def timed(items, threads: int, connect, job) -> tuple[float, list[float]]:
    """`job(client, item)` for every item, shared out over `threads` threads, each with its
    own `connect()` client (a new one after an error): (seconds elapsed, seconds per job).
    Any error stops the benchmark: a figure over errors would measure the errors."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    todo = iter(items)

    def worker():
        client, mine = connect(), []
        while True:
            with lock:
                item = next(todo, None)
            if item is None:
                break
            started = time.perf_counter()
            try:
                job(client, item)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(str(error))
                client = connect()
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} errors, e.g. {errors[:3]}")
    return elapsed, latencies


def get_all(
    port: int,
    paths: list[str],
    threads: int,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> tuple[float, list[float]]:
    """GET every path once over `threads` keep-alive connections (see `timed`)."""

    def connect():
        return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def get(connection, path):
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path[:80]} → {response.status} {body[:200]!r}")

    return timed(paths, threads, connect, get)


def figures(seconds: float, latencies: list[float]) -> dict:
    """Requests per second, and the median and 95th percentile latency in ms."""
    quantiles = statistics.quantiles(latencies * 2 if len(latencies) == 1 else latencies, n=100)
    return {
        "rps": len(latencies) / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p95": quantiles[94] * 1000,
    }


def measure(port: int, paths: list[str], threads: int, **client) -> dict:
    """get_all's figures; `client` takes get_all's headers and timeout."""
    return figures(*get_all(port, paths, threads, **client))


def line(figures: dict) -> str:
    return f"rps={figures['rps']:.0f} p50={figures['p50']:.1f}ms p95={figures['p95']:.1f}ms"

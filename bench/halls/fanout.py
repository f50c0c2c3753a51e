"""Board fan-out: from a call to the event arriving at every connected viewer.

Starts `yiwang serve --workers 2` (the way production runs it: two web processes sharing the
port, uvicorn), connects VIEWERS server-sent-event streams to `/live/hall:bench`, and
publishes EVENTS events from a separate process through `yiwang.core.live.publish`, one every
INTERVAL seconds. Each event carries the time it was published; each viewer notes when it
arrived. Printed per backend: p50/p95/max arrival latency, errors (viewers refused or cut,
events missing), the server processes' RSS per connected viewer and their thread count
before and after (no thread per viewer), and in the same run the baselines: one viewer, and
the bare view's latency on the same server.

    PYTHONPATH=src .venv/bin/python -m bench.halls.fanout [--viewers 500] [--events 50]
        [--interval 0.1] [--backend local|redis|postgres|all]

`all` (the default) measures every backend it can reach: local (Unix sockets, the SQLite
demo's), redis at 127.0.0.1:6379, postgres when DATABASE_URL is set.
"""

import argparse
import asyncio
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHANNEL = "hall:bench"

PUBLISHER = """
import time, sys, django
django.setup()
from yiwang.core import live
events, interval = int(sys.argv[1]), float(sys.argv[2])
time.sleep(0.5)
for seq in range(events):
    live.publish(sys.argv[3], {"seq": seq, "t": time.time()})
    time.sleep(interval)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            if ppid == pid:
                found.append(int(entry))
    return found


def status(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def sockets(pid: int) -> int:
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return count


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class Server:
    def __init__(self, env: dict, workers: int):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "yiwang.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/api/v1/_bench/bare")
                if connection.getresponse().status == 200 and len(self.workers()) == workers:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit("the server did not start")

    def workers(self) -> list[int]:
        """The web processes (multiprocessing's resource tracker is a child too)."""
        found = []
        for pid in children(self.process.pid):
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if b"resource_tracker" not in cmdline.read():
                    found.append(pid)
        return found

    def rss_kb(self) -> int:
        return sum(status(pid, "VmRSS") for pid in [self.process.pid, *self.workers()])

    def threads(self) -> int:
        return sum(status(pid, "Threads") for pid in self.workers())

    def sockets(self) -> list[int]:
        return [sockets(pid) for pid in self.workers()]

    def bare_latency_ms(self, count=200) -> tuple[float, float]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        times = []
        for _ in range(count):
            started = time.perf_counter()
            connection.request("GET", "/api/v1/_bench/bare")
            connection.getresponse().read()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times), percentile(times, 95)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Viewer:
    def __init__(self):
        self.latencies: list[float] = []
        self.error = ""
        self.writer = None

    async def connect(self, port: int) -> None:
        try:
            reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
            self.writer.write(
                f"GET /live/{CHANNEL} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Accept: text/event-stream\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            if b" 200 " not in head.split(b"\r\n", 1)[0]:
                self.error = head.split(b"\r\n", 1)[0].decode()
                return
            self.reader = reader
        except OSError as error:
            self.error = str(error)

    async def listen(self, events: int) -> None:
        buffer = b""
        try:
            while len(self.latencies) < events:
                chunk = await self.reader.read(65536)
                if not chunk:
                    self.error = "stream ended"
                    return
                now = time.time()
                buffer += chunk
                *frames, buffer = buffer.split(b"\n\n")
                for frame in frames:
                    for line in frame.split(b"\n"):
                        if line.startswith(b"data: ") and b'"t"' in line:
                            # Chunked transfer-encoding: a frame is one chunk, its data line
                            # whole; the size lines before it are skipped by the test above.
                            self.latencies.append(now - json.loads(line[6:])["t"])
        except (OSError, ValueError) as error:
            self.error = str(error)

    def close(self):
        if self.writer is not None:
            self.writer.close()


async def measure(server: Server, env: dict, viewers: int, events: int, interval: float):
    people = [Viewer() for _ in range(viewers)]
    gate = asyncio.Semaphore(100)

    async def connect(viewer):
        async with gate:
            await viewer.connect(server.port)

    await asyncio.gather(*(connect(v) for v in people))
    await asyncio.sleep(0.5)
    connected = [v for v in people if not v.error]
    rss, threads, open_sockets = server.rss_kb(), server.threads(), server.sockets()
    publisher = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PUBLISHER, str(events), str(interval), CHANNEL, env=env
    )
    try:
        await asyncio.wait_for(
            asyncio.gather(*(v.listen(events) for v in connected)),
            timeout=events * interval + 15,
        )
    except TimeoutError:
        pass
    await publisher.wait()
    for viewer in people:
        viewer.close()
    latencies = [ms * 1000 for v in connected for ms in v.latencies]
    missing = sum(events - len(v.latencies) for v in connected)
    return {
        "viewers": viewers,
        "connected": len(connected),
        "refused": [v.error for v in people if v.error][:3],
        "missing": missing,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": percentile(latencies, 95) if latencies else float("nan"),
        "max": max(latencies) if latencies else float("nan"),
        "rss_kb": rss,
        "threads": threads,
        "sockets": open_sockets,
    }


def run_backend(name: str, args) -> dict:
    folder = tempfile.mkdtemp(prefix="yiwang-bench-live-")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        DJANGO_SETTINGS_MODULE="yiwang.settings",
        YIWANG_DATA_DIR=folder,
        YIWANG_BENCH="1",
        YIWANG_LIVE_BACKEND=name,
        YIWANG_LIVE_MAX_VIEWERS=str(args.viewers * 2),
    )
    if name == "redis":
        env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    else:
        env.pop("REDIS_URL", None)
    if name != "postgres":
        env.pop("DATABASE_URL", None)
    server = Server(env, args.workers)
    try:
        bare = server.bare_latency_ms()
        one = asyncio.run(measure(server, env, 1, args.events, args.interval))
        idle_rss, idle_threads, idle_sockets = one["rss_kb"], one["threads"], one["sockets"]
        many = asyncio.run(measure(server, env, args.viewers, args.events, args.interval))
    finally:
        server.stop()
    many["per_viewer_kb"] = (many["rss_kb"] - idle_rss) / max(1, many["connected"] - 1)
    many["idle_threads"] = idle_threads
    many["per_process"] = [
        after - before for after, before in zip(many["sockets"], idle_sockets, strict=False)
    ]
    return {"backend": name, "bare": bare, "one": one, "many": many}


def reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backend", default="all", choices=["all", "local", "redis", "postgres"])
    args = parser.parse_args()
    if args.backend == "all":
        names = ["local"]
        names += ["redis"] if reachable(6379) else []
        names += ["postgres"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else []
    else:
        names = [args.backend]
    print(
        f"{args.viewers} viewers of one hall over {args.workers} web processes (yiwang serve), "
        f"{args.events} events, one every {args.interval * 1000:.0f} ms, published from "
        "another process through yiwang.core.live.publish"
    )
    results = []
    for name in names:
        result = run_backend(name, args)
        results.append(result)
        one, many = result["one"], result["many"]
        print(f"\n[{name}]")
        print(
            f"  bare view on the same server: p50 {result['bare'][0]:.1f} ms, "
            f"p95 {result['bare'][1]:.1f} ms"
        )
        print(
            f"  1 viewer:    p50 {one['p50']:.1f} ms  p95 {one['p95']:.1f} ms  "
            f"max {one['max']:.1f} ms  missing {one['missing']}"
        )
        print(
            f"  {many['viewers']} viewers: p50 {many['p50']:.1f} ms  p95 {many['p95']:.1f} ms  "
            f"max {many['max']:.1f} ms  connected {many['connected']}/{many['viewers']}  "
            f"events missing {many['missing']}  refused {many['refused'] or 0}"
        )
        print(
            f"  p95 ratio {many['viewers']} viewers / 1 viewer: {many['p95'] / one['p95']:.1f}×"
            f"   target p95 < 1000 ms: {'met' if many['p95'] < 1000 else 'NOT met'}"
        )
        print(
            f"  memory: {many['per_viewer_kb']:.1f} KB RSS per connected viewer "
            f"(server processes {one['rss_kb'] / 1024:.0f} → {many['rss_kb'] / 1024:.0f} MB); "
            f"threads {many['idle_threads']} → {many['threads']}; "
            f"viewers per process {many['per_process']}"
        )
    errors = sum(
        r["many"]["missing"] + r["many"]["viewers"] - r["many"]["connected"] for r in results
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

"""How far submissions and approval steps scale with concurrent clients and web processes, on
PostgreSQL (issue 19: the audit log used to serialise every state change on one row).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/concurrency.py [--seconds 4] [--src other/src]

A database `yiwang_bench_cc` is created next to DATABASE_URL's (dropped at the end),
migrated, the demo catalogue and accounts loaded, 64 citizens given API tokens and
`yiwang seed-cases` run so that many cases wait under review with an approval task open.
Then for each number of web processes (1, 2, 4: `yiwang serve`, uvicorn with 8 page threads,
each on its own loopback port, plus one `yiwang worker` for the periodic jobs) and each
number of client threads (1, 4, 8, 16, spread round-robin over the processes' ports), two
cells of `--seconds` each:

- submission: the five requests an app sends (bench/cases/submit.py): create a draft with
  its form, upload three small PDFs, submit with an Idempotency-Key;
- approval step: `POST /api/v1/tasks/{id}/complete` (approve) of a seeded open task by a
  holder of its role, each task once.

Per cell: operations per second, p50/p95 latency of one operation, errors (any non-2xx or
broken connection), deadlocks (PostgreSQL's own count, pg_stat_database.deadlocks, SQLSTATE
40P01) and serialization failures (SQLSTATE 40001, counted in the servers' logs). Last, the
target line: with 8 client threads and 2 web processes each workload reaches ≥ 1.6× its
throughput with 1 client thread on the same 2 processes.

`--src` runs the servers, the worker and the set-up from another checkout's src/ (to measure
a commit before a change with this same script).
"""

import argparse
import contextlib
import http.client
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = (1, 2, 4)
THREADS = (1, 4, 8, 16)
TARGET = (8, 2, 1.6)  # client threads, web processes, times the single-thread throughput


def _paths(src: Path) -> None:
    """The bench package from here, yiwang from `src` (ahead of anything else)."""
    sys.path[:] = [p for p in sys.path if Path(p).resolve() != (ROOT / "src").resolve()]
    sys.path[:0] = [str(src), str(ROOT)]


# --- set-up (in this process, not timed) ---------------------------------------------------


def set_up(workdir: str, seed: int) -> tuple[list[str], list[str], list[tuple[int, str]]]:
    """Items, citizens' tokens, and (task id, token of a holder of its role) to complete."""
    from bench.cases import submit

    os.environ["YIWANG_DATA_DIR"] = workdir
    os.environ["DJANGO_SETTINGS_MODULE"] = "yiwang.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from yiwang.demo.loader import load_demo

    call_command("migrate", verbosity=0)
    load_demo()  # the catalogue, and the accounts: approvers and chiefs of every department
    items, tokens = submit.small_items(), submit.token_pool(64)
    submit.FORMS.update(submit.sample_forms(items))
    call_command("seed_cases", seed, "--seed", "1", "--days", "20", stdout=io.StringIO())
    return items, tokens, open_tasks()


def open_tasks() -> list[tuple[int, str]]:
    from django.db import connection

    from yiwang.identity.services import issue_api_token
    from yiwang.journey.workflow.models import ApprovalTask, TaskStatus
    from yiwang.journey.workflow.services import holders

    tokens: dict[tuple[str, str], str | None] = {}
    work = []
    tasks = ApprovalTask.objects.filter(
        status=TaskStatus.PENDING, case__status="in_review"
    ).order_by("pk")
    for task_id, role, org_path in tasks.values_list("pk", "role", "org_path"):
        key = (role, org_path)
        if key not in tokens:
            people = holders(role, org_path)
            tokens[key] = issue_api_token(people[0]) if people else None
        if tokens[key]:
            work.append((task_id, tokens[key]))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return work


# --- servers -------------------------------------------------------------------------------


class Servers:
    """`processes` web servers and one worker, all from `src`, logs kept for counting."""

    def __init__(self, src: Path, workdir: str, processes: int):
        from bench import _load as load

        self.env = {
            **os.environ,
            "YIWANG_BENCH": "1",
            "YIWANG_DATA_DIR": workdir,
            "PYTHONPATH": str(src),
            "DJANGO_SETTINGS_MODULE": "yiwang.settings",
        }
        self.logs = []
        self.procs = []
        self.ports = []
        for n in range(processes):
            port = load.free_port()
            self.ports.append(port)
            self.procs.append(self._start(["serve", "--port", str(port), "--threads", "8"], n))
        self.procs.append(self._start(["worker"], "worker"))
        for port in self.ports:
            self._wait(port)

    def _start(self, args, name):
        log = Path(self.env["YIWANG_DATA_DIR"]) / f"server-{name}-{uuid.uuid4().hex[:6]}.log"
        self.logs.append(log)
        return subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "yiwang.cli", *args],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )

    @staticmethod
    def _wait(port):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/api/v1/_bench/bare")
                if connection.getresponse().status == 200:
                    return
            time.sleep(0.3)
        raise SystemExit(f"the server on port {port} did not start")

    def log_text(self) -> str:
        return "".join(log.read_text(errors="replace") for log in self.logs)

    def stop(self):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


# --- clients -------------------------------------------------------------------------------


class Failed(Exception):
    pass


class Client:
    """One keep-alive connection to one server, speaking JSON with a token."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method, path, token, body=b"", content_type="application/json", **headers):
        headers = {"Content-Type": content_type, "Authorization": f"Token {token}", **headers}
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status >= 400:
            raise Failed(f"{method} {path} → {response.status} {data[:200]!r}")
        return json.loads(data) if data else None


def submission(client: Client, token: str, item: str) -> None:
    from bench.cases import submit

    body = json.dumps({"item": item, "form": submit.FORMS[item]}, ensure_ascii=False).encode()
    case = client.call("POST", "/api/v1/cases", token, body)
    materials = [m for m in case["materials"] if m["state"] != "from_form"]
    for n in range(submit.UPLOADS if materials else 0):
        material = materials[n % len(materials)]
        url = f"/api/v1/cases/{case['id']}/materials/{material['id']}/files"
        client.call("POST", url, token, *unique_pdf(n))
    done = client.call(
        "POST", f"/api/v1/cases/{case['id']}/submit", token, **{"Idempotency-Key": uuid.uuid4().hex}
    )
    if not done.get("number"):
        raise Failed(f"submitted without a number: {done}")


def unique_pdf(n: int) -> tuple[bytes, str]:
    """bench/cases/submit.py's small PDF, unique (the same file twice in one case is
    refused as a duplicate, and so it would be across concurrent runs)."""
    from bench.cases import submit

    return submit.pdf_upload(n)


def approval_step(client: Client, task: tuple[int, str]) -> None:
    task_id, token = task
    body = json.dumps({"decision": "approve", "opinion": "同意"}).encode()
    client.call("POST", f"/api/v1/tasks/{task_id}/complete", token, body)


def run_cell(ports, threads: int, seconds: float, next_job, job) -> dict:
    """`threads` clients (round-robin over `ports`) each do `job(client, next_job())` until
    `seconds` have passed or next_job() gives None."""
    latencies, errors, lock = [], [], threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(n):
        client, mine = Client(ports[n % len(ports)]), []
        while time.perf_counter() < stop_at:
            with lock:
                work = next_job()
            if work is None:
                break
            started = time.perf_counter()
            try:
                job(client, work)
                mine.append(time.perf_counter() - started)
            except Exception as error:  # noqa: BLE001 - counted and shown
                with lock:
                    errors.append(str(error))
                client = Client(client.port)
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return {
        "ops": len(latencies) / elapsed,
        "done": len(latencies),
        "p50": statistics.median(ordered) * 1000,
        "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000,
        "errors": errors,
    }


def deadlocks(admin_url: str, name: str) -> int:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = %s", [name]
        ).fetchone()
    return row[0] if row else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="length of one cell")
    parser.add_argument("--seed", type=int, default=4000, help="cases seeded for the tasks")
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--database", default="yiwang_bench_cc")
    args = parser.parse_args()
    src = args.src.resolve()
    _paths(src)

    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database")
    from bench.cases.submit import create_database, drop_database

    _paths(src)  # bench.cases.submit put this checkout's src first again
    workdir = tempfile.mkdtemp(prefix="yiwang-bench-cc-")
    os.environ["DATABASE_URL"] = create_database(admin_url, args.database)
    servers = None
    try:
        started = time.perf_counter()
        items, tokens, tasks = set_up(workdir, args.seed)
        import yiwang

        print(
            f"yiwang from {Path(yiwang.__file__).parent}; database {args.database}: demo, "
            f"{len(items)} items, {len(tokens)} citizens, {len(tasks)} open tasks "
            f"({time.perf_counter() - started:.0f}s)"
        )
        from django.db import connections

        connections.close_all()
        task_queue = iter(tasks)
        counter = iter(range(10**9))

        def next_submission():
            n = next(counter)
            return tokens[n % len(tokens)], items[(n * 7919) % len(items)]

        def next_task():
            return next(task_queue, None)

        def submit_job(client, work):
            submission(client, *work)

        results = {}
        print(
            f"{'workload':<14}{'procs':>5}{'threads':>8}{'ops/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
            f"{'done':>6}{'errors':>7}{'deadlocks':>10}{'serializ.':>10}"
        )
        for processes in PROCESSES:
            servers = Servers(src, workdir, processes)
            time.sleep(3)  # the worker's first round of periodic jobs
            run_cell(servers.ports, 2 * processes, 1.5, next_submission, submit_job)  # warm up
            for workload, next_job, job in (
                ("submission", next_submission, submit_job),
                ("approval step", next_task, approval_step),
            ):
                for threads in THREADS:
                    before = deadlocks(admin_url, args.database)
                    log_before = len(servers.log_text())
                    cell = run_cell(servers.ports, threads, args.seconds, next_job, job)
                    time.sleep(0.6)  # PostgreSQL publishes its counters within a second
                    cell["deadlocks"] = deadlocks(admin_url, args.database) - before
                    log = servers.log_text()[log_before:]
                    cell["serialization"] = len(re.findall(r"could not serialize access", log))
                    cell["deadlocks_logged"] = len(re.findall(r"deadlock detected", log))
                    results[(workload, processes, threads)] = cell
                    print(
                        f"{workload:<14}{processes:>5}{threads:>8}{cell['ops']:>8.1f}"
                        f"{cell['p50']:>9.0f}{cell['p95']:>9.0f}{cell['done']:>6}"
                        f"{len(cell['errors']):>7}{cell['deadlocks']:>10}"
                        f"{cell['serialization']:>10}",
                        flush=True,
                    )
                    for error in cell["errors"][:2]:
                        print(f"    e.g. {error}")
            servers.stop()
            servers = None
        threads, processes, wanted = TARGET
        for workload in ("submission", "approval step"):
            many = results[(workload, processes, threads)]
            one = results[(workload, processes, 1)]
            ratio = many["ops"] / one["ops"] if one["ops"] else 0.0
            clean = not many["errors"] and not many["deadlocks"] and not many["serialization"]
            print(
                f"target: with {threads} client threads and {processes} web processes, "
                f"{workload}s reach ≥ {wanted}× their single-thread throughput, 0 deadlocks, "
                f"0 errors — measured {ratio:.2f}× ({many['ops']:.1f} vs {one['ops']:.1f}/s), "
                f"{many['deadlocks']} deadlocks, {len(many['errors'])} errors: "
                + ("MET" if ratio >= wanted and clean else "NOT MET")
            )
    finally:
        if servers is not None:
            servers.stop()
        from django.db import connections

        connections.close_all()
        drop_database(admin_url, args.database)


if __name__ == "__main__":
    main()

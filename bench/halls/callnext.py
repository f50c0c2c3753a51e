"""Call-next under load: 50 windows pressing "next" at once over 10,000 waiting tickets, on
PostgreSQL, through the real server, beside the bare view on the same server in the same
run (STYLE.md: benchmarks compare in the same run).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python bench/halls/callnext.py [--windows 50] [--tickets 10000] [--presses 4000]

A database `figures_bench` is created next to DATABASE_URL's (dropped at the end), migrated,
the demo org tree loaded and its halls made (`halls.services.sync_halls`); the district
centre gets four categories and `--windows` windows (every fifth comprehensive, the others
dedicated to one or two categories), each opened by its own window staff member with an API
token, and `--tickets` waiting tickets of today in every lane. Then `yiwang serve` (waitress,
`--server-threads` threads, with YIWANG_BENCH=1 for the bare view) runs this checkout's code
on a free loopback port, and one client thread per window presses "next"
(`POST /api/v1/windows/{id}/call-next`) `--presses` times in all, marking each called ticket
a no-show (`POST /api/v1/tickets/{id}/no-show`, not timed) so the window is free again.
The baseline: the same threads each GET the bare view (`/api/v1/_bench/bare`) as many times.

Printed: call-next latency p50/p95 and throughput (calls per second over the run, the
no-show requests included in the wall time), errors, and double calls — counted in the
database afterwards, not trusted from the clients: tickets called more than once
(`call_count > 1`), tickets with more than one `hall.ticket_called` audit event, and the
calls the clients saw against the tickets that left the queue. Double calls must be 0.
"""

import argparse
import datetime
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench import _load as load  # noqa: E402
from bench.cases.submit import create_database, drop_database  # noqa: E402

CENTRE = "990101-ZWZX"
LETTERS = [("A", "市场准入"), ("B", "社会保障"), ("C", "不动产"), ("D", "综合")]


def set_up(workdir: str, windows: int, tickets: int) -> list[tuple[int, str]]:
    """Migrate, load the org tree, make the hall, its windows and staff, and the queue.
    Returns (window id, its staff member's token) per window."""
    os.environ.setdefault("YIWANG_DATA_DIR", workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from yiwang.demo.loader import load_orgs
    from yiwang.halls import services
    from yiwang.halls.models import (
        Hall,
        Lane,
        ServiceCategory,
        Ticket,
        TicketChannel,
        TicketCounter,
        Window,
        WindowKind,
    )
    from yiwang.identity.models import OrgUnit, RoleGrant, User
    from yiwang.identity.roles import Role
    from yiwang.identity.services import issue_api_token

    load_orgs()
    services.sync_halls()
    hall = Hall.objects.get(org__code=CENTRE)
    org = OrgUnit.objects.get(code=CENTRE)
    categories = [
        ServiceCategory.objects.create(hall=hall, letter=letter, name=name, position=n)
        for n, (letter, name) in enumerate(LETTERS)
    ]
    pairs = []
    for number in range(1, windows + 1):
        comprehensive = number % 5 == 0
        window = Window.objects.create(
            hall=hall,
            number=number,
            kind=WindowKind.COMPREHENSIVE if comprehensive else WindowKind.DEDICATED,
        )
        if not comprehensive:
            window.categories.set(
                {categories[number % 4], categories[(number * 7) % 4]}  # one or two
            )
        staff = User.objects.create_user(
            f"bench-window-{number}", real_name=f"窗口{number}", kind=User.Kind.STAFF
        )
        RoleGrant.objects.create(user=staff, role=Role.WINDOW_STAFF, org=org)
        services.open_window(window, staff)
        pairs.append((window.pk, issue_api_token(staff)))

    today = services.local().date()
    start = services.local() - datetime.timedelta(hours=2)
    lanes = [Lane.NORMAL] * 17 + [Lane.ELDERLY, Lane.DISABLED, Lane.APPOINTMENT]
    rows, seqs = [], {c.pk: 0 for c in categories}
    for n in range(tickets):
        category = categories[(n * 31) % 4]
        seqs[category.pk] += 1
        rows.append(
            Ticket(
                hall=hall,
                category=category,
                day=today,
                seq=seqs[category.pk],
                number=f"{category.letter}{seqs[category.pk]:05d}",
                channel=TicketChannel.KIOSK,
                lane=lanes[n % len(lanes)],
                taken_at=start + datetime.timedelta(seconds=n * 0.5),
                token_hash=Ticket.hash_token(f"bench-{n}"),
            )
        )
    Ticket.objects.bulk_create(rows, batch_size=2000)
    TicketCounter.objects.bulk_create(
        TicketCounter(category_id=pk, day=today, last=last) for pk, last in seqs.items()
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum would have done by the time traffic comes
    return pairs


def start_server(port: int, workdir: str, threads: int) -> subprocess.Popen:
    """This checkout's `yiwang serve` (waitress) on the port, once the bare view answers — as
    bench/_load.start_server, with the code of this worktree first on the path."""
    env = {
        **os.environ,
        "YIWANG_BENCH": "1",
        "YIWANG_DATA_DIR": workdir,
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "yiwang.cli",
            "serve",
            "--port",
            str(port),
            "--threads",
            str(threads),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
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


def press(port: int, pairs, presses: int, bare: bool):
    """One thread per window; `presses` in all. Returns (seconds, latencies, called ids,
    errors)."""
    latencies: list[float] = []
    called: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    left = [presses]

    def worker(window_id, token):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        mine, seen = [], []
        while True:
            with lock:
                if left[0] <= 0:
                    break
                left[0] -= 1
            started = time.perf_counter()
            try:
                if bare:
                    connection.request("GET", "/api/v1/_bench/bare")
                else:
                    connection.request(
                        "POST", f"/api/v1/windows/{window_id}/call-next", headers=headers
                    )
                response = connection.getresponse()
                body = response.read()
                mine.append(time.perf_counter() - started)
                if bare:
                    if response.status != 200:
                        raise RuntimeError(f"bare → {response.status}")
                    continue
                if response.status == 204:
                    continue  # nobody waits for this window any more
                if response.status != 200:
                    raise RuntimeError(f"call-next → {response.status} {body[:200]!r}")
                ticket = json.loads(body)["id"]
                seen.append(ticket)
                connection.request("POST", f"/api/v1/tickets/{ticket}/no-show", headers=headers)
                answer = connection.getresponse()
                answer.read()
                if answer.status != 200:
                    raise RuntimeError(f"no-show → {answer.status}")
            except Exception as error:  # noqa: BLE001 - counted and printed
                with lock:
                    errors.append(str(error)[:200])
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        with lock:
            latencies.extend(mine)
            called.extend(seen)

    threads = [threading.Thread(target=worker, args=pair) for pair in pairs]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, called, errors


def double_calls(called: list[int]) -> dict:
    """Counted in the database: what a double call would leave behind."""
    from django.db.models import Count

    from yiwang.audit.models import AuditEvent
    from yiwang.halls.models import Ticket
    from yiwang.halls.models import TicketStatus as T

    return {
        "calls_seen": len(called),
        "distinct_seen": len(set(called)),
        "left_queue": Ticket.objects.exclude(status=T.WAITING).count(),
        # Each call adds one to call_count; nothing here recalls a ticket.
        "called_more_than_once": Ticket.objects.filter(call_count__gt=1).count(),
        "audited_twice": AuditEvent.objects.filter(action="hall.ticket_called")
        .values("object_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
    }


def fmt(figures: dict) -> str:
    return f"{figures['rps']:.1f}/s p50={figures['p50']:.1f}ms p95={figures['p95']:.1f}ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--presses", type=int, default=4000)
    parser.add_argument("--server-threads", type=int, default=8)
    parser.add_argument("--database", default="figures_bench")
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "set DATABASE_URL to a PostgreSQL database (e.g. postgres://127.0.0.1/postgres)"
        )
    workdir = tempfile.mkdtemp(prefix="yiwang-bench-halls-")
    os.environ["DATABASE_URL"] = create_database(admin_url, args.database)
    server = None
    try:
        started = time.perf_counter()
        pairs = set_up(workdir, args.windows, args.tickets)
        print(
            f"database {args.database}: migrated, org tree, {args.windows} open windows, "
            f"{args.tickets:,} waiting tickets ({time.perf_counter() - started:.0f}s)"
        )
        from django.db import connections

        connections.close_all()
        port = load.free_port()
        server = start_server(port, workdir, args.server_threads)
        press(port, pairs, 200, bare=True)  # warm up: imports, connections
        bare_seconds, bare_latencies, _none, bare_errors = press(
            port, pairs, args.presses, bare=True
        )
        seconds, latencies, called, errors = press(port, pairs, args.presses, bare=False)
        real = load.figures(seconds, latencies)
        real["rps"] = len(called) / seconds  # calls per second (no-shows in the wall time)
        # One window alone: the latency of a call without the queue of 50 at 8 server threads.
        alone_bare = load.figures(*press(port, pairs[:1], 200, bare=True)[:2])
        alone_seconds, alone_latencies, alone_called, alone_errors = press(
            port, pairs[:1], 200, bare=False
        )
        errors += alone_errors
        alone = load.figures(alone_seconds, alone_latencies)
        called += alone_called
        bare = load.figures(bare_seconds, bare_latencies)
        found = double_calls(called)
        doubles = (
            found["called_more_than_once"]
            + found["audited_twice"]
            + (found["calls_seen"] - found["distinct_seen"])
        )
        unaccounted = found["left_queue"] - found["calls_seen"]  # called, answer lost
        print(
            f"{args.windows} windows, {args.tickets:,} waiting, {args.presses:,} presses, "
            f"server threads {args.server_threads}"
        )
        print(f"  call-next  {fmt(real)}  errors {len(errors)}")
        print(f"  bare view  {fmt(bare)}  errors {len(bare_errors)}")
        print(
            f"  one window alone: call-next p50={alone['p50']:.1f}ms p95={alone['p95']:.1f}ms, "
            f"bare view p50={alone_bare['p50']:.1f}ms p95={alone_bare['p95']:.1f}ms"
        )
        print(
            f"  ratio      p50 ×{real['p50'] / bare['p50']:.1f}  p95 ×{real['p95'] / bare['p95']:.1f}"
            f"  throughput {real['rps'] / bare['rps']:.3f} of the bare view's"
        )
        print(f"  double calls: {doubles}  calls without an answer: {unaccounted}  ({found})")
        if errors:
            print(f"  errors, e.g. {errors[:3]}")
        if doubles:
            raise SystemExit("double calls found")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        drop_database(admin_url, args.database)


if __name__ == "__main__":
    main()

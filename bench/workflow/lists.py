"""Inbox and case lists at 10,000 and at 1,000,000 cases, beside a bare view on the same
server in the same run (STYLE.md: benchmarks compare in the same run).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/workflow/lists.py \
        [--million] [--requests 400]

PostgreSQL only: a database `yiwang_bench_lists` is created next to DATABASE_URL's (and
dropped at the end), migrated, the demo catalogue and accounts loaded, then `yiwang
seed-cases` brings it to 10,000 cases (and with --million to 1,000,000; seeded cases under
review have their current approval task open at their department). `yiwang serve` runs on a
free loopback port with YIWANG_BENCH=1. Measured, each as the first page a user opens:

- approver's inbox   `GET /api/v1/tasks` as `approver` (市场监管局)
- chief's inbox      `GET /api/v1/tasks?warning=red` as `chief`, the red ones
- clerk's cases      `GET /api/v1/cases` as `clerk` (district centre scope)
- supervisor's cases `GET /api/v1/cases?status=in_review` as `supervisor` (the whole district)
- bare               `GET /api/v1/_bench/bare`

Each list's cost at 1 M is printed over its cost at 10 k (median latency), target ≤ 1.5.
"""

import argparse
import http.client
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench import _load as load  # noqa: E402

LISTS = [
    ("approver inbox", "approver", "/api/v1/tasks"),
    ("chief red tasks", "chief", "/api/v1/tasks?warning=red"),
    ("clerk cases", "clerk", "/api/v1/cases"),
    ("supervisor in review", "supervisor", "/api/v1/cases?status=in_review"),
]


def measure(port: int, path: str, token: str | None, count: int, threads: int = 4) -> dict:
    """`count` asks of one path, with the user's API token."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    return load.measure(port, [path] * count, threads, headers=headers)


def rows_returned(port: int, path: str, token: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers={"Authorization": f"Token {token}"})
    data = json.loads(connection.getresponse().read())
    return data.get("count", len(data.get("results", [])))


def seed_to(total: int) -> float:
    from django.core.management import call_command
    from django.db import connection

    from yiwang.journey.cases.models import Case

    started = time.perf_counter()
    missing = total - Case.objects.count()
    if missing > 0:
        call_command("seed_cases", missing, "--seed", "1", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum would have done by the time traffic comes
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="also seed to 1,000,000 cases")
    parser.add_argument("--requests", type=int, default=400, help="requests per list")
    parser.add_argument("--database", default="yiwang_bench_lists")
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database")
    from bench._load import free_port, start_server
    from bench.cases.submit import create_database, drop_database

    workdir = tempfile.mkdtemp(prefix="yiwang-bench-lists-")
    os.environ["DATABASE_URL"] = create_database(admin_url, args.database)
    os.environ["YIWANG_DATA_DIR"] = workdir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from yiwang.demo.loader import load_demo
        from yiwang.identity.models import User
        from yiwang.identity.services import issue_api_token

        call_command("migrate", verbosity=0)
        load_demo(catalog=True)
        tokens = {
            username: issue_api_token(User.objects.get(username=username))
            for username in {user for _name, user, _path in LISTS}
        }
        port = free_port()
        connections.close_all()
        server = start_server(port, workdir)
        stages = [10_000] + ([1_000_000] if args.million else [])
        medians: dict[str, list[float]] = {}
        for stage in stages:
            seconds = seed_to(stage)
            connections.close_all()
            print(f"seeded to {stage:,} cases in {seconds:.0f}s")
            measure(port, "/api/v1/_bench/bare", None, 50)  # warm up
            bare = measure(port, "/api/v1/_bench/bare", None, args.requests)
            print(f"  {'bare':<22} rps={bare['rps']:7.1f} p50={bare['p50']:6.1f}ms")
            for name, user, path in LISTS:
                measure(port, path, tokens[user], 20)  # warm up
                figures = measure(port, path, tokens[user], args.requests)
                total = rows_returned(port, path, tokens[user])
                medians.setdefault(name, []).append(figures["p50"])
                print(
                    f"  {name:<22} rps={figures['rps']:7.1f} p50={figures['p50']:6.1f}ms "
                    f"({total:,} rows in scope) | ratio to bare {figures['rps'] / bare['rps']:.2f}"
                )
        if args.million:
            print("cost at 1 M over cost at 10 k (median latency, target ≤ 1.5):")
            for name, (small, large) in medians.items():
                print(f"  {name:<22} {large / small:.2f}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        drop_database(admin_url, args.database)


if __name__ == "__main__":
    main()

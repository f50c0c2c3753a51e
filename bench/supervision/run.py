"""The supervisor's dashboard (效能监察) at 10,000 and at 1,000,000 cases, beside a bare view
on the same server in the same run (STYLE.md: benchmarks compare in the same run).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/supervision/run.py [--small] [--requests 200]

PostgreSQL only: the database `ywbench` (--database) is created next to DATABASE_URL's
(dropped first if it exists, and at the end unless --keep), migrated, the demo catalogue and
accounts loaded, then `yiwang seed-cases` brings it to 10,000 cases and the rollups are
rebuilt (`yiwang rebuild-rollups`, timed); `yiwang serve` runs on a free loopback port with
YIWANG_BENCH=1 and the pages are measured as `supervisor` (the whole district) with a
session cookie. Then the same at 1,000,000 cases (--small: 50,000). Measured:

- bare                 `GET /api/v1/_bench/bare` (Django and the server, nothing else)
- dashboard 本月        `GET /workbench/supervision/?period=month` (the HTML page)
- dashboard 本年        `GET /workbench/supervision/?period=year`
- API dashboard 本年    `GET /api/v1/supervision/dashboard?period=year`
- ranking              `GET /workbench/supervision/ranking/` (this week)
- drill-down red       `GET /workbench/supervision/cases/?figure=red` (reads cases)
- drill-down concluded `GET /workbench/supervision/cases/?figure=concluded&period=year`

The dashboard's cost at the large size is printed over its cost at 10 k (median latency;
target ≤ 1.5), and each beside the bare view. The job's cycle (today, yesterday, live
figures) is timed at each size too.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench import _load as load  # noqa: E402

PAGES = [
    ("dashboard 本月", "/workbench/supervision/?period=month"),
    ("dashboard 本年", "/workbench/supervision/?period=year"),
    ("API dashboard 本年", "/api/v1/supervision/dashboard?period=year"),
    ("ranking", "/workbench/supervision/ranking/"),
    ("drill-down red", "/workbench/supervision/cases/?figure=red"),
    ("drill-down concluded", "/workbench/supervision/cases/?figure=concluded&period=year"),
]
DASHBOARDS = {"dashboard 本月", "dashboard 本年", "API dashboard 本年"}


def measure(port: int, path: str, cookie: str | None, count: int, threads: int = 4) -> dict:
    """`count` asks of one page, signed in with the session cookie."""
    headers = {"Cookie": cookie} if cookie else {}
    return load.measure(port, [path] * count, threads, headers=headers, timeout=120)


def session_cookie(username: str) -> str:
    """A logged-in session for `username`, as the login page would have made it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from yiwang.identity.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def seed_to(total: int) -> float:
    from django.core.management import call_command

    from yiwang.journey.cases.models import Case

    started = time.perf_counter()
    missing = total - Case.objects.count()
    if missing > 0:
        call_command("seed_cases", missing, "--seed", str(total), stdout=io.StringIO())
    return time.perf_counter() - started


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum would have done by the time traffic comes


def rebuild() -> tuple[float, int]:
    from yiwang.supervision import rollups

    started = time.perf_counter()
    rows = rollups.rebuild()
    return time.perf_counter() - started, rows


def cycle() -> float:
    from yiwang.supervision import rollups

    started = time.perf_counter()
    rollups.run_cycle()
    return time.perf_counter() - started


def line(name: str, figures: dict, bare: dict | None = None) -> str:
    text = (
        f"  {name:<22} rps={figures['rps']:7.1f} p50={figures['p50']:7.1f}ms "
        f"p95={figures['p95']:7.1f}ms"
    )
    if bare:
        text += f" | {figures['p50'] / bare['p50']:5.1f}× bare p50"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="10,000 → 50,000 cases (quick)")
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--database", default="ywbench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database")
    from bench._load import free_port, start_server
    from bench.cases.submit import create_database, drop_database

    workdir = tempfile.mkdtemp(prefix="yiwang-bench-supervision-")
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
        from yiwang.supervision.models import DailyRollup

        call_command("migrate", verbosity=0)
        load_demo(catalog=True)
        cookie = session_cookie("supervisor")
        port = free_port()
        connections.close_all()
        server = start_server(port, workdir)
        stages = [10_000, 50_000 if args.small else 1_000_000]
        medians: dict[str, list[float]] = {}
        bares: list[float] = []
        for stage in stages:
            seconds = seed_to(stage)
            analyze()
            built, rows = rebuild()
            analyze()
            job = cycle()
            days = DailyRollup.objects.values("day").distinct().count()
            connections.close_all()
            print(f"seeded to {stage:,} cases in {seconds:.0f}s")
            print(
                f"  rebuilt rollups in {built:.1f}s: {rows:,} rows over {days} days "
                f"({rows / max(days, 1):.0f} a day); one job cycle {job:.2f}s"
            )
            measure(port, "/api/v1/_bench/bare", None, 50)  # warm up
            bare = measure(port, "/api/v1/_bench/bare", None, args.requests)
            bares.append(bare["p50"])
            print(line("bare", bare))
            for name, path in PAGES:
                measure(port, path, cookie, 10)  # warm up
                figures = measure(port, path, cookie, args.requests)
                medians.setdefault(name, []).append(figures["p50"])
                print(line(name, figures, bare))
        small, large = stages
        print(f"cost at {large:,} over cost at {small:,} (median latency; dashboards ≤ 1.5):")
        for name, (at_small, at_large) in medians.items():
            mark = " (target ≤ 1.5)" if name in DASHBOARDS else ""
            print(f"  {name:<22} {at_large / at_small:.2f}{mark}")
        print(f"  {'bare':<22} {bares[1] / bares[0]:.2f}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(admin_url, args.database)


if __name__ == "__main__":
    main()

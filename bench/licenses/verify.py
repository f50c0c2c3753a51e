"""Licence verification per second through the API, beside a bare Django view, on the same
server in the same run (STYLE.md: benchmarks compare in the same run); and the same with
1,000,000 licences in the library (--million), plus a holder's wallet list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/licenses/verify.py [--licences 5000] [--requests 3000] [--million]

PostgreSQL only: a database `yiwang_bench_lic` is created next to DATABASE_URL's (and dropped
at the end), migrated, the demo catalogue and people imported; licences are signed with the
active key in a loop and bulk-inserted. Then `yiwang serve` (waitress, 8 threads) runs on a
free loopback port with YIWANG_BENCH=1, which adds the baselines: `_bench/bare` (Django and
the server, nothing else) and `_bench/read` (the same plus one `SELECT 1` round trip to the
database). Each verification asks `GET /api/v1/licenses/verify?payload=…` for a different
licence (a QR code scanned once). The three take turns (--rounds), so a change in the shared
machine's load hits all of them alike.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench._load import figures, free_port, get_all, line, measure, start_server  # noqa: E402
from bench.cases.submit import create_database, drop_database  # noqa: E402
from bench.search._setup import django_with_demo_catalogue  # noqa: E402

WALLET_SIZE = 12  # licences the measured wallet holder has
ROUNDS = 5  # bare, read and verify take turns this many times (see alternate)


def make_licences(total: int, *, holders: list, license_type, batch: int = 5000) -> float:
    """`total` final, signed licences of one type spread over `holders`, bulk-inserted.
    The claims are shaped like services.claims_of (masked fields) but built here from
    synthetic values, so no holder is read per licence."""
    from django.db import transaction
    from django.utils import timezone

    from yiwang.licenses import signing
    from yiwang.licenses.masking import masked_fields
    from yiwang.licenses.models import License

    key = signing.ensure_active_key()
    started = time.perf_counter()
    start = License.objects.count()
    issuer = license_type.issuer
    now = timezone.now()
    fields = list(license_type.fields)
    made = 0
    while made < total:
        rows = []
        for n in range(start + made, start + min(made + batch, total)):
            holder = holders[n % len(holders)]
            number = f"BENCH-{n:08d}"
            issued = datetime.date(2015, 1, 1) + datetime.timedelta(days=n % 3650)
            until = issued.replace(year=issued.year + 20)
            data = {name: f"{name}{n % 997}" for name in fields}
            data["公民身份号码"] = f"1101011985{n % 10**8:08d}"[:18]
            claims = {
                "v": signing.PAYLOAD_VERSION,
                "no": number,
                "t": license_type.code,
                "tn": license_type.name,
                "h": "压*",
                "f": masked_fields(fields, data, person=True),
                "iss": issued.isoformat(),
                "exp": until.isoformat(),
                "org": issuer.name,
                "st": "valid",
            }
            signed = signing.sign_claims(claims, key)
            rows.append(
                License(
                    number=number,
                    license_type=license_type,
                    holder_person=holder,
                    holder_name="压测市民",
                    data=data,
                    issued_on=issued,
                    valid_until=until,
                    issuer=issuer,
                    issuer_path=issuer.path,
                    final=True,
                    confirmed_at=now,
                    kid=signed.kid,
                    signature=signed.signature,
                    payload_hash=signed.payload_hash,
                    payload=signed.payload,
                    signed_at=now,
                )
            )
        with transaction.atomic():
            License.objects.bulk_create(rows, batch_size=batch)
        made += len(rows)
        if total >= 100_000 and made % 100_000 == 0:
            print(f"  … {made:,} licences ({time.perf_counter() - started:.0f}s)", flush=True)
    return time.perf_counter() - started


def holders(count: int, prefix: str = "lic") -> list:
    from django.contrib.auth.hashers import make_password

    from yiwang.identity.models import User

    password = make_password(None)
    return User.objects.bulk_create(
        [
            User(username=f"{prefix}-{n:05d}", real_name="压测市民", password=password)
            for n in range(count)
        ]
    )


def verify_paths(sample: int, seed: int) -> list[str]:
    from yiwang.licenses.models import License

    ids = list(License.objects.filter(number__startswith="BENCH-").values_list("pk", flat=True))
    chosen = random.Random(seed).sample(ids, min(sample, len(ids)))
    payloads = License.objects.filter(pk__in=chosen).values_list("payload", flat=True)
    return ["/api/v1/licenses/verify?" + urllib.parse.urlencode({"payload": p}) for p in payloads]


def alternate(port: int, asked: dict[str, list[str]], threads: int, rounds: int):
    """Each list of paths in turn, `rounds` times with an equal share of its requests, so a
    change in the (shared) machine's load hits all alike. Returns the figures of each over
    all its rounds, and per round each one's requests per second."""
    spent = {name: [0.0, []] for name in asked}
    per_round = []
    for n in range(rounds):
        rps = {}
        for name, paths in asked.items():
            size = -(-len(paths) // rounds)
            chunk = paths[n * size : (n + 1) * size]
            seconds, latencies = get_all(port, chunk, threads, timeout=30)
            spent[name][0] += seconds
            spent[name][1] += latencies
            rps[name] = len(chunk) / seconds
        per_round.append(rps)
    return {name: figures(*spent[name]) for name in asked}, per_round


def ratio_line(name: str, base: str, measured: dict, per_round: list[dict]) -> str:
    ratios = [r[name] / r[base] for r in per_round]
    return (
        f"ratio {measured[name]['rps'] / measured[base]['rps']:.2f}  "
        f"({len(ratios)} alternating rounds: median {statistics.median(ratios):.2f}, "
        f"range {min(ratios):.2f}–{max(ratios):.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--licences", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="turns of bare, read and verify")
    parser.add_argument("--million", action="store_true", help="also at 1,000,000 licences")
    parser.add_argument("--database", default="yiwang_bench_lic")
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of 500 verifications, in process"
    )
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (postgres://…/postgres)")
    workdir = tempfile.mkdtemp(prefix="yiwang-bench-lic-")
    if args.profile:
        os.environ["YIWANG_BENCH"] = "1"  # the baselines' URLs, in process too
    os.environ["DATABASE_URL"] = create_database(admin_url, args.database)
    server = None
    try:
        started = time.perf_counter()
        django_with_demo_catalogue(workdir)
        from django.db import connection, connections

        from yiwang.catalog.models import LicenseType
        from yiwang.demo.loader import load_people
        from yiwang.identity import services as identity
        from yiwang.licenses.demo import load_licenses

        load_people()
        load_licenses()
        sfz = LicenseType.objects.get(code="L-SFZ")
        people = holders(1000)
        seconds = make_licences(args.licences, holders=people, license_type=sfz)
        # One holder with a full wallet: the list is one query whatever the library's size.
        wallet_holder = holders(1, prefix="lic-wallet")[0]
        make_licences(WALLET_SIZE, holders=[wallet_holder], license_type=sfz)
        token = identity.issue_api_token(wallet_holder)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"database {args.database}: demo catalogue and people, {args.licences:,} signed "
            f"licences in {seconds:.0f}s (setup {time.perf_counter() - started:.0f}s)"
        )
        if args.profile:
            profile(verify_paths(500, seed=9))
        connections.close_all()
        port = free_port()
        server = start_server(port, workdir)
        bare_path = "/api/v1/_bench/bare"
        read_path = "/api/v1/_bench/read"
        stages = [args.licences] + ([1_000_000] if args.million else [])
        for n, stage in enumerate(stages):
            from yiwang.licenses.models import License

            missing = stage - License.objects.filter(number__startswith="BENCH-").count()
            if missing > 0:
                seconds = make_licences(missing, holders=people, license_type=sfz, batch=10_000)
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
                print(f"added {missing:,} licences in {seconds:.0f}s")
            total = License.objects.count()
            paths = verify_paths(args.requests, seed=n + 1)
            connections.close_all()
            warm = [bare_path] * 200 + [read_path] * 200 + paths[:100]
            measure(port, warm, args.threads)
            asked = {
                "bare": [bare_path] * len(paths),
                "read": [read_path] * len(paths),
                "verify": paths,
            }
            measured, per_round = alternate(port, asked, args.threads, args.rounds)
            print(f"{total:>9,} licences  ({len(paths)} distinct payloads, {args.threads} clients)")
            print(f"  verify {line(measured['verify'])}")
            print(
                f"  bare   {line(measured['bare'])}  verify/bare "
                + ratio_line("verify", "bare", measured, per_round)
            )
            print(
                f"  read   {line(measured['read'])}  verify/read "
                + ratio_line("verify", "read", measured, per_round)
            )
            print(f"  load average {os.getloadavg()[0]:.1f} (this benchmark included)")
            wallet = measure_wallet(port, token, args.requests // 3, args.threads)
            print(f"  wallet list ({WALLET_SIZE} licences, token auth) {line(wallet)}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        drop_database(admin_url, args.database)


def profile(paths: list[str]) -> None:
    """Where a verification's time goes, without the server (Django's test client)."""
    import cProfile
    import pstats

    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    for path in paths[:20]:
        client.get(path)
    # In-process cost per request through the middleware, best of five passes.
    for name, asked in (
        ("bare", ["/api/v1/_bench/bare"] * len(paths)),
        ("read", ["/api/v1/_bench/read"] * len(paths)),
        ("verify", paths),
    ):
        best = min(timed_gets(client, asked) for _ in range(5))
        print(f"  {name:<6} {best / len(asked) * 1e6:6.0f} µs per request in process")
    profiler = cProfile.Profile()
    profiler.enable()
    for path in paths:
        assert client.get(path).status_code == 200
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def timed_gets(client, paths: list[str]) -> float:
    started = time.perf_counter()
    for path in paths:
        client.get(path)
    return time.perf_counter() - started


def measure_wallet(port: int, token: str, count: int, threads: int) -> dict:
    """GET /api/v1/me/licenses with the holder's token (bench.cases.submit's client)."""
    from bench.cases.submit import measure as measure_jobs

    def job(client, _n):
        answer = client.call("GET", "/api/v1/me/licenses", token)
        assert answer["count"] == WALLET_SIZE, answer

    return measure_jobs(port, count, threads, job)


if __name__ == "__main__":
    main()

"""Appeals recorded per second through the API and through Open311, beside a bare Django
view served by the same server in the same run (docs/hotline.md, "Open311 and the API").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        PYTHONPATH=src .venv/bin/python -m bench.hotline.intake [--threads 8] [--appeals 400]

PostgreSQL only: a database `yiwang_bench_intake` is created next to DATABASE_URL's (and
dropped at the end), migrated, the demo district's orgs and catalogue imported and the
hotline's subject tree synced from its demo data; 64 citizens get API tokens and one Open311
client its api_key. Then `yiwang serve` (uvicorn, 8 page threads) runs on a free loopback
port with YIWANG_BENCH=1, which adds the baselines `/api/v1/_bench/bare` (Django and the
server, nothing else) and `/api/v1/_bench/insert` (the same plus one row written).

Four loads, each shared out over the client threads on keep-alive connections, in two
rounds so the order does not decide (the better round of each is printed):

- **api**: `POST /api/v1/hotline/appeals` (JSON, a citizen's token, an Idempotency-Key), a
  complaint about a subject with a phone and an address;
- **open311**: `POST /open311/v2/requests.json`, form-encoded with the api_key, as a
  GeoReport client sends it (lat/long, a phone, a name);
- **bare**: `GET /api/v1/_bench/bare`;
- **bare-insert**: `POST /api/v1/_bench/insert`.

Printed: requests per second, median (p50) and p95 latency of each, the ratio of each intake
to the bare view and to the bare insert, and the SQL statements one appeal costs on each
path (counted in this process with Django's test client, savepoints aside)."""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench import _load as load  # noqa: E402
from bench.cases.submit import create_database, drop_database, token_pool  # noqa: E402
from bench.search._setup import django_with_demo_catalogue  # noqa: E402

POOL = 64
TEXTS = [
    "小区门口的垃圾桶已经三天没有清运，气味很大，请尽快处理。",
    "楼下饭店油烟直排，晚上噪音也很大，影响休息。",
    "公司拖欠三个月工资，多次讨要未果，请求帮助。",
    "路口的路灯坏了一个多月，晚上行人很不安全。",
    "物业费上涨没有公示，业主有意见，请相关部门核实。",
    "施工工地夜间施工扰民，渣土车不苫盖，扬尘严重。",
]


def setup() -> dict:
    """Subjects from the demo data, an Open311 client, the citizens' tokens."""
    import yaml

    from yiwang.hotline import open311, subjects

    data_file = ROOT / "src" / "yiwang" / "demo" / "data" / "hotline" / "categories.yaml"
    subjects.sync(yaml.safe_load(data_file.read_text(encoding="utf-8")))
    codes = list(subjects.leaves().values_list("code", flat=True))
    _client, key = open311.create_client("bench")
    return {"codes": codes, "key": key, "tokens": token_pool(POOL)}


def api_body(n: int, codes: list[str]) -> bytes:
    body = {
        "type": "complaint",
        "subject": codes[n % len(codes)],
        "text": f"{TEXTS[n % len(TEXTS)]}（第{n}号）",
        "address": f"示范区幸福路{n % 200 + 1}号",
        "phone": f"139{n:08d}",
    }
    return json.dumps(body, ensure_ascii=False).encode()


def open311_body(n: int, codes: list[str], key: str) -> bytes:
    rng = random.Random(n)
    fields = {
        "api_key": key,
        "service_code": codes[n % len(codes)],
        "description": f"{TEXTS[n % len(TEXTS)]}（第{n}号）",
        "lat": f"{39.9 + rng.random() / 10:.6f}",
        "long": f"{116.3 + rng.random() / 10:.6f}",
        "phone": f"138{n:08d}",
        "first_name": "先生",
        "last_name": "王",
    }
    return urllib.parse.urlencode(fields).encode()


class Client:
    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method, path, body=b"", headers=None, expect=(200, 201)):
        self.connection.request(method, path, body=body, headers=headers or {})
        response = self.connection.getresponse()
        data = response.read()
        if response.status not in expect:
            raise RuntimeError(f"{method} {path} → {response.status} {data[:300]!r}")
        return data


def statements(setup_data: dict) -> dict[str, int]:
    """SQL statements per appeal on each path (median of 8), savepoints aside."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    django = DjangoClient(HTTP_HOST="127.0.0.1")
    counts: dict[str, list[int]] = {"api": [], "open311": []}
    codes, key, tokens = setup_data["codes"], setup_data["key"], setup_data["tokens"]
    for n in range(9):
        for kind in counts:
            with CaptureQueriesContext(connection) as queries:
                if kind == "api":
                    response = django.post(
                        "/api/v1/hotline/appeals",
                        api_body(900_000 + n, codes),
                        content_type="application/json",
                        headers={
                            "Authorization": f"Token {tokens[n]}",
                            "Idempotency-Key": uuid.uuid4().hex,
                        },
                    )
                else:
                    response = django.post(
                        "/open311/v2/requests.json",
                        open311_body(900_000 + n, codes, key),
                        content_type="application/x-www-form-urlencoded",
                    )
            assert response.status_code == 201, response.content[:300]
            if n:  # the first of each warms the caches
                counts[kind].append(
                    sum(
                        1
                        for q in queries.captured_queries
                        if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
                    )
                )
    return {kind: round(statistics.median(c)) for kind, c in counts.items()}


def start_server(port: int, workdir: str) -> subprocess.Popen:
    """`yiwang serve` of this checkout (uvicorn, 8 page threads), once it answers."""
    env = {
        **os.environ,
        "YIWANG_BENCH": "1",
        "YIWANG_DATA_DIR": workdir,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "yiwang.settings",
    }
    command = [sys.executable, "-m", "yiwang.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--threads", "8"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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


def fmt(figures: dict) -> str:
    return f"rps={figures['rps']:7.1f}  p50={figures['p50']:6.1f} ms  p95={figures['p95']:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--appeals", type=int, default=400, help="appeals per path and round")
    parser.add_argument("--bare", type=int, default=2000, help="bare requests per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database", default="yiwang_bench_intake")
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (postgres://…)")
    workdir = tempfile.mkdtemp(prefix="yiwang-bench-intake-")
    os.environ["DATABASE_URL"] = create_database(admin_url, args.database)
    os.environ["YIWANG_BENCH"] = "1"
    server = None
    try:
        started = time.perf_counter()
        django_with_demo_catalogue(workdir)
        data = setup()
        print(
            f"database {args.database}: migrated, demo orgs and catalogue, "
            f"{len(data['codes'])} subjects, {POOL} citizens, 1 Open311 client "
            f"({time.perf_counter() - started:.0f}s)"
        )
        counted = statements(data)
        print(
            "SQL statements per appeal (median of 8, savepoints aside): "
            f"api {counted['api']}, open311 {counted['open311']}"
        )
        from django.db import connections

        connections.close_all()
        port = load.free_port()
        server = start_server(port, workdir)
        codes, key, tokens = data["codes"], data["key"], data["tokens"]
        serial = iter(range(10**9))

        def api(client, _n):
            n = next(serial)
            headers = {
                "Content-Type": "application/json",
                "Authorization": f"Token {tokens[n % len(tokens)]}",
                "Idempotency-Key": uuid.uuid4().hex,
            }
            client.call("POST", "/api/v1/hotline/appeals", api_body(n, codes), headers, (201,))

        def open311(client, _n):
            body = open311_body(next(serial), codes, key)
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            client.call("POST", "/open311/v2/requests.json", body, headers, (201,))

        def bare(client, _n):
            client.call("GET", "/api/v1/_bench/bare", expect=(200,))

        def insert(client, _n):
            client.call("POST", "/api/v1/_bench/insert", expect=(201,))

        def measure(count, job):
            return load.figures(*load.timed(range(count), args.threads, lambda: Client(port), job))

        for job in (api, open311, bare, insert):  # warm up: imports, connections, caches
            measure(32, job)
        best: dict[str, dict] = {}
        for _round in range(args.rounds):
            for name, count, job in (
                ("bare", args.bare, bare),
                ("bare-insert", args.bare, insert),
                ("api", args.appeals, api),
                ("open311", args.appeals, open311),
            ):
                figures = measure(count, job)
                if name not in best or figures["rps"] > best[name]["rps"]:
                    best[name] = figures
        from yiwang.hotline.models import Appeal

        print(
            f"{args.threads} client threads, best of {args.rounds} rounds; "
            f"{Appeal.objects.count():,} appeals in the database at the end"
        )
        for name in ("bare", "bare-insert", "api", "open311"):
            line = f"  {name:<12} {fmt(best[name])}"
            if name in ("api", "open311"):
                line += (
                    f"  | ratio to bare {best[name]['rps'] / best['bare']['rps']:.3f}, "
                    f"to bare-insert {best[name]['rps'] / best['bare-insert']['rps']:.3f}"
                )
            print(line)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        drop_database(admin_url, args.database)


if __name__ == "__main__":
    main()

"""Submissions per second through the API, beside a bare Django view that inserts one row, on
the same server in the same run (STYLE.md: benchmarks compare in the same run).

    DATABASE_URL=postgres://127.0.0.1:5432/test .venv/bin/python bench/cases/submit.py \
        [--threads 8] [--submissions 400] [--million]

PostgreSQL only: a database `yiwang_bench` is created next to DATABASE_URL's (and dropped at
the end), migrated, the demo catalogue imported; then `yiwang serve` (uvicorn) runs on a free
loopback port with YIWANG_BENCH=1, which adds the bare views. One submission is what an app
does: create a draft with its form, upload three small PDFs, submit with an Idempotency-Key — five requests,
each with a citizen's token from a pool. Measured with 0 cases in the database, again after
`seed-cases` brought it to 10,000, and with --million at 1,000,000.

A third line, the floor, sends the same five requests with the same bodies to a view that
only authenticates the token, reads the body and writes one row. No implementation of this
five-request protocol can beat it, so its ratio to the bare insert is the most any could
reach on the machine at hand.

A fourth, the floor at Yiwang's count, sends them to the same view, each request running as
many statements as Yiwang's runs for it (counted in this process over submissions of the
same items, in the same run): after the floor's own, one-row inserts into a bare table in
the request's transaction — each statement the cheapest of its kind. Between the floor and
it lies what the number of statements costs; between it and the submission, what the cost
of each statement (and the Python around it) adds.
"""

import argparse
import http.client
import io
import json
import os
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench import _load as load  # noqa: E402
from bench.search._setup import django_with_demo_catalogue  # noqa: E402

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n" + b"% scanned page\n" * 60 + b"%%EOF\n"
UPLOADS = 3
POOL = 64  # citizens, each with a token; submissions take them in turn
FLOOR = "/api/v1/_bench/insert-as-user"
FORMS: dict[str, dict] = {}  # item code → the form an app sends with the new draft
# Extra one-row inserts per request of the floor at Yiwang's count, by kind of request.
AT_COUNT: dict[str, int] = {"create": 0, "upload": 0, "submit": 0}


def create_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlparse(admin_url)._replace(path=f"/{name}").geturl()


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def small_items() -> list[str]:
    """Published items asking at most three documents: three uploads provide all of them."""
    from yiwang.catalog import selectors

    codes = []
    for version in selectors.published().prefetch_related("materials", "places"):
        if version.places.all() and len({m.name for m in version.materials.all()}) <= UPLOADS:
            codes.append(version.item.code)
    return sorted(codes)


def sample_forms(codes: list[str]) -> dict[str, dict]:
    """Per item, what an app sends as the form with a new draft: a valid value for every
    field the applicant types (prefilled ones are the platform's, not sent)."""
    from django.contrib.auth.hashers import make_password

    from yiwang.catalog import selectors
    from yiwang.forms.samples import sample_data
    from yiwang.identity.models import User
    from yiwang.journey.cases import filling, services

    probe = User.objects.create(
        username="bench-probe", real_name="压测市民", password=make_password(None)
    )
    forms = {}
    for version in selectors.published().filter(item__code__in=codes).select_related("item"):
        case = services.start_case(version.pk, by=probe)
        sample = sample_data(filling.definition_of(case), seed=version.pk)
        forms[version.item.code] = {k: v for k, v in sample.items() if k not in case.form_sources}
    return forms


def token_pool(size: int) -> list[str]:
    from django.contrib.auth.hashers import make_password

    from yiwang.identity.models import User
    from yiwang.identity.services import issue_api_token

    users = User.objects.bulk_create(
        [
            User(username=f"bench-{n:04d}", real_name="压测市民", password=make_password(None))
            for n in range(size)
        ]
    )
    return [issue_api_token(user) for user in users]


class Client:
    """One keep-alive connection speaking JSON with a token."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method, path, token=None, body=b"", content_type="application/json", **hdr):
        headers = {"Content-Type": content_type, **hdr}
        if token:
            headers["Authorization"] = f"Token {token}"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status >= 400:
            raise RuntimeError(f"{method} {path} → {response.status} {data[:300]!r}")
        return json.loads(data) if data else None

    def submission(self, token: str, item: str) -> None:
        body = json.dumps({"item": item, "form": FORMS[item]}, ensure_ascii=False).encode()
        case = self.call("POST", "/api/v1/cases", token, body)
        # The online form itself (在线填报) takes no upload.
        materials = [m for m in case["materials"] if m["state"] != "from_form"]
        for n in range(UPLOADS if materials else 0):
            material = materials[n % len(materials)]
            self.call(
                "POST",
                f"/api/v1/cases/{case['id']}/materials/{material['id']}/files",
                token,
                *pdf_upload(n),
            )
        done = self.call(
            "POST",
            f"/api/v1/cases/{case['id']}/submit",
            token,
            **{"Idempotency-Key": uuid.uuid4().hex},
        )
        assert done["number"], done

    def floor(self, token: str, item: str, extra: dict | None = None) -> None:
        """The same five requests with the same bodies, each answered by the least an API call
        does: authenticate the token, read the body, write one row — and with `extra` (kind
        of request → n), n one-row inserts more in the same transaction."""
        extra = extra or {}

        def path(kind):
            return f"{FLOOR}?rows={extra[kind]}" if extra.get(kind) else FLOOR

        body = json.dumps({"item": item, "form": FORMS[item]}, ensure_ascii=False).encode()
        self.call("POST", path("create"), token, body)
        for n in range(UPLOADS):
            self.call("POST", path("upload"), token, *pdf_upload(n))
        self.call("POST", path("submit"), token, **{"Idempotency-Key": uuid.uuid4().hex})


class Counting(Client):
    """The same requests in this process (Django's test client on the same database), each
    request's SQL statements counted by kind (create, upload, submit): what the server runs
    for them, transaction control (savepoints) aside, as bench/workflow/run.py counts."""

    def __init__(self):
        from django.test import Client as DjangoClient

        self.django = DjangoClient(HTTP_HOST="127.0.0.1")
        self.counts: dict[str, list[int]] = {"create": [], "upload": [], "submit": []}

    def call(self, method, path, token=None, body=b"", content_type="application/json", **hdr):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        headers = {name: value for name, value in hdr.items()}
        if token:
            headers["Authorization"] = f"Token {token}"
        with CaptureQueriesContext(connection) as queries:
            response = self.django.generic(
                method, path, data=body, content_type=content_type, headers=headers
            )
        if response.status_code >= 400:
            raise RuntimeError(
                f"{method} {path} → {response.status_code} {response.content[:300]!r}"
            )
        sql = [q["sql"] for q in queries.captured_queries]
        kind = (
            "upload"
            if "/files" in path or "multipart" in content_type
            else ("submit" if "Idempotency-Key" in hdr else "create")
        )
        self.counts[kind].append(
            sum(1 for s in sql if not s.startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")))
        )
        return json.loads(response.content) if response.content else None


def statements_per_request(tokens: list[str], items: list[str], flows: int = 12) -> tuple:
    """(Yiwang's, the floor's) statements per request by kind, the median over `flows`
    submissions of different items after one of each to warm the caches, counted here."""
    import statistics

    warm = Counting()
    warm.submission(tokens[0], items[0])
    warm.floor(tokens[0], items[0])
    ours, floor = Counting(), Counting()
    for n in range(min(flows, len(items))):
        item = items[(n * 7919) % len(items)]
        ours.submission(tokens[n % len(tokens)], item)
        floor.floor(tokens[n % len(tokens)], item)

    def median(counting):
        return {kind: round(statistics.median(c)) for kind, c in counting.counts.items() if c}

    return median(ours), median(floor)


def pdf_upload(n: int) -> tuple[bytes, str]:
    """A multipart body with one small PDF, and its content type. Each PDF is unique (a
    comment before %%EOF): the same file twice in one case is refused as a duplicate
    (upload_duplicate), as a citizen uploading one scan for two materials is told."""
    boundary = uuid.uuid4().hex
    marker = f"% {uuid.uuid4().hex}\n".encode()
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="scan{n}.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF.replace(b"%%EOF", marker + b"%%EOF", 1)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def measure(port: int, count: int, threads: int, job) -> dict:
    """`job(client, n)` for n in range(count), shared out over `threads` clients."""
    return load.figures(*load.timed(range(count), threads, lambda: Client(port), job))


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


def fmt(figures: dict) -> str:
    return f"rps={figures['rps']:.1f} p50={figures['p50']:.1f}ms p95={figures['p95']:.1f}ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--submissions", type=int, default=400)
    parser.add_argument("--bare", type=int, default=3000, help="bare-insert requests per round")
    parser.add_argument("--million", action="store_true", help="also seed to 1,000,000 cases")
    parser.add_argument("--database", default="yiwang_bench")
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "set DATABASE_URL to a PostgreSQL database (e.g. postgres://127.0.0.1/test)"
        )
    workdir = tempfile.mkdtemp(prefix="yiwang-bench-cases-")
    os.environ["DATABASE_URL"] = create_database(admin_url, args.database)
    os.environ["YIWANG_BENCH"] = "1"  # the floor's view, here too: its statements are counted
    server = None
    try:
        started = time.perf_counter()
        django_with_demo_catalogue(workdir)
        items, tokens = small_items(), token_pool(POOL)
        FORMS.update(sample_forms(items))
        print(
            f"database {args.database}: migrated, demo catalogue, {len(items)} items with "
            f"≤{UPLOADS} documents, {len(tokens)} citizens ({time.perf_counter() - started:.0f}s)"
        )
        from django.db import connection, connections

        with connection.cursor() as cursor:  # the bare table of the floor at Yiwang's count
            cursor.execute(
                "CREATE TABLE bench_submit_row (id bigserial PRIMARY KEY, note text NOT NULL)"
            )
        ours, least_own = statements_per_request(tokens, items)
        AT_COUNT.update({kind: max(0, ours[kind] - least_own[kind]) for kind in ours})
        print(
            "statements per request (median over 12 submissions, savepoints aside): yiwang "
            + ", ".join(f"{kind} {n}" for kind, n in ours.items())
            + " | floor "
            + ", ".join(f"{kind} {n}" for kind, n in least_own.items())
        )
        connections.close_all()
        port = load.free_port()
        server = load.start_server(port, workdir)

        def submit(client, n):
            client.submission(tokens[n % len(tokens)], items[(n * 7919) % len(items)])

        def insert(client, _n):
            client.call("POST", "/api/v1/_bench/insert")

        def floor(client, n):
            client.floor(tokens[n % len(tokens)], items[(n * 7919) % len(items)])

        def floor_at_count(client, n):
            client.floor(tokens[n % len(tokens)], items[(n * 7919) % len(items)], AT_COUNT)

        measure(port, 16, args.threads, submit)  # warm up: imports, connections, caches
        measure(port, 200, args.threads, insert)
        measure(port, 16, args.threads, floor)
        measure(port, 16, args.threads, floor_at_count)
        stages = [0, 10_000] + ([1_000_000] if args.million else [])
        for stage in stages:
            if stage:
                seconds = seed_to(stage)
                print(f"seeded to {stage:,} cases in {seconds:.0f}s")
            from yiwang.journey.cases.models import Case

            existing = Case.objects.count()
            connections.close_all()
            bare = measure(port, args.bare, args.threads, insert)
            real = measure(port, args.submissions, args.threads, submit)
            least = measure(port, args.submissions, args.threads, floor)
            counted = measure(port, args.submissions, args.threads, floor_at_count)
            print(
                f"{existing:>9,} cases  submit {fmt(real)} | bare-insert {fmt(bare)} | "
                f"ratio {real['rps'] / bare['rps']:.3f} "
                f"(per request {real['rps'] * (UPLOADS + 2) / bare['rps']:.2f})"
            )
            print(
                f"{'':>9}        floor  {fmt(least)} | ratio {least['rps'] / bare['rps']:.3f} "
                "(the five requests, each only authenticated and writing one row: the most "
                "any implementation of this protocol could reach)"
            )
            print(
                f"{'':>9}        floor at yiwang's count  {fmt(counted)} | ratio "
                f"{counted['rps'] / bare['rps']:.3f} (the same requests running "
                + ", ".join(f"{kind} {ours[kind]}" for kind in ours)
                + " statements, each extra one a one-row insert into a bare table)"
            )
            print(
                f"{'':>9}        submit/floor {real['rps'] / least['rps']:.2f} (target ≥ 0.5) | "
                f"submit/floor at yiwang's count {real['rps'] / counted['rps']:.2f} | "
                f"floor at yiwang's count/floor {counted['rps'] / least['rps']:.2f}"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        drop_database(admin_url, args.database)


if __name__ == "__main__":
    main()

"""Submissions per second through the API, beside a bare Django view that inserts one row, on
the same server in the same run (STYLE.md: benchmarks compare in the same run).

    DATABASE_URL=postgres://127.0.0.1:5432/test .venv/bin/python bench/cases/submit.py \
        [--threads 8] [--submissions 400] [--million]

PostgreSQL only: a database `yiwang_bench` is created next to DATABASE_URL's (and dropped at
the end), migrated, the demo catalogue imported; then `yiwang serve` (waitress) runs on a free
loopback port with YIWANG_BENCH=1, which adds the bare views. One submission is what an app
does: create a draft with its form, upload three small PDFs, submit with an Idempotency-Key — five requests,
each with a citizen's token from a pool. Measured with 0 cases in the database, again after
`seed-cases` brought it to 10,000, and with --million at 1,000,000.

A third line, the floor, sends the same five requests with the same bodies to a view that
only authenticates the token, reads the body and writes one row. No implementation of this
five-request protocol can beat it, so its ratio to the bare insert is the most any could
reach on the machine at hand.
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

    def floor(self, token: str, item: str) -> None:
        """The same five requests with the same bodies, each answered by the least an API call
        does: authenticate the token, read the body, write one row."""
        body = json.dumps({"item": item, "form": FORMS[item]}, ensure_ascii=False).encode()
        self.call("POST", FLOOR, token, body)
        for n in range(UPLOADS):
            self.call("POST", FLOOR, token, *pdf_upload(n))
        self.call("POST", FLOOR, token, **{"Idempotency-Key": uuid.uuid4().hex})


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
        from django.db import connections

        connections.close_all()
        port = load.free_port()
        server = load.start_server(port, workdir)

        def submit(client, n):
            client.submission(tokens[n % len(tokens)], items[(n * 7919) % len(items)])

        def insert(client, _n):
            client.call("POST", "/api/v1/_bench/insert")

        def floor(client, n):
            client.floor(tokens[n % len(tokens)], items[(n * 7919) % len(items)])

        measure(port, 16, args.threads, submit)  # warm up: imports, connections, caches
        measure(port, 200, args.threads, insert)
        measure(port, 16, args.threads, floor)
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
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        drop_database(admin_url, args.database)


if __name__ == "__main__":
    main()

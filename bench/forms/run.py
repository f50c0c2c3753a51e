"""Rendering and validating the merged form of 开办餐饮店一件事, beside a bare Django view on
the same server in the same run (STYLE.md: benchmarks compare in the same run).

    .venv/bin/python bench/forms/run.py [--threads 8] [--requests 200] [--rows 20]

A throw-away database (SQLite, or DATABASE_URL's server) gets the demo catalogue and one
citizen with a bundle draft whose merged form is filled in full: every field, and each
repeating group (从业人员, …) with `--rows` rows. `yiwang serve` (waitress, 8 threads) then
answers, over keep-alive connections:

- bare     GET  /api/v1/_bench/bare                     Django and the server, nothing else
- schema   GET  /api/v1/bundles/YJS-0001/form           the merged form as JSON Schema + prefill
- render   GET  /my/cases/{id}/form/                    the applicant's page, every field bound
- validate PATCH /api/v1/cases/{id}/form                the whole form checked and saved
- floor    POST /api/v1/_bench/insert-as-user           token, body parsed, one row written

Each line prints requests per second, median and p95 latency, and the ratio of its requests
per second to the bare view's.
"""

import argparse
import http.client
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench import _load as load  # noqa: E402
from bench.search._setup import django_with_demo_catalogue  # noqa: E402

BUNDLE = "YJS-0001"  # 开办餐饮店一件事


def filled_bundle_case(rows: int):
    """A citizen, their token and session, and a bundle draft with every field filled."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from yiwang.demo.loader import load_demo
    from yiwang.forms.samples import sample_data
    from yiwang.identity.models import User
    from yiwang.identity.services import issue_api_token
    from yiwang.journey.cases import filling, services
    from yiwang.journey.cases.models import Case

    load_demo(catalog=False)
    citizen = User.objects.get(username="citizen")
    case = services.start_bundle_case(BUNDLE, by=citizen)
    definition = filling.definition_of(case)
    data = sample_data(definition, seed=7, rows=rows)
    # Values prefilled from identity and licences stay as prefilled (some are not editable).
    data.update({k: v for k, v in case.form_data.items() if k in definition.keys})
    services.update_form(case.pk, by=citizen, data=data)
    case = Case.objects.get(pk=case.pk)
    groups = {f.key: len(case.form_data.get(f.key) or []) for f in definition.fields if f.children}

    session = SessionStore()
    session[SESSION_KEY] = str(citizen.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = citizen.get_session_auth_hash()
    session.create()
    return case, data, issue_api_token(citizen), session.session_key, len(definition.fields), groups


def measure(port, method, path, *, requests, threads, headers=None, body=b""):
    def connect():
        return http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(connection, _):
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path} → {response.status} {data[:300]!r}")

    return load.figures(*load.timed(range(requests), threads, connect, call))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rows", type=int, default=20)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="yiwang-bench-forms-")
    django_with_demo_catalogue(workdir)
    case, data, token, session_key, fields, groups = filled_bundle_case(args.rows)
    print(f"merged form of {BUNDLE}: {fields} fields, groups {groups}")

    port = load.free_port()
    server = load.start_server(port, workdir)
    api = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    page = {"Cookie": f"sessionid={session_key}"}
    body = json.dumps(data, ensure_ascii=False).encode()
    runs = [
        ("bare", "GET", "/api/v1/_bench/bare", {}, b""),
        ("schema", "GET", f"/api/v1/bundles/{BUNDLE}/form", api, b""),
        ("render", "GET", f"/my/cases/{case.pk}/form/", page, b""),
        ("validate", "PATCH", f"/api/v1/cases/{case.pk}/form", api, body),
        ("floor", "POST", "/api/v1/_bench/insert-as-user", api, body),
    ]
    try:
        # One round to warm the server's caches (compiled forms, templates), then measure.
        for _, method, path, headers, payload in runs:
            measure(port, method, path, requests=8, threads=1, headers=headers, body=payload)
        results = {}
        for name, method, path, headers, payload in runs:
            results[name] = measure(
                port,
                method,
                path,
                requests=args.requests,
                threads=args.threads,
                headers=headers,
                body=payload,
            )
        bare = results["bare"]["rps"]
        for name, figures in results.items():
            print(f"{name:>9}  {load.line(figures)} | ratio {figures['rps'] / bare:.3f}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

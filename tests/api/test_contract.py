"""The schema at /api/schema/ is the contract, and schemathesis holds every operation to
it: signed in as the demo citizen and as the demo clerk, it sends each operation the schema's
examples, its boundary cases (coverage phase: every parameter at and just past
its limits, each value left out or of the wrong type) and random requests (fuzzing phase),
requests that fit the schema and requests that break it, and checks every answer:

- no server error;
- the status code, the Content-Type, the body and the required headers are the ones the
  schema documents for that operation (errors included: problem+json, the Problem shape);
- a request that breaks the schema is refused (a 4xx), not quietly accepted;
- a method the schema does not list for a path is a 405 whose Allow header is right.

The run is bounded and reproducible: a fixed number of random examples per operation, a fixed
seed, no example database. Its counts are printed in the closing summary of every pytest run
(tests/conftest.py prints what a test leaves in `user_properties` under "summary").
"""

import collections
import logging
import time

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.feedback import NO_FEEDBACK

# schemathesis's own pytest plugin builds each operation's test (examples, coverage and
# fuzzing phases) with this; calling it here runs every operation inside one test, on one
# loaded demo database, instead of one pytest test (and one database) per operation.
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.specs.openapi import checks

USERS = ("citizen", "clerk")
SEED = 20261207
RANDOM_EXAMPLES = 6  # per operation, user and generation mode
SAMPLES_SHOWN = 15

CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
    checks.unsupported_method,
    checks.allow_header_conformance,
]


def _config(*, coverage: bool):
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "suppress-health-check": ["all"],
            "generation": {
                "mode": "all",  # positive and negative
                "max-examples": RANDOM_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": coverage},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
        }
    )


@pytest.fixture
def wsgi_app():
    # As Django's test client does: the end of a request must not close the connection that
    # holds the test's transaction.
    app = get_wsgi_application()  # before the loggers are quietened: it configures logging
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    quiet = [logging.getLogger(name) for name in ("django.request", "axes")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:  # thousands of expected 4xx answers
        logger.setLevel(logging.ERROR)
    yield app
    for logger, level in zip(quiet, levels, strict=True):
        logger.setLevel(level)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


class Tally:
    def __init__(self):
        self.operations = set()
        self.requests = collections.Counter()  # (phase, mode) → count
        self.failures = collections.Counter()  # check name → count
        self.samples = {}  # (operation, failure title, status) → text

    def record(self, username, case, response):
        meta = case.meta
        self.requests[(meta.phase.name.value, meta.generation.mode.value)] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                self.failures[(type(failure).checks or ("other",))[0]] += 1
                key = (case.operation.label, failure.title, response.status_code)
                self.samples.setdefault(
                    key,
                    f"{username}: {case.operation.label} → {response.status_code}: "
                    f"{failure.title}\n    {case.as_curl_command()}\n"
                    f"    {str(failure.message)[:300]}\n    {response.text[:200]}",
                )

    def summary(self, seconds: float, cpu_seconds: float) -> str:
        by_phase = collections.Counter()
        by_mode = collections.Counter()
        for (phase, mode), count in self.requests.items():
            by_phase[phase] += count
            by_mode[mode] += count
        failures = ", ".join(
            f"{check.__name__} {self.failures[check.__name__]}" for check in CHECKS
        )
        return (
            f"schemathesis: {len(self.operations)} operations as {' and '.join(USERS)}, "
            f"{sum(self.requests.values())} requests in {seconds:.0f} s ({cpu_seconds:.0f} s CPU) "
            f"({', '.join(f'{phase} {n}' for phase, n in sorted(by_phase.items()))}; "
            f"{', '.join(f'{mode} {n}' for mode, n in sorted(by_mode.items()))})\n"
            f"schemathesis failures: {sum(self.failures.values())} ({failures})"
        )


def test_every_operation_answers_as_the_schema_says(demo_catalog, wsgi_app, user_named, request):
    from yiwang.identity import services

    started, cpu_started = time.monotonic(), time.process_time()
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    tally = Tally()
    for username in USERS:
        # Only the clerk gets the boundary cases, most of the run's cost: staff endpoints
        # check who asks before they read anything, so the citizen's would mostly meet a 403.
        config = _config(coverage=username == "clerk").projects.get_default()
        for result in schema.get_all_operations():
            operation = result.ok()
            tally.operations.add(operation.label)
            # Issued afresh for each operation: DELETE /auth/token revokes it.
            token = services.issue_api_token(user_named(username))
            run = _runner(tally, username, {"Authorization": f"Token {token}"})
            build_operation_test(
                config=config,
                operation=operation,
                test_func=run,
                given_kwargs={},
                feedback=NO_FEEDBACK,
            )()
    seconds, cpu_seconds = time.monotonic() - started, time.process_time() - cpu_started
    request.node.user_properties.append(("summary", tally.summary(seconds, cpu_seconds)))
    assert not tally.failures, "\n".join(list(tally.samples.values())[:SAMPLES_SHOWN])


def _runner(tally, username, headers):
    def run(case):
        tally.record(username, case, case.call(headers=headers))

    return run

"""Statement budgets (docs/tests.md, "Statement budgets"): every state-changing command
has a test that pins the exact number of SQL statements it costs on a realistic case, and
where it touches a list (a bundle's children, a notice's items, a batch of events) shows
that the number does not grow with the list.

    with exactly(9, "attach_file"):
        services.attach_file(...)

A pin that breaks prints the statements it counted and what to do about it."""

import contextlib
import os

from django.db import connection
from django.test.utils import CaptureQueriesContext

HOW_TO_UPDATE = (
    "If the code changed on purpose, read the statements below before touching the pin: a "
    "statement that repeats once per row of a list (a child case, a material, a recipient) "
    "is an N+1 to remove with bulk_create/bulk_update, select_related or prefetch_related, "
    "not a reason to raise the pin. If every statement is needed, change the number and "
    "the comment beside it that names the statements, in the commit that changed them, and "
    'say why in its message (docs/tests.md, "Statement budgets").'
)


@contextlib.contextmanager
def exactly(n: int, command: str, *, postgresql: int | None = None):
    """Count the SQL statements run inside the block; they must be exactly `n` (on
    PostgreSQL `postgresql`, when a vendor's SQL differs, with the reason beside it)."""
    vendor = connection.vendor
    expected = postgresql if postgresql is not None and vendor == "postgresql" else n
    with CaptureQueriesContext(connection) as queries:
        yield queries
    if os.environ.get("YIWANG_COUNT_STATEMENTS"):  # measuring: print, do not judge
        print(f"\n[statements] {command}: {len(queries)} on {vendor}")  # noqa: T201
        if os.environ.get("YIWANG_COUNT_STATEMENTS") == "list":
            for q in queries:
                print("     ", " ".join(q["sql"].split())[:150])  # noqa: T201
        return
    if len(queries) != expected:
        listing = "\n".join(
            f"{i:3}. {' '.join(q['sql'].split())[:200]}" for i, q in enumerate(queries, 1)
        )
        raise AssertionError(
            f"{command} ran {len(queries)} SQL statements on {vendor}; the pin is "
            f"{expected}. {HOW_TO_UPDATE}\n{listing}"
        )


def fresh(*users):
    """Forget what the users' objects cached (their role grants), as a new request would
    load them: a pin counts what one request costs, not what the test asked before."""
    from yiwang.identity import policy

    for user in users:
        policy.forget_grants(user)
    return users[0] if len(users) == 1 else users

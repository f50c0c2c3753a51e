"""Prepared statements for the hottest queries, on PostgreSQL.

A query that runs for every scan of a QR code or every step of every case is planned by
PostgreSQL each time it arrives as text — for a query of a dozen subqueries the plan costs
more than the run. A cursor from `cursor(conn)` asks psycopg to prepare the statement, so
PostgreSQL plans it once per connection. Django leaves prepared statements off for the sake
of connection poolers; YIWANG_DB_PREPARED_STATEMENTS=false does the same here (PgBouncer
before 1.21 in transaction mode needs that). While queries are logged (DEBUG, tests
counting them) the plain cursor runs, because a prepared execution leaves Django no SQL
text to log."""

import functools

from django.conf import settings


def cursor(conn):
    if (
        conn.vendor != "postgresql"
        or not settings.YIWANG_DB_PREPARED_STATEMENTS
        or conn.queries_logged
    ):
        return conn.cursor()
    conn.ensure_connection()
    if conn.connection.prepare_threshold is None:
        # psycopg prepares nothing at all while the threshold is None (Django's default);
        # Django's own cursors bind on the client and never prepare, so only queries
        # that ask, like these, are affected.
        conn.connection.prepare_threshold = 2**31 - 1
    return conn.make_cursor(_prepared_cursor_class()(conn.connection))


@functools.cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=True, binary=None):
            return super().execute(query, params, prepare=prepare, binary=binary)

    return PreparedCursor

"""Build a fixture's rows once per test process, then put the same rows back in later tests.

The demo district (orgs and 60 accounts) and the catalogues cut from the demo file take one
to three seconds to build through the real services: built for every test, they were most of
the suite's time. `rows_of(name, build)` runs `build` the first time, records every row it
added or changed (a diff of all tables before and after), and in later tests writes those
rows straight back with plain INSERTs (COPY on PostgreSQL) — the same rows, the same primary
keys, a few milliseconds.

A recording is only replayed over the database it was made on: its key holds the row count
and the highest primary key of every table just before the build, so `catalog` on top of
`demo` and `catalog` on top of something else are different recordings. What a build leaves
outside the database (files under MEDIA_ROOT, in-process caches) is not recorded; fixtures
that need such state set it up around `rows_of` (see tests/journey/cases/conftest.py).

Rows keep the timestamps of their first build (earlier in the same test run), as a district
loaded earlier in the day would. Works inside a test's transaction (`db`, rolled back
afterwards) and in transactional tests (`transactional_db`, `live_server`: flushed afterwards).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction


@dataclass(frozen=True)
class _Table:
    name: str
    pk: str
    columns: tuple[str, ...]  # the primary key first


@dataclass
class _Recording:
    deleted: dict[str, list]  # table → primary keys of rows removed or changed by the build
    added: dict[str, list]  # table → rows (tuples on SQLite, COPY lines on PostgreSQL)


_recordings: dict[tuple, _Recording] = {}
_tables_cache: list[_Table] = []


def _tables() -> list[_Table]:
    """Every table of a managed model (many-to-many tables too). Not the full-text index of
    SQLite (kept by triggers on catalog_searchdocument) nor PostgreSQL's generated columns,
    which are not model fields."""
    if not _tables_cache:
        seen = set()
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if not meta.managed or meta.proxy or meta.db_table in seen:
                continue
            seen.add(meta.db_table)
            pk = meta.pk.column
            others = [f.column for f in meta.local_concrete_fields if f.column != pk]
            _tables_cache.append(_Table(meta.db_table, pk, (pk, *others)))
        _tables_cache.sort(key=lambda t: t.name)
    return _tables_cache


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


# A transactional test's flush makes content types and permissions again, with new keys
# (post_migrate): left out of the key, or every fixture after such a test would be rebuilt.
# No recording may then point at them (checked in rows_of).
_REMADE_BY_FLUSH = {"django_content_type", "auth_permission"}


def _pointing_at_remade() -> set[str]:
    """Tables with a column that refers to a content type or a permission."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.local_concrete_fields:
            target = field.related_model
            if target is not None and target._meta.db_table in _REMADE_BY_FLUSH:
                found.add(model._meta.db_table)
    return found


def _fingerprint() -> tuple:
    """(rows, highest primary key) of every table, in one query."""
    tables = [t for t in _tables() if t.name not in _REMADE_BY_FLUSH]
    parts = [
        f"SELECT {n}, COUNT(*), MAX(CAST({_quote(t.pk)} AS TEXT)) FROM {_quote(t.name)}"
        for n, t in enumerate(tables)
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        found = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    return tuple(found[n] for n in range(len(tables)))


def _columns(table: _Table) -> str:
    return ", ".join(_quote(c) for c in table.columns)


def _dump() -> dict[str, set]:
    rows = {}
    with connection.cursor() as cursor:
        for table in _tables():
            select = f"SELECT {_columns(table)} FROM {_quote(table.name)}"
            if connection.vendor == "postgresql":
                data = bytearray()
                with cursor.cursor.copy(f"COPY ({select}) TO STDOUT") as copy:
                    for chunk in copy:
                        data += chunk
                rows[table.name] = set(bytes(data).splitlines())
            else:
                cursor.execute(select)
                rows[table.name] = {tuple(map(_sqlite_value, r)) for r in cursor.fetchall()}
    return rows


def _sqlite_value(value):
    # Django reads time columns back as datetime.time but registers no adapter to write
    # one; it stores str(value).
    return str(value) if isinstance(value, datetime.time) else value


def _key_of(row):
    """The primary key of a dumped row: the first value (tuple) or field (COPY line)."""
    if isinstance(row, bytes):
        return row.split(b"\t", 1)[0].decode()
    return row[0]


def _diff(before: dict[str, set], after: dict[str, set]) -> _Recording:
    deleted, added = {}, {}
    for name, rows in after.items():
        gone = before[name] - rows
        new = rows - before[name]
        if gone:
            deleted[name] = sorted(_key_of(r) for r in gone)
        if new:
            added[name] = sorted(new, key=lambda r: str(_key_of(r)))
    return _Recording(deleted, added)


def _replay(recording: _Recording) -> None:
    tables = {t.name: t for t in _tables()}
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        for name, keys in recording.deleted.items():
            table = tables[name]
            if postgres:
                cursor.execute(
                    f"DELETE FROM {_quote(name)} WHERE {_quote(table.pk)}::text = ANY(%s)",
                    [keys],
                )
            else:
                marks = ", ".join(["%s"] * len(keys))
                cursor.execute(
                    f"DELETE FROM {_quote(name)} WHERE {_quote(table.pk)} IN ({marks})", keys
                )
        for name, rows in recording.added.items():
            table = tables[name]
            if postgres:
                statement = f"COPY {_quote(name)} ({_columns(table)}) FROM STDIN"
                with cursor.cursor.copy(statement) as copy:
                    copy.write(b"\n".join(rows) + b"\n")
            else:
                marks = ", ".join(["%s"] * len(table.columns))
                cursor.executemany(
                    f"INSERT INTO {_quote(name)} ({_columns(table)}) VALUES ({marks})", rows
                )
        if postgres and recording.added:
            # Rows come back with their own keys; a sequence reset since (a flush with
            # reset_sequences) must not hand those keys out again.
            bumps = [
                f"setval(pg_get_serial_sequence('{_quote(name)}', '{tables[name].pk}'), "
                f"GREATEST((SELECT MAX({_quote(tables[name].pk)}) FROM {_quote(name)}), "
                f"nextval(pg_get_serial_sequence('{_quote(name)}', '{tables[name].pk}'))))"
                for name in recording.added
                if _serial(name, tables[name].pk)
            ]
            if bumps:
                cursor.execute("SELECT " + ", ".join(bumps))


_serials: dict[str, bool] = {}


def _serial(name: str, pk: str) -> bool:
    if name not in _serials:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [_quote(name), pk])
            _serials[name] = cursor.fetchone()[0] is not None
    return _serials[name]


def rows_of(name: str, build: Callable[[], object]) -> None:
    """Run `build` (which writes to the database) or put back the rows it wrote last time
    over the same starting point. Its return value is dropped: read what you need from the
    database afterwards, so both paths give the same objects."""
    key = (connection.vendor, connection.settings_dict["NAME"], name, _fingerprint())
    recording = _recordings.get(key)
    if recording is not None:
        _replay(recording)
        return
    before = _dump()
    build()
    recording = _diff(before, _dump())
    touched = (set(recording.added) | set(recording.deleted)) & (
        _REMADE_BY_FLUSH | _pointing_at_remade()
    )
    if not touched:
        _recordings[key] = recording
    # else: rows whose keys a flush changes cannot be put back; this fixture is built each time.

"""The hottest writes, with their SQL built once: inserting rows and updating fields of
loaded rows, as `bulk_create` and `bulk_update` (or `filter(pk=…).update`) would, for the
statements every approval step runs (tasks, cases, timeline, audit and domain events,
messages). Building those statements through the ORM each time — resolving expressions,
compiling, a `Case(When(…))` per row and field for a bulk update — cost more Python than
the database spent running them (bench/workflow/README.md).

The SQL text depends only on the model, the fields and the number of rows, so it is kept
per database and shape; each call converts the values as the ORM does
(`Field.pre_save` on insert, `get_db_prep_save`) and runs the statement, prepared on
PostgreSQL (core.prepared). Like the bulk methods, nothing here sends signals or runs
`save()`. One statement per call, as before: the statement budgets
(tests/journey/workflow/test_budgets.py) count the same."""

from django.db import connections, router
from django.db.models import AutoField, BigAutoField, SmallAutoField

from . import prepared

_AUTO = (AutoField, BigAutoField, SmallAutoField)
_sql: dict[tuple, str] = {}
_fields: dict[type, list] = {}


def _insert_fields(model) -> list:
    """The columns an INSERT names: every concrete field but the generated key."""
    if model not in _fields:
        _fields[model] = [
            f
            for f in model._meta.concrete_fields
            if not (f.primary_key and isinstance(f, _AUTO)) and not getattr(f, "generated", False)
        ]
    return _fields[model]


def _quote(conn, name: str) -> str:
    return conn.ops.quote_name(name)


def insert(model, objs: list) -> list:
    """INSERT `objs` (new instances of `model`) in one statement and give each its key, as
    `model.objects.bulk_create(objs)` does."""
    objs = list(objs)
    if not objs:
        return objs
    conn = connections[router.db_for_write(model)]
    fields = _insert_fields(model)
    size = max(conn.ops.bulk_batch_size(fields, objs), 1)
    if len(objs) > size:  # SQLite's limit on a statement's parameters
        for start in range(0, len(objs), size):
            insert(model, objs[start : start + size])
        return objs
    key = ("insert", conn.alias, model, len(objs))
    if key not in _sql:
        table, pk = _quote(conn, model._meta.db_table), _quote(conn, model._meta.pk.column)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        _sql[key] = (
            # Names quoted by the backend, values bound: no user text in the statement.
            f"INSERT INTO {table} ({', '.join(_quote(conn, f.column) for f in fields)}) "  # noqa: S608
            f"VALUES {', '.join([row] * len(objs))} RETURNING {table}.{pk}"
        )
    params = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        params += [f.get_db_prep_save(f.pre_save(obj, True), connection=conn) for f in fields]
    with prepared.cursor(conn) as cursor:
        cursor.execute(_sql[key], params)
        keys = cursor.fetchall()
    pk_attname = model._meta.pk.attname
    for obj, (value,) in zip(objs, keys, strict=True):
        setattr(obj, pk_attname, value)
        obj._state.adding, obj._state.db = False, conn.alias
    return objs


def update(model, rows: list, names: list[str]) -> None:
    """UPDATE the fields `names` (names or attnames) of loaded `rows` to their values on
    the instances, in one statement: a plain one for one row, one with a CASE per field
    for several (as `bulk_update` writes it)."""
    if not rows:
        return
    conn = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    key = ("update", conn.alias, model, tuple(names), len(rows))
    if key not in _sql:
        _sql[key] = _update_sql(conn, model, fields, len(rows))
    if len(rows) == 1:
        row = rows[0]
        params = [f.get_db_prep_save(getattr(row, f.attname), connection=conn) for f in fields]
        params.append(row.pk)
    else:
        params = []
        for field in fields:
            for row in rows:
                value = field.get_db_prep_save(getattr(row, field.attname), connection=conn)
                params += [row.pk, value]
        params += [row.pk for row in rows]
    with prepared.cursor(conn) as cursor:
        cursor.execute(_sql[key], params)


def _update_sql(conn, model, fields, count: int) -> str:
    table = _quote(conn, model._meta.db_table)
    pk = f"{table}.{_quote(conn, model._meta.pk.column)}"
    if count == 1:
        sets = ", ".join(f"{_quote(conn, f.column)} = %s" for f in fields)
        return f"UPDATE {table} SET {sets} WHERE {pk} = %s"  # noqa: S608
    # PostgreSQL types a CASE by its branches: each value is cast to its column's type, as
    # the ORM's bulk_update does there.
    cast = conn.features.requires_casted_case_in_updates
    sets = []
    for field in fields:
        value = f"CAST(%s AS {field.cast_db_type(conn)})" if cast else "%s"
        column = _quote(conn, field.column)
        whens = " ".join([f"WHEN %s THEN {value}"] * count)
        sets.append(f"{column} = CASE {pk} {whens} ELSE {column} END")
    keys = ", ".join(["%s"] * count)
    return f"UPDATE {table} SET {', '.join(sets)} WHERE {pk} IN ({keys})"  # noqa: S608

"""Django's `flush`, which on SQLite empties each table with DELETE: the triggers that keep
domain events append-only (core migration 0001, docs/events.md) are lifted for this one
deliberate command, in its transaction, and put back as they were. PostgreSQL's flush is a
TRUNCATE, which the row triggers do not refuse."""

from django.core.management.commands import flush
from django.db import connections, transaction

TABLE = "core_domainevent"


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            super().handle(**options)
            for _name, sql in triggers:
                cursor.execute(sql)

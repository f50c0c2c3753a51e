import pytest
from django.db import connection


def drop_sealed_row_guard():
    """What an intruder who can write the database does first: drop the trigger that
    refuses any change of a sealed event (migration audit 0004). Inside a test's
    transaction, so it comes back afterwards."""
    on = " ON audit_auditevent" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER audit_sealed_is_final{on}")


@pytest.fixture
def unguarded(db):
    drop_sealed_row_guard()

"""The database refuses to change a sealed audit event (one with a seq): the sealer's one
UPDATE of an unsealed row, which gives it seq, prev_hash and hash, is the only change an event
ever sees (docs/security.md, "Appending and sealing"). Deleting is left to the hash chain and
the signed checkpoints to find: a trigger on DELETE would also stop a test database's flush.

On SQLite a later migration that rebuilds the table drops its triggers: such a migration must
run this one's SQL again."""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION audit_sealed_is_final() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit event #% is sealed and cannot be changed', OLD.seq
            USING ERRCODE = 'restrict_violation';
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_sealed_is_final BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW WHEN (OLD.seq IS NOT NULL) EXECUTE FUNCTION audit_sealed_is_final()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_sealed_is_final ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_sealed_is_final()",
]
SQLITE = [
    """
    CREATE TRIGGER audit_sealed_is_final BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW WHEN OLD.seq IS NOT NULL
    BEGIN
        SELECT RAISE(ABORT, 'audit event is sealed and cannot be changed');
    END
    """,
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS audit_sealed_is_final"]


def _run(statements):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            for sql in statements.get(connection.vendor, []):
                cursor.execute(sql)  # no parameters: the % in the message is plpgsql's

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_unsealed_events")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]

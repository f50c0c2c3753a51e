"""Indexes the supervision figures read (yiwang.supervision.rollups and the drill-down list):
each day is counted with range queries on the moment of each event, and the drill-down
lists the cases behind a figure in index order, one page at a time.

Raw SQL (valid on SQLite and PostgreSQL) rather than Meta.indexes: these indexes serve
another app's queries, so the models stay as their owners wrote them and the autodetector
sees no change."""

from django.db import migrations

INDEXES = [
    # received / accepted (and Art. 32 deemed) / concluded and refused, per day
    ("case_submitted_at_idx", "cases_case (submitted_at)", ""),
    ("case_accepted_at_idx", "cases_case (accepted_at)", ""),
    ("case_concluded_at_idx", "cases_case (concluded_at)", ""),
    # the drill-down of Art. 32 deemed acceptances (few among all acceptances)
    ("case_deemed_idx", "cases_case (accepted_at)", "WHERE deemed_accepted"),
    # supplement notices per day
    ("notice_issued_at_idx", "cases_supplementnotice (issued_at)", ""),
    # the drill-down of cases in progress, the most urgent first
    (
        "case_open_due_idx",
        "cases_case (promised_due_on, id)",
        "WHERE status IN ('accepted', 'in_review', 'suspended')",
    ),
    # returns (退回) completed per day: few rows, so a partial index
    (
        "task_returned_at_idx",
        "workflow_approvaltask (completed_at)",
        "WHERE decision = 'return'",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_material_from_license"),
        ("workflow", "0002_open_task_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {target} {where}".strip(),
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, target, where in INDEXES
    ]

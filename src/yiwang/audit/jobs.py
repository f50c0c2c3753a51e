"""Scheduled jobs (yiwang.core.schedule); each must be safe to run twice."""

from django.conf import settings

from yiwang.core import schedule

from . import services


@schedule.every(1)
def seal_audit_events():
    """Link the events committed since the last run into the hash chain (`services.seal`).
    Registered before the checkpoint job, so a checkpoint signs what was just sealed."""
    services.seal()


@schedule.every(settings.YIWANG_AUDIT_CHECKPOINT_SECONDS)
def sign_audit_checkpoint():
    """A signed checkpoint of the chain head whenever it moved (docs/security.md): a rewrite
    of the database's audit log can then be found by `yiwang audit verify`."""
    services.sign_checkpoint(only_if_moved=True)

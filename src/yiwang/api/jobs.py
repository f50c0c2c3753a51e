from yiwang.core import schedule

from . import idempotency


@schedule.every(3600)
def purge_idempotency_records():
    idempotency.purge_expired()

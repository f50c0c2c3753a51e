"""Human-readable numbers of supervision orders: 督办 + issue day + a sequence of the day,
e.g. DB20261202-0001.

There is no counter row to lock (the order table is the counter): the next number is the
day's highest plus one, written in a savepoint. Two orders issued at the same moment may
pick the same number; the unique index makes the second insert wait for the first
transaction and then fail, and the loser takes the next number. On SQLite writers are
serialised anyway. Either way no two orders share a number."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models.functions import Length

from .models import SupervisionOrder

PREFIX = "DB"
ATTEMPTS = 50


def prefix_of(day: datetime.date) -> str:
    return f"{PREFIX}{day:%Y%m%d}-"


def next_number(day: datetime.date) -> str:
    """The number after the day's highest (read committed: sees what others committed)."""
    prefix = prefix_of(day)
    last = (
        SupervisionOrder.objects.filter(number__startswith=prefix)
        .annotate(width=Length("number"))
        .order_by("-width", "-number")  # 10000 sorts after 9999
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def save_numbered(order: SupervisionOrder, day: datetime.date) -> SupervisionOrder:
    """Insert `order` under the next free number of `day`; retried when a concurrent issue
    took the number first. Must run inside the caller's transaction."""
    for _attempt in range(ATTEMPTS):
        order.number = next_number(day)
        try:
            with transaction.atomic():
                order.save(force_insert=True)
        except IntegrityError:
            order.pk = None
            if not SupervisionOrder.objects.filter(number=order.number).exists():
                raise  # some other constraint: not ours to retry
            continue
        return order
    raise RuntimeError(f"no free supervision order number after {ATTEMPTS} attempts")

"""Human-readable case numbers: 办件 + date + a six-digit sequence of the day, e.g.
YW20261123000042. The day's counter row is locked, so concurrent submits wait their turn
and never share a number."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import CaseNumberCounter

PREFIX = "YW"


def next_number(today=None) -> str:
    day = today or timezone.localdate()
    with transaction.atomic():
        counter = CaseNumberCounter.objects.select_for_update().filter(day=day).first()
        if counter is None:
            try:
                with transaction.atomic():
                    CaseNumberCounter.objects.create(day=day, last=0)
            except IntegrityError:
                pass  # another submit created today's row first; lock theirs
            counter = CaseNumberCounter.objects.select_for_update().get(day=day)
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"{PREFIX}{day:%Y%m%d}{counter.last:06d}"

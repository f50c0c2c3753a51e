"""Numbers handed out in sequence (licence numbers, the body of new credit codes): one
counter row per prefix, locked while a number is taken, so two concurrent issues never get
the same one."""

from collections.abc import Callable

from django.db import IntegrityError, transaction

from .models import LicenseNumberCounter


def take_next(prefix: str, make: Callable[[int], str], taken: Callable[[str], bool]) -> str:
    """The first value `make(n)` for the next n of the counter `prefix` that `taken` does
    not refuse (a number an import already holds is skipped, not reused)."""
    with transaction.atomic():
        counter = LicenseNumberCounter.objects.select_for_update().filter(prefix=prefix).first()
        if counter is None:
            try:
                with transaction.atomic():
                    LicenseNumberCounter.objects.create(prefix=prefix, last=0)
            except IntegrityError:
                pass
            counter = LicenseNumberCounter.objects.select_for_update().get(prefix=prefix)
        while True:
            counter.last += 1
            value = make(counter.last)
            if not taken(value):
                break
        counter.save(update_fields=["last"])
    return value

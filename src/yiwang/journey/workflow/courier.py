"""The courier interface (邮寄送达). A backend ships a parcel and returns its tracking
number; the setting YIWANG_COURIER_BACKEND names the class. `LocalCourier` works without
any outside service: it numbers parcels itself ("YWKD" + date + sequence), for the demo
and for districts that run their own government courier desk."""

import datetime
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Parcel:
    reference: str  # the case number
    recipient: str
    phone: str
    address: str
    sender: str  # the issuing service point


class Courier(Protocol):
    name: str

    def ship(self, parcel: Parcel) -> str:
        """Hand the parcel over; return its tracking number. Raise on failure."""


class LocalCourier:
    name = _("政务专递")

    @transaction.atomic
    def ship(self, parcel: Parcel) -> str:
        from django.utils import timezone

        from .models import CourierSequence

        day: datetime.date = timezone.localdate()
        CourierSequence.objects.get_or_create(day=day)
        counter = CourierSequence.objects.select_for_update().get(day=day)
        counter.last += 1
        counter.save(update_fields=["last"])
        return f"YWKD{day:%Y%m%d}{counter.last:06d}"


def backend() -> Courier:
    return import_string(settings.YIWANG_COURIER_BACKEND)()

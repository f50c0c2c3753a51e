"""Dates in the words of the active language: 2026年12月7日 in Chinese, 7 December 2026 in
English (Django's localized DATE_FORMAT; ours for English in yiwang/formats/en)."""

import datetime

from django.utils import formats, timezone


def long_date(value) -> str:
    """A date (or the local date of a datetime) as a reader writes it; "" for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return formats.date_format(value, "DATE_FORMAT")


def long_datetime(value) -> str:
    """A moment in local time: 2026年12月7日 09:30 / 7 December 2026, 09:30."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")

"""Logging filters (settings LOGGING).

A refusal (403) is the system working: Django logs it on `django.request` with the
PermissionDenied's traceback, a screenful per refusal that buries real errors. Here it
stays one line: "Forbidden (Permission denied): /path"."""

import logging

from django.core.exceptions import PermissionDenied


class OneLineRefusals(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, PermissionDenied) or getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True

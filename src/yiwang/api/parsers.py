"""Request body parsers: DRF's, refusing control characters (yiwang.core.limits) in any
string of the body, keys included, before a view sees it. PostgreSQL cannot store NUL in
`text` or `jsonb`; a JSON string may carry it as the escape \\u0000."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from yiwang.core import limits


def _refuse_control_chars(data):
    if limits.control_chars_in(data):
        raise ParseError(limits.control_chars_error().messages[0], code="control_chars")
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _refuse_control_chars(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_control_chars({k: data.getlist(k) for k in data})
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_control_chars({k: parsed.data.getlist(k) for k in parsed.data})
        return parsed

"""Checks on every request before any view (or Django's CSRF check) reads it."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.utils.translation import gettext as _

from yiwang.api import problems
from yiwang.core import limits

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
OPEN311 = "/open311/"  # yiwang.hotline.urls


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def refuse(request, status: int, code: str, detail: str) -> HttpResponse:
    """problem+json under /api/, GeoReport's error list under /open311/ (its clients read
    no HTML page), a plain page elsewhere; in the user's language."""
    if is_api(request):
        return problems.problem(status, code, detail)
    if request.path_info.startswith(OPEN311):
        from yiwang.hotline import open311

        return open311.refused(request, status, detail)
    template = "web/413.html" if status == 413 else "web/400.html"
    # minimal: the page frame without anything that needs the session or the user, which
    # later middleware has not set up yet.
    body = loader.get_template(template).render({"minimal": True, "detail": detail})
    return HttpResponse(body, status=status)


def _declared_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django reads nothing of a body whose length it cannot parse


def _form_fields_have_control_chars(request) -> bool:
    for name, values in request.POST.lists():
        if limits.has_control_chars(name) or any(limits.has_control_chars(v) for v in values):
            return True
    return False


class RequestInputMiddleware:
    """A body larger than YIWANG_REQUEST_MAX_BYTES is refused (413) from its Content-Length,
    before a byte of it is read, so nobody can make a worker buffer 200 MB to hear "too
    large". Control characters (yiwang.core.limits) in the path, the query string or a form
    field are refused (400) in one place for every page and endpoint: no search, lookup or
    form downstream ever hands NUL to PostgreSQL. JSON bodies are checked by the API's
    parser (yiwang.api.parsers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.YIWANG_REQUEST_MAX_BYTES
        if _declared_length(request) > limit:
            return refuse(
                request,
                413,
                "request_too_large",
                _("提交的内容太大（上限 %(mb)d MB），请压缩或拆分后重新提交。")
                % {"mb": limit // (1024 * 1024)},
            )
        try:
            bad = limits.has_control_chars(request.path_info) or any(
                limits.has_control_chars(name) or any(limits.has_control_chars(v) for v in values)
                for name, values in request.GET.lists()
            )
            if not bad and request.method == "POST" and request.content_type in FORM_TYPES:
                bad = _form_fields_have_control_chars(request)
        except (MultiPartParserError, RequestDataTooBig, SuspiciousOperation):
            return refuse(request, 400, "parse_error", _("请求格式有误，请返回上一页重新操作。"))
        if bad:
            return refuse(request, 400, "control_chars", limits.control_chars_error().messages[0])
        return self.get_response(request)


class RememberQueueMiddleware:
    """Keeps the workbench queue a staff member opened last, where they land after signing
    in (yiwang.web.landing)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        from . import landing

        landing.remember(request, response)
        return response

"""Errors as RFC 9457 problem details (`application/problem+json`), each with a stable
machine `code` clients can switch on:

    {"type": "…/problems/invalid", "title": "请求数据有误", "status": 400,
     "detail": "…", "code": "invalid",
     "errors": {"id_number": [{"code": "id_number_checksum", "message": "…"}]}}

`title` and `detail` are in the user's language; `code` (and `type`, built from it) never
change. DRF's exceptions, Django's Http404 / PermissionDenied / ValidationError and our own
`Problem`s are mapped here; anything else propagates to Django's 500 handling.

A domain error elsewhere can either subclass `Problem`, or stay independent of the API and
be mapped with `register(ExceptionClass, status=409)` (its `code` attribute is used). A
Django ValidationError about the request as a whole is a 400 unless its code is registered
with another status by `register_codes("task_done", status=409)`: the same rule, raised by
a service, then reads as a conflict with the object's state rather than a bad request.
A move a state machine forbids (yiwang.core.machines.TransitionError) is always a 409 with
the machine's code (docs/cases.md, "State machines").
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from yiwang.core.machines import TransitionError

CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://yiwang.invalid/problems/"


def _titles() -> dict[str, str]:
    # Built per call so gettext answers in the language of the current request.
    return {
        "invalid": _("请求数据有误"),
        "parse_error": _("请求格式有误"),
        "not_authenticated": _("需要登录"),
        "authentication_failed": _("身份验证失败"),
        "permission_denied": _("没有权限"),
        "not_found": _("未找到"),
        "method_not_allowed": _("不支持该请求方法"),
        "not_acceptable": _("无法提供所要求的格式"),
        "unsupported_media_type": _("不支持的内容类型"),
        "throttled": _("请求过于频繁"),
        "locked_out": _("账号已暂时锁定"),
        "invalid_credentials": _("用户名或密码不正确"),
        "otp_required": _("需要动态验证码"),
        "idempotency_key_invalid": _("幂等键无效"),
        "idempotency_key_reused": _("幂等键已用于其他请求"),
        "bad_request": _("请求格式有误"),
        "csrf_failed": _("CSRF 校验失败"),
        "server_error": _("系统出错"),
        "request_too_large": _("提交的内容太大"),
        "control_chars": _("含有不可见的控制字符"),
        "too_long": _("内容超过长度上限"),
    }


def title_for(code: str) -> str:
    return _titles().get(code) or _("请求未能完成")


class Problem(exceptions.APIException):
    """An error the API reports as a problem with a stable code. Subclass per domain error:

    class InvalidTransition(Problem):
        status_code = 409
        default_code = "invalid_transition"
        default_detail = gettext_lazy("案件当前状态不允许此操作。")
    """

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "problem"
    default_detail = gettext_lazy("请求未能完成。")
    title: str | None = None

    def __init__(self, detail=None, code=None, *, title=None, headers=None):
        super().__init__(detail, code)
        self.code = code or self.default_code
        if title is not None:
            self.title = title
        self.headers = headers or {}


class LockedOut(Problem):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"
    default_detail = gettext_lazy("登录失败次数过多，账号已暂时锁定，请稍后再试。")


class InvalidCredentials(Problem):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_credentials"
    default_detail = gettext_lazy("用户名或密码不正确。")


class OtpRequired(Problem):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "otp_required"
    default_detail = gettext_lazy("工作人员需提供动态验证码（otp）。")


class PasswordChangeRequired(Problem):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "password_change_required"
    default_detail = gettext_lazy("请先在网站上登录并修改临时密码，再为应用获取令牌。")


# Domain exceptions that know nothing of the API: class → (status, fallback code).
_registry: dict[type[BaseException], tuple[int, str]] = {}


def register(exc_class: type[BaseException], *, status: int, code: str = "") -> None:
    """Report `exc_class` as a problem with this status; its `code` attribute (or `code`
    given here) is the machine code and `str(exc)` the detail."""
    _registry[exc_class] = (status, code)


# Codes of Django ValidationErrors that are not bad requests: code → status.
_code_status: dict[str, int] = {}


def register_codes(*codes: str, status: int) -> None:
    """Report a ValidationError carrying one of `codes` with this status (e.g. 409 for a
    conflict with the object's current state, 403 for a rule about who may act)."""
    for code in codes:
        _code_status[code] = status


def _registered(exc) -> tuple[int, str] | None:
    for klass in type(exc).__mro__:
        if klass in _registry:
            return _registry[klass]
    return None


def problem(
    status_code: int,
    code: str,
    detail: str = "",
    *,
    title: str | None = None,
    errors: dict | None = None,
    headers: dict | None = None,
) -> HttpResponse:
    """A problem+json response; usable from plain Django views and middleware too."""
    body = {
        "type": TYPE_BASE + code,
        "title": force_str(title) if title else title_for(code),
        "status": status_code,
        "detail": force_str(detail),
        "code": code,
    }
    if errors:
        body["errors"] = errors
    response = HttpResponse(
        JSONRenderer().render(body), status=status_code, content_type=CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _item(message, code) -> dict:
    return {"code": force_str(code or "invalid"), "message": force_str(message)}


def _drf_errors(detail, prefix: str = "") -> dict[str, list[dict]]:
    """DRF's nested error details, flattened to {"field" or "parent.child": [...]}."""
    errors: dict[str, list[dict]] = {}
    if isinstance(detail, dict):
        for field, value in detail.items():
            key = f"{prefix}.{field}" if prefix else str(field)
            errors.update(_drf_errors(value, key))
    elif isinstance(detail, list):
        key = prefix or api_settings.NON_FIELD_ERRORS_KEY
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                errors.update(_drf_errors(value, f"{key}.{index}"))
            else:
                errors.setdefault(key, []).append(_item(value, getattr(value, "code", None)))
    else:
        key = prefix or api_settings.NON_FIELD_ERRORS_KEY
        errors.setdefault(key, []).append(_item(detail, getattr(detail, "code", None)))
    return errors


def _django_errors(exc: DjangoValidationError) -> dict[str, list[dict]]:
    def items(errors):
        return [_item(e.message % e.params if e.params else e.message, e.code) for e in errors]

    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): items(errs)
            for field, errs in exc.error_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: items(exc.error_list)}


def _validation_problem(errors: dict[str, list[dict]]) -> HttpResponse:
    fields = [f for f in errors if f != api_settings.NON_FIELD_ERRORS_KEY]
    general = errors.get(api_settings.NON_FIELD_ERRORS_KEY, [])
    if not fields and len(general) == 1 and general[0]["code"] != "invalid":
        # A rule about the request as a whole (验证码不正确): its code is the problem's code.
        code = general[0]["code"]
        return problem(_code_status.get(code, 400), code, general[0]["message"], errors=errors)
    detail = general[0]["message"] if general and not fields else _("请检查标出的字段。")
    return problem(400, "invalid", detail, errors=errors)


class ProblemErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """The shape of every error (for the schema; responses are built by `problem`)."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text=gettext_lazy("稳定的机器可读错误码"))
    errors = serializers.DictField(
        child=ProblemErrorSerializer(many=True),
        required=False,
        help_text=gettext_lazy("按字段列出的错误"),
    )


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER. Returns None for anything unknown, so it reaches Django's
    500 handling (and the error log) instead of being disguised as a client error."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, TransitionError):  # a conflict with the object's current state
        set_rollback()
        return problem(409, exc.code, str(exc), errors=_django_errors(exc))

    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return _validation_problem(_django_errors(exc))

    registered = _registered(exc)
    if registered is not None:
        set_rollback()
        status_code, code = registered
        return problem(status_code, getattr(exc, "code", "") or code or "problem", str(exc))

    if not isinstance(exc, exceptions.APIException):
        return None

    set_rollback()
    headers = dict(getattr(exc, "headers", None) or {})
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait:
        headers["Retry-After"] = str(int(wait))

    if isinstance(exc, exceptions.ValidationError):
        response = _validation_problem(_drf_errors(exc.detail))
    else:
        code = getattr(exc, "code", None) or exc.default_code
        if isinstance(exc.detail, dict | list):
            detail = _("请求未能完成。")
        else:
            detail = exc.detail
            code = getattr(detail, "code", None) or code
        if isinstance(exc, Problem):
            code = exc.code
        response = problem(exc.status_code, code, detail, title=getattr(exc, "title", None))
    for name, value in headers.items():
        response[name] = value
    return response


def not_found(request, *args, **kwargs) -> HttpResponse:
    """Unknown paths under /api/ answer in the API's language, not with the HTML page."""
    return problem(404, "not_found", _("请求的资源不存在。"))

"""The schema tells the whole truth about errors: every operation documents each error status
it can answer, as `application/problem+json` with the Problem shape (RFC 9457, see
`problems.py`), derived from what the view and the operation are made of:

    400  always: control characters in the path or the query string are refused before any
         view (yiwang.web.middleware), and most operations read parameters or a body too
    401  it reads credentials (a bad or revoked token is refused whatever the permission)
    403  it changes something and accepts the session cookie (DRF checks CSRF)
    404  it has path parameters, or pages a list (a page past the last one)
    406  it negotiates the response's format (an Accept header it cannot serve)
    413  it reads a body (one over YIWANG_REQUEST_MAX_BYTES is refused unread)
    415  it reads a body (a Content-Type none of its parsers reads)
    422  it honours Idempotency-Key (a key reused for a different request)
    429  it is throttled

A view declares anything else (409 for a conflict with the object's state, 403 where a rule
about who may act is checked, 410, …) in `@extend_schema(responses=…)` as before; such a
declaration is also answered as problem+json.

Optional query parameters are read like an HTML form (DRF's `Field.get_value`): an empty
value is the same as leaving the parameter out, so the schema says `allowEmptyValue`.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import SAFE_METHODS

from . import idempotency, problems

# The titles `problems.title_for` gives these statuses, as the responses' descriptions.
DESCRIPTIONS = {
    "400": _("请求数据有误"),
    "401": _("需要登录"),
    "403": _("没有权限"),
    "404": _("未找到"),
    "406": _("无法提供所要求的格式"),
    "413": _("提交的内容太大"),
    "415": _("不支持的内容类型"),
    "422": _("幂等键已用于其他请求"),
    "429": _("请求过于频繁"),
}

# Response headers an error carries: (status, name) → header object.
HEADERS = {
    "401": {
        "WWW-Authenticate": {
            "schema": {"type": "string"},
            "required": True,
            "description": "Token",
        }
    },
    "429": {
        "Retry-After": {
            "schema": {"type": "integer"},
            "required": False,
            "description": _("多少秒后可以再试"),
        }
    },
}


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        responses = operation["responses"]
        for status in self._error_statuses(operation):
            responses.setdefault(
                status, self._get_response_for_code(problems.ProblemSerializer, status)
            )
        for status, response in responses.items():
            if status in DESCRIPTIONS and not response.get("description"):
                response["description"] = DESCRIPTIONS[status]
            if status in HEADERS:
                response.setdefault("headers", {}).update(HEADERS[status])
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        # Errors are problem+json whatever renderer the view has (problems.exception_handler).
        if str(status_code)[0] in "45":
            media_types = [problems.CONTENT_TYPE]
        return super()._get_response_for_code(serializer, status_code, media_types, direction)

    def _error_statuses(self, operation) -> list[str]:
        parameters = operation.get("parameters", [])
        places = {parameter["in"] for parameter in parameters}
        names = {parameter["name"] for parameter in parameters}
        has_body = "requestBody" in operation
        authenticators = self.view.get_authenticators()
        statuses = ["400"]
        if authenticators:
            statuses.append("401")
        if self.method not in SAFE_METHODS and any(
            isinstance(a, SessionAuthentication) for a in authenticators
        ):
            statuses.append("403")
        if "path" in places or "page" in names:
            statuses.append("404")
        if _negotiates(self.view):
            statuses.append("406")
        if has_body:
            statuses += ["413", "415"]
        if idempotency.HEADER in names:
            statuses.append("422")
        if self.view.get_throttles():
            statuses.append("429")
        return statuses


def _negotiates(view) -> bool:
    negotiator = view.get_content_negotiator()
    return type(negotiator).select_renderer is DefaultContentNegotiation.select_renderer

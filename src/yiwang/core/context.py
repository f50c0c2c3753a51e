"""Who is asking, from where: carried from the request to the audit log without passing
the request through every service call."""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    request_id: str = ""
    ip: str | None = None


_EMPTY = RequestInfo()
_current = contextvars.ContextVar("yiwang_request", default=_EMPTY)  # noqa: B039 (frozen)


def current() -> RequestInfo:
    return _current.get()


def bind(info: RequestInfo):
    return _current.set(info)


def reset(token) -> None:
    _current.reset(token)

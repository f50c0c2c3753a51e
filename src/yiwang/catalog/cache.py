"""Published-catalogue responses are cached under a generation number; publishing bumps it,
so every channel sees the change at once without hunting for keys."""

import contextlib
import hashlib
from contextvars import ContextVar

from django.core.cache import cache
from django.db import transaction

_KEY = "catalog:generation"
# The generation a read-only request works under (`pinned`), else None.
_pinned: ContextVar[int | None] = ContextVar("catalog_generation", default=None)


def generation() -> int:
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    value = cache.get(_KEY)
    if value is None:
        cache.add(_KEY, 1, timeout=None)
        value = cache.get(_KEY, 1)
    return value


@contextlib.contextmanager
def pinned():
    """Within it, the generation is read from the cache once: a read-only request (the
    catalogue API's) asks for it for its response's key, the search results' key and the
    search snapshot, and answers under one generation throughout."""
    if _pinned.get() is not None:
        yield
        return
    token = _pinned.set(generation())
    try:
        yield
    finally:
        _pinned.reset(token)


def key(kind: str, *parts) -> str:
    # The parts are users' words (spaces, any script, any length): hashed, so the key is
    # valid for every cache backend (memcached refuses spaces and keys over 250 bytes).
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    return f"catalog:{generation()}:{kind}:{digest}"


def invalidate() -> None:
    def bump():
        try:
            cache.incr(_KEY)
        except ValueError:
            cache.set(_KEY, 2, timeout=None)

    transaction.on_commit(bump)

"""Published-catalogue responses are cached under a generation number; publishing bumps it,
so every channel sees the change at once without hunting for keys."""

import hashlib

from django.core.cache import cache
from django.db import transaction

_KEY = "catalog:generation"


def generation() -> int:
    value = cache.get(_KEY)
    if value is None:
        cache.add(_KEY, 1, timeout=None)
        value = cache.get(_KEY, 1)
    return value


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

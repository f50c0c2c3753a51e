"""Published-catalogue responses are cached under a generation number; publishing bumps it,
so every channel sees the change at once without hunting for keys."""

from django.core.cache import cache
from django.db import transaction

_KEY = "catalog:generation"


def generation() -> int:
    value = cache.get(_KEY)
    if value is None:
        cache.add(_KEY, 1, timeout=None)
        value = cache.get(_KEY, 1)
    return value


def key(*parts) -> str:
    return ":".join(["catalog", str(generation()), *map(str, parts)])


def invalidate() -> None:
    def bump():
        try:
            cache.incr(_KEY)
        except ValueError:
            cache.set(_KEY, 2, timeout=None)

    transaction.on_commit(bump)

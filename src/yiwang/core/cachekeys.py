"""Cache keys any cache server takes (settings CACHES KEY_FUNCTION).

Callers put user text in keys (a search for "营业 执照", a page's query string). Memcached
refuses keys with spaces or control characters or longer than 250 bytes, and its usual
clients refuse non-ASCII ones; Django warns about them (CacheKeyWarning) on every backend.
Here a key that would not pass is replaced by its SHA-256, so every caller is safe at once
and plain keys stay readable."""

import hashlib
import re

from django.core.cache.backends.base import MEMCACHE_MAX_KEY_LENGTH

_UNSAFE = re.compile("[\x00-\x20\x7f]")  # spaces and control characters


def _safe(key: str) -> bool:
    return len(key) <= MEMCACHE_MAX_KEY_LENGTH and key.isascii() and not _UNSAFE.search(key)


def make_key(key, key_prefix: str, version) -> str:
    full = f"{key_prefix}:{version}:{key}"
    if _safe(full):
        return full
    digest = hashlib.sha256(str(key).encode("utf-8", "surrogatepass")).hexdigest()
    # "#" marks a hashed key; a caller's own key would have to be "#" + 64 hex digits to meet it.
    hashed = f"{key_prefix}:{version}:#{digest}"
    if _safe(hashed):
        return hashed
    # Only an unusable prefix (KEY_PREFIX) gets here: hash it too.
    return "#" + hashlib.sha256(hashed.encode("utf-8", "surrogatepass")).hexdigest()

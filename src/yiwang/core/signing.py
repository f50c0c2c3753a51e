"""Signatures shared by the apps that sign things (e-licences, audit checkpoints): one
canonical serialisation, strict base64url, and the algorithms behind a registry keyed by
name (Ed25519 implemented; an SM2 class with the same three methods can be registered
later). What is signed, and where the keys live, is each app's own business.

The canonical form is sorted-key compact JSON in UTF-8 (strings NFC-normalised), so the
same claims give the same bytes whatever the key order."""

import base64
import datetime
import functools
import hashlib
import json
import re
import unicodedata
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# --- canonical serialisation --------------------------------------------------------------


def _normalise(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        normalised = {_normalise(str(k)): _normalise(v) for k, v in value.items()}
        if len(normalised) != len(value):
            # Two keys that are one after NFC would overwrite each other, and which one won
            # would depend on the order they came in: such claims have no canonical form.
            raise ValueError("claims have keys that are equal after NFC normalisation")
        return normalised
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        raise TypeError("floats are not allowed in signed claims; use strings")
    return value


def canonical(claims: dict) -> bytes:
    """Sorted-key compact JSON, UTF-8, strings in NFC: equal claims, equal bytes."""
    return json.dumps(
        _normalise(claims), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Strict: only the one canonical encoding of some bytes is accepted, so changing any
    character of a payload changes what is checked (no "same bytes, other spelling")."""
    if not _B64URL_TEXT.fullmatch(text):
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url(data) != text:
        raise ValueError("not canonical base64url")
    return data


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_B64URL_TEXT = re.compile(r"[A-Za-z0-9_-]+")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- algorithms ---------------------------------------------------------------------------


class Algorithm(Protocol):
    name: str

    def generate(self) -> tuple[bytes, bytes]:
        """A new (private, public) key pair as raw bytes."""

    def sign(self, private: bytes, message: bytes) -> bytes: ...

    def verify(self, public: bytes, signature: bytes, message: bytes) -> bool: ...


class Ed25519:
    name = "Ed25519"

    def generate(self) -> tuple[bytes, bytes]:
        key = Ed25519PrivateKey.generate()
        private = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return private, public

    def sign(self, private: bytes, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(private).sign(message)

    def verify(self, public: bytes, signature: bytes, message: bytes) -> bool:
        try:
            _ed25519_public_key(public).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@functools.lru_cache(maxsize=64)
def _ed25519_public_key(public: bytes) -> Ed25519PublicKey:
    """The loaded key for raw public bytes: loading cost a fifth of the signature check, and
    there are only ever a few keys (a bad length raises ValueError, which is not cached)."""
    return Ed25519PublicKey.from_public_bytes(public)


ALGORITHMS: dict[str, Algorithm] = {}


def register_algorithm(algorithm: Algorithm) -> None:
    ALGORITHMS[algorithm.name] = algorithm


register_algorithm(Ed25519())
DEFAULT_ALGORITHM = "Ed25519"

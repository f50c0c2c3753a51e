"""Encryption at rest for identity numbers, and a keyed blind index to find them again.

Keys come from YIWANG_DATA_KEY (comma-separated: the first encrypts, all decrypt, so a key
can be rotated by putting the new one first). Subkeys are derived with HKDF so the index key
never equals the encryption key.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"yiwang", info=purpose).derive(
        secret.encode()
    )


def _secrets() -> list[str]:
    return [s.strip() for s in settings.YIWANG_DATA_KEY.split(",") if s.strip()]


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(_derive(k, b"encrypt personal data"))) for k in keys]
    )


def encrypt(plaintext: str) -> str:
    return _fernet(tuple(_secrets())).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(tuple(_secrets())).decrypt(token.encode()).decode()


def blind_index(value: str) -> str:
    key = _derive(_secrets()[0], b"blind index")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

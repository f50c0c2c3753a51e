"""Signing and verifying licences.

What is signed (the *claims*) is chosen so that anyone can check a licence offline with
nothing but our public key and the QR code, without the QR leaking more personal data than
the printed licence's verification page may show:

    {"v": 2, "no": number, "t": type code, "tn": type name, "h": holder name masked (张*),
     "f": {照面字段: masked value}, "iss": issued on, "exp": valid until or null,
     "org": issuer name, "st": "valid", "kid": key id}

Nothing in the claims is computed from personal data: every value is either not personal
or masked (see masking.py), so the QR code gives away no more than its masks show, and no
guess at a hidden part can be checked against it. Version 1 also carried `hid`, an unkeyed
digest of "licence number:ID number" — with the masked number beside it, enumerating the
eight hidden digits (the birth date) and recomputing the digest recovered the number. A
verifier binds a licence to the person in front of them the way a counter does: the masked
name and ID number against the identity card they show. `yiwang resign-licenses` re-signs
licences still carrying a version 1 payload (docs/licenses.md, "What a QR code reveals").

The canonical form is sorted-key compact JSON in UTF-8 (strings NFC-normalised), so the
same claims give the same bytes whatever the key order. The compact payload the QR carries
is base64url(canonical bytes) "." base64url(signature) — the kid travels inside the signed
claims, so changing it breaks the signature. The serialisation and the algorithm registry
are shared with other signers (`yiwang.core.signing`).
"""

import base64
import binascii
import datetime
import hmac
import json
import secrets
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.core.signing import (  # noqa: F401 - the licence code and its tests use them from here
    _B64URL,
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    Algorithm,
    Ed25519,
    b64url,
    canonical,
    digest,
    register_algorithm,
    unb64url,
)
from yiwang.identity import crypto

from . import selectors
from .models import EXPIRED, NOT_GENUINE, License, SigningKey, Status

PAYLOAD_VERSION = 2
# Versions a payload may carry and still be checked: a version 1 QR code printed before its
# licence was re-signed is our signature, so it is refused as superseded (online) with
# words that say so, not as garbage.
READABLE_VERSIONS = (1, PAYLOAD_VERSION)


# --- keys ---------------------------------------------------------------------------------


def _new_kid() -> str:
    return f"k{timezone.localdate():%Y%m%d}-{secrets.token_hex(3)}"


def _create_key(algorithm: str) -> SigningKey:
    known_keys.forget()
    private, public = ALGORITHMS[algorithm].generate()
    return SigningKey.objects.create(
        kid=_new_kid(),
        algorithm=algorithm,
        public_key=base64.b64encode(public).decode("ascii"),
        private_key_encrypted=crypto.encrypt(base64.b64encode(private).decode("ascii")),
        active=True,
    )


def ensure_active_key(algorithm: str = DEFAULT_ALGORITHM) -> SigningKey:
    """The active key, made on first use."""
    key = SigningKey.objects.filter(active=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _create_key(algorithm)
    except IntegrityError:  # another process made it first
        return SigningKey.objects.get(active=True)


@transaction.atomic
def rotate_key(algorithm: str = DEFAULT_ALGORITHM) -> SigningKey:
    """A new active key; the old one is retired but keeps verifying what it signed."""
    list(SigningKey.objects.select_for_update().filter(active=True))
    SigningKey.objects.filter(active=True).update(active=False, retired_at=timezone.now())
    return _create_key(algorithm)


def public_keys() -> dict[str, tuple[str, bytes]]:
    """kid → (algorithm, raw public key): all a verifier needs."""
    return {
        k.kid: (k.algorithm, base64.b64decode(k.public_key))
        for k in SigningKey.objects.only("kid", "algorithm", "public_key")
    }


class _KnownKeys:
    """The public keys, kept in this process: a key's public half never changes once made,
    so only an unknown kid (a key made since, perhaps by another process) asks the
    database again. Verification is then one query, not two."""

    def __init__(self):
        self._keys: dict[str, tuple[str, bytes]] = {}

    def get(self, kid: str, default=None):
        if kid not in self._keys:
            self._keys = public_keys()
        return self._keys.get(kid, default)

    def forget(self) -> None:
        self._keys = {}


known_keys = _KnownKeys()


def _private_key(key: SigningKey) -> bytes:
    return base64.b64decode(crypto.decrypt(key.private_key_encrypted))


# --- signing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    kid: str
    payload: str  # compact: base64url(canonical claims) "." base64url(signature)
    signature: str  # base64url
    payload_hash: str  # SHA-256 hex of the canonical claims


def sign_claims(claims: dict, key: SigningKey | None = None) -> Signed:
    key = key or ensure_active_key()
    message = canonical({**claims, "kid": key.kid})
    signature = ALGORITHMS[key.algorithm].sign(_private_key(key), message)
    return Signed(
        kid=key.kid,
        payload=f"{b64url(message)}.{b64url(signature)}",
        signature=b64url(signature),
        payload_hash=digest(message),
    )


# --- verification -------------------------------------------------------------------------


@dataclass
class Verification:
    """The verdict on a payload: valid / expired / revoked / replaced / not_genuine.

    `claims` are the signed (already masked) contents, empty when not genuine; `reason`
    says why something is not genuine (malformed, unknown_key, bad_signature,
    unknown_number, superseded); `online` is True when the live status came from the
    database, False for a signature-and-dates-only check."""

    status: str
    claims: dict = field(default_factory=dict)
    license: License | None = None
    reason: str = ""
    online: bool = False

    @property
    def genuine(self) -> bool:
        return self.status != NOT_GENUINE

    @property
    def words(self) -> str:
        from django.utils.translation import gettext

        from .models import STATUS_WORDS

        if self.reason == "superseded":
            # Our signature, on a QR code the licence no longer carries (re-signed since).
            return gettext("二维码已失效")
        return str(STATUS_WORDS[self.status])


def _not_genuine(reason: str, *, online: bool) -> Verification:
    return Verification(NOT_GENUINE, reason=reason, online=online)


def _decode(payload: str) -> tuple[dict, bytes, str, bytes] | None:
    """(claims, message bytes, signature text, signature bytes) of a well-formed payload of
    our version, else None."""
    try:
        body, signature_text = (payload or "").strip().split(".")
        message, signature = unb64url(body), unb64url(signature_text)
        claims = json.loads(message.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None
    if not isinstance(claims, dict):
        return None
    version = claims.get("v")
    if type(version) is not int or version not in READABLE_VERSIONS:
        return None
    return claims, message, signature_text, signature


def payload_version(payload: str) -> int | None:
    """The claims' version of a well-formed payload (signature not checked), else None."""
    decoded = _decode(payload)
    return decoded[0]["v"] if decoded is not None else None


def _known_key(claims: dict, keys) -> tuple[str, bytes] | None:
    known = keys.get(str(claims.get("kid", "")))
    if known is None or known[0] not in ALGORITHMS:
        return None
    return known


def _open(payload: str, keys) -> tuple[dict | None, str, bytes]:
    """Check the signature; return (claims, reason if not genuine, message bytes)."""
    decoded = _decode(payload)
    if decoded is None:
        return None, "malformed", b""
    claims, message, _text, signature = decoded
    known = _known_key(claims, keys)
    if known is None:
        return None, "unknown_key", b""
    algorithm, public = known
    if not ALGORITHMS[algorithm].verify(public, signature, message):
        return None, "bad_signature", b""
    return claims, "", message


def claim_date(text) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


def verify_offline(
    payload: str, public_keys: dict[str, tuple[str, bytes]], today: datetime.date | None = None
) -> Verification:
    """Signature and dates only — what a verifier without our database can know: genuine
    and within its dates (valid), past its date (expired), or not genuine. Revocation and
    replacement need the online check."""
    claims, reason, _message = _open(payload, public_keys)
    if claims is None:
        return _not_genuine(reason, online=False)
    until = claim_date(claims.get("exp"))
    today = today or timezone.localdate()
    status = EXPIRED if until is not None and until < today else Status.VALID.value
    return Verification(status, claims=claims, online=False)


def verify(payload: str, today: datetime.date | None = None) -> Verification:
    """The licence's live status, once the payload is known to be one we issued.

    Online, our own record is the authority. A payload whose signed bytes (by SHA-256) and
    signature are exactly those recorded for its licence is the one we signed and handed
    out, so the Ed25519 check, a sixth of a scan's cost, is not repeated for it. Anything
    else gets the full check, so it is refused with the precise reason: bad_signature when
    the signature does not verify, unknown_number or superseded when it does but our record
    holds no such licence or a newer payload. Garbled payloads and unknown keys are refused
    before the database is asked."""
    decoded = _decode(payload)
    if decoded is None:
        return _not_genuine("malformed", online=True)
    claims, message, signature_text, signature = decoded
    known = _known_key(claims, known_keys)
    if known is None:
        return _not_genuine("unknown_key", online=True)
    licence = selectors.verdict_licence(str(claims.get("no", "")))
    if (
        licence is not None
        and hmac.compare_digest(licence.signature, signature_text)
        and hmac.compare_digest(licence.payload_hash, digest(message))
    ):
        return Verification(licence.status_on(today), claims=claims, license=licence, online=True)
    algorithm, public = known
    if not ALGORITHMS[algorithm].verify(public, signature, message):
        return _not_genuine("bad_signature", online=True)
    if licence is None:
        return _not_genuine("unknown_number", online=True)
    # Signed by us, but not what this licence carries now (never happens unless a licence
    # was re-signed; an old signature must not outlive the new one).
    return _not_genuine("superseded", online=True)

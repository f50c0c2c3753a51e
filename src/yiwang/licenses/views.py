"""The public verification page: anyone (no login) who scans a licence's QR code sees the
verdict in big plain words and the masked contents that were signed — never more."""

from django.shortcuts import render
from django.utils import timezone

from . import services, signing
from .models import EXPIRED, NOT_GENUINE, Status

TONES = {
    Status.VALID.value: "ok",
    EXPIRED: "warn",
    Status.REVOKED.value: "bad",
    Status.REPLACED.value: "warn",
    NOT_GENUINE: "bad",
}


def verification_context(result) -> dict:
    """What licenses/_verification.html shows (also behind a share link)."""
    licence = result.license
    claims = result.claims
    return {
        "result": result,
        "claims": claims,
        # The signed dates are ISO text; shown as dates, in the reader's language.
        "issued_on": signing.claim_date(claims.get("iss")),
        "valid_until": signing.claim_date(claims.get("exp")),
        "tone": TONES[result.status],
        "replaced_by": licence.replaced_by.number
        if licence is not None and licence.replaced_by_id
        else "",
        "revoked_on": timezone.localdate(licence.revoked_at)
        if licence is not None and licence.revoked_at
        else None,
    }


def verify(request, payload):
    result = services.verify(payload)
    response = render(
        request,
        "licenses/verify.html",
        {**verification_context(result), "minimal": True},
        status=200,
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response

"""Licences signed before the claims lost the holder digest (payload version 1): one command
re-signs them; the old QR codes then say plainly online that they are no longer valid, and
the holders are told to download their licence again."""

import io
import json

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.audit.models import AuditEvent
from yiwang.licenses import services, signing
from yiwang.licenses.models import License
from yiwang.notify.models import Message

FULL_ID = "110101198503152019"


def sign_as_version_1(licence: License) -> str:
    """What the licence carried before: version 1 claims with `hid`, an unkeyed digest of
    "licence number:ID number"."""
    claims = {
        **services.claims_of(licence),
        "v": 1,
        "hid": signing.digest(f"{licence.number}:{FULL_ID}".encode())[:16],
    }
    signed = signing.sign_claims(claims)
    License.objects.filter(pk=licence.pk).update(
        kid=signed.kid,
        signature=signed.signature,
        payload_hash=signed.payload_hash,
        payload=signed.payload,
    )
    licence.refresh_from_db()
    return signed.payload


def claims(payload: str) -> dict:
    return json.loads(signing.unb64url(payload.split(".")[0]))


def test_resigning_drops_the_holder_digest_and_keeps_the_licence_verifiable(id_card):
    old = sign_as_version_1(id_card)
    assert services.verify(old).status == "valid"  # still what the record holds

    assert services.resign_outdated(by="test") == 1
    id_card.refresh_from_db()
    new = claims(id_card.payload)
    assert new["v"] == signing.PAYLOAD_VERSION and "hid" not in new
    assert services.verify(id_card.payload).status == "valid"
    assert signing.verify_offline(id_card.payload, signing.public_keys()).status == "valid"
    assert services.resign_outdated(by="test") == 0  # nothing left to do


def test_an_old_qr_code_says_plainly_that_it_is_no_longer_valid(id_card, client, api):
    old = sign_as_version_1(id_card)
    services.resign_outdated(by="test")

    result = services.verify(old)
    assert (result.status, result.reason, result.words) == (
        "not_genuine",
        "superseded",
        "二维码已失效",
    )
    html = client.get(f"/v/{old}").content.decode()
    assert "二维码已失效" in html and "重新下载证照" in html
    assert "非真实证照" not in html and "110101********2019" not in html
    answer = api.get("/api/v1/licenses/verify", {"payload": old}).json()
    assert (answer["status"], answer["reason"], answer["words"]) == (
        "not_genuine",
        "superseded",
        "二维码已失效",
    )
    # Offline, without our record, the old code is still our signature over its dates.
    assert signing.verify_offline(old, signing.public_keys()).status == "valid"


def test_the_holder_is_told_and_the_resigning_is_audited(id_card, user_named):
    sign_as_version_1(id_card)
    services.resign_outdated(by="test")
    message = Message.objects.get(recipient=user_named("citizen"), subject="电子证照二维码已更新")
    assert id_card.number in message.body and "重新下载" in message.body
    event = AuditEvent.objects.get(action="license.resigned")
    assert event.object_id == str(id_card.pk) and event.summary["from_version"] == 1


def test_the_holder_of_a_revoked_licence_is_not_told(id_card, user_named):
    services.revoke(id_card.pk, by=user_named("head-gaj"), reason="遗失")
    sign_as_version_1(id_card)
    assert services.resign_outdated(by="test") == 1
    assert not Message.objects.filter(subject="电子证照二维码已更新").exists()
    id_card.refresh_from_db()
    assert services.verify(id_card.payload).status == "revoked"


def test_resigning_one_licence_costs_a_pinned_number_of_statements(id_card):
    sign_as_version_1(id_card)
    with CaptureQueriesContext(connection) as queries:
        services.resign_outdated(by="test")
    # The scan; then in one transaction: lock and read, the signing key, the update, the
    # audit event (one insert), the holder and the message.
    assert len(queries) <= 9, [q["sql"][:60] for q in queries]


def test_the_command_resigns_and_says_how_many(id_card):
    sign_as_version_1(id_card)
    out = io.StringIO()
    call_command("resign_licenses", stdout=out)
    assert "1" in out.getvalue()
    id_card.refresh_from_db()
    assert "hid" not in claims(id_card.payload)

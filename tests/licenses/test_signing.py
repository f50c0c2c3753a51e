"""Signatures: the canonical form is stable, a payload verifies with the public key alone,
any change to it or a wrong key makes it not genuine, and rotating keys keeps old licences
verifiable."""

import base64
import json
import unicodedata

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.licenses import services, signing
from yiwang.licenses.models import License, SigningKey

values = st.one_of(st.none(), st.integers(), st.booleans(), st.text(max_size=20))
# Keys are distinct after NFC, as real claims' keys are: colliding ones are refused (below).
claims_strategy = st.dictionaries(st.text(max_size=10), values, max_size=12).filter(
    lambda claims: len({unicodedata.normalize("NFC", k) for k in claims}) == len(claims)
)


@given(claims_strategy, st.randoms())
def test_canonical_bytes_do_not_depend_on_key_order(claims, rnd):
    items = list(claims.items())
    rnd.shuffle(items)
    assert signing.canonical(dict(items)) == signing.canonical(claims)


@given(claims_strategy)
def test_canonical_bytes_survive_a_json_round_trip(claims):
    import json

    once = signing.canonical(claims)
    assert signing.canonical(json.loads(once)) == once


def test_keys_equal_after_nfc_have_no_canonical_form():
    # Otherwise one would overwrite the other, and which depended on the order given.
    with pytest.raises(ValueError):
        signing.canonical({"e\u0301": 1, "\u00e9": 2})


def test_composed_and_decomposed_chinese_sign_the_same():
    assert signing.canonical({"a": "e\u0301"}) == signing.canonical({"a": "\u00e9"})


def test_a_licence_verifies_offline_with_only_the_public_key(id_card):
    keys = signing.public_keys()
    result = signing.verify_offline(id_card.payload, keys)
    assert result.status == "valid" and not result.online
    assert result.claims["no"] == id_card.number
    assert result.claims["h"] == "张*"
    assert result.claims["f"]["公民身份号码"] == "110101********2019"
    # Nothing computed from the ID number: a verifier compares the masks with the card.
    assert set(result.claims) == {"v", "no", "t", "tn", "h", "f", "iss", "exp", "org", "st", "kid"}
    assert "110101198503152019" not in signing.unb64url(id_card.payload.split(".")[0]).decode()


@pytest.mark.django_db
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), replacement=st.sampled_from(sorted(signing._B64URL)))
def test_changing_any_character_of_the_payload_makes_it_not_genuine(id_card, position, replacement):
    payload = id_card.payload
    position %= len(payload)
    if payload[position] == replacement or payload[position] == ".":
        replacement = "." if payload[position] != "." else "A"
    tampered = payload[:position] + replacement + payload[position + 1 :]
    assert signing.verify_offline(tampered, signing.public_keys()).status == "not_genuine"
    assert services.verify(tampered).status == "not_genuine"


@pytest.mark.django_db
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_flipping_any_bit_of_the_signed_bytes_makes_it_not_genuine(id_card, data):
    body, sig = id_card.payload.split(".")
    message, signature = bytearray(signing.unb64url(body)), bytearray(signing.unb64url(sig))
    target = data.draw(st.sampled_from(["message", "signature"]))
    raw = message if target == "message" else signature
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] ^= 1 << data.draw(st.integers(0, 7))
    tampered = f"{signing.b64url(bytes(message))}.{signing.b64url(bytes(signature))}"
    assert signing.verify_offline(tampered, signing.public_keys()).status == "not_genuine"


def test_a_wrong_key_is_not_genuine(id_card):
    kid = id_card.kid
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    result = signing.verify_offline(id_card.payload, {kid: ("Ed25519", other)})
    assert (result.status, result.reason) == ("not_genuine", "bad_signature")
    assert signing.verify_offline(id_card.payload, {}).reason == "unknown_key"


def test_a_payload_signed_by_someone_else_under_our_key_id_is_not_genuine(id_card):
    body, _sig = id_card.payload.split(".")
    forged = Ed25519PrivateKey.generate().sign(signing.unb64url(body))
    result = services.verify(f"{body}.{signing.b64url(forged)}")
    assert (result.status, result.reason) == ("not_genuine", "bad_signature")


def test_an_old_payload_of_a_re_signed_licence_is_not_genuine_online(id_card):
    # Still a good signature, so offline it passes; online our record holds a newer one.
    old = id_card.payload
    claims = json.loads(signing.unb64url(old.split(".")[0]))
    signed = signing.sign_claims({**claims, "h": "张*"} | {"f": {**claims["f"], "备注": "新"}})
    License.objects.filter(pk=id_card.pk).update(
        payload=signed.payload, signature=signed.signature, payload_hash=signed.payload_hash
    )
    assert signing.verify_offline(old, signing.public_keys()).status == "valid"
    assert (services.verify(old).status, services.verify(old).reason) == (
        "not_genuine",
        "superseded",
    )
    assert services.verify(signed.payload).status == "valid"


def test_a_genuine_signature_for_a_number_we_never_issued_is_not_genuine(id_card):
    claims = json.loads(signing.unb64url(id_card.payload.split(".")[0]))
    signed = signing.sign_claims({**claims, "no": "NEVER-ISSUED-1"})
    result = services.verify(signed.payload)
    assert (result.status, result.reason) == ("not_genuine", "unknown_number")


def test_garbage_is_not_genuine(db):
    for payload in ["", "abc", "a.b.c", "!!!.???", base64.b64encode(b"{}").decode() + ".AA"]:
        assert services.verify(payload).status == "not_genuine"


def test_rotation_keeps_old_licences_valid_and_signs_new_ones_with_the_new_key(
    id_card, types, user_named, api
):
    old_kid = id_card.kid
    new_key = signing.rotate_key()
    assert new_key.kid != old_kid
    assert list(SigningKey.objects.filter(active=True)) == [new_key]
    assert SigningKey.objects.get(kid=old_kid).retired_at is not None
    assert services.verify(id_card.payload).status == "valid"

    from .conftest import id_card_data

    citizen2 = user_named("citizen2")
    second = services.issue(
        types["L-SFZ"], holder_person=citizen2, data=id_card_data(citizen2), by="test"
    )
    assert second.kid == new_key.kid
    assert services.verify(second.payload).status == "valid"

    published = api.get("/api/v1/license-keys").json()
    assert {k["kid"]: k["active"] for k in published} == {old_kid: False, new_key.kid: True}
    for key in published:
        assert key["alg"] == "Ed25519" and len(base64.b64decode(key["public_key"])) == 32
    # Offline, with the published keys only.
    keys = {k["kid"]: (k["alg"], base64.b64decode(k["public_key"])) for k in published}
    assert signing.verify_offline(id_card.payload, keys).status == "valid"


def test_the_private_key_is_stored_encrypted(id_card):
    key = SigningKey.objects.get(kid=id_card.kid)
    assert key.private_key_encrypted.startswith("gAAAA")  # a Fernet token
    assert key.public_key not in key.private_key_encrypted


def test_the_rotate_command_names_the_new_key(db, capsys):
    from django.core.management import call_command

    call_command("rotate_license_key")
    key = SigningKey.objects.get(active=True)
    assert key.kid in capsys.readouterr().out

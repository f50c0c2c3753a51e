"""What a scan costs (bench/licenses measures it): a genuine QR code asks the database once
and, being exactly what we recorded, needs no signature check; a garbled one or one under an
unknown key is refused without a query; the public keys stay in memory, yet a key made since
is still found; the answer is JSON whatever the client accepts, and no session is left
behind."""

import datetime
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yiwang.licenses import selectors, services, signing
from yiwang.licenses.models import License

from .conftest import id_card_data

VERIFY = "/api/v1/licenses/verify"


def test_a_genuine_payload_costs_one_narrow_query(id_card, api):
    api.get(VERIFY, {"payload": id_card.payload})  # the keys are loaded once per process
    with CaptureQueriesContext(connection) as queries:
        answer = api.get(VERIFY, {"payload": id_card.payload})
    assert answer.status_code == 200 and answer.json()["status"] == "valid"
    assert len(queries) == 1
    assert "licenses_license" in queries[0]["sql"] and '"data"' not in queries[0]["sql"]


def test_a_payload_exactly_as_recorded_skips_the_signature_check(id_card, monkeypatch):
    checked = []
    ed25519 = signing.ALGORITHMS["Ed25519"]
    monkeypatch.setattr(ed25519, "verify", lambda *args: checked.append(args) or True)
    assert services.verify(id_card.payload).status == "valid"
    assert checked == []


def test_a_garbled_payload_costs_no_query(id_card, api):
    body, sig = id_card.payload.split(".")
    api.get(VERIFY, {"payload": id_card.payload})
    with CaptureQueriesContext(connection) as queries:
        for payload in ["x.y", id_card.payload[:-1], f"{body}.{sig}.x"]:
            answer = api.get(VERIFY, {"payload": payload}).json()
            assert (answer["status"], answer["genuine"]) == ("not_genuine", False)
    assert len(queries) == 0


def test_an_unknown_key_is_refused_without_reading_the_licences(id_card, api):
    claims = json.loads(signing.unb64url(id_card.payload.split(".")[0]))
    body = signing.b64url(signing.canonical({**claims, "kid": "k-unknown"}))
    stranger = Ed25519PrivateKey.generate().sign(signing.unb64url(body))
    with CaptureQueriesContext(connection) as queries:
        answer = api.get(VERIFY, {"payload": f"{body}.{signing.b64url(stranger)}"}).json()
    assert (answer["status"], answer["genuine"]) == ("not_genuine", False)
    # Only the keys are read again, in case another process made that key since.
    assert not any("licenses_license" in q["sql"] for q in queries)


def test_a_forgery_under_our_key_id_is_refused_after_one_query(id_card, api):
    body, _sig = id_card.payload.split(".")
    forged = f"{body}.{signing.b64url(Ed25519PrivateKey.generate().sign(signing.unb64url(body)))}"
    api.get(VERIFY, {"payload": id_card.payload})
    with CaptureQueriesContext(connection) as queries:
        answer = api.get(VERIFY, {"payload": forged}).json()
    assert (answer["status"], answer["genuine"]) == ("not_genuine", False)
    assert services.verify(forged).reason == "bad_signature"
    assert len(queries) == 1


def test_a_key_made_by_another_process_after_the_keys_were_cached_is_found(
    id_card, types, user_named, api, monkeypatch
):
    assert services.verify(id_card.payload).status == "valid"  # keys now held in memory
    # Another process rotates the key: this process's memory is not told.
    monkeypatch.setattr(signing.known_keys, "forget", lambda: None)
    new_key = signing.rotate_key()
    citizen2 = user_named("citizen2")
    second = services.issue(
        types["L-SFZ"], holder_person=citizen2, data=id_card_data(citizen2), by="test"
    )
    assert second.kid == new_key.kid
    assert api.get(VERIFY, {"payload": second.payload}).json()["status"] == "valid"
    assert api.get(VERIFY, {"payload": id_card.payload}).json()["status"] == "valid"


def test_the_answer_is_json_whatever_the_client_accepts(id_card, api):
    response = api.get(VERIFY, {"payload": id_card.payload}, HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json()["holder"] == "张*"
    problem = api.get(VERIFY, HTTP_ACCEPT="text/html")
    assert problem.status_code == 400 and problem["Content-Type"] == "application/problem+json"


def test_scanning_leaves_no_session_and_the_page_costs_one_query(id_card, client):
    response = client.get(VERIFY, {"payload": id_card.payload})
    assert response.status_code == 200 and not response.cookies
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/v/{id_card.payload}")
    assert page.status_code == 200 and "有效" in page.content.decode()
    assert len(queries) == 1 and not page.cookies


def test_the_verdict_reads_the_live_row_with_its_dates(id_card, user_named):
    services.revoke(id_card.pk, by=user_named("head-gaj"), reason="遗失")
    stored = License.objects.get(pk=id_card.pk)
    licence = selectors.verdict_licence(id_card.number)
    assert licence.pk == id_card.pk and licence.status == "revoked"
    assert licence.valid_until == stored.valid_until == datetime.date(2035, 4, 1)
    assert licence.revoked_at == stored.revoked_at and timezone.is_aware(licence.revoked_at)
    # Anything else loads when asked, like a deferred field.
    assert licence.holder_name == stored.holder_name
    assert selectors.verdict_licence("NO-SUCH-NUMBER") is None
    License.objects.filter(pk=id_card.pk).update(final=False)
    assert selectors.verdict_licence(id_card.number) is None


def _verdict_executions() -> int:
    """How often this connection ran the verdict as a prepared statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(generic_plans + custom_plans), 0) FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["%licenses_license%"],
        )
        return int(cursor.fetchone()[0])


def test_on_postgresql_the_verdict_is_planned_once_per_connection(id_card, api, settings):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    before = _verdict_executions()
    for _ in range(3):
        assert api.get(VERIFY, {"payload": id_card.payload}).json()["status"] == "valid"
    assert _verdict_executions() == before + 3
    # A pooler that cannot keep prepared statements: the setting turns them off.
    settings.YIWANG_DB_PREPARED_STATEMENTS = False
    assert api.get(VERIFY, {"payload": id_card.payload}).json()["status"] == "valid"
    assert _verdict_executions() == before + 3

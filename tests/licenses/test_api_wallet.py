"""The wallet through the API (/api/v1/me/licenses…): what a mobile app shows the holder,
and 404 problems for anyone else."""

import datetime

import pytest
import time_machine

from yiwang.licenses import services
from yiwang.licenses.models import ShareLink

FULL_ID = "110101198503152019"


@pytest.fixture
def me(api_as, id_card):
    return api_as("citizen")


def test_the_list_shows_status_in_words(me, id_card, user_named):
    services.revoke(id_card.pk, by=user_named("head-gaj"), reason="遗失")
    answer = me.get("/api/v1/me/licenses").json()
    [row] = answer["results"]
    assert row["number"] == id_card.number and row["license_type"] == "L-SFZ"
    assert (row["status"], row["status_words"]) == ("revoked", "已注销")
    assert row["valid_until"] == "2035-04-01" and row["holder_kind"] == "person"
    assert row["pdf"] == f"/api/v1/me/licenses/{id_card.pk}.pdf"


def test_detail_masks_the_id_number(me, id_card):
    answer = me.get(f"/api/v1/me/licenses/{id_card.pk}").json()
    assert answer["fields"]["公民身份号码"] == "110101********2019"
    assert answer["fields"]["住址"] == "示例市示范区人民路12号3单元201室"
    assert FULL_ID not in str(answer) and answer["verify_url"].startswith("http")


def test_pdf(me, id_card):
    response = me.get(f"/api/v1/me/licenses/{id_card.pk}.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_outsiders_get_problem_404(api_as, id_card):
    other = api_as("citizen2")
    assert other.get("/api/v1/me/licenses").json()["results"] == []
    for path in ("", ".pdf"):
        response = other.get(f"/api/v1/me/licenses/{id_card.pk}{path}")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/problem+json")
    response = other.post(f"/api/v1/me/licenses/{id_card.pk}/share-links", {}, format="json")
    assert response.status_code == 404


def test_anonymous_is_401(api, id_card):
    assert api.get("/api/v1/me/licenses").status_code == 401


def test_share_links_are_made_listed_opened_and_revoked(me, id_card, client):
    with time_machine.travel(datetime.datetime(2026, 5, 1, 9, 0, tzinfo=datetime.UTC)):
        made = me.post(
            f"/api/v1/me/licenses/{id_card.pk}/share-links", {"valid_for": "7d"}, format="json"
        )
        assert made.status_code == 201
        link = made.json()
        assert link["state"] == "active" and link["expires_at"].startswith("2026-05-08")
        path = "/" + link["url"].split("://", 1)[1].split("/", 1)[1]
        assert client.get(path).status_code == 200
        listed = me.get(f"/api/v1/me/licenses/{id_card.pk}").json()["share_links"]
        assert [(x["id"], x["opened_count"]) for x in listed] == [(link["id"], 1)]
        gone = me.delete(f"/api/v1/me/licenses/{id_card.pk}/share-links/{link['id']}")
        assert gone.status_code == 204
        assert client.get(path).status_code == 410
        assert ShareLink.objects.get().state_on() == "revoked"


def test_a_bad_duration_is_a_400_problem(me, id_card):
    response = me.post(
        f"/api/v1/me/licenses/{id_card.pk}/share-links", {"valid_for": "1y"}, format="json"
    )
    assert response.status_code == 400 and not ShareLink.objects.exists()


def test_someone_elses_link_cannot_be_deleted(api_as, me, id_card):
    made = me.post(f"/api/v1/me/licenses/{id_card.pk}/share-links", {}, format="json").json()
    other = api_as("citizen2")
    response = other.delete(f"/api/v1/me/licenses/{id_card.pk}/share-links/{made['id']}")
    assert response.status_code == 404
    assert ShareLink.objects.get().revoked_at is None


def test_the_wallet_endpoints_are_in_the_schema(api):
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert {
        "/api/v1/me/licenses",
        "/api/v1/me/licenses/{id}",
        "/api/v1/me/licenses/{id}.pdf",
        "/api/v1/me/licenses/{id}/share-links",
        "/api/v1/me/licenses/{id}/share-links/{link_id}",
    } <= set(paths)

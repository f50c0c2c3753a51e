"""我的证照 as the holder uses it: the list in plain words, the detail with the ID number
masked until asked, the PDF, and time-limited share links a third party opens without
logging in. Outsiders — another citizen, staff — get a 404."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.audit.models import AuditEvent
from yiwang.identity.models import AgentAuthorisation
from yiwang.licenses import services
from yiwang.licenses.models import ShareLink

from .conftest import id_card_data

FULL_ID = "110101198503152019"


@pytest.fixture
def citizen_client(demo, client, user_named):
    client.force_login(user_named("citizen"))
    return client


@pytest.fixture
def business_licence(types, enterprise):
    return services.issue(
        types["L-YYZZ"],
        holder_enterprise=enterprise,
        data={name: "示例" for name in types["L-YYZZ"].fields},
        by="test",
        issued_on=datetime.date(2024, 1, 8),
    )


def _share(client, licence, valid_for="1d"):
    response = client.post(f"/my/licenses/{licence.pk}/share/", {"valid_for": valid_for})
    assert response.status_code == 302
    page = client.get(response["Location"])
    url = page.context["new_link"]["url"]
    assert url in page.content.decode()
    assert client.get(response["Location"]).context["new_link"] is None  # shown once
    return url.split("://", 1)[1].split("/", 1)[1]


def test_wallet_lists_the_holders_licences_in_plain_words(id_card, citizen_client, user_named):
    services.revoke(id_card.pk, by=user_named("head-gaj"), reason="遗失")
    html = citizen_client.get("/my/licenses/").content.decode()
    assert "居民身份证" in html and id_card.number in html and "已注销" in html
    assert "2035年4月1日" in html and "示例市公安局示范分局" in html


def test_my_space_links_to_the_wallet(citizen_client, demo):
    assert 'href="/my/licenses/"' in citizen_client.get("/me/").content.decode()


def test_agents_see_the_enterprises_licences_while_authorised(business_licence, client, user_named):
    client.force_login(user_named("company"))
    html = client.get("/my/licenses/").content.decode()
    assert "示范区明德餐饮有限公司的证照" in html and business_licence.number in html
    assert client.get(f"/my/licenses/{business_licence.pk}/").status_code == 200
    AgentAuthorisation.objects.update(valid_until=datetime.date(2020, 1, 1))
    assert business_licence.number not in client.get("/my/licenses/").content.decode()
    assert client.get(f"/my/licenses/{business_licence.pk}/").status_code == 404


def test_detail_masks_the_id_number_until_the_holder_asks(id_card, citizen_client):
    html = citizen_client.get(f"/my/licenses/{id_card.pk}/").content.decode()
    assert "110101********2019" in html and FULL_ID not in html
    assert "人民路12号3单元201室" in html  # the holder sees their own address
    revealed = citizen_client.post(f"/my/licenses/{id_card.pk}/").content.decode()
    assert FULL_ID in revealed
    assert AuditEvent.objects.filter(action="license.revealed").count() == 1


def test_the_pdf_downloads_for_the_holder(id_card, citizen_client):
    response = citizen_client.get(f"/my/licenses/{id_card.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("username", ["citizen2", "head-gaj", "clerk"])
def test_outsiders_get_404_for_someone_elses_licence(id_card, client, user_named, username):
    client.force_login(user_named(username))
    for path in ("", "pdf/"):
        assert client.get(f"/my/licenses/{id_card.pk}/{path}").status_code == 404
    assert client.post(f"/my/licenses/{id_card.pk}/share/", {"valid_for": "1d"}).status_code == 404
    assert id_card.number not in client.get("/my/licenses/").content.decode()


def test_the_wallet_needs_a_login(id_card, client):
    assert client.get("/my/licenses/").status_code == 302


def test_a_share_link_shows_the_verdict_and_masked_data_only(id_card, citizen_client, client):
    path = _share(citizen_client, id_card)
    client.logout()
    response = client.get(f"/{path}")
    html = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "有效" in html and id_card.number in html and "110101********2019" in html
    assert FULL_ID not in html and "张三" not in html
    link = ShareLink.objects.get()
    assert link.opened_count == 1 and link.last_opened_at is not None
    assert AuditEvent.objects.filter(action="license.share_opened").count() == 1


def test_only_the_hash_of_the_token_is_stored(id_card, citizen_client):
    path = _share(citizen_client, id_card)
    token = path.rsplit("/", 1)[1]
    link = ShareLink.objects.get()
    assert token not in link.token_hash and len(link.token_hash) == 64


def test_a_share_link_expires(id_card, citizen_client, client):
    with time_machine.travel(datetime.datetime(2026, 5, 1, 9, 0, tzinfo=datetime.UTC)):
        path = _share(citizen_client, id_card, valid_for="1h")
    with time_machine.travel(datetime.datetime(2026, 5, 1, 9, 59, tzinfo=datetime.UTC)):
        assert client.get(f"/{path}").status_code == 200
    with time_machine.travel(datetime.datetime(2026, 5, 1, 10, 1, tzinfo=datetime.UTC)):
        response = client.get(f"/{path}")
    html = response.content.decode()
    assert response.status_code == 410 and "链接已过期" in html
    assert id_card.number not in html
    assert ShareLink.objects.get().opened_count == 1  # the refused opening is not counted
    assert AuditEvent.objects.filter(action="license.share_refused").count() == 1


def test_a_revoked_share_link_says_so(id_card, citizen_client, client):
    path = _share(citizen_client, id_card)
    link = ShareLink.objects.get()
    response = citizen_client.post(f"/my/licenses/{id_card.pk}/share/{link.pk}/revoke/")
    assert response.status_code == 302
    html = client.get(f"/{path}").content.decode()
    assert "链接已撤销" in html and id_card.number not in html
    assert "已撤销" in citizen_client.get(f"/my/licenses/{id_card.pk}/").content.decode()


def test_an_unknown_share_link_is_a_404(client, db):
    response = client.get("/share/not-a-token")
    assert response.status_code == 404 and "链接无效" in response.content.decode()


def test_another_citizen_cannot_revoke_my_link(id_card, citizen_client, client, user_named):
    _share(citizen_client, id_card)
    link = ShareLink.objects.get()
    client.force_login(user_named("citizen2"))
    assert client.post(f"/my/licenses/{id_card.pk}/share/{link.pk}/revoke/").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_a_share_link_to_a_revoked_licence_verifies_as_revoked(
    id_card, citizen_client, client, user_named
):
    path = _share(citizen_client, id_card)
    services.revoke(id_card.pk, by=user_named("head-gaj"), reason="遗失")
    assert "已注销" in client.get(f"/{path}").content.decode()


def test_only_valid_licences_can_be_shared(id_card, citizen_client, user_named):
    services.revoke(id_card.pk, by=user_named("head-gaj"), reason="遗失")
    html = citizen_client.get(f"/my/licenses/{id_card.pk}/").content.decode()
    assert "只有有效的证照可以分享" in html


def test_an_unknown_duration_is_refused(id_card, citizen_client):
    response = citizen_client.post(f"/my/licenses/{id_card.pk}/share/", {"valid_for": "99y"})
    assert response.status_code == 400 and not ShareLink.objects.exists()


def test_the_wallet_list_costs_the_same_queries_for_more_licences(
    types, citizen_client, user_named
):
    citizen = user_named("citizen")

    def add(n):
        for _ in range(n):
            services.issue(
                types["L-SFZ"], holder_person=citizen, data=id_card_data(citizen), by="t"
            )

    add(1)
    citizen_client.get("/my/licenses/")
    with CaptureQueriesContext(connection) as few:
        citizen_client.get("/my/licenses/")
    add(6)
    with CaptureQueriesContext(connection) as many:
        html = citizen_client.get("/my/licenses/").content.decode()
    assert html.count("license-row-title") == 7
    assert len(many) == len(few)


def test_a_licence_still_being_made_is_announced_without_its_content(
    types, citizen_client, user_named
):
    services.issue(
        types["L-JHZ"],
        holder_person=user_named("citizen"),
        data={name: "草稿内容" for name in types["L-JHZ"].fields},
        by="test",
        final=False,
    )
    page = citizen_client.get("/my/licenses/").content.decode()
    assert "制证中" in page and "结婚证" in page
    assert "草稿内容" not in page  # unsigned content is not shown


def test_nothing_is_in_making_when_every_licence_is_final(id_card, citizen_client):
    assert "制证中" not in citizen_client.get("/my/licenses/").content.decode()

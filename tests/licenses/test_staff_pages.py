"""工作台 › 电子证照 as the issuing department uses it: confirm a draft, find a licence by
number, revoke and replace with a reason. Refusals are shown in words and change nothing;
other departments and citizens get a 404."""

import pytest

from yiwang.licenses import services
from yiwang.licenses.models import License

from .conftest import id_card_data

FULL_ID = "110101198503152019"


@pytest.fixture
def head(demo, client, user_named):
    client.force_login(user_named("head-gaj"))  # 公安分局负责人: issues identity cards
    return client


@pytest.fixture
def draft(types, user_named):
    citizen = user_named("citizen")
    return services.issue(
        types["L-SFZ"],
        holder_person=citizen,
        data=id_card_data(citizen, 住址=""),
        by="test",
        final=False,
    )


def test_workbench_links_to_the_licence_pages_for_issuing_roles(head, client, user_named):
    assert "/workbench/licenses/" in head.get("/workbench/").content.decode()
    client.force_login(user_named("clerk"))
    assert "/workbench/licenses/" not in client.get("/workbench/").content.decode()
    assert client.get("/workbench/licenses/").status_code == 404


def test_drafts_wait_for_confirmation_and_confirming_signs(draft, head):
    html = head.get("/workbench/licenses/").content.decode()
    assert "待确认制证" in html and draft.number in html
    page = head.get(f"/workbench/licenses/{draft.pk}/").content.decode()
    assert "住址" in page and "确认制证并签名" in page and FULL_ID not in page
    refused = head.post(f"/workbench/licenses/{draft.pk}/confirm/", {})
    assert refused.status_code == 400
    draft.refresh_from_db()
    assert not draft.final
    fields = refused.context["confirm_form"].fields
    [key] = [k for k, f in fields.items() if f.label == "住址"]
    done = head.post(f"/workbench/licenses/{draft.pk}/confirm/", {key: "示范区人民路1号"})
    assert done.status_code == 302
    draft.refresh_from_db()
    assert draft.final and draft.payload and draft.data["住址"] == "示范区人民路1号"
    assert services.verify(draft.payload).status == "valid"


def test_search_by_number(id_card, head):
    html = head.get("/workbench/licenses/", {"q": id_card.number[-6:]}).content.decode()
    assert id_card.number in html
    html = head.get("/workbench/licenses/", {"q": "NO-SUCH"}).content.decode()
    assert id_card.number not in html and "没有编号含" in html


def test_revoke_needs_a_reason_and_then_revokes(id_card, head):
    page = f"/workbench/licenses/{id_card.pk}/"
    assert head.post(page + "revoke/", {"reason": ""}).status_code == 400
    id_card.refresh_from_db()
    assert id_card.status == "valid"
    assert head.post(page + "revoke/", {"reason": "证件遗失"}).status_code == 302
    id_card.refresh_from_db()
    assert id_card.status == "revoked" and id_card.revoke_reason == "证件遗失"
    html = head.get(page).content.decode()
    assert "已注销" in html and "注销证照" not in html  # no second revocation offered


def test_revoking_twice_is_refused_in_words(id_card, head, user_named):
    page = f"/workbench/licenses/{id_card.pk}/"
    head.get(page)
    services.revoke(id_card.pk, by=user_named("head-gaj"), reason="遗失")  # meanwhile
    response = head.post(page + "revoke/", {"reason": "再次注销"})
    assert response.status_code == 400
    assert "只有已制证且未注销、未换发的证照可以注销" in response.content.decode()


def test_replace_changes_the_filled_fields_only(id_card, head):
    page = f"/workbench/licenses/{id_card.pk}/"
    form = head.get(page).context["replace_form"]
    [key] = [k for k, f in form.fields.items() if f.label == "住址"]
    response = head.post(page + "replace/", {key: "示范区和平路2号", "reason": "迁居"})
    assert response.status_code == 302
    id_card.refresh_from_db()
    new = id_card.replaced_by
    assert id_card.status == "replaced" and new.data["住址"] == "示范区和平路2号"
    assert new.data["姓名"] == "张三" and new.data["公民身份号码"] == FULL_ID
    assert response["Location"] == f"/workbench/licenses/{new.pk}/"


def test_other_departments_and_citizens_get_404(id_card, client, user_named, demo):
    for username in ("head-scj", "citizen"):
        client.force_login(user_named(username))
        assert client.get(f"/workbench/licenses/{id_card.pk}/").status_code == 404
        client.post(f"/workbench/licenses/{id_card.pk}/revoke/", {"reason": "x"})
    id_card.refresh_from_db()
    assert id_card.status == "valid"


def test_supervisors_may_not_act(id_card, client, user_named):
    client.force_login(user_named("supervisor"))
    assert client.get(f"/workbench/licenses/{id_card.pk}/").status_code == 404
    assert License.objects.get(pk=id_card.pk).status == "valid"

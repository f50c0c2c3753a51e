"""The identity endpoints: registration, one's own profile, the org tree."""

import re

from yiwang.audit.models import AuditEvent
from yiwang.identity.models import User
from yiwang.notify.models import Message

PROBLEM = "application/problem+json"
REGISTRATION = {
    "real_name": "刘备",
    "id_number": "110101199003077774",
    "phone": "13900000009",
    "username": "liubei",
    "password": "桃园-结义-2024",
}


# --- registration ---------------------------------------------------------------------------


def test_a_citizen_registers(api, db):
    response = api.post("/api/v1/citizens", REGISTRATION)
    assert response.status_code == 201
    profile = response.json()
    assert profile["username"] == "liubei"
    assert profile["id_number_masked"] == "110101********7774"
    assert profile["phone_masked"] == "139****0009"
    assert "password" not in profile
    assert User.objects.get(username="liubei").check_password(REGISTRATION["password"])


def test_registration_texts_a_code(api, db):
    api.post("/api/v1/citizens", REGISTRATION)
    assert Message.objects.filter(channel="sms", address="13900000009").exists()


def test_wrong_check_digit_is_a_field_error_and_creates_nothing(api, db):
    response = api.post("/api/v1/citizens", {**REGISTRATION, "id_number": "110101199003077775"})
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "invalid"
    assert problem["errors"]["id_number"] == [
        {"code": "id_number_checksum", "message": "身份证号码校验位不正确，请核对是否输错。"}
    ]
    assert not User.objects.exists()
    assert not Message.objects.exists()


def test_every_problem_is_reported_at_once(api, db):
    response = api.post(
        "/api/v1/citizens",
        {"real_name": "", "id_number": "123", "phone": "555", "username": "", "password": "1"},
    )
    errors = response.json()["errors"]
    assert errors["real_name"][0]["code"] == "required"
    assert errors["username"][0]["code"] == "required"
    assert errors["id_number"][0]["code"] == "id_number_format"
    assert errors["phone"][0]["code"] == "phone_invalid"
    assert {e["code"] for e in errors["password"]} >= {"password_too_short"}


def test_missing_fields_are_required(api, db):
    response = api.post("/api/v1/citizens", {})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(REGISTRATION)


def test_a_taken_id_number_is_refused(api, demo):
    response = api.post("/api/v1/citizens", {**REGISTRATION, "id_number": "110101198503152019"})
    assert response.json()["errors"]["id_number"][0]["code"] == "id_number_taken"


def test_an_existing_number_with_an_arabic_indic_zero_is_not_a_second_account(api, demo):
    # Pen test finding 2: U+0660 in third place passed str.isdigit() and int(), and the
    # blind index of that string was new, so the same person registered twice.
    before = User.objects.count()
    attack = "11\u0660101198503152019"
    response = api.post("/api/v1/citizens", {**REGISTRATION, "id_number": attack})
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    [error] = response.json()["errors"]["id_number"]
    assert error["code"] == "id_number_characters"
    assert "0–9" in error["message"]
    assert User.objects.count() == before


def test_an_existing_number_in_full_width_digits_is_the_same_person(api, demo):
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "110101198503152019")
    response = api.post("/api/v1/citizens", {**REGISTRATION, "id_number": full_width})
    assert response.status_code == 400
    assert response.json()["errors"]["id_number"][0]["code"] == "id_number_taken"


def test_a_full_width_number_is_stored_in_ascii(api, db):
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in REGISTRATION["id_number"])
    response = api.post(
        "/api/v1/citizens",
        {**REGISTRATION, "id_number": full_width, "phone": "１３９００００００09"},
    )
    assert response.status_code == 201
    user = User.objects.get(username="liubei")
    assert user.reveal_id_number() == REGISTRATION["id_number"]
    assert user.phone == "13900000009"


def test_registration_is_throttled(api, db):
    codes = [
        api.post("/api/v1/citizens", {**REGISTRATION, "username": f"u{n}"}).status_code
        for n in range(11)
    ]
    assert codes[-1] == 429


# --- me -------------------------------------------------------------------------------------


def test_me_masks_the_id_number_and_phone(api_as):
    profile = api_as("citizen").get("/api/v1/me").json()
    assert profile["real_name"] == "张三"
    assert profile["id_number_masked"] == "110101********2019"
    assert profile["phone_masked"] == "138****0001"
    assert profile["roles"] == []
    assert "110101198503152019" not in str(profile)


def test_me_lists_a_clerks_roles_with_org_codes(api_as):
    roles = api_as("street-clerk").get("/api/v1/me").json()["roles"]
    assert [(r["role"], r["org"]) for r in roles] == [("clerk", "990101001-BMZX")]
    assert roles[0]["role_name"] == "综合窗口受理员"


def test_me_lists_an_agents_enterprises(api_as):
    enterprises = api_as("company").get("/api/v1/me").json()["enterprises"]
    assert enterprises == [{"name": "示范区明德餐饮有限公司", "uscc": "91990101MA0000001Y"}]


def test_the_session_works_too(client, demo, user_named):
    client.force_login(user_named("citizen"))
    assert client.get("/api/v1/me").json()["username"] == "citizen"


def test_revealing_ones_id_number_is_audited(api_as, user_named):
    response = api_as("citizen").post("/api/v1/me/id-number/reveal")
    assert response.json() == {"id_number": "110101198503152019"}
    event = AuditEvent.objects.get(action="identity.reveal_id_number")
    assert event.actor == user_named("citizen")


def test_phone_is_verified_with_the_texted_code(api, db):
    api.post("/api/v1/citizens", REGISTRATION)
    user = User.objects.get(username="liubei")
    api.force_authenticate(user)
    text = Message.objects.filter(channel="sms").latest("id").body
    code = re.search(r"\d{6}", text).group()

    assert api.post("/api/v1/me/phone/verify", {"code": "000000x"}).json()["code"] == "code_wrong"
    response = api.post("/api/v1/me/phone/verify", {"code": code})
    assert response.status_code == 200
    assert response.json()["phone_verified_at"]


def test_a_new_code_can_be_requested(api_as):
    client = api_as("citizen")
    texts = Message.objects.filter(channel="sms", address="13800000001", body__contains="验证码")
    assert client.post("/api/v1/me/phone/code").status_code == 202
    assert texts.count() == 1


# --- orgs -----------------------------------------------------------------------------------


def test_staff_see_orgs_in_their_scope(api_as):
    response = api_as("street-clerk").get("/api/v1/orgs", {"page_size": 100})
    codes = {org["code"] for org in response.json()["results"]}
    assert "990101001-BMZX" in codes
    assert "990101-ZWZX" not in codes


def test_org_list_filters_by_kind_and_parent(api_as):
    client = api_as("supervisor")
    departments = client.get("/api/v1/orgs", {"kind": "department", "page_size": 100}).json()
    assert departments["count"] > 0
    assert {org["kind"] for org in departments["results"]} == {"department"}
    children = client.get("/api/v1/orgs", {"parent": "990101", "page_size": 100}).json()
    assert {org["parent"] for org in children["results"]} == {"990101"}


def test_an_unknown_kind_is_a_field_error(api_as):
    response = api_as("supervisor").get("/api/v1/orgs", {"kind": "planet"})
    assert response.status_code == 400
    assert response.json()["errors"]["kind"][0]["code"] == "invalid_choice"


def test_citizens_may_not_list_orgs(api_as):
    response = api_as("citizen").get("/api/v1/orgs")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_org_outside_ones_scope_is_not_found(api_as):
    response = api_as("street-clerk").get("/api/v1/orgs/990101-ZWZX")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "not_found"


def test_an_org_inside_ones_scope_is_shown(api_as):
    response = api_as("clerk").get("/api/v1/orgs/990101-ZWZX")
    assert response.status_code == 200
    assert response.json()["name"] == "示范区政务服务中心"


def test_the_org_list_is_paginated(api_as):
    page = api_as("admin").get("/api/v1/orgs", {"page_size": 2}).json()
    assert set(page) == {"count", "count_capped", "next", "previous", "results"}
    assert page["count_capped"] is False
    assert len(page["results"]) == 2
    assert page["count"] > 2
    assert "page=2" in page["next"]

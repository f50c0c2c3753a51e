"""Application forms over the API: an item's and a bundle's form as JSON Schema 2020-12
with the caller's prefill (none for anonymous callers), and PATCH of a case's form checked
against its own form — a refused value is a 400 problem naming its place, and nothing is
saved."""

import pytest
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from tests.journey.cases.conftest import BUNDLE, FOOD, shop_licence
from yiwang.identity import services as identity
from yiwang.journey.cases.models import Case


@pytest.fixture
def citizen(people):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {identity.issue_api_token(people['citizen'])}")
    return client


def test_an_items_form_is_a_json_schema_with_the_callers_prefill(citizen, people):
    shop_licence(people["citizen"])
    body = citizen.get(f"/api/v1/items/{FOOD}/form").json()
    schema = body["schema"]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/api/v1/items/{FOOD}/form")
    assert {"business_kind", "food_staff", "seats"} <= set(schema["properties"])
    assert body["prefill"]["applicant_name"] == {
        "value": "张三",
        "source": {"kind": "identity", "label": "来自实名认证信息"},
    }
    assert body["prefill"]["shop_name"]["source"]["kind"] == "license"


def test_anonymous_callers_get_the_schema_and_no_prefill(client, people):
    body = client.get(f"/api/v1/items/{FOOD}/form").json()
    assert body["prefill"] == {} and "business_kind" in body["schema"]["properties"]
    bundle = client.get(f"/api/v1/bundles/{BUNDLE}/form").json()
    assert "business_kind" in bundle["schema"]["properties"]  # the food licence's part
    assert client.get("/api/v1/items/NOPE-0000/form").status_code == 404
    assert client.get("/api/v1/bundles/YJS-9999/form").status_code == 404


def test_acting_for_an_enterprise_needs_an_authorisation(citizen, people):
    response = citizen.get(f"/api/v1/items/{FOOD}/form", {"enterprise": "91990101MA0000001Y"})
    assert response.status_code == 400
    assert response.json()["errors"]["enterprise"][0]["message"] == "您没有代该企业办事的有效授权。"


def _draft(client) -> dict:
    return client.post("/api/v1/cases", {"item": FOOD}, format="json").json()


def test_patch_refuses_unknown_fields_and_bad_values_with_pointers_and_saves_nothing(citizen):
    case = _draft(citizen)
    assert case["form_sources"]["applicant_name"]["kind"] == "identity"
    url = f"/api/v1/cases/{case['id']}/form"
    response = citizen.patch(
        url,
        {
            "business_kind": "catering",
            "food_staff": [
                {"staff_name": "李厨", "staff_phone": "13900000000"},
                {"staff_name": "王" * 21},
            ],
            "nickname": "小张",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "form_invalid" and "什么也没有保存" in problem["detail"]
    assert {(e["pointer"], e["code"]) for e in problem["errors"]} == {
        ("/food_staff/1/staff_name", "too_long"),
        ("/nickname", "unknown_field"),
    }
    assert all(e["detail"] for e in problem["errors"])
    assert "business_kind" not in Case.objects.get(pk=case["id"]).form_data

    locked = citizen.patch(url, {"applicant_name": "别人"}, format="json").json()
    assert locked["errors"] == [
        {
            "pointer": "/applicant_name",
            "code": "not_editable",
            "detail": "“姓名”来自实名认证，不能修改。",
        }
    ]
    not_an_object = citizen.patch(url, ["business_kind"], format="json")
    assert not_an_object.status_code == 400
    assert not_an_object.json()["errors"][0]["code"] == "form_not_object"

    saved = citizen.patch(url, {"business_kind": "catering", "seats": 40}, format="json")
    assert saved.status_code == 200
    assert saved.json()["form_data"]["seats"] == 40
    assert saved.json()["field_notes"] == {}


def test_the_window_names_a_field_in_the_notice_through_the_api(citizen, people):
    from yiwang.demo.forms import fill_in
    from yiwang.journey.cases import services

    case = _draft(citizen)
    draft = Case.objects.get(pk=case["id"])
    fill_in(draft, people["citizen"])
    for material in draft.materials.filter(state="missing", required=True):
        services.provide_at_window(material.pk, by=people["citizen"])
    citizen.post(f"/api/v1/cases/{case['id']}/submit", format="json")
    clerk = APIClient()
    clerk.credentials(HTTP_AUTHORIZATION=f"Token {identity.issue_api_token(people['clerk'])}")
    url = f"/api/v1/cases/{case['id']}/supplement"
    both = clerk.post(
        url, {"items": [{"material": 1, "field": "seats", "reason": "x"}]}, format="json"
    )
    assert both.status_code == 400
    asked = clerk.post(
        url, {"items": [{"field": "shop_name", "reason": "名称有误"}]}, format="json"
    )
    assert asked.status_code == 200, asked.json()
    detail = asked.json()
    assert detail["field_notes"] == {"shop_name": "名称有误"}
    assert detail["notices"][0]["items"] == [
        {"field": "shop_name", "name": "申请表：经营者名称", "reason": "名称有误"}
    ]
    # Sending the field is the applicant's answer, even unchanged.
    shop = detail["form_data"]["shop_name"]
    answered = citizen.patch(f"/api/v1/cases/{case['id']}/form", {"shop_name": shop}, format="json")
    assert answered.json()["field_notes"] == {}

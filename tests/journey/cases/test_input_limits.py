"""Every stored text has a limit, and the error says what it is (penetration test, finding
6: 25 MB of form on one case, a 400,000-character withdrawal reason)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.catalog.models import ItemVersion
from yiwang.journey.cases import services
from yiwang.journey.cases.models import Case, Status

PROBLEM = "application/problem+json"
ITEM = "SCJ-XK-0012"  # 食品小作坊登记: a form generated from the dictionary


@pytest.fixture
def citizen(demo_catalog, api_as):
    return api_as("citizen")


@pytest.fixture
def case(citizen):
    return citizen.post("/api/v1/cases", {"item": ITEM}, format="json").json()


def patch_form(client, case, body):
    return client.patch(f"/api/v1/cases/{case['id']}/form", body, format="json")


ADDRESS = {"area": "", "detail": "示例路1号"}


def errors_of(response) -> set[tuple[str, str]]:
    return {(e["pointer"], e["code"]) for e in response.json()["errors"]}


def test_a_form_value_over_the_limit_is_refused_naming_the_limit(citizen, case):
    response = patch_form(citizen, case, {"statement": "字" * 2001})
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    [error] = response.json()["errors"]
    assert error["pointer"] == "/statement" and error["code"] == "too_long"
    assert "2000" in error["detail"]
    assert "statement" not in Case.objects.get(pk=case["id"]).form_data


def test_a_form_takes_only_its_own_fields(citizen, case):
    response = patch_form(citizen, case, {f"k{n}": "x" for n in range(201)})
    assert response.status_code == 400 and response.json()["code"] == "form_invalid"
    assert len(response.json()["errors"]) == 201
    assert {code for _pointer, code in errors_of(response)} == {"unknown_field"}


def test_twenty_patches_of_200_keys_cannot_fill_a_case(citizen, case):
    """The attack of the finding: each PATCH alone looked modest, together they were 25 MB.
    A form now has its own fields, each with its own limit: nothing else is kept."""
    before = Case.objects.get(pk=case["id"]).form_data
    for batch in range(20):
        body = {f"f{batch}-{n}": "x" * 2000 for n in range(200)}
        assert patch_form(citizen, case, body).status_code == 400
    assert Case.objects.get(pk=case["id"]).form_data == before


def test_form_keys_are_the_forms_and_values_have_their_fields_type(citizen, case):
    long_key = patch_form(citizen, case, {"k" * 65: "x"})
    assert long_key.status_code == 400 and errors_of(long_key) == {
        ("/" + "k" * 65, "unknown_field")
    }
    nested = patch_form(citizen, case, {"contact_phone": {"a": ["b"]}})
    assert nested.status_code == 400
    assert errors_of(nested) == {("/contact_phone", "not_text")}


def test_the_limits_are_settings(citizen, case, settings):
    settings.YIWANG_FORM_MAX_KEYS = 3  # already three prefilled: one more is too many
    response = patch_form(citizen, case, {"contact_address": ADDRESS})
    assert response.status_code == 400
    assert errors_of(response) == {("", "form_too_many_keys")}
    assert "3" in response.json()["errors"][0]["detail"]


def test_saving_the_form_costs_a_fixed_number_of_statements(demo_catalog, user_named):
    citizen = user_named("citizen")
    version = ItemVersion.objects.get(item__code=ITEM, status="published")
    case = services.start_case(version.pk, by=citizen)
    data = {"contact_address": ADDRESS, "statement": "说明" * 500}
    with CaptureQueriesContext(connection) as queries:
        services.update_form(case.pk, by=citizen, data=data)
    assert len(queries) <= 4  # lock (with the version), update; the transaction's savepoints


@pytest.fixture
def submitted(citizen, case, user_named):
    from yiwang.journey.cases.models import CaseMaterial

    applicant = user_named("citizen")
    assert patch_form(citizen, case, {"contact_address": ADDRESS}).status_code == 200
    for material in CaseMaterial.objects.filter(case_id=case["id"]):
        services.provide_at_window(material.pk, by=applicant)
    services.submit(case["id"], by=applicant)
    return case


def test_a_400000_character_withdrawal_reason_is_refused(citizen, submitted):
    response = citizen.post(
        f"/api/v1/cases/{submitted['id']}/withdraw", {"reason": "理" * 400_000}, format="json"
    )
    assert response.status_code == 400
    assert "300" in response.json()["errors"]["reason"][0]["message"]
    assert Case.objects.get(pk=submitted["id"]).status == Status.SUBMITTED


def test_the_service_refuses_a_long_withdrawal_reason_too(submitted, user_named):
    with pytest.raises(ValidationError) as error:
        services.withdraw(submitted["id"], by=user_named("citizen"), reason="理" * 301)
    assert "300" in error.value.messages[0]
    assert Case.objects.get(pk=submitted["id"]).status == Status.SUBMITTED


def test_the_withdraw_page_says_the_limit_and_withdraws_nothing(client, submitted, user_named):
    client.force_login(user_named("citizen"))
    response = client.post(
        f"/my/cases/{submitted['id']}/withdraw/", {"reason": "理" * 301}, follow=True
    )
    assert "300" in response.content.decode()
    assert Case.objects.get(pk=submitted["id"]).status == Status.SUBMITTED


def test_refusal_and_supplement_reasons_have_limits(submitted, api_as):
    clerk = api_as("clerk")
    url = f"/api/v1/cases/{submitted['id']}"
    refused = clerk.post(f"{url}/refuse", {"reason": "由" * 2001}, format="json")
    assert refused.status_code == 400 and "2000" in str(refused.json())
    material = Case.objects.get(pk=submitted["id"]).materials.first()
    notice = clerk.post(
        f"{url}/supplement",
        {"items": [{"material": material.pk, "reason": "缺" * 301}]},
        format="json",
    )
    assert notice.status_code == 400 and "300" in str(notice.json())
    assert Case.objects.get(pk=submitted["id"]).status == Status.SUBMITTED


def test_an_overlong_column_is_a_validation_error_not_a_database_error(demo, user_named):
    """The net under the services: on PostgreSQL this was a 500 (value too long)."""
    user = user_named("citizen")
    user.real_name = "张" * 101
    with pytest.raises(ValidationError) as error:
        user.save()
    assert "100" in error.value.message_dict["real_name"][0]

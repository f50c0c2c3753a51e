"""Prefill (cases.prefill): each field's sources in order — the applicant's real-name record,
the enterprise, their valid e-licences — each value with the words for where it came from;
a value the field refuses gives way to the next source; a field marked 不预填 stays empty;
and every licence read is recorded once, as a material taken from the library is."""

import datetime
from dataclasses import replace

from tests.journey.cases.conftest import FOOD, published, shop_licence
from tests.sharing.conftest import id_card
from yiwang.audit.models import AuditEvent
from yiwang.forms import definition as forms
from yiwang.forms.models import FormField
from yiwang.journey.cases import prefill, services


def food_form():
    return forms.for_version(published(FOOD))


def test_identity_then_licence_sources_with_their_words(people):
    citizen = people["citizen"]
    licence = shop_licence(citizen)
    found = prefill.prefill_for(food_form(), user=citizen)
    assert found["applicant_name"] == prefill.Prefill("张三", "identity", "来自实名认证信息")
    assert found["applicant_id_number"].value == "110101198503152019"
    assert found["business_address"].value == {"area": "", "detail": "示例市示范区人民路8号"}
    assert found["uscc"].license_id == licence.pk
    assert found["uscc"].label == "来自电子证照：个体工商户营业执照（证照编号 GTYY**********0001）"
    assert licence.number.endswith("0001") and licence.number not in found["uscc"].label
    assert "business_kind" not in found and "remarks" not in found  # typed by the applicant


def test_a_value_the_field_refuses_gives_way_to_the_next_source_or_to_the_applicant(people):
    citizen = people["citizen"]
    # A wrong check digit, and a place longer than the form allows (200 characters).
    shop_licence(citizen, 统一社会信用代码="92990101MA0000010X", 经营场所="人民路" * 70)
    id_card(citizen)
    found = prefill.prefill_for(food_form(), user=citizen)
    assert "uscc" not in found  # not put in the form: the applicant types it
    assert found["business_address"].value["detail"] == "示例市示范区人民路12号3单元201室"
    assert found["business_address"].label.startswith("来自电子证照：居民身份证")


def test_expired_licences_and_no_prefill_fields_are_left_alone(people):
    citizen = people["citizen"]
    licence = shop_licence(citizen)
    licence.valid_until = datetime.date(2020, 1, 1)
    licence.save(update_fields=["valid_until"])
    assert "shop_name" not in prefill.prefill_for(food_form(), user=citizen)

    form = food_form()
    locked = forms.FormDefinition(
        tuple(
            forms.Section(s.title, tuple(replace(f, no_prefill=True) for f in s.fields))
            for s in form.sections
        )
    )
    assert prefill.prefill_for(locked, user=citizen) == {}


def test_each_licence_read_is_recorded_once_against_the_case(people):
    citizen = people["citizen"]
    licence = shop_licence(citizen)
    before = AuditEvent.objects.count()
    case = services.start_case(published(FOOD).pk, by=citizen)
    reads = AuditEvent.objects.filter(pk__gt=before, action="case.form_from_license")
    assert reads.count() == 1  # three fields, one licence, one record
    read = reads.get()
    assert read.object_id == str(case.pk) and read.actor_name == "cases.prefill"
    assert read.summary == {
        "license": licence.number,
        "type": "L-GTYYZZ",
        "fields": ["business_address", "shop_name", "uscc"],
    }
    # Asked before any case exists (the API's form): recorded against the licence.
    prefill.prefill_for(food_form(), user=citizen)
    offered = AuditEvent.objects.get(action="form.prefilled_from_license")
    assert offered.object_id == str(licence.pk) and offered.actor_id == citizen.pk
    # The holder sees both reads on "谁查看了我的数据", under the licence's issuer.
    from yiwang.sharing.services import accesses_of

    seen = list(accesses_of(citizen))
    assert len(seen) == 2 and {e.org_id for e in seen} == {licence.issuer_id}
    assert seen[-1].case == case and "自动填写申请表" in seen[-1].purpose


def test_an_enterprise_fills_enterprise_fields_only_for_its_agent(people):
    company = people["company"]
    from yiwang.identity.services import enterprises_of

    enterprise = enterprises_of(company).get()
    version = published(FOOD)
    FormField.objects.filter(version=version, key="shop_name").update(prefill=["enterprise:name"])
    version.save(update_fields=["updated_at"])  # a new compiled form
    found = prefill.prefill_for(forms.for_version(version), user=company, enterprise=enterprise)
    assert found["shop_name"] == prefill.Prefill(
        "示范区明德餐饮有限公司", "enterprise", "来自企业信息"
    )
    assert "shop_name" not in prefill.prefill_for(forms.for_version(version), user=company)

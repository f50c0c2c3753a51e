"""The parts of drafting a licence from a case that need no approval run: new credit codes,
who holds the licence, and what fills a field the form does not."""

import datetime
from types import SimpleNamespace

import pytest
from stdnum.cn import uscc

from yiwang.identity.models import Enterprise
from yiwang.licenses import credit_codes, filling, services


def test_a_new_credit_code_is_valid_and_says_who_registered_what_where(types):
    code = credit_codes.new_credit_code(types["L-GTYYZZ"])
    assert uscc.validate(code) == code and len(code) == 18
    # 9 市场监管 · 2 个体工商户 · 990101 the district · MA + sequence + GB 11714 check
    assert code[:8] == "92990101" and code[8:10] == "MA"
    assert code[16] == credit_codes.gb11714_check(code[8:16])
    enterprise_code = credit_codes.new_credit_code(types["L-YYZZ"])
    assert enterprise_code[:2] == "91" and uscc.is_valid(enterprise_code)


def test_two_new_codes_never_collide_and_a_code_already_held_is_skipped(types):
    kind = types["L-GTYYZZ"]
    first = credit_codes.new_credit_code(kind)
    held = credit_codes.compose(credit_codes.CATEGORY_INDIVIDUAL_BUSINESS, "990101", 2)
    Enterprise.objects.create(name="示范区已登记小店", uscc=held, legal_representative="李四")
    second = credit_codes.new_credit_code(kind)
    assert second not in {first, held} and uscc.is_valid(second)
    # The other category shares the district's sequence: its body differs too.
    other = credit_codes.new_credit_code(types["L-YYZZ"])
    assert other[8:17] not in {first[8:17], second[8:17]}


def test_the_gb11714_check_character():
    # GB 11714-1997's worked example: D2143569 → X
    assert credit_codes.gb11714_check("D2143569") == "X"


def test_an_issuer_without_a_division_code_gets_a_clear_refusal(types):
    kind = types["L-GTYYZZ"]
    kind.issuer.division_code = ""
    kind.issuer.path = "SCJ/"
    with pytest.raises(services.LicenseError) as refused:
        credit_codes.new_credit_code(kind)
    assert refused.value.code == "no_division_code" and "行政区划代码" in refused.value.messages[0]


def test_who_holds_the_licence_of_a_case(types, user_named, enterprise):
    citizen = user_named("citizen")
    alone = SimpleNamespace(applicant=citizen, enterprise=None, enterprise_id=None)
    agent = SimpleNamespace(applicant=citizen, enterprise=enterprise, enterprise_id=enterprise.pk)
    food = types["L-SPJYXKZ"]  # 法人
    assert services.case_holder(alone, food) == (citizen, None)  # a 个体工商户's operator
    assert services.case_holder(agent, food) == (None, enterprise)
    assert services.case_holder(agent, types["L-JZZ"]) == (citizen, None)  # 自然人


def test_a_person_may_hold_a_legal_persons_licence_but_not_the_reverse(
    types, user_named, enterprise
):
    data = dict.fromkeys(types["L-XFAQJC"].fields, "x")
    licence = services.issue(
        types["L-XFAQJC"], holder_person=user_named("citizen"), data=data, by="test"
    )
    assert licence.holder_person == user_named("citizen")
    with pytest.raises(services.LicenseError) as refused:
        services.issue(
            types["L-JZZ"],
            holder_enterprise=enterprise,
            data=dict.fromkeys(types["L-JZZ"].fields, "x"),
            by="test",
        )
    assert refused.value.code == "holder_kind"


def _case(form):
    applicant = SimpleNamespace(real_name="张三", reveal_id_number=lambda: "")
    return SimpleNamespace(parent_id=None, form_data=form, applicant=applicant)


def _earlier(fields: dict, number="GTYYZZ-2026-000001"):
    return SimpleNamespace(
        number=number, data=fields, license_type=SimpleNamespace(fields=list(fields))
    )


DECISION = filling.Decision(
    "SPJYXKZ-2026-000001", datetime.date(2026, 12, 7), datetime.date(2031, 12, 6), "市场监管局"
)


def test_what_the_form_does_not_say_comes_from_an_earlier_licence_or_stays_empty():
    kind = SimpleNamespace(
        fields=["经营者名称", "统一社会信用代码", "法定代表人", "住所", "经营项目", "有效期至"],
        field_elements=["", "", "", "", "", "@有效期至"],
    )
    business = _earlier(
        {"名称": "张三小吃店", "统一社会信用代码": "92990101MA0000017E", "经营者": "张三"}
    )
    filled = filling.fill(
        kind,
        case=_case({}),
        person=True,
        enterprise=None,
        decision=DECISION,
        earlier=[business],
        new_credit_code=lambda: pytest.fail("the journey already has a code"),
    )
    assert filled.data == {
        "经营者名称": "张三小吃店",  # 名称: the same thing under another name
        "统一社会信用代码": "92990101MA0000017E",
        "法定代表人": "张三",  # 经营者
        "住所": "",  # not the 经营场所 of an individual business: the issuer fills it
        "经营项目": "",
        "有效期至": "2031年12月6日",
    }
    assert filled.sources["经营者名称"] == {"kind": "earlier", "from": business.number}
    assert filled.sources["有效期至"] == {"kind": "decision", "from": "@有效期至"}
    assert "住所" not in filled.sources and filled.empty == ["住所", "经营项目"]


def test_a_journey_gets_one_credit_code():
    kind = SimpleNamespace(fields=["统一社会信用代码"], field_elements=["@新信用代码"])
    codes = iter(["92990101MA0000017E"])
    fresh = filling.fill(
        kind,
        case=_case({}),
        person=True,
        enterprise=None,
        decision=DECISION,
        earlier=[],
        new_credit_code=lambda: next(codes),
    )
    assert fresh.data == {"统一社会信用代码": "92990101MA0000017E"}
    again = filling.fill(
        kind,
        case=_case({}),
        person=True,
        enterprise=None,
        decision=DECISION,
        earlier=[_earlier(fresh.data)],
        new_credit_code=lambda: pytest.fail("one business, one code"),
    )
    assert again.data == fresh.data and again.sources["统一社会信用代码"]["kind"] == "earlier"

"""What a licence's QR code gives away (docs/licenses.md, "What a QR code reveals").

The attack of the 2026 penetration test: the payload showed the ID number masked as
110101********2019 — the eight hidden digits are the birth date (GB 11643) — next to a
field computed from the full number without any secret. Enumerating birth dates, keeping
the numbers whose check digit fits, and recomputing that field recovered the number in
about a second. Here the attacker runs again, against every field of a real QR code."""

import datetime
import hashlib
import json
import shutil
from collections.abc import Iterator

import pytest
from django.test import override_settings

from yiwang.licenses import documents, services, signing

from .conftest import id_card_data
from .test_pages import _qr_codes

FULL_ID = "110101198503152019"  # 张三, born 1985-03-15 (the demo citizen)
CHECK_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def check_digit(first17: str) -> str:
    """GB 11643-1999: the 18th character."""
    total = sum(int(d) * w for d, w in zip(first17, CHECK_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def candidates(masked: str, first: datetime.date, last: datetime.date) -> Iterator[str]:
    """Every ID number with this mask (region + ******** + sequence and check digit) whose
    hidden digits are a birth date between `first` and `last` and whose check digit fits."""
    region, tail = masked[:6], masked[-4:]
    day = first
    while day <= last:
        head = f"{region}{day:%Y%m%d}{tail[:3]}"
        if check_digit(head) == tail[3]:
            yield head + tail[3]
        day += datetime.timedelta(days=1)


def strings(value) -> Iterator[str]:
    """Every string in the claims, keys and values, however deep."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif value is not None:
        yield str(value)


def recomputations(number: str, claims: dict) -> set[str]:
    """What an attacker computes from a candidate number and the public claims: the number
    itself, and unkeyed digests of it alone or joined with the licence number."""
    joined = [number, f"{claims['no']}:{number}", f"{number}:{claims['no']}"]
    joined += [f"{claims['no']}{number}", f"{number}{claims['no']}"]
    made = {number}
    for text in joined:
        for name in ("sha256", "sha1", "md5", "sha512", "blake2b", "sm3"):
            if name in hashlib.algorithms_available:
                made.add(hashlib.new(name, text.encode()).hexdigest())
    return made


def attack(claims: dict, first: datetime.date, last: datetime.date) -> set[str]:
    """The ID numbers the claims confirm: a candidate is confirmed when some field of the
    claims is, or is a prefix (≥ 8 characters) of, something computed from it."""
    masked = claims["f"]["公民身份号码"]
    fields = {text.lower() for text in strings(claims) if len(text) >= 8}
    confirmed = set()
    for number in candidates(masked, first, last):
        for made in recomputations(number, claims):
            if any(made.startswith(field) for field in fields):
                confirmed.add(number)
    return confirmed


def test_the_enumeration_finds_the_real_number_among_its_candidates():
    # The attacker's search space does contain the number: the attack below is real.
    found = list(
        candidates("110101********2019", datetime.date(1985, 1, 1), datetime.date(1985, 12, 31))
    )
    assert FULL_ID in found and 10 < len(found) < 60


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
@override_settings(YIWANG_SITE_URL="https://zwfw.example.gov.cn")
def test_no_field_of_a_scanned_qr_code_confirms_a_guessed_id_number(id_card, tmp_path):
    pdf = documents.license_pdf(id_card, verify_url=services.verification_url(id_card))
    [scanned] = _qr_codes(pdf, tmp_path)
    payload = scanned.rsplit("/v/", 1)[1]
    claims = json.loads(signing.unb64url(payload.split(".")[0]))
    assert claims["f"]["公民身份号码"] == "110101********2019"
    # Twenty years of birth dates around the real one, as the tester did (~660 candidates).
    assert attack(claims, datetime.date(1975, 1, 1), datetime.date(1994, 12, 31)) == set()
    assert FULL_ID not in payload and FULL_ID not in json.dumps(claims)


def _twin_number(number: str) -> str:
    """Another valid ID number with the same public mask: same region, sequence and check
    digit, another birth date."""
    masked = number[:6] + "********" + number[-4:]
    born = datetime.date(1950, 1, 1)
    return next(c for c in candidates(masked, born, born.replace(year=2000)) if c != number)


def test_two_people_whose_numbers_share_the_mask_get_the_same_claims(id_card, user_named):
    """Nothing in the payload is computed from the ID number (or the birth date it holds):
    change both and, as long as the mask is the same, the signed claims are the same."""
    citizen = user_named("citizen")
    before = services.claims_of(id_card)
    twin = _twin_number(FULL_ID)
    citizen.set_id_number(twin)
    citizen.save()
    id_card.refresh_from_db()
    id_card.data = id_card_data(
        citizen, 出生日期=f"{twin[6:10]}年{int(twin[10:12])}月{int(twin[12:14])}日"
    )
    assert id_card.data["公民身份号码"] == twin
    assert services.claims_of(id_card) == before


def test_a_birth_date_is_not_public_even_in_part(id_card):
    """The birth date is the ID number's hidden part: showing its year next to the masked
    number narrowed the search to ~33 numbers."""
    claims = services.claims_of(id_card)
    assert claims["f"]["出生日期"] == "****"
    assert "1985" not in json.dumps(claims, ensure_ascii=False).replace(id_card.number, "")


def test_an_id_number_inside_another_field_is_masked_too(types, user_named):
    """A disability card's 证号 is the holder's ID number plus two digits (category and
    grade); whatever a field is called, an ID number in it is masked like one."""
    citizen = user_named("citizen")
    licence = services.issue(
        types["L-CJRZ"],
        holder_person=citizen,
        data={
            "姓名": "张三",
            "性别": "男",
            "公民身份号码": FULL_ID,
            "残疾类别": "肢体",
            "残疾等级": "四级",
            "证号": f"{FULL_ID}44",
            "发证日期": "2020年1月1日",
        },
        by="test",
    )
    claims = services.claims_of(licence)
    assert claims["f"]["证号"] == "110101**********1944"
    assert FULL_ID not in licence.payload and FULL_ID not in json.dumps(claims)


def _valid_numbers():
    from hypothesis import strategies as st

    def build(region, born, sequence):
        head = f"{region}{born:%Y%m%d}{sequence:03d}"
        return head + check_digit(head)

    return st.builds(
        build,
        st.sampled_from(["110101", "310104", "440305", "990101"]),
        st.dates(datetime.date(1900, 1, 1), datetime.date(2025, 12, 31)),
        st.integers(0, 999),
    )


def test_no_birth_date_of_an_id_number_survives_masking_in_any_person_field():
    from hypothesis import given
    from hypothesis import strategies as st

    from yiwang.licenses.masking import mask_field

    words = st.text(st.characters(categories=["Lo", "Zs", "Pd"]), max_size=6)
    padding = st.text("0123456789", max_size=3)

    @given(
        st.sampled_from(["证号", "卡号", "备注", "编号", "登记号"]),
        words,
        padding,
        _valid_numbers(),
        padding,
        words,
    )
    def check(field, before, pad_before, number, pad_after, after):
        shown = mask_field(field, f"{before}{pad_before}{number}{pad_after}{after}", person=True)
        assert number[6:14] not in shown and number not in shown

    check()

import datetime
import sys
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from yiwang.identity.validators import (
    ID_NUMBER_FORMAT,
    PHONE_FORMAT,
    USCC_FORMAT,
    mask_id_number,
    normalize_id_number,
    validate_id_number,
    validate_phone,
    validate_uscc,
)


def with_check_digit(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def test_a_valid_number_passes_and_is_normalised():
    assert validate_id_number(" 11010119850315201x ".replace("x", "9")) == "110101198503152019"


def test_a_wrong_check_digit_is_refused_in_chinese():
    with pytest.raises(ValidationError) as error:
        validate_id_number("110101198503152018")
    assert error.value.code == "id_number_checksum"
    assert "校验位" in error.value.messages[0]


def test_a_birth_date_in_the_future_is_refused():
    number = with_check_digit("11010120990101123")
    with pytest.raises(ValidationError) as error:
        validate_id_number(number, today=datetime.date(2026, 11, 23))
    assert error.value.code == "id_number_birth_date"


def test_a_retired_county_code_is_still_accepted():
    # 110103 (崇文区) was merged into 东城区 in 2010; people registered there keep the number.
    number = with_check_digit("11010319750101123")
    assert validate_id_number(number) == number


def test_a_county_code_newer_than_the_birth_year_is_accepted():
    # 500118 (永川区) dates from 2006 in stdnum's table; earlier-born people can carry it
    # after re-registration under the new code.
    number = with_check_digit("50011819700101123")
    assert not ric.is_valid(number)  # stdnum's strict check would turn this citizen away
    assert validate_id_number(number) == number


def test_an_unknown_province_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_id_number(with_check_digit("99010119850315201"))
    assert error.value.code == "id_number_region"


@given(
    province=st.sampled_from(["11", "31", "44", "65", "81"]),
    birth=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2026, 1, 1)),
    seq=st.integers(min_value=0, max_value=999),
)
def test_any_well_formed_number_passes_and_any_other_check_digit_fails(province, birth, seq):
    first17 = f"{province}0101{birth:%Y%m%d}{seq:03d}"
    number = with_check_digit(first17)
    assert validate_id_number(number) == number
    wrong = next(d for d in "0123456789X" if d != number[-1])
    with pytest.raises(ValidationError):
        validate_id_number(first17 + wrong)


def test_uscc_is_checked():
    assert validate_uscc("91990101MA0000001Y") == "91990101MA0000001Y"
    with pytest.raises(ValidationError) as error:
        validate_uscc("91990101MA0000001X")
    assert "统一社会信用代码" in error.value.messages[0]


def test_masking_keeps_region_and_last_four():
    assert mask_id_number("11010119850315201X") == "110101********201X"


# --- one normal form (pen test finding 2: a foreign digit made a second account) -----------

DEMO_NUMBER = "110101198503152019"
ARABIC_INDIC_ZERO = "\u0660"


def unicode_digits() -> dict[int, list[str]]:
    """Every character Unicode gives a decimal digit value (Arabic-Indic, Devanagari,
    full-width, mathematical, circled, superscript …), by value."""
    table: dict[int, list[str]] = {d: [] for d in range(10)}
    for point in range(sys.maxunicode + 1):
        value = unicodedata.digit(chr(point), None)
        if value is not None:
            table[value].append(chr(point))
    return table


DIGITS = unicode_digits()
X_VARIANTS = ["X", "x", "ｘ", "Ｘ", "\u2169"]  # the last: ROMAN NUMERAL TEN, NFKC → X


def test_an_arabic_indic_zero_is_refused_with_a_clear_message():
    attack = DEMO_NUMBER[:2] + ARABIC_INDIC_ZERO + DEMO_NUMBER[3:]
    assert attack[2:3].isdigit() and int(attack[2]) == 0  # what let it through
    with pytest.raises(ValidationError) as error:
        validate_id_number(attack)
    assert error.value.code == "id_number_characters"
    assert "0–9" in error.value.messages[0]


def test_full_width_digits_and_spaces_are_the_same_number():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in DEMO_NUMBER)
    assert validate_id_number(f"　{full_width[:6]} {full_width[6:]} ") == DEMO_NUMBER
    assert normalize_id_number(full_width) == DEMO_NUMBER


def test_an_invisible_character_is_refused_not_silently_dropped():
    with pytest.raises(ValidationError) as error:
        validate_id_number(DEMO_NUMBER[:9] + "\u200b" + DEMO_NUMBER[9:])
    assert error.value.code == "id_number_characters"


@given(st.text(max_size=40))
def test_any_text_is_refused_or_becomes_an_ascii_number_with_its_check_digit(text):
    try:
        number = validate_id_number(text)
    except ValidationError:
        return
    assert ID_NUMBER_FORMAT.fullmatch(number) and number.isascii() and len(number) == 18
    assert ric.calc_check_digit(number) == number[17]


def valid_numbers():
    return st.builds(
        lambda province, birth, seq: with_check_digit(f"{province}0101{birth:%Y%m%d}{seq:03d}"),
        st.sampled_from(["11", "31", "44", "65", "81"]),
        st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31)),
        st.integers(min_value=0, max_value=999),
    )


@given(valid_numbers(), st.data())
def test_any_unicode_digit_variant_is_the_same_number_or_refused(number, data):
    variant = "".join(
        data.draw(st.sampled_from(X_VARIANTS if ch == "X" else DIGITS[int(ch)]))
        if data.draw(st.booleans())
        else ch
        for ch in number
    )
    try:
        accepted = validate_id_number(variant)
    except ValidationError:
        return
    assert accepted == number  # never a different accepted number, so never a second account


@given(st.text(max_size=40))
def test_any_text_is_refused_or_becomes_an_ascii_credit_code(text):
    try:
        code = validate_uscc(text)
    except ValidationError:
        return
    assert USCC_FORMAT.fullmatch(code) and code.isascii()
    assert uscc.calc_check_digit(code) == code[17]


def test_a_full_width_credit_code_is_the_same_code():
    assert validate_uscc("９１９９０１０１ＭＡ００００００１ｙ") == "91990101MA0000001Y"
    with pytest.raises(ValidationError):
        validate_uscc("9199" + ARABIC_INDIC_ZERO + "101MA0000001Y")


@given(st.text(max_size=30))
def test_any_text_is_refused_or_becomes_an_ascii_mobile_number(text):
    try:
        phone = validate_phone(text)
    except ValidationError:
        return
    assert PHONE_FORMAT.fullmatch(phone) and phone.isascii()


def test_phone_numbers_fold_full_width_and_refuse_foreign_digits():
    assert validate_phone("１３８ ０００0-0001") == "13800000001"
    with pytest.raises(ValidationError) as error:
        validate_phone("1380000000" + "\u0661")
    assert error.value.code == "phone_invalid"

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from yiwang.identity.validators import (
    mask_id_number,
    validate_id_number,
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

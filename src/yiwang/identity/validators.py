"""Identity numbers (GB 11643) and unified social credit codes (GB 32100)."""

import datetime
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

# Residence permits for Hong Kong, Macao and Taiwan residents (GB/T 2260 does not list them).
_PERMIT_PROVINCES = {"81", "82", "83"}


@cache
def _province_codes() -> frozenset[str]:
    db = numdb.get("cn/loc")
    return frozenset(code[:2] for code in _top_level_codes(db)) | _PERMIT_PROVINCES


def _top_level_codes(db):
    # numdb keeps the 6-digit location codes as (length, low, high, props, children).
    for _length, low, high, _props, _children in db.prefixes:
        yield low
        yield high


def normalize_id_number(value: str) -> str:
    return ric.compact(value or "").upper()


def validate_id_number(value: str, *, today: datetime.date | None = None) -> str:
    """Check length, check digit, birth date and province; return the compact number.

    Not `ric.validate`: under GB 11643 the address code is the county of first registration,
    and counties are created and retired over time, so stdnum's county table would turn away
    genuine numbers. The province (first two digits) is stable and is what we check.
    """
    number = normalize_id_number(value)
    if (
        len(number) != 18
        or not number[:17].isdigit()
        or not (number[17].isdigit() or number[17] == "X")
    ):
        raise ValidationError(
            _("身份证号码应为18位，前17位是数字，最后一位是数字或X。"), code="id_number_format"
        )
    try:
        birth = ric.get_birth_date(number)
    except StdnumError:
        raise ValidationError(
            _("身份证号码中的出生日期不存在，请核对第7至14位。"), code="id_number_birth_date"
        ) from None
    if birth > (today or datetime.date.today()) or birth.year < 1900:
        raise ValidationError(
            _("身份证号码中的出生日期不合理，请核对第7至14位。"), code="id_number_birth_date"
        )
    if number[:2] not in _province_codes():
        raise ValidationError(
            _("身份证号码的前两位不是有效的省级行政区划代码。"), code="id_number_region"
        )
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationError(
            _("身份证号码校验位不正确，请核对是否输错。"), code="id_number_checksum"
        )
    return number


def validate_uscc(value: str) -> str:
    try:
        return uscc.validate(value or "")
    except StdnumError:
        raise ValidationError(
            _("统一社会信用代码不正确，应为18位并通过校验。"), code="uscc_invalid"
        ) from None


def mask_id_number(number: str) -> str:
    """110101********123X: region and last four, the way counters print it."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else phone

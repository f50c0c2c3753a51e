"""Identity numbers (GB 11643), unified social credit codes (GB 32100) and mobile numbers.

Every such value typed by a person or read from a file goes through one normaliser and is
then accepted only in ASCII. Unicode has many decimal digits (Arabic-Indic ٠, Devanagari ०,
full-width ０ …) that `str.isdigit()` and `int()` treat as digits; if they reached the blind
index, one person's number written with a foreign zero would be a second, different number.
Full-width and other compatibility forms fold to ASCII under NFKC (so ０ is the same 0);
digits of other scripts do not, and are refused.
"""

import datetime
import re
import unicodedata
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


# ASCII classes only: `\d` and `str.isdigit()` would admit every script's digits.
ID_NUMBER_FORMAT = re.compile(r"[0-9]{17}[0-9X]")
_ID_NUMBER_CHARACTERS = re.compile(r"[0-9X]*")
# GB 32100: 8 digits (authority, entity type, division), then its 31-character alphabet
# (no I, O, S, V, Z), the same that stdnum.cn.uscc checks.
USCC_FORMAT = re.compile(r"[0-9]{8}[0-9ABCDEFGHJKLMNPQRTUWXY]{10}")
PHONE_FORMAT = re.compile(r"1[0-9]{10}")
# Longer than any number written with spaces; anything longer is refused unread.
_MAX_INPUT = 64


def normalize_code(value, *, drop: str = "") -> str:
    """The one normal form for a number someone typed: NFKC (full-width and other
    compatibility characters become ASCII), no whitespace anywhere, no `drop` characters,
    upper case (x → X). Digits of other scripts stay as they are, for the validators to
    refuse."""
    text = unicodedata.normalize("NFKC", str(value or "")[:_MAX_INPUT])
    text = "".join(text.split())
    for char in drop:
        text = text.replace(char, "")
    return text.upper()


def normalize_id_number(value: str) -> str:
    return normalize_code(value)


def normalize_uscc(value: str) -> str:
    return normalize_code(value, drop="-")


def validate_id_number(value: str, *, today: datetime.date | None = None) -> str:
    """Check length, check digit, birth date and province; return the compact number.

    Not `ric.validate`: under GB 11643 the address code is the county of first registration,
    and counties are created and retired over time, so stdnum's county table would turn away
    genuine numbers. The province (first two digits) is stable and is what we check.
    """
    raw = str(value or "")
    number = normalize_id_number(raw)
    if not _ID_NUMBER_CHARACTERS.fullmatch(number):
        # Say which rule, not a vague “wrong format”: a foreign digit or an invisible
        # character looks like a good number on the screen.
        raise ValidationError(
            _("身份证号码只能用数字0–9和字母X填写，请检查是否混入了其他文字的数字或符号。"),
            code="id_number_characters",
        )
    if len(raw) > _MAX_INPUT or not ID_NUMBER_FORMAT.fullmatch(number):
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
    """Check format and check digit (stdnum.cn.uscc) of the normalised code; return it."""
    raw = str(value or "")
    code = normalize_uscc(raw)
    try:
        if len(raw) > _MAX_INPUT or not USCC_FORMAT.fullmatch(code):
            raise StdnumError
        return uscc.validate(code)
    except StdnumError:
        raise ValidationError(
            _("统一社会信用代码不正确，应为18位并通过校验。"), code="uscc_invalid"
        ) from None


def validate_phone(value: str) -> str:
    """A mainland mobile number, 11 ASCII digits starting with 1 (spaces and hyphens, and
    full-width digits, are accepted and removed)."""
    raw = str(value or "")
    phone = normalize_code(raw, drop="-")
    if len(raw) > _MAX_INPUT or not PHONE_FORMAT.fullmatch(phone):
        raise ValidationError(_("请输入11位中国大陆手机号码。"), code="phone_invalid")
    return phone


def mask_name(name: str) -> str:
    """张*: a person's family name (first character) only."""
    name = (name or "").strip()
    return name if len(name) <= 1 else name[0] + "*" * (len(name) - 1)


def mask_id_number(number: str) -> str:
    """110101********123X: region and last four, the way counters print it."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else phone

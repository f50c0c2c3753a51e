"""What a licence may show to someone who is not its holder: names as 张*, identity numbers
as 110101********2019, a person's address cut short and birth date hidden. Used for the
signed claims (so the QR carries no more than this) and for every public page.

The eight hidden digits of an ID number are the birth date (GB 11643-1999), so nothing
public may show any part of a person's birth date — its year next to the masked number left
~33 numbers to try — nor an ID number inside another field (a disability card's 证号 is the
holder's number plus two digits)."""

import re

from yiwang.identity.validators import mask_id_number, mask_name

# 照面字段 that name a natural person.
NAME_FIELDS = frozenset(
    {
        "姓名",
        "持证人",
        "户主姓名",
        "权利人",
        "经营者",
        "受援人",
        "新生儿姓名",
        "母亲姓名",
        "父亲姓名",
        "子女姓名",
        "法定代表人",
        "主要负责人",
    }
)
ID_MARKERS = ("身份号码", "身份证件号", "证件号", "身份证", "社会保障号码")
ADDRESS_MARKERS = ("住址", "地址", "住所", "坐落")
BIRTH_MARKERS = ("出生日期", "出生时间")


# A run of 15 or more digits (an 18-character ID number ends in a digit or X; an old one
# has 15 digits), wherever it stands in a person's field.
LONG_NUMBER = re.compile(r"\d{14,}[\dXx]")


def mask_field(field: str, value, *, person: bool) -> str:
    text = "" if value is None else str(value)
    if not text:
        return text
    if any(marker in field for marker in ID_MARKERS):
        return mask_id_number(text)
    if field in NAME_FIELDS:
        return mask_name(text)
    if not person:
        return text
    if any(marker in field for marker in ADDRESS_MARKERS):
        return text[:6] + "****" if len(text) > 6 else "****"
    if any(marker in field for marker in BIRTH_MARKERS):
        return "****"
    # Like an ID number: the first six and last four characters of the run stay, so the
    # birth date of any ID number inside it is hidden wherever the number starts.
    return LONG_NUMBER.sub(lambda run: mask_id_number(run.group(0)), text)


def masked_fields(fields: list[str], data: dict, *, person: bool) -> dict[str, str]:
    """The type's fields in order, each masked for the public."""
    return {name: mask_field(name, data.get(name, ""), person=person) for name in fields}


def masked_holder_name(name: str, *, person: bool) -> str:
    return mask_name(name) if person else name

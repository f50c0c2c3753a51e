"""What a licence may show to someone who is not its holder: names as 张*, identity numbers
as 110101********2019, a person's address and birth date cut short. Used for the signed
claims (so the QR carries no more than this) and for every public page."""

from yiwang.identity.validators import mask_id_number

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


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_field(field: str, value, *, person: bool) -> str:
    text = "" if value is None else str(value)
    if not text:
        return text
    if any(marker in field for marker in ID_MARKERS):
        return mask_id_number(text)
    if field in NAME_FIELDS:
        return mask_name(text)
    if person and any(marker in field for marker in ADDRESS_MARKERS):
        return text[:6] + "****" if len(text) > 6 else "****"
    if person and any(marker in field for marker in BIRTH_MARKERS):
        return text[:4] + "****"
    return text


def masked_fields(fields: list[str], data: dict, *, person: bool) -> dict[str, str]:
    """The type's fields in order, each masked for the public."""
    return {name: mask_field(name, data.get(name, ""), person=person) for name in fields}


def masked_holder_name(name: str, *, person: bool) -> str:
    return mask_name(name) if person else name

"""New unified social credit codes (统一社会信用代码) for the businesses a case registers.

A code is 18 characters, as GB 32100-2015 lays out:

| position | part | here |
|---|---|---|
| 1 | 登记管理部门代码 | `9`: 市场监督管理 (formerly 工商) |
| 2 | 机构类别代码 | `2` 个体工商户 when the licence type is held by a natural person, else `1` 企业 |
| 3–8 | 登记管理机关行政区划码 (GB/T 2260) | the issuing department's `division_code`, e.g. `990101` |
| 9–17 | 主体标识码 (组织机构代码, GB 11714-1997) | `MA`, a six-digit sequence, its GB 11714 check character |
| 18 | 校验码 | `stdnum.cn.uscc.calc_check_digit` |

The sequence is one counter per district (`LicenseNumberCounter` with prefix
`USCC-<division>`), taken under a row lock like licence numbers, so two codes of one
district never share positions 9–17, and codes of different districts differ in 3–8. A code
an imported enterprise or licence already holds is skipped. One district has 999,999 codes;
the next one is refused in words rather than wrapped (see docs/licenses.md)."""

from django.db.models import Q
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from . import sequences

REGISTRATION_AUTHORITY = "9"  # 市场监督管理部门
CATEGORY_ENTERPRISE = "1"
CATEGORY_INDIVIDUAL_BUSINESS = "2"
SUBJECT_PREFIX = "MA"
SEQUENCE_DIGITS = 6
# GB 11714-1997: weights of the eight body characters of an organisation code.
_GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def gb11714_check(body: str) -> str:
    """The ninth character of an organisation code: digits count as themselves, letters
    A–Z as 10–35; 11 − (weighted sum mod 11), with 10 written X and 11 written 0."""
    total = sum(int(c, 36) * w for c, w in zip(body, _GB11714_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def compose(category: str, division: str, sequence: int) -> str:
    body = f"{SUBJECT_PREFIX}{sequence:0{SEQUENCE_DIGITS}d}"
    first17 = f"{REGISTRATION_AUTHORITY}{category}{division}{body}{gb11714_check(body)}"
    return first17 + uscc.calc_check_digit(first17)


def division_of(license_type) -> str:
    """The registration authority's six-digit division code: the issuing department's."""
    issuer = license_type.issuer
    division = (issuer.division_code or issuer.path.split("/", 1)[0])[:6]
    if len(division) != 6 or not division.isdigit():
        from .services import LicenseError

        raise LicenseError(
            _("发证机构“%(org)s”没有行政区划代码，不能生成统一社会信用代码。")
            % {"org": issuer.name},
            code="no_division_code",
        )
    return division


def _taken(code: str) -> bool:
    from yiwang.identity.models import Enterprise

    from .models import License

    return (
        Enterprise.objects.filter(uscc=code).exists()
        or License.objects.filter(Q(data__统一社会信用代码=code)).exists()
    )


def new_credit_code(license_type) -> str:
    """A valid code no enterprise or licence holds yet, for the business this licence
    registers."""
    from .services import PERSON, LicenseError

    category = (
        CATEGORY_INDIVIDUAL_BUSINESS if license_type.holder_kind == PERSON else CATEGORY_ENTERPRISE
    )
    division = division_of(license_type)

    def make(sequence: int) -> str:
        if sequence >= 10**SEQUENCE_DIGITS:
            raise LicenseError(
                _("本辖区的统一社会信用代码已用完，请联系系统管理员。"),
                code="credit_codes_used_up",
            )
        return compose(category, division, sequence)

    return sequences.take_next(f"USCC-{division}", make, _taken)

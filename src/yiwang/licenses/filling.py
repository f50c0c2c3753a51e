"""The 照面 particulars of a licence drafted from a case, each with where it came from, so
the issuer only checks and confirms (docs/licenses.md, "Issue from a case").

For each 照面字段, in this order, the first that gives a value:

1. the licence type's `field_elements` entry: a data element of the case's form
   (`form_data`, the bundle's one form behind it), turned into text as the form shows it
   (`forms.display.text_value`); or a decision field: `@编号`, `@发证日期`, `@有效期至`,
   `@有效期限`, `@发证机关`, `@新信用代码`;
2. for a field with no entry, the older rules by field name (applicant's identity and
   enterprise, the issuer, dates, number);
3. a licence drafted earlier in the same bundle journey for the same holder (the
   个体工商户营业执照 of the first item gives 名称 and 统一社会信用代码 to the later ones);
4. empty: the issuer completes it.

Nothing here writes; `services.issue_for_case` stores the result."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from yiwang.catalog.models import LicenseType

PERSON = LicenseType.HolderKind.PERSON

# Where a 照面字段's value came from (License.field_sources[name]["kind"]).
FORM = "form"
DECISION = "decision"
APPLICANT = "applicant"
EARLIER = "earlier"
ISSUER = "issuer"
SOURCE_WORDS = {
    FORM: _("申请表"),
    DECISION: _("系统生成"),
    APPLICANT: _("申请人信息"),
    EARLIER: _("前序事项证照"),
    ISSUER: _("发证人员填写"),
}
EMPTY_WORDS = _("待填写")

NUMBER, ISSUE_DATE, VALID_UNTIL, VALIDITY, ISSUER_NAME, NEW_CREDIT_CODE = (
    "@编号",
    "@发证日期",
    "@有效期至",
    "@有效期限",
    "@发证机关",
    "@新信用代码",
)
DECISION_FIELDS = (NUMBER, ISSUE_DATE, VALID_UNTIL, VALIDITY, ISSUER_NAME, NEW_CREDIT_CODE)

CREDIT_CODE = "统一社会信用代码"

# The older rules by field name, for a field the type does not map.
_PERSON_NAME = {"姓名", "持证人", "权利人", "经营者", "受援人", "户主姓名"}
_PERSON_ID = {"公民身份号码", "身份证件号"}
_ENTERPRISE_NAME = {
    "名称",
    "企业名称",
    "单位名称",
    "经营者名称",
    "机构名称",
    "取水权人名称",
    "申请单位",
    "建设单位",
}
_ADDRESS = {"住址", "居住地址", "住所", "注册地址", "地址"}
_NUMBER = {
    "证号",
    "编号",
    "许可证编号",
    "许可证号",
    "证书编号",
    "决定书编号",
    "文书编号",
    "登记号",
    "结婚证字号",
    "出生证编号",
}
_ISSUE_DATE = {"发证日期", "登记日期", "注册日期", "成立日期", "决定日期", "发卡日期"}
_VALIDITY = {"有效期限", "有效期至", "有效期"}

# Fields of different licence types that name the same thing of one business: a later
# licence of the journey takes the value of an earlier one's field of the same group when
# no field has its exact name. (住所 is not 经营场所: an individual business registers its
# operator's 住所 and its 经营场所 apart, 市场主体登记管理条例 第八条.)
_SAME_THING = [
    _ENTERPRISE_NAME,
    {"法定代表人", "经营者", "负责人"},
    {"经营场所", "场所地址"},
]


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Decision:
    """What approving the case decides of the licence itself."""

    number: str
    issued_on: datetime.date
    valid_until: datetime.date | None
    issuer_name: str


@dataclass
class Filled:
    data: dict[str, str] = field(default_factory=dict)
    # {name: {"kind": FORM | DECISION | APPLICANT | EARLIER, "from": element code, decision
    # field or the earlier licence's number}}; a field left empty has no entry.
    sources: dict[str, dict] = field(default_factory=dict)

    def put(self, name: str, value, kind: str, origin: str = "") -> bool:
        value = str(value or "").strip()
        if not value:
            return False
        self.data[name] = value
        self.sources[name] = {"kind": kind, "from": origin} if origin else {"kind": kind}
        return True

    @property
    def empty(self) -> list[str]:
        return [name for name, value in self.data.items() if not value]


def aligned_elements(license_type) -> list[str]:
    """`field_elements` as long as `fields` (a shorter list leaves the rest unmapped)."""
    elements = [str(e or "").strip() for e in (license_type.field_elements or [])]
    return (elements + [""] * len(license_type.fields))[: len(license_type.fields)]


class CaseForm:
    """The case's form values as text, read once: the case's own `form_data`, then the
    bundle's one form (the parent's) for what only another item asked."""

    def __init__(self, case):
        self.case = case
        self.values = dict(case.parent.form_data or {}) if case.parent_id else {}
        self.values.update(case.form_data or {})
        self._siblings = None

    def raw(self, key: str):
        return self.values.get(key)

    def _field(self, key: str):
        """The form Field of the element, as this item's form asks it, else as another
        item of the bundle does (None: the value is shown as stored)."""
        from yiwang.forms import definition

        found = definition.for_version(self.case.item_version).field(key)
        if found is not None or not self.case.parent_id:
            return found
        if self._siblings is None:
            self._siblings = [
                sibling.item_version
                for sibling in self.case.parent.children.exclude(pk=self.case.pk)
                .exclude(item_version=None)
                .select_related("item_version")
                .order_by("pk")
            ]
        for version in self._siblings:
            found = definition.for_version(version).field(key)
            if found is not None:
                return found
        return None

    def text(self, key: str) -> str:
        value = self.values.get(key)
        if value in (None, "", [], {}):
            return ""
        form_field = self._field(key)
        if form_field is None:
            return _plain(value)
        from yiwang.forms import display

        return str(display.text_value(form_field, value) or "").strip()


def _plain(value) -> str:
    """A value no form of the case describes: text as stored, lists joined."""
    if isinstance(value, dict):
        return str(value.get("detail", "") or "").strip()
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value if _plain(v))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).strip()


def _from_decision(token: str, decision: Decision) -> str:
    until = decision.valid_until
    return {
        NUMBER: decision.number,
        ISSUE_DATE: chinese_date(decision.issued_on),
        VALID_UNTIL: chinese_date(until) if until else "长期",
        VALIDITY: (
            f"{chinese_date(decision.issued_on)}至{chinese_date(until)}" if until else "长期"
        ),
        ISSUER_NAME: decision.issuer_name,
    }.get(token, "")


class _Applicant:
    """The rules by field name, reading the applicant's identity only when asked."""

    def __init__(self, case, *, person: bool, enterprise, form: CaseForm):
        self.case, self.person, self.enterprise, self.form = case, person, enterprise, form
        self._id_number = None

    @property
    def id_number(self) -> str:
        if self._id_number is None:
            self._id_number = self.case.applicant.reveal_id_number()
        return self._id_number

    def value(self, name: str, decision: Decision) -> tuple[str, str]:
        """(value, kind) by the field's name, or ("", "")."""
        same_name = self.form.raw(name)
        if isinstance(same_name, str | int | float) and str(same_name).strip():
            return str(same_name), FORM
        applicant, enterprise = self.case.applicant, self.enterprise
        if name in _PERSON_ID:
            return self.id_number, APPLICANT
        if name in _PERSON_NAME and self.person:
            return applicant.real_name, APPLICANT
        if name in _ENTERPRISE_NAME and enterprise is not None:
            return enterprise.name, APPLICANT
        if name == CREDIT_CODE and enterprise is not None:
            return enterprise.uscc, APPLICANT
        if name == "法定代表人" and enterprise is not None:
            return enterprise.legal_representative, APPLICANT
        if name in _ADDRESS:
            if enterprise is not None:
                typed = self.form.raw("enterprise_address")
                return (typed if isinstance(typed, str) and typed else enterprise.address), (
                    FORM if typed else APPLICANT
                )
            typed = self.form.raw("address")
            return (typed if isinstance(typed, str) else ""), FORM
        if name == "性别" and len(self.id_number) == 18:
            return ("男" if int(self.id_number[16]) % 2 else "女"), APPLICANT
        if name == "出生日期" and len(self.id_number) == 18:
            n = self.id_number
            return f"{n[6:10]}年{int(n[10:12])}月{int(n[12:14])}日", APPLICANT
        if name == "签发机关":
            return decision.issuer_name, DECISION
        if name in _NUMBER:
            return decision.number, DECISION
        if name in _ISSUE_DATE:
            return chinese_date(decision.issued_on), DECISION
        if name in _VALIDITY:
            return _from_decision(VALIDITY, decision), DECISION
        return "", ""


def from_earlier(name: str, earlier: list) -> tuple[str, str]:
    """(value, licence number) of the first earlier licence with this field filled, by exact
    name, then by a field naming the same thing."""
    for licence in earlier:
        value = str(licence.data.get(name, "") or "").strip()
        if value:
            return value, licence.number
    group = next((g for g in _SAME_THING if name in g), ())
    for licence in earlier:
        for other in licence.license_type.fields:
            value = str(licence.data.get(other, "") or "").strip()
            if other in group and value:
                return value, licence.number
    return "", ""


def fill(
    license_type,
    *,
    case,
    person: bool,
    enterprise,
    decision: Decision,
    earlier: list,
    new_credit_code: Callable[[], str],
) -> Filled:
    """The particulars of a draft of `license_type` from `case` (see the module's
    docstring). `person`: the holder is the applicant; `enterprise`: the holding enterprise
    or None; `earlier`: licences drafted before in the journey, oldest first;
    `new_credit_code` is called only when a field asks for one and no earlier licence of the
    journey has one."""
    form = CaseForm(case)
    applicant = _Applicant(case, person=person, enterprise=enterprise, form=form)
    filled = Filled()
    for name, element in zip(license_type.fields, aligned_elements(license_type), strict=True):
        filled.data[name] = ""
        if element == NEW_CREDIT_CODE:
            value, number = from_earlier(name, earlier)
            if not filled.put(name, value, EARLIER, number):
                filled.put(name, new_credit_code(), DECISION, element)
            continue
        if element in DECISION_FIELDS:
            done = filled.put(name, _from_decision(element, decision), DECISION, element)
        elif element:
            done = filled.put(name, form.text(element), FORM, element)
            if not done:  # the form left it empty: what the applicant's identity says
                value, kind = applicant.value(name, decision)
                done = filled.put(name, value, kind)
        else:
            value, kind = applicant.value(name, decision)
            done = filled.put(name, value, kind)
        if not done:
            value, number = from_earlier(name, earlier)
            filled.put(name, value, EARLIER, number)
    return filled

"""Prefill (预填): values of an application form the platform already knows, each with where
it came from (docs/forms.md, "Data elements" → sources).

A field's `sources` are tried in order: `identity:<attr>` (the applicant's real-name
record), `enterprise:<attr>` (the enterprise the case is for) and
`license:<licence type>:<照面字段>` (the holder's valid, final e-licence of that type — the
applicant's own for a person's licence, the enterprise's for an enterprise's). The first
source with a value the field accepts wins; a value the field would refuse (a licence's
date written in Chinese that does not parse, a code not in the list) is left for the
applicant to type. Fields marked `no_prefill` are never filled.

Every licence whose content fills a field is recorded in the audit chain, one event per
licence, as a material taken from the licence library is (cases.services
`case.material_from_license`): "电子证照库里已有的信息不需要申请人再次填写", and the citizen
sees beside each field which licence it came from."""

import datetime
import re
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.catalog.models import LicenseType
from yiwang.sharing import services as sharing

from . import reuse

IDENTITY, ENTERPRISE, LICENSE = "identity", "enterprise", "license"
# GB/T 2261.1-2003 人的性别代码.
GENDER_CODES = {"男": "1", "女": "2"}
_CHINESE_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
_DOTTED_DATE = re.compile(r"^\s*(\d{4})[./-](\d{1,2})[./-](\d{1,2})\s*$")


@dataclass(frozen=True)
class Prefill:
    value: object
    kind: str  # identity | enterprise | license
    label: str  # 来自实名认证信息 …
    license_id: int | None = None
    # For a licence: which one, "个体工商户营业执照（证照编号 GTYY…0001）" — what Case.form_sources
    # keeps as its label (forms.display.source_label words it "来自电子证照：…").
    licence_name: str = ""

    def source(self) -> dict:
        """As stored in Case.form_sources."""
        return {
            "kind": self.kind,
            "label": self.licence_name or self.label,
            "license": self.license_id,
        }


# --- reading the sources ------------------------------------------------------------------


def _gender(id_number: str) -> str:
    if len(id_number) != 18 or not id_number[16].isdigit():
        return ""
    return "男" if int(id_number[16]) % 2 else "女"


def _birth_date(id_number: str) -> str:
    if len(id_number) != 18:
        return ""
    try:
        day = datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return ""
    return day.isoformat()


def _identity(user, attr: str):
    if user is None:
        return ""
    if attr in ("id_number", "gender", "birth_date"):
        number = user.reveal_id_number()
        return {"id_number": number, "gender": _gender(number), "birth_date": _birth_date(number)}[
            attr
        ]
    if attr in ("real_name", "phone", "email"):
        return getattr(user, attr, "") or ""
    return ""


def _enterprise(enterprise, attr: str):
    if enterprise is None or attr not in ("name", "uscc", "legal_representative", "address"):
        return ""
    return getattr(enterprise, attr, "") or ""


class _Library:
    """The holder's licences, each type looked up once per prefill."""

    def __init__(self, user, enterprise):
        self.user, self.enterprise = user, enterprise
        self._found: dict[str, object] = {}

    def read(self) -> list:
        return [licence for licence in self._found.values() if licence is not None]

    def licence(self, type_code: str):
        if type_code not in self._found:
            self._found[type_code] = self._look_up(type_code)
        return self._found[type_code]

    def _look_up(self, type_code: str):
        from yiwang.licenses import services as licenses  # licenses imports cases' models

        license_type = LicenseType.objects.filter(code=type_code).first()
        if license_type is None:
            return None
        if license_type.holder_kind == LicenseType.HolderKind.ENTERPRISE:
            holder = self.enterprise
        else:
            holder = self.user
        if holder is None:
            return None
        licence = licenses.valid_for(holder, license_type).license
        if licence is not None:
            licence.license_type = license_type  # already read: no second query for its name
        return licence


def _licence_name(licence) -> str:
    return _("%(type)s（证照编号 %(number)s）") % {
        "type": licence.license_type.name,
        "number": reuse.mask_license_number(licence.number),
    }


def _license_label(licence) -> str:
    return _("来自电子证照：%(name)s") % {"name": _licence_name(licence)}


def _candidate(source: str, user, enterprise, library: _Library) -> Prefill | None:
    kind, _sep, rest = str(source).partition(":")
    if kind == IDENTITY:
        value = _identity(user, rest)
        return Prefill(value, IDENTITY, _("来自实名认证信息")) if value else None
    if kind == ENTERPRISE:
        value = _enterprise(enterprise, rest)
        return Prefill(value, ENTERPRISE, _("来自企业信息")) if value else None
    if kind == LICENSE:
        type_code, _sep, face = rest.partition(":")
        licence = library.licence(type_code) if type_code and face else None
        if licence is None:
            return None
        value = (licence.data or {}).get(face)
        if value in (None, "", [], {}):
            return None
        name = _licence_name(licence)
        return Prefill(value, LICENSE, _license_label(licence), licence.pk, name)
    return None


# --- shaping a value for its field ---------------------------------------------------------


def _as_date(value) -> str | None:
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    for pattern in (_CHINESE_DATE, _DOTTED_DATE):
        match = pattern.match(text)
        if match:
            try:
                return datetime.date(*(int(g) for g in match.groups())).isoformat()
            except ValueError:
                return None
    return None


def _as_number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    text = str(value).replace(",", "").strip()
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def shaped(kind: str, value):
    """The value in the JSON shape of a field of this kind (docs/forms.md), or None."""
    if kind == "address":
        if isinstance(value, dict):
            return value
        return {"area": "", "detail": str(value)}
    if kind == "date":
        return _as_date(value)
    if kind in ("integer", "decimal", "money"):
        number = _as_number(value)
        if kind == "integer" and isinstance(number, float):
            return None
        return number
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    if kind == "choice":
        text = str(value)
        return GENDER_CODES.get(text, text)
    if kind in ("multi_choice", "group", "date_range"):
        return value if isinstance(value, list | dict) else None
    return value if isinstance(value, str) else str(value)


# --- the form -----------------------------------------------------------------------------


def prefill_for(definition, *, user, enterprise=None, case=None) -> dict[str, Prefill]:
    """{field key: Prefill} for the fields of `definition` the platform can fill for `user`
    (the applicant) acting for `enterprise`. With a `case`, each licence read is recorded
    against it; without (a form asked for before any case exists), against the licence."""
    from yiwang.forms import validation

    library = _Library(user, enterprise)
    candidates: dict[str, list[Prefill]] = {}
    for field in definition.fields:
        if getattr(field, "no_prefill", False) or field.kind == "group":
            continue
        found = []
        for source in field.sources or ():
            candidate = _candidate(source, user, enterprise, library)
            if candidate is None:
                continue
            value = shaped(field.kind, candidate.value)
            if value is not None:
                found.append(replace(candidate, value=value))
        if found:
            candidates[field.key] = found
    chosen = {key: found[0] for key, found in candidates.items()}
    # A value the field refuses gives way to the next source, or to the applicant.
    for _round in range(max((len(f) for f in candidates.values()), default=0)):
        data = {key: prefill.value for key, prefill in chosen.items()}
        refused = {e.key for e in validation.validate(definition, data, partial=True)}
        refused &= set(chosen)
        if not refused:
            break
        for key in refused:
            rest = candidates[key][candidates[key].index(chosen[key]) + 1 :]
            if rest:
                chosen[key] = rest[0]
            else:
                del chosen[key]
    _record_reads(chosen, library, user=user, case=case)
    return chosen


def _record_reads(chosen: dict[str, Prefill], library: _Library, *, user, case) -> None:
    """One audit event per licence whose content went into the form."""
    by_licence: dict[int, list[str]] = {}
    for key, prefill in chosen.items():
        if prefill.license_id:
            by_licence.setdefault(prefill.license_id, []).append(key)
    for licence in library.read():
        if licence.pk not in by_licence:
            continue
        # The holder sees it on their data-access page, as they see every look-up.
        sharing.record_prefill_read(user, licence, case=case)
        summary = {
            "license": licence.number,
            "type": licence.license_type.code,
            "fields": sorted(by_licence[licence.pk]),
        }
        if case is not None:
            audit.record(
                "cases.prefill",
                "case.form_from_license",
                case,
                org_path=case.place_path,
                summary=summary,
            )
        else:
            audit.record(
                user,
                "form.prefilled_from_license",
                licence,
                org_path=licence.issuer_path,
                summary=summary,
            )


def sources_of(prefilled: dict[str, Prefill]) -> dict[str, dict]:
    """The prefill as Case.form_sources stores it."""
    return {key: prefill.source() for key, prefill in prefilled.items()}

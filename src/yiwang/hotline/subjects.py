"""The subject tree (诉求内容分类, docs/hotline.md): two levels, as in
src/yiwang/demo/data/hotline/categories.yaml — GB/T 39666-2020 keeps an appeal's type and
its content apart, so the types are a fixed list (models.AppealType) and only the content
is a tree. A second-level subject names its default unit by org code, its limit in working
days (`deadline`) and its keywords.

`sync(data)` upserts the tree from that structure (already parsed: a dict with
`subjects`), in a fixed number of statements whatever its size; subjects the data no longer
lists are switched off, never deleted (appeals keep pointing at them)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.identity.models import OrgUnit

from .models import Subject

CODE_MAX, NAME_MAX = 20, 100
DAYS_MAX = 60
KEYWORDS_MAX, KEYWORD_MAX = 20, 50


def leaves() -> QuerySet[Subject]:
    """The active second-level subjects (under an active first level), in the tree's order,
    with their parent and default unit."""
    return (
        Subject.objects.filter(parent__isnull=False, is_active=True, parent__is_active=True)
        .select_related("parent", "org")
        .order_by("parent__position", "parent__code", "position", "code")
    )


def tree() -> list[tuple[Subject, list[Subject]]]:
    """The active tree as (first level, its leaves), in two statements."""
    tops = list(Subject.objects.filter(parent__isnull=True, is_active=True))
    children: dict[int, list[Subject]] = {}
    for leaf in leaves():
        children.setdefault(leaf.parent_id, []).append(leaf)
    return [(top, children.get(top.pk, [])) for top in tops]


def _bad(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _text(value, *, what: str, code: str, limit: int) -> str:
    text = str(value if value is not None else "").strip()
    if not text or len(text) > limit or any(ord(ch) < 32 for ch in text):
        raise _bad(
            _("分类数据中“%(what)s”不正确：%(value)s") % {"what": what, "value": text[:40]},
            "subject_data_invalid",
        )
    return text


def _days(value, code: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (1 <= value <= DAYS_MAX):
        raise _bad(
            _("分类 %(code)s 的办理时限须为 1 至 %(max)d 个工作日。")
            % {"code": code, "max": DAYS_MAX},
            "subject_days_invalid",
        )
    return value


def _keywords(value, code: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or len(value) > KEYWORDS_MAX:
        raise _bad(
            _("分类 %(code)s 的关键词须为列表。") % {"code": code}, "subject_keywords_invalid"
        )
    return [_text(k, what=_("关键词"), code=code, limit=KEYWORD_MAX) for k in value]


def _parse(data) -> list[dict]:
    """The tree as plain rows, checked: parents first, then their children."""
    if not isinstance(data, dict) or not isinstance(data.get("subjects"), list):
        raise _bad(_("分类数据须包含 subjects 列表。"), "subject_data_invalid")
    rows, seen = [], set()
    for i, top in enumerate(data["subjects"]):
        if not isinstance(top, dict):
            raise _bad(_("分类数据的格式不正确。"), "subject_data_invalid")
        code = _text(top.get("code"), what=_("分类编码"), code="", limit=CODE_MAX)
        rows.append(
            {
                "code": code,
                "name": _text(top.get("name"), what=_("分类名称"), code=code, limit=NAME_MAX),
                "parent": None,
                "position": i,
            }
        )
        children = top.get("children") or []
        if not isinstance(children, list) or not children:
            raise _bad(
                _("一级分类 %(code)s 下没有二级分类。") % {"code": code}, "subject_data_invalid"
            )
        for j, leaf in enumerate(children):
            if not isinstance(leaf, dict):
                raise _bad(_("分类数据的格式不正确。"), "subject_data_invalid")
            child = _text(leaf.get("code"), what=_("分类编码"), code=code, limit=CODE_MAX)
            rows.append(
                {
                    "code": child,
                    "name": _text(leaf.get("name"), what=_("分类名称"), code=child, limit=NAME_MAX),
                    "parent": code,
                    "position": j,
                    "org": str(leaf.get("org") or "").strip(),
                    "days": _days(leaf.get("deadline", 5), child),
                    "keywords": _keywords(leaf.get("keywords"), child),
                }
            )
    for row in rows:
        if row["code"] in seen:
            raise _bad(
                _("分类编码 %(code)s 重复。") % {"code": row["code"]}, "subject_code_duplicate"
            )
        seen.add(row["code"])
    return rows


@transaction.atomic
def sync(data: dict, *, by=None) -> dict[str, int]:
    """Upsert the subject tree from `data` (categories.yaml's structure): subjects by code,
    default units by org code (a code the org tree lacks is an error), `deadline` as the
    limit in working days, the keywords. Returns how many were created, updated and
    switched off; audited when anything changed. Safe to run twice."""
    rows = _parse(data)
    org_codes = {row["org"] for row in rows if row.get("org")}
    orgs = {o.code: o for o in OrgUnit.objects.filter(code__in=org_codes)}
    missing = sorted(org_codes - orgs.keys())
    if missing:
        raise _bad(
            _("分类数据中的承办单位编码不存在：%(codes)s") % {"codes": "、".join(missing[:5])},
            "subject_org_unknown",
        )
    existing = {s.code: s for s in Subject.objects.all()}
    created = updated = 0
    fields = ["name", "parent", "position", "org", "days", "keywords", "is_active"]
    for level in (0, 1):
        new, changed = [], []
        for row in rows:
            if (row["parent"] is None) != (level == 0):
                continue
            wanted = {
                "name": row["name"],
                "parent": existing[row["parent"]] if row["parent"] else None,
                "position": row["position"],
                "org": orgs.get(row.get("org")) if row.get("org") else None,
                "days": row.get("days", 5),
                "keywords": row.get("keywords", []),
                "is_active": True,
            }
            subject = existing.get(row["code"])
            if subject is None:
                subject = Subject(code=row["code"], **wanted)
                new.append(subject)
                existing[row["code"]] = subject
            elif any(
                getattr(subject, f if f not in ("parent", "org") else f"{f}_id")
                != (getattr(wanted[f], "pk", None) if f in ("parent", "org") else wanted[f])
                for f in fields
            ):
                for name, value in wanted.items():
                    setattr(subject, name, value)
                changed.append(subject)
        Subject.objects.bulk_create(new)
        if changed:
            Subject.objects.bulk_update(changed, fields)
        created, updated = created + len(new), updated + len(changed)
    listed = {row["code"] for row in rows}
    gone = [code for code, s in existing.items() if code not in listed and s.is_active]
    if gone:
        Subject.objects.filter(code__in=gone).update(is_active=False)
    result = {"created": created, "updated": updated, "deactivated": len(gone)}
    if created or updated or gone:
        audit.record(by or "hotline.subjects", "hotline.subjects_synced", None, summary=result)
    return result

"""The org sheet (组织机构) of the catalogue exchange file: read, validate every row, then
create or update org units. Nothing is written if any row is wrong."""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.core.exchange import ImportRejected, RowError, rows_of

from . import tree
from .models import OrgKind, OrgLevel, OrgUnit

SHEET = "组织机构"
COLUMNS = [
    "机构编码",
    "机构名称",
    "英文名称",
    "机构类型",
    "上级机构编码",
    "层级",
    "办公地址",
    "咨询电话",
    "办公时间",
]
KINDS = {
    "行政区": OrgKind.DISTRICT,
    "街道": OrgKind.STREET,
    "社区": OrgKind.COMMUNITY,
    "部门": OrgKind.DEPARTMENT,
    "政务服务中心": OrgKind.SERVICE_CENTRE,
    "大厅": OrgKind.HALL,
}
LEVELS = {"区级": OrgLevel.DISTRICT, "街道级": OrgLevel.STREET, "社区级": OrgLevel.COMMUNITY}
# Added with English names (docs/i18n.md): a file made before them reads as if it were empty.
OPTIONAL_COLUMNS = {"英文名称"}
AREA_KINDS = {OrgKind.DISTRICT, OrgKind.STREET, OrgKind.COMMUNITY}
_CODE = re.compile(r"^[0-9A-Za-z-]{1,64}$")


def read_sheet(path) -> list[dict]:
    """Rows of the org sheet as dicts keyed by the Chinese column names, with row numbers."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = rows_of(workbook, SHEET, [c for c in COLUMNS if c not in OPTIONAL_COLUMNS])
    finally:
        workbook.close()
    return [{c: "" for c in COLUMNS} | row for row in rows]


def validate(rows: list[dict]) -> list[RowError]:
    errors = []
    codes = {}
    for row in rows:
        n = row["_row"]
        code = row["机构编码"]
        if not _CODE.match(code):
            errors.append(RowError(SHEET, n, "机构编码", _("编码只能包含字母、数字和连字符。")))
        elif code in codes:
            errors.append(
                RowError(SHEET, n, "机构编码", _("编码与第%(row)d行重复。") % {"row": codes[code]})
            )
        codes.setdefault(code, n)
        if not row["机构名称"]:
            errors.append(RowError(SHEET, n, "机构名称", _("不能为空。")))
        if row["机构类型"] not in KINDS:
            errors.append(
                RowError(
                    SHEET, n, "机构类型", _("应为：%(values)s。") % {"values": "、".join(KINDS)}
                )
            )
        if row["层级"] not in LEVELS:
            errors.append(
                RowError(SHEET, n, "层级", _("应为：%(values)s。") % {"values": "、".join(LEVELS)})
            )
    known = set(codes) | set(OrgUnit.objects.values_list("code", flat=True))
    for row in rows:
        parent = row["上级机构编码"]
        if parent and parent not in known:
            errors.append(RowError(SHEET, row["_row"], "上级机构编码", _("上级机构不存在。")))
        if parent == row["机构编码"]:
            errors.append(RowError(SHEET, row["_row"], "上级机构编码", _("不能是自身。")))
    return errors


def _ordered(rows: list[dict]) -> list[dict]:
    """Parents before children, whatever the order in the file."""
    by_code = {r["机构编码"]: r for r in rows}
    done, ordered = set(), []

    def visit(row, trail=()):
        code = row["机构编码"]
        if code in done or code in trail:
            return
        parent = by_code.get(row["上级机构编码"])
        if parent:
            visit(parent, (*trail, code))
        done.add(code)
        ordered.append(row)

    for row in rows:
        visit(row)
    return ordered


def _division_code(code: str, kind: str, parent: OrgUnit | None) -> str:
    if kind in AREA_KINDS:
        return code
    return parent.division_code if parent else ""


@transaction.atomic
def import_orgs(rows: list[dict], *, by=None) -> dict[str, int]:
    errors = validate(rows)
    if errors:
        raise ImportRejected(errors)
    created = updated = 0
    for row in _ordered(rows):
        parent = OrgUnit.objects.get(code=row["上级机构编码"]) if row["上级机构编码"] else None
        kind = KINDS[row["机构类型"]]
        values = {
            "name": row["机构名称"],
            "name_en": row.get("英文名称", ""),
            "kind": kind,
            "level": LEVELS[row["层级"]],
            "parent": parent,
            "division_code": _division_code(row["机构编码"], kind, parent),
            "address": row["办公地址"],
            "phone": row["咨询电话"],
            "hours": row["办公时间"],
        }
        org = OrgUnit.objects.filter(code=row["机构编码"]).first()
        if org is None:
            OrgUnit.objects.create(code=row["机构编码"], **values)
            created += 1
        elif any(getattr(org, k) != v for k, v in values.items()):
            old_path = org.path
            for key, value in values.items():
                setattr(org, key, value)
            org.save()
            tree.repath(old_path, org.path)  # its subtree and every copied path follow
            updated += 1
    if created or updated:
        audit.record(
            by, "identity.orgs_imported", None, summary={"created": created, "updated": updated}
        )
    return {"created": created, "updated": updated}

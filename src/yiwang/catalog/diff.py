"""Field-by-field comparison of two versions, for reviewers and the history page."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from yiwang.forms.models import DataElement

from .exchange import COLUMNS, ITEMS, form_rows, item_row, material_rows, step_rows


@dataclass(frozen=True)
class Change:
    section: str
    field: str
    old: str
    new: str


def diff(old, new) -> list[Change]:
    changes = []
    a, b = item_row(old), item_row(new)
    for column in COLUMNS[ITEMS]:
        if a[column] != b[column]:
            changes.append(Change("事项", column, a[column], b[column]))
    changes += _rows("申请材料", material_rows(old), material_rows(new), "材料名称")
    changes += _rows("办理流程", step_rows(old), step_rows(new), "环节名称")
    changes += _form(form_rows(old), form_rows(new))
    return changes


def _form(old_rows, new_rows) -> list[Change]:
    """申请表 field by field, matched by 字段编码 so that inserting a field shows one new
    field rather than every later one as changed; a new order is one change of its own."""

    unnamed = {r["数据元编码"] for r in [*old_rows, *new_rows] if not r["字段名称"]}
    element_names = dict(DataElement.objects.filter(code__in=unnamed).values_list("code", "name"))

    def name(row):
        label = row["字段名称"] or element_names.get(row["数据元编码"]) or row["字段编码"]
        return f"{label}（{row['字段编码']}）"

    def text(row):
        skip = {"事项编码", "序号", "字段编码"}
        return "；".join(f"{k}:{v}" for k, v in row.items() if k not in skip and v)

    old = {r["字段编码"]: r for r in old_rows}
    new = {r["字段编码"]: r for r in new_rows}
    changes = []
    for key in [*new, *(k for k in old if k not in new)]:
        before, after = old.get(key), new.get(key)
        if before is None or after is None or text(before) != text(after):
            changes.append(
                Change(
                    "申请表",
                    name(after or before),
                    text(before) if before else "",
                    text(after) if after else "",
                )
            )
    kept_old = [name(r) for r in old_rows if r["字段编码"] in new]
    kept_new = [name(r) for r in new_rows if r["字段编码"] in old]
    if kept_old != kept_new:
        changes.append(Change("申请表", _("字段顺序"), "、".join(kept_old), "、".join(kept_new)))
    return changes


def _rows(section, old_rows, new_rows, label):
    def text(row):
        return "；".join(f"{k}:{v}" for k, v in row.items() if k not in {"事项编码", "序号"})

    old = {r["序号"]: r for r in old_rows}
    new = {r["序号"]: r for r in new_rows}
    changes = []
    for seq in sorted(set(old) | set(new), key=int):
        before, after = old.get(seq), new.get(seq)
        if before != after:
            field = (after or before)[label]
            changes.append(
                Change(
                    section,
                    f"{seq}. {field}",
                    text(before) if before else "",
                    text(after) if after else "",
                )
            )
    return changes

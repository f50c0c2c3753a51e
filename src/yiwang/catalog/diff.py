"""Field-by-field comparison of two versions, for reviewers and the history page."""

from dataclasses import dataclass

from .exchange import COLUMNS, ITEMS, item_row, material_rows, step_rows


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

"""The catalogue exchange file: validate everything first, import all or nothing, re-import is
a no-op, a changed file makes new versions, export and import round-trip."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from yiwang.catalog import exchange, vocab
from yiwang.catalog.models import (
    Bundle,
    ItemVersion,
    LicenseType,
    ServiceItem,
    VersionStatus,
)
from yiwang.core.exchange import ImportRejected
from yiwang.demo.loader import catalog_file

pytestmark = pytest.mark.django_db


def _column(sheet, name) -> int:
    header = [c.value for c in sheet[1]]
    return header.index(name) + 1


def broken_demo_file(tmp_path):
    """The demo file with exactly three broken rows, in two sheets."""
    workbook = openpyxl.load_workbook(catalog_file())
    items = workbook["事项"]
    items.cell(3, _column(items, "事项类型")).value = "行政审批"  # not a national item type
    statutory = items.cell(5, _column(items, "法定办结时限")).value
    items.cell(5, _column(items, "承诺办结时限")).value = int(statutory) + 5
    materials = workbook["申请材料"]
    source, licence = _column(materials, "来源渠道"), _column(materials, "关联证照类型编码")
    row = next(
        r
        for r in range(2, materials.max_row + 1)
        if materials.cell(r, source).value == "电子证照库"
    )
    materials.cell(row, licence).value = "L-NOPE"
    path = tmp_path / "broken.xlsx"
    workbook.save(path)
    broken_demo_file.material_row = row
    return path


def test_three_broken_rows_are_refused_with_three_precise_messages(demo, tmp_path):
    path = broken_demo_file(tmp_path)
    with pytest.raises(ImportRejected) as caught:
        exchange.import_file(path)
    errors = [(e.sheet, e.row, e.column) for e in caught.value.errors]
    assert errors == [
        ("事项", 3, "事项类型"),
        ("事项", 5, "承诺办结时限"),
        ("申请材料", broken_demo_file.material_row, "关联证照类型编码"),
    ]
    texts = [str(e) for e in caught.value.errors]
    assert texts[0].startswith("工作表“事项”第3行“事项类型”：应为：")
    assert "承诺时限不能超过法定时限" in texts[1]
    assert "来源为电子证照库时，应填写已有的证照类型编码。" in texts[2]
    assert ServiceItem.objects.count() == 0 and LicenseType.objects.count() == 0


def test_command_prints_the_chinese_errors_and_fails(demo, tmp_path):
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="3 处错误，未导入任何数据。"):
        call_command("import_catalog", str(broken_demo_file(tmp_path)), stderr=stderr)
    lines = stderr.getvalue().strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("工作表“事项”第3行“事项类型”")
    assert ServiceItem.objects.count() == 0


def _keyed(sheets) -> dict:
    """Rows of every sheet keyed by their codes, org lists in one order, row numbers gone."""
    keys = {
        exchange.ORGS: ("机构编码",),
        exchange.ITEMS: ("事项编码",),
        exchange.MATERIALS: ("事项编码", "序号"),
        exchange.STEPS: ("事项编码", "序号"),
        exchange.LICENSES: ("证照类型编码",),
        exchange.BUNDLES: ("一件事编码",),
    }
    result = {}
    for name, rows in sheets.items():
        table = {}
        for row in rows:
            row = {k: v for k, v in row.items() if not k.startswith("_")}
            for column in ("实施主体", "办理地点"):
                if column in row:
                    row[column] = vocab.join(sorted(vocab.split(row[column])))
            table[tuple(row[k] for k in keys[name])] = row
        result[name] = table
    return result


def test_demo_file_imports_reimports_unchanged_and_round_trips(demo_catalog, tmp_path):
    assert ServiceItem.objects.count() == 209
    assert LicenseType.objects.count() == 26
    assert Bundle.objects.count() == 8
    versions = ItemVersion.objects.count()
    assert versions == 209

    again = exchange.import_file(catalog_file())
    assert again["items_created"] == again["items_changed"] == 0
    assert again["items_unchanged"] == 209
    assert again["license_types"] == again["bundles"] == again["orgs"] == 0
    assert ItemVersion.objects.count() == versions

    exported = tmp_path / "exported.xlsx"
    exchange.export_workbook(exported)
    assert _keyed(exchange.read_workbook(exported)) == _keyed(
        exchange.read_workbook(catalog_file())
    )
    summary = exchange.import_file(exported)
    assert summary["items_created"] == summary["items_changed"] == 0
    assert ItemVersion.objects.count() == versions


def test_a_changed_item_becomes_a_new_published_version(demo):
    from .conftest import small_sheets

    exchange.import_sheets(small_sheets())
    sheets = small_sheets()
    row = next(r for r in sheets[exchange.ITEMS] if r["事项编码"] == "SCJ-XK-0002")
    row["事项名称"] = "企业变更（备案）登记"
    summary = exchange.import_sheets(sheets)
    assert (summary["items_changed"], summary["items_unchanged"]) == (1, 2)

    item = ServiceItem.objects.get(code="SCJ-XK-0002")
    old, new = item.versions.get(number=1), item.versions.get(number=2)
    assert item.published == new and new.name == "企业变更（备案）登记"
    assert new.status == VersionStatus.PUBLISHED and new.source == "import"
    assert old.status == VersionStatus.RETIRED and old.name == "企业变更登记"
    assert ServiceItem.objects.get(code="SCJ-XK-0001").versions.count() == 1

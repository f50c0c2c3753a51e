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
        exchange.CODE_LISTS: ("代码表编码", "代码"),
        exchange.ELEMENTS: ("数据元编码",),
        exchange.FORMS: ("事项编码", "序号"),
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


# --- application forms: 代码表, 数据元, 申请表 and the licence columns ---------------------

CODE_LIST_ROWS = [
    ("business_form", "经营形式", "Business form", "shop", "门店", "Shop", "1"),
    ("business_form", "经营形式", "Business form", "online", "网店", "Online shop", "2"),
]
ELEMENT_ROWS = [  # the cells that are not empty
    {"数据元编码": "company_name", "名称": "企业名称", "类型": "文本", "最大长度": "100",
     "来源": "enterprise:name;license:L-YYZZ:名称"},
    {"数据元编码": "legal_rep", "名称": "法定代表人", "类型": "文本", "最大长度": "50",
     "遮盖方式": "姓名", "来源": "enterprise:legal_representative"},
    {"数据元编码": "business_form", "名称": "经营形式", "类型": "单选",
     "代码表编码": "business_form"},
    {"数据元编码": "registered_capital", "名称": "注册资本", "类型": "金额", "最小值": "0",
     "最大值": "1000000.5", "单位": "万元"},
    {"数据元编码": "shareholder_name", "名称": "股东名称", "类型": "文本", "最大长度": "100"},
    {"数据元编码": "shareholders", "名称": "股东", "类型": "重复组", "最大长度": "50",
     "组成数据元": "shareholder_name"},
]  # fmt: skip
FORM_ROWS = [  # the cells that are not empty, besides 事项编码 SCJ-XK-0001 and 允许修改 是
    {"序号": "1", "分组": "企业信息", "字段编码": "company_name", "数据元编码": "company_name",
     "字段名称": "拟设企业名称", "必填": "是", "预填来源": "不预填", "最大长度": "50"},
    {"序号": "2", "分组": "企业信息", "字段编码": "legal_rep", "数据元编码": "legal_rep",
     "必填": "是"},
    {"序号": "3", "分组": "企业信息", "字段编码": "business_form",
     "数据元编码": "business_form", "必填": "是"},
    {"序号": "4", "分组": "企业信息", "字段编码": "web_address", "字段名称": "网店网址",
     "字段类型": "文本", "必填": "否", "显示条件": "business_form=online"},
    {"序号": "5", "分组": "企业信息", "字段编码": "registered_capital",
     "数据元编码": "registered_capital", "必填": "是", "最小值": "3", "最大值": "1000"},
    {"序号": "6", "分组": "股东", "字段编码": "shareholders", "数据元编码": "shareholders",
     "必填": "是", "最大长度": "10"},
]  # fmt: skip
YYZZ_ELEMENTS = "company_name;@新信用代码;;legal_rep;;registered_capital;@发证日期;"


def _sheet(name, rows, **defaults) -> list[dict]:
    """Rows as read from the file: every column, numbered from the row under the header."""
    empty = {c: "" for c in exchange.COLUMNS[name]}
    return [empty | defaults | row | {"_row": n} for n, row in enumerate(rows, start=2)]


def form_sheets(form_rows=FORM_ROWS) -> dict:
    """The small catalogue with a dictionary, a form for 企业设立登记, its application filled
    online, and 营业执照's 照面字段 mapped to data elements."""
    from .conftest import small_sheets

    sheets = small_sheets()
    columns = exchange.COLUMNS[exchange.CODE_LISTS]
    sheets[exchange.CODE_LISTS] = _sheet(
        exchange.CODE_LISTS, [dict(zip(columns, r, strict=True)) for r in CODE_LIST_ROWS]
    )
    sheets[exchange.ELEMENTS] = _sheet(exchange.ELEMENTS, ELEMENT_ROWS)
    sheets[exchange.FORMS] = _sheet(
        exchange.FORMS, form_rows, 事项编码="SCJ-XK-0001", 允许修改="是"
    )
    for row in sheets[exchange.LICENSES]:
        # This small dictionary replaces the demo's: only 营业执照 is mapped to it.
        row["照面字段数据元"] = ""
        if row["证照类型编码"] == "L-YYZZ":
            row["照面字段数据元"] = YYZZ_ELEMENTS
        if row["证照类型编码"] == "L-GTYYZZ":
            row["可替代证照类型"] = "L-YYZZ"
    application = sheets[exchange.MATERIALS][0]
    assert application["材料名称"] == "企业登记（备案）申请书"
    application["来源渠道"] = "在线填报"
    return sheets


def _without_row_numbers(rows):
    return [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]


def _cells(path) -> dict:
    workbook = openpyxl.load_workbook(path, read_only=True)
    return {s.title: list(s.iter_rows(values_only=True)) for s in workbook.worksheets}


def test_form_sheets_import_reimport_unchanged_and_round_trip(demo, tmp_path):
    from yiwang.catalog.models import MaterialSource
    from yiwang.forms import services as forms

    summary = exchange.import_sheets(form_sheets())
    assert (summary["code_lists"], summary["elements"], summary["items_created"]) == (1, 6, 3)
    version = ServiceItem.objects.get(code="SCJ-XK-0001").published
    fields = forms.field_rows(version)
    assert [f["key"] for f in fields] == [
        "company_name",
        "legal_rep",
        "business_form",
        "web_address",
        "registered_capital",
        "shareholders",
    ]
    assert fields[0]["no_prefill"] and fields[0]["max_length"] == 50
    assert (fields[3]["kind"], fields[3]["show_if"], fields[3]["required"]) == (
        "text",
        "business_form=online",
        False,
    )
    assert version.materials.get(seq=1).source == MaterialSource.ONLINE_FORM
    licence = LicenseType.objects.get(code="L-YYZZ")
    assert licence.field_elements == YYZZ_ELEMENTS.split(";")
    assert LicenseType.objects.get(code="L-GTYYZZ").satisfies == ["L-YYZZ"]

    again = exchange.import_sheets(form_sheets())
    assert again["items_unchanged"] == 3 and again["items_changed"] == 0
    assert again["code_lists"] == again["elements"] == again["license_types"] == 0

    first = tmp_path / "first.xlsx"
    exchange.export_workbook(first)
    read = exchange.read_workbook(first)
    for sheet in [exchange.CODE_LISTS, exchange.FORMS]:
        assert _without_row_numbers(read[sheet]) == _without_row_numbers(form_sheets()[sheet])
    elements = {r["数据元编码"]: r for r in read[exchange.ELEMENTS]}
    assert elements["registered_capital"]["最大值"] == "1000000.5"
    assert elements["legal_rep"]["遮盖方式"] == "姓名"
    yyzz = next(r for r in read[exchange.LICENSES] if r["证照类型编码"] == "L-YYZZ")
    assert yyzz["照面字段数据元"] == YYZZ_ELEMENTS

    summary = exchange.import_file(first)
    assert summary["items_unchanged"] == 3 and summary["elements"] == 0
    second = tmp_path / "second.xlsx"
    exchange.export_workbook(second)
    assert _cells(first) == _cells(second)


def test_a_changed_form_is_a_new_version_and_the_old_one_keeps_its_rows(demo):
    from yiwang.forms import services as forms

    exchange.import_sheets(form_sheets())
    changed = [dict(r) for r in FORM_ROWS]
    changed[3]["必填"] = "是"  # 网店网址 becomes required
    summary = exchange.import_sheets(form_sheets(changed))
    assert (summary["items_changed"], summary["items_unchanged"]) == (1, 2)
    item = ServiceItem.objects.get(code="SCJ-XK-0001")
    old, new = item.versions.get(number=1), item.versions.get(number=2)
    assert item.published == new and old.status == VersionStatus.RETIRED
    assert forms.field_rows(new)[3]["required"] is True
    assert forms.field_rows(old)[3]["required"] is False


def test_broken_form_rows_are_refused_each_in_its_cell(demo):
    from yiwang.forms.models import DataElement

    sheets = form_sheets()
    elements = sheets[exchange.ELEMENTS]
    elements[2]["代码表编码"] = "business_forms"  # no such code list
    elements[3]["类型"] = "货币"  # not a kind
    forms_sheet = sheets[exchange.FORMS]
    forms_sheet[0]["最大长度"] = "500"  # wider than the element's 100
    forms_sheet[1]["数据元编码"] = "legal_person"  # no such element
    forms_sheet[3]["显示条件"] = "business_form=market"
    forms_sheet[4]["必填"] = "Y"
    forms_sheet[5]["预填来源"] = "license:L-YYZZ:股东"
    licences = sheets[exchange.LICENSES]
    yyzz = next(r for r in licences if r["证照类型编码"] == "L-YYZZ")
    yyzz["照面字段数据元"] = "company_name;@编号"
    gt = next(r for r in licences if r["证照类型编码"] == "L-GTYYZZ")
    gt["可替代证照类型"] = "L-GTYYZZ"
    with pytest.raises(ImportRejected) as caught:
        exchange.import_sheets(sheets)
    errors = [(e.sheet, e.row, e.column) for e in caught.value.errors]
    licence_errors = sorted(
        [("证照类型", yyzz["_row"], "照面字段数据元"), ("证照类型", gt["_row"], "可替代证照类型")]
    )
    assert errors == [
        *licence_errors,
        ("数据元", 4, "代码表编码"),
        ("数据元", 5, "类型"),
        ("申请表", 2, "最大长度"),
        ("申请表", 3, "数据元编码"),
        ("申请表", 5, "显示条件"),
        ("申请表", 6, "必填"),
        ("申请表", 7, "预填来源"),
    ]
    texts = {(e.sheet, e.row): e.message for e in caught.value.errors}
    assert texts[("申请表", 2)] == "不能超过数据元的最大长度 100。"
    assert texts[("申请表", 3)] == "数据元“legal_person”不存在。"
    assert "“market”不是字段“business_form”的可选值" in texts[("申请表", 5)]
    assert texts[("申请表", 7)] == "证照类型“L-YYZZ”没有照面字段“股东”。"
    assert texts[("数据元", 4)] == "代码表“business_forms”不存在。"
    assert not DataElement.objects.exists() and not ServiceItem.objects.exists()


def test_a_file_from_before_application_forms_still_imports(demo, tmp_path):
    from .conftest import small_sheets

    old_columns = {
        name: [c for c in columns if c not in exchange.OPTIONAL_COLUMNS]
        for name, columns in exchange.COLUMNS.items()
        if name not in exchange.OPTIONAL_SHEETS
    }
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    sheets = small_sheets()
    for name, columns in old_columns.items():
        sheet = workbook.create_sheet(name)
        sheet.append(columns)
        for row in sheets[name]:
            sheet.append([row[c] for c in columns])
    path = tmp_path / "old.xlsx"
    workbook.save(path)
    read = exchange.read_workbook(path)
    assert read[exchange.FORMS] == [] and read[exchange.LICENSES][0]["可替代证照类型"] == ""
    assert exchange.import_file(path)["items_created"] == 3


# --- English names (docs/i18n.md) ---------------------------------------------------------


def test_english_names_are_read_and_a_changed_one_is_a_new_version_the_diff_shows(demo):
    from yiwang.catalog import diff
    from yiwang.identity.models import OrgUnit

    from .conftest import small_sheets

    exchange.import_sheets(small_sheets())
    item = ServiceItem.objects.get(code="SCJ-XK-0001")
    assert item.published.name_en == "Company establishment registration"
    assert LicenseType.objects.get(code="L-YYZZ").name_en == "Business licence"
    assert OrgUnit.objects.get(code="990101-SCJ").name_en == (
        "Shifan District Administration for Market Regulation"
    )
    assert item.published.themes.get().name_en == "Establishment and changes"

    sheets = small_sheets()
    row = next(r for r in sheets[exchange.ITEMS] if r["事项编码"] == "SCJ-XK-0001")
    row["英文名称"] = "Registration of a new company"
    assert exchange.import_sheets(sheets)["items_changed"] == 1
    item.refresh_from_db()
    old = item.versions.get(number=1)
    changes = [(c.field, c.old, c.new) for c in diff.diff(old, item.published)]
    assert changes == [
        ("英文名称", "Company establishment registration", "Registration of a new company")
    ]


def test_every_name_of_the_demo_catalogue_has_an_english_name(demo_catalog):
    from yiwang.catalog.models import Theme
    from yiwang.identity.models import OrgUnit

    for model in [ItemVersion, Bundle, LicenseType, Theme, OrgUnit]:
        assert list(model.objects.filter(name_en="").values_list("name", flat=True)) == []

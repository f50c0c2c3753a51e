"""`yiwang import-licenses`: every problem named by row and column, nothing imported when
anything is wrong, and the same file imported twice changes nothing the second time."""

import io

import pytest
from django.core.management import CommandError, call_command

from yiwang.core.exchange import ImportRejected
from yiwang.licenses import importer, services
from yiwang.licenses.demo import REVOKED_NUMBER, licenses_file, load_licenses
from yiwang.licenses.models import License

HEADER = "证照类型编码,证照编号,持证主体类型,持证人证件号码,持证人名称,签发日期,证照有效期至,"
HKB_FIELDS = "户主姓名,户号,住址,姓名,与户主关系,公民身份号码,登记日期"
GOOD = "L-HKB,HKB-1,自然人,110101198503152019,张三,2010-06-01,长期,张三,9901,示范区,张三,户主,110101198503152019,2010年6月1日"


def csv_file(*rows, header=HEADER + HKB_FIELDS):
    return io.StringIO("\n".join([header, *rows]) + "\n")


def test_the_demo_file_loads_every_state_and_again_changes_nothing(types, user_named):
    summary = load_licenses()
    assert summary == {"created": 12, "unchanged": 0}
    by_number = {licence.number: licence for licence in License.objects.all()}
    assert by_number[REVOKED_NUMBER].status == "revoked"
    assert by_number["JZZ-2023-000127"].status_on() == "expired"
    food = License.objects.get(license_type__code="L-SPJYXKZ")
    assert food.number.startswith("SPJYXKZ-2024-") and str(food.valid_until) == "2029-02-28"
    assert services.verify(by_number["SFZ-2015-000101"].payload).status == "valid"
    citizen = user_named("citizen")
    assert set(citizen.licenses.values_list("license_type__code", flat=True)) == {
        "L-SFZ",
        "L-HKB",
        "L-JHZ",
        "L-JZZ",
    }
    assert load_licenses() == {"created": 0, "unchanged": 12}
    assert License.objects.count() == 12


def test_errors_name_row_and_column_and_nothing_is_imported(types):
    bad = csv_file(
        GOOD,
        "L-XXX,,自然人,110101198503152019,张三,2010-06-01,,,,,,,,",
        "L-HKB,HKB-2,自然人,110101198503152018,张三,2010-06-01,,张三,9901,示范区,张三,户主,1,2010年6月1日",
        "L-HKB,HKB-3,自然人,110101199007203029,张三,2010-13-01,,张三,9901,示范区,张三,户主,1,",
        "L-HKB,HKB-1,法人,91990101MA0000001Y,示范区明德餐饮有限公司,2010-06-01,,张三,9901,示范区,张三,户主,1,x",
    )
    with pytest.raises(ImportRejected) as rejected:
        importer.import_file(bad)
    texts = [str(e) for e in rejected.value.errors]
    assert "第3行“证照类型编码”：没有这个证照类型编码（见事项目录的“证照类型”表）。" in texts
    assert any(t.startswith("第4行“持证人证件号码”：身份证号码校验位不正确") for t in texts)
    assert "第5行“持证人名称”：与该身份证号实名登记的姓名不一致。" in texts
    assert any(t.startswith("第5行“签发日期”") for t in texts)
    assert "第5行“登记日期”：“居民户口簿”的照面字段，不能为空。" in texts
    assert "第6行“证照编号”：与第2行的证照编号重复。" in texts
    assert any(t.startswith("第6行“持证主体类型”") for t in texts)
    assert not License.objects.exists()


def test_unknown_and_missing_columns_are_reported_on_the_header(types):
    with pytest.raises(ImportRejected) as rejected:
        importer.parse(csv_file(GOOD, header="证照类型编码,持证人名称,签发日期,血型"))
    columns = {(e.row, e.column) for e in rejected.value.errors}
    assert {(1, "持证主体类型"), (1, "持证人证件号码"), (1, "血型")} <= columns


def test_a_number_already_used_by_another_licence_is_an_error(types):
    importer.import_file(csv_file(GOOD))
    clash = GOOD.replace("110101198503152019,张三", "110101199007203029,李四", 1)
    with pytest.raises(ImportRejected) as rejected:
        importer.import_file(csv_file(clash))
    assert [str(e) for e in rejected.value.errors] == [
        "第2行“证照编号”：该证照编号已被另一张证照使用。"
    ]


def test_the_command_reports_in_chinese_and_imports(types, capsys, tmp_path):
    call_command("import_licenses", str(licenses_file()))
    assert "新增证照 12 张" in capsys.readouterr().out
    broken = tmp_path / "broken.csv"
    broken.write_text(HEADER + HKB_FIELDS + "\nL-HKB,,自然人,1,张三,x,,,,,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_licenses", str(broken))
    assert "第2行“持证人证件号码”" in capsys.readouterr().err

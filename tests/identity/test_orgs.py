import pytest

from yiwang.demo.loader import catalog_file
from yiwang.identity.models import OrgKind, OrgUnit
from yiwang.identity.orgs_exchange import ImportRejected, import_orgs, read_sheet


def test_the_demo_org_tree_is_imported_with_its_levels(demo):
    assert OrgUnit.objects.count() == 43
    street = OrgUnit.objects.get(code="990101001")
    assert street.kind == OrgKind.STREET and street.parent.code == "990101"
    assert set(OrgUnit.objects.subtree_of(street).values_list("code", flat=True)) == {
        "990101001",
        "990101001-BMZX",
        "990101001001",
        "990101001001-FWZ",
        "990101001002",
        "990101001002-FWZ",
    }
    assert OrgUnit.objects.get(code="990101001001-FWZ").division_code == "990101001001"


def test_reimporting_the_same_sheet_changes_nothing(demo):
    assert import_orgs(read_sheet(catalog_file())) == {"created": 0, "updated": 0}


def test_broken_rows_are_all_reported_and_nothing_is_imported(db):
    rows = read_sheet(catalog_file())
    rows[1]["机构类型"] = "部委"
    rows[2]["上级机构编码"] = "NOPE"
    rows[3]["机构名称"] = ""
    with pytest.raises(ImportRejected) as rejected:
        import_orgs(rows)
    messages = [str(e) for e in rejected.value.errors]
    assert len(messages) == 3
    assert "第3行“机构类型”" in messages[0]
    assert not OrgUnit.objects.exists()


def test_moving_a_unit_moves_its_subtree(demo):
    rows = read_sheet(catalog_file())
    for row in rows:
        if row["机构编码"] == "990101001001":
            row["上级机构编码"] = "990101002"
    import_orgs(rows)
    station = OrgUnit.objects.get(code="990101001001-FWZ")
    assert station.path == "990101/990101002/990101001001/990101001001-FWZ/"

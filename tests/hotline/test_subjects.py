"""The subject tree from categories.yaml's structure (hotline.subjects)."""

from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ValidationError

from yiwang.audit.models import AuditEvent
from yiwang.hotline import subjects
from yiwang.hotline.models import Subject

pytestmark = pytest.mark.django_db

DEMO = Path(subjects.__file__).parent.parent / "demo" / "data" / "hotline" / "categories.yaml"


def tree(*leaves, top="CS"):
    return {
        "subjects": [
            {
                "code": top,
                "name": "城市管理",
                "children": [
                    {
                        "code": code,
                        "name": name,
                        "org": "990101-CGW",
                        "deadline": days,
                        "keywords": ["垃圾"],
                    }
                    for code, name, days in leaves
                ],
            }
        ]
    }


def test_the_demo_tree_loads_and_a_second_sync_changes_nothing(demo):
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    result = subjects.sync(data)
    assert result["created"] == len(data["subjects"]) + sum(
        len(t["children"]) for t in data["subjects"]
    )
    leaf = Subject.objects.get(code="SD-05")
    assert leaf.name == "供热" and leaf.org.code == "990101-CGW" and leaf.days == 5
    assert leaf.parent.code == "SD" and leaf.keywords == ["暖气", "供暖", "室温"]
    assert subjects.leaves().count() == sum(len(t["children"]) for t in data["subjects"])
    assert subjects.sync(data) == {"created": 0, "updated": 0, "deactivated": 0}


def test_a_sync_updates_and_switches_off_what_is_gone(demo):
    subjects.sync(tree(("CS-01", "市容环境卫生", 5), ("CS-02", "违法建设", 10)))
    before = AuditEvent.objects.filter(action="hotline.subjects_synced").count()
    result = subjects.sync(tree(("CS-01", "市容环境", 3)))
    assert result == {"created": 0, "updated": 1, "deactivated": 1}
    assert Subject.objects.get(code="CS-01").days == 3
    assert not Subject.objects.get(code="CS-02").is_active
    assert [s.code for s in subjects.leaves()] == ["CS-01"]
    assert AuditEvent.objects.filter(action="hotline.subjects_synced").count() == before + 1
    top, leaves = subjects.tree()[0]
    assert top.code == "CS" and [s.code for s in leaves] == ["CS-01"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({}, "subject_data_invalid"),
        (tree(("CS-01", "名称", 0)), "subject_days_invalid"),
        (tree(("CS-01", "名称", True)), "subject_days_invalid"),
        (tree(("CS-01", "名\x00称", 5)), "subject_data_invalid"),
        (tree(("CS-01", "名称", 5), ("CS-01", "又一个", 5)), "subject_code_duplicate"),
        ({"subjects": [{"code": "X", "name": "空", "children": []}]}, "subject_data_invalid"),
    ],
)
def test_bad_data_is_refused_and_nothing_changes(demo, data, code):
    with pytest.raises(ValidationError) as refused:
        subjects.sync(data)
    assert refused.value.code == code
    assert not Subject.objects.exists()


def test_an_unknown_unit_code_is_refused(demo):
    data = tree(("CS-01", "名称", 5))
    data["subjects"][0]["children"][0]["org"] = "990101-NOPE"
    with pytest.raises(ValidationError) as refused:
        subjects.sync(data)
    assert refused.value.code == "subject_org_unknown"


def test_a_sync_costs_the_same_for_a_small_tree_and_the_demo_tree(demo):
    """A fixed number of statements whatever the tree's size (docs/hotline.md)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(data):
        with CaptureQueriesContext(connection) as queries:
            subjects.sync(data)
        return len(queries)

    whole = cost(yaml.safe_load(DEMO.read_text(encoding="utf-8")))  # the demo's, all new
    # Two new ones, the demo's switched off.
    small = cost(tree(("ZZ-01", "测试分类一", 5), ("ZZ-02", "测试分类二", 10), top="ZZ"))
    # The same statements whatever the number of subjects; switching subjects off is one
    # UPDATE more.
    assert (whole, small) == (7, 8)

"""Templates from the catalogue's process steps, and the diagram pages draw."""

from yiwang.catalog.models import ProcessStep
from yiwang.identity.roles import Role
from yiwang.journey.workflow import process
from yiwang.journey.workflow.models import StepKind

from .conftest import MAIN, published


def shape(template):
    return [(s.name, s.kind, s.role) for s in template.steps.order_by("seq")]


def test_a_decision_without_review_gets_a_review_first_for_separation_of_duties(catalog):
    template = process.template_for(published(MAIN))  # 受理 / 决定 / 制证
    assert shape(template) == [
        ("审查", StepKind.TASK, Role.APPROVER),
        ("决定", StepKind.TASK, Role.CHIEF),
        ("制证", StepKind.RESULT, Role.ISSUER),
    ]
    assert {s.org.code for s in template.steps.all()} == {"990101-SCJ"}


def test_window_intake_is_not_a_task_and_field_steps_stay_in_order(catalog):
    template = process.template_for(published("CGW-XK-0001"))
    assert shape(template) == [
        ("审查", StepKind.TASK, Role.APPROVER),
        ("现场勘验", StepKind.TASK, Role.APPROVER),
        ("决定", StepKind.TASK, Role.CHIEF),
        ("制证", StepKind.RESULT, Role.ISSUER),
    ]
    assert [s.days for s in template.steps.order_by("seq")] == [1, 1, 1, 1]


def test_a_template_is_made_once_and_kept_when_the_catalogue_changes(catalog):
    version = published(MAIN)
    first = process.template_for(version)
    ProcessStep.objects.filter(version=version).delete()
    again = process.template_for(version)
    assert again.pk == first.pk and again.steps.count() == 3


def test_unknown_roles_become_approver_and_result_roles_the_issuer(catalog):
    version = published(MAIN)
    ProcessStep.objects.filter(version=version).delete()
    for seq, (name, role) in enumerate(
        [("受理", "前台受理员"), ("公示", "公示员"), ("决定", "审批负责人"), ("送达", "制证员")], 1
    ):
        ProcessStep.objects.create(version=version, seq=seq, name=name, role=role)
    assert shape(process.template_for(version)) == [
        ("公示", StepKind.TASK, Role.APPROVER),
        ("决定", StepKind.TASK, Role.CHIEF),
        ("送达", StepKind.RESULT, Role.ISSUER),
    ]


def test_a_bundle_runs_its_main_item_then_the_parallel_ones(accepted_bundle):
    parent = accepted_bundle()
    order = process.journey(parent)
    assert [c.item_version.item.code for c in order.main] == [MAIN]
    assert [c.item_version.item.code for c in order.parallel] == [
        "SCJ-XK-0008",
        "CGW-XK-0001",
        "XFJ-XK-0001",
    ]
    drawing = process.diagram(parent)
    assert drawing.is_bundle and len(drawing.parallel) == 3
    main = drawing.main[0]
    assert main.state == "current"
    assert [s.state for s in main.stages] == ["current", "waiting", "waiting"]
    assert all(p.state == "waiting" for p in drawing.parallel)

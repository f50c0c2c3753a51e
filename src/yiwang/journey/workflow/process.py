"""Process templates from the catalogue, and a bundle's journey.

An item version's process steps (受理 → 审查 → 现场核查 → 决定 → 制证 …) become a template:

- 受理 (前台受理员) happens at the comprehensive window before approval: not a task;
- result steps (制证员: 制证 / 送达 / 配发 / 报送) are the issuer's result stage, handled by
  delivery, not by approval tasks;
- every other step, in order, is a stage with one task for the item's department, held by
  审核员 → Role.APPROVER, 审批负责人 → Role.CHIEF, anything else → Role.APPROVER;
- 审批分离 (a deliberate rule): the one who reviews is not the one who decides, so when no
  review stage precedes the first decision stage, a 审查 stage (approver) is inserted before
  it. 个体工商户设立登记 (受理 / 决定 / 制证) is thus reviewed by an approver and decided by
  the chief; a version without any approval step gets 审查 + 决定.

A bundle (一件事) has no template of its own: its main items run one after another (each
child case runs its own template once the previous main child is approved), then every
parallel item's child case starts at once; the parent concludes when every child has
(AND-join over child cases).
"""

import functools
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiwang.catalog.models import BundleItem, ItemVersion
from yiwang.identity.roles import Role

from .models import ApprovalTask, ProcessTemplate, StepKind, TemplateStep

INTAKE_ROLES = {"前台受理员", "综合窗口受理员", "受理员"}
RESULT_ROLES = {"制证员", "出件员", "制证/出件员", "送达员"}
ROLE_BY_TITLE = {"审核员": Role.APPROVER, "审批负责人": Role.CHIEF}


def _planned_steps(version: ItemVersion) -> list[dict]:
    """The template's steps as dicts, before saving."""
    tasks, results = [], []
    for step in version.steps.order_by("seq"):
        title = step.role.strip()
        if title in INTAKE_ROLES:
            continue
        entry = {"name": step.name, "days": step.days, "source_seq": step.seq}
        if title in RESULT_ROLES:
            results.append({**entry, "kind": StepKind.RESULT, "role": Role.ISSUER})
        else:
            role = ROLE_BY_TITLE.get(title, Role.APPROVER)
            tasks.append({**entry, "kind": StepKind.TASK, "role": role})
    if not tasks:
        tasks = [{"name": _("决定"), "days": 0, "source_seq": None, "kind": StepKind.TASK}]
        tasks[0]["role"] = Role.CHIEF
    first_decision = next((i for i, t in enumerate(tasks) if t["role"] == Role.CHIEF), None)
    if first_decision is not None and not any(
        t["role"] == Role.APPROVER for t in tasks[:first_decision]
    ):
        review = {
            "name": _("审查"),
            "days": 0,
            "source_seq": None,
            "kind": StepKind.TASK,
            "role": Role.APPROVER,
        }
        tasks.insert(first_decision, review)
    return tasks + results


def template_for(version: ItemVersion) -> ProcessTemplate:
    """The version's template, generated on first use; never changed afterwards."""
    existing = ProcessTemplate.objects.filter(item_version=version).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            template = ProcessTemplate.objects.create(item_version=version)
            TemplateStep.objects.bulk_create(
                TemplateStep(template=template, seq=seq, org_id=version.department_id, **entry)
                for seq, entry in enumerate(_planned_steps(version), start=1)
            )
    except IntegrityError:  # generated meanwhile by another transaction
        template = ProcessTemplate.objects.get(item_version=version)
    return template


def templates_for(versions) -> dict[int, ProcessTemplate]:
    """{version id: template} for several versions: one read, and generated where missing."""
    found = {
        t.item_version_id: t for t in ProcessTemplate.objects.filter(item_version__in=versions)
    }
    for version in versions:
        if version.pk not in found:
            found[version.pk] = template_for(version)
    return found


def template_of(case) -> ProcessTemplate:
    """The template of the case's pinned item version, read without loading the version
    when it exists already (every stage push asks)."""
    existing = ProcessTemplate.objects.filter(item_version_id=case.item_version_id).first()
    return existing or template_for(case.item_version)


def task_steps(template: ProcessTemplate) -> list[TemplateStep]:
    """The template's approval steps in order, with their org. Templates never change once
    generated, so each process keeps them after the first read."""
    # created_at in the key: a rolled-back template's id can be handed out again (SQLite).
    return list(_task_steps(template.pk, template.created_at))


def steps_of(template_id: int, created_at) -> list[TemplateStep]:
    """task_steps for a template known by id and creation time (read with a lock)."""
    return list(_task_steps(template_id, created_at))


@functools.lru_cache(maxsize=4096)
def _task_steps(template_id: int, created_at) -> tuple[TemplateStep, ...]:
    steps = TemplateStep.objects.filter(template_id=template_id, kind=StepKind.TASK)
    return tuple(steps.select_related("org", "template").order_by("seq"))


# --- a bundle's journey --------------------------------------------------------------------


@dataclass
class Journey:
    """A bundle parent's children in the order they run."""

    main: list = field(default_factory=list)  # run one after another
    parallel: list = field(default_factory=list)  # start together after the last main


def bundle_roles(bundle_id: int) -> dict[int, tuple[str, int]]:
    """{item id: (main or parallel, position)} of a bundle's items."""
    return {
        m.item_id: (m.role, m.position)
        for m in BundleItem.objects.filter(bundle_id=bundle_id).only("item_id", "role", "position")
    }


def journey(parent, children=None) -> Journey:
    """The parent's children (read unless given, with their item versions) in order."""
    roles = bundle_roles(parent.bundle_id)
    if children is None:
        children = list(parent.children.select_related("item_version").order_by("pk"))

    def where(child):
        return roles.get(child.item_version.item_id, (BundleItem.Role.PARALLEL, 0))

    result = Journey()
    for child in sorted(children, key=lambda c: (where(c)[1], c.pk)):
        role = where(child)[0]
        (result.main if role == BundleItem.Role.MAIN else result.parallel).append(child)
    return result


# --- a diagram of a case's process, for pages ----------------------------------------------


@dataclass
class StageView:
    seq: int
    name: str
    kind: str
    role: str
    role_label: str
    org: str
    days: int
    state: str  # position.STEP_STATES: done / current / ready / skipped / waiting
    tasks: list = field(default_factory=list)  # ApprovalTask rows of this stage, every round


@dataclass
class CaseProcess:
    case: object
    stages: list[StageView]
    state: str  # "done" | "current" | "waiting"


@dataclass
class Diagram:
    """What a page draws: for a single case one lane of stages; for a bundle, the main
    cases in order then the parallel cases side by side (AND-join)."""

    case: object
    main: list[CaseProcess]
    parallel: list[CaseProcess] = field(default_factory=list)

    @property
    def is_bundle(self) -> bool:
        return bool(self.parallel) or len(self.main) > 1


def _case_process(case, delivery) -> CaseProcess:
    """One item's lane: each step's state comes from position (one answer for every
    page and the API)."""
    from . import position

    template = ProcessTemplate.objects.filter(item_version_id=case.item_version_id).first()
    steps = list(template.steps.select_related("org")) if template else []
    tasks = list(ApprovalTask.objects.filter(case=case).select_related("assignee"))
    stages = [
        StageView(
            seq=step.seq,
            name=step.name,
            kind=step.kind,
            role=step.role,
            role_label=str(Role(step.role).label),
            org=step.org.name,
            days=step.days,
            state=position.step_state(step, case, tasks, delivery),
            tasks=[t for t in tasks if t.stage == step.seq],
        )
        for step in steps
    ]
    return CaseProcess(case=case, stages=stages, state=position.lane_state(case, tasks))


def diagram(case) -> Diagram:
    """The process of a journey (pass the bundle parent or the single case)."""
    from .models import ResultDelivery

    delivery = ResultDelivery.objects.filter(case_id=case.parent_id or case.pk).first()
    if case.parent_id is None and case.bundle_id is not None:
        order = journey(case)
        return Diagram(
            case=case,
            main=[_case_process(c, delivery) for c in order.main],
            parallel=[_case_process(c, delivery) for c in order.parallel],
        )
    return Diagram(case=case, main=[_case_process(case, delivery)])

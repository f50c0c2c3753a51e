"""Loading a journey for a command: its rows locked, in two statements whatever its size.

A task's command locks every case of the journey — a bundle's parent and all its children,
or the one case — in one statement, ordered by id (the parent is created first, so the
parent is always locked first, as every command of the journey does), each with whether a
tolerated (容缺) material it needs is still owed; then every task of the task's case, with
its template step. What the command decides is decided on these rows alone
(workflow.decide)."""

import datetime
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from yiwang.catalog.models import BundleItem, ItemVersion
from yiwang.core import prepared
from yiwang.identity.models import OrgUnit
from yiwang.journey.cases.models import Case, CaseMaterial, SupplementNotice

from . import decide, process
from .models import (
    OPEN_TASK,
    ApprovalTask,
    Extension,
    ProcessTemplate,
    ResultDelivery,
    Suspension,
)


@dataclass
class TaskJourney:
    task: ApprovalTask
    case: Case
    tasks: list[ApprovalTask]  # every task of the case, every round
    parent: Case | None
    children: list[Case]  # the parent's children (the case among them), by id

    @property
    def others_open(self) -> bool:
        """Another task of the task's stage is still open (the AND-join waits for it)."""
        return any(
            t.pk != self.task.pk and t.stage == self.task.stage and t.status in OPEN_TASK
            for t in self.tasks
        )

    def next_round(self, stage: int) -> int:
        return max((t.round for t in self.tasks if t.stage == stage), default=0) + 1

    def member(self, case: Case) -> decide.Member:
        main = case.bundle_role == BundleItem.Role.MAIN
        return decide.Member(case.pk, case.status, owed=case.owed, main=main)

    def journey(self) -> decide.Journey:
        """The bundle's children in the order they run (process.journey's order)."""
        children = sorted(self.children, key=lambda c: (c.bundle_position or 0, c.pk))
        return decide.Journey(
            self.member(self.parent), tuple(self.member(child) for child in children)
        )


def _owed() -> Exists:
    """容缺: a tolerated material the case needs is still owed — on the case itself, or for
    a bundle child on its parent (where the journey's materials are) for the child's item."""
    tolerated = CaseMaterial.objects.filter(state=CaseMaterial.State.TOLERATED)
    return Exists(
        tolerated.filter(
            Q(case_id=OuterRef("pk"))
            | Q(case_id=OuterRef("parent_id"), requirements__version_id=OuterRef("item_version_id"))
        )
    )


# The journey's queries are built by the ORM once per process and database, with this id
# in place of the task's (or its case's), and then run as compiled: building the journey's
# (a dozen subqueries) cost more than running it, and the tasks' cost about as much.
_SENTINEL = -7_654_321
_compiled: dict[tuple[str, str], tuple] = {}


def _journey_query(task_id):
    case_of_task = ApprovalTask.objects.filter(pk=task_id).values("case_id")[:1]
    parent = Case.objects.filter(pk=Subquery(case_of_task)).values("parent_id")[:1]
    return (
        Case.objects.select_for_update(of=("self",))
        .filter(
            Q(pk=Subquery(case_of_task)) | Q(pk=Subquery(parent)) | Q(parent_id=Subquery(parent))
        )
        .annotate(owed=_owed(), task_case=Subquery(case_of_task), **_bundle_and_template())
        .order_by("pk")
    )


def _tasks_query(case_id):
    """Every task of the case, every round, locked."""
    return ApprovalTask.objects.select_for_update().filter(case_id=case_id).order_by("pk")


def _compiled_for(conn, build) -> tuple:
    """(sql, params, model attnames, annotation names, converters) of the query `build`
    makes, on this connection's database, compiled once."""
    key = (conn.alias, build.__name__)
    if key not in _compiled:
        compiler = build(_SENTINEL).query.get_compiler(conn.alias)
        sql, params = compiler.as_sql()
        expressions = [expression for expression, _sql, _alias in compiler.select]
        fields = len(compiler.klass_info["select_fields"])
        attnames = tuple(e.target.attname for e in expressions[:fields])
        extra = tuple(name for _e, _sql, name in compiler.select[fields:])
        converters = compiler.get_converters(expressions)
        _compiled[key] = (sql, tuple(params), attnames, extra, converters)
    return _compiled[key]


def _rows(model, build, value) -> list:
    """Run the compiled query (prepared on PostgreSQL: core.prepared) with `value` and make
    its rows into instances the way the ORM does: the backend's converters, then
    Model.from_db, then the annotations."""
    conn = connections[router.db_for_write(model)]
    sql, params, attnames, extra, converters = _compiled_for(conn, build)
    with prepared.cursor(conn) as cursor:
        cursor.execute(sql, [value if p == _SENTINEL else p for p in params])
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = list(row)
        for index, (functions, expression) in converters.items():
            for convert in functions:
                values[index] = convert(values[index], expression, conn)
        instance = model.from_db(conn.alias, attnames, values[: len(attnames)])
        for name, value in zip(extra, values[len(attnames) :], strict=True):
            setattr(instance, name, value)
        found.append(instance)
    return found


def _journey_rows(task_id: int) -> list[Case]:
    cases = _rows(Case, _journey_query, task_id)
    for case in cases:
        case.template_created = _aware(case.template_created)
    return cases


def _aware(value):
    """SQLite returns a timestamp annotation as text; the ORM's own reads are aware."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def _with_steps(tasks: list[ApprovalTask], case: Case) -> None:
    """Each task's template step (and its org), from the process's cache of the case's
    template when the journey's row named it; read with the tasks otherwise."""
    steps = {}
    if getattr(case, "template_id", None):
        steps = {s.pk: s for s in process.steps_of(case.template_id, case.template_created)}
    for task in tasks:
        step = steps.get(task.step_id)
        if step is None:
            continue  # read lazily (a step of another kind than a task step)
        task.step = step
        if step.org_id == task.org_id:
            task.org = step.org


def for_task(task_id) -> TaskJourney:
    try:
        task_id = int(task_id)
    except (TypeError, ValueError):
        raise Http404 from None
    rows = _journey_rows(task_id)
    if not rows:
        raise Http404
    tasks = _rows(ApprovalTask, _tasks_query, rows[0].task_case)
    task = next((t for t in tasks if t.pk == task_id), None)
    if task is None:
        raise Http404
    by_pk = {case.pk: case for case in rows}
    case = by_pk[task.case_id]
    _with_steps(tasks, case)
    for each in tasks:
        each.case = case
    top = by_pk.get(case.parent_id)
    children = [c for c in rows if top is not None and c.parent_id == top.pk]
    for child in children:
        child.parent = top
    return TaskJourney(task, case, tasks, top, children)


def _bundle_and_template() -> dict:
    """Per case: its item, its place in the bundle (main or parallel, position) and its
    process template, and its result delivery if the applicant chose one already — what
    starting it, moving the journey on or making its result ready needs, read with the
    lock instead of after it (the delivery is changed only under the case's lock)."""
    version = ItemVersion.objects.filter(pk=OuterRef("item_version_id"))
    member = BundleItem.objects.filter(bundle_id=OuterRef("bundle_id"), item_id=OuterRef("item_id"))
    template = ProcessTemplate.objects.filter(item_version_id=OuterRef("item_version_id"))
    delivery = ResultDelivery.objects.filter(case_id=OuterRef("pk"))
    return {
        "delivery_pk": Subquery(delivery.values("pk")[:1]),
        "delivery_method": Subquery(delivery.values("method")[:1]),
        "delivery_status": Subquery(delivery.values("status")[:1]),
        "item_id": Subquery(version.values("item_id")[:1]),
        "bundle_role": Subquery(member.values("role")[:1]),
        "bundle_position": Subquery(member.values("position")[:1]),
        "template_id": Subquery(template.values("pk")[:1]),
        "template_created": Subquery(template.values("created_at")[:1]),
    }


# --- a command on a case ----------------------------------------------------------------------


@dataclass
class CaseJourney:
    """The journey of a case, locked for a command on the case (not on one of its tasks)."""

    case: Case  # the case the command names
    parent: Case | None  # its bundle parent, when the case is an item of a 一件事
    children: list[Case]  # the bundle's items, by id (the case's own, when it is the parent)
    open_tasks: list[ApprovalTask]  # the case's open tasks, locked (when asked for)

    @property
    def top(self) -> Case:
        """The journey's parent, or the one case."""
        return self.parent or self.case

    @property
    def family(self) -> list[Case]:
        """Every case of the journey, the parent first (the order they were locked in)."""
        return [self.top, *self.children]


PAUSE_FIELDS = ("pk", "kind", "reason", "expected_workdays", "started_on", "started_by_id")


def open_pause(case: Case):
    """The case's open suspension, as read with the lock ("pause"), or None."""
    if case.pause_pk is None:
        return None
    return Suspension(case=case, **{name: getattr(case, f"pause_{name}") for name in PAUSE_FIELDS})


DELIVERY_FIELDS = (
    "pk",
    "method",
    "status",
    "place_path",
    "recipient",
    "phone",
    "address",
    "courier",
    "tracking_number",
    "ready_at",
    "delivered_at",
    "delivered_by_id",
)


def delivery_of(case: Case) -> ResultDelivery | None:
    """The case's result delivery, as read with the lock ("delivery"), or None."""
    if case.delivery_pk is None:
        return None
    values = {name: getattr(case, f"delivery_{name}") for name in DELIVERY_FIELDS}
    for name in ("ready_at", "delivered_at"):
        values[name] = _aware(values[name])
    return ResultDelivery(case=case, **values)


def _case_extras() -> dict:
    """What a command on a case may need read with its lock, by name. Suspensions,
    extensions, notices and the delivery of a case change only under its lock, so what is
    read here stays true until the command commits."""
    pause = Suspension.objects.filter(case_id=OuterRef("pk"), ended_on__isnull=True)
    extensions = Extension.objects.filter(
        case_id=OuterRef("pk"), status__in=[Extension.Status.REQUESTED, Extension.Status.APPROVED]
    )
    department = OrgUnit.objects.filter(pk=OuterRef("department_id"))
    delivery = ResultDelivery.objects.filter(case_id=OuterRef("pk"))
    return {
        "pause": {  # the open suspension, whole (a resume returns it)
            f"pause_{name}": Subquery(pause.values(name)[:1]) for name in PAUSE_FIELDS
        },
        "extension": {"extension_open": Exists(extensions)},
        "department": {"department_path": Subquery(department.values("path")[:1])},
        "notice": {"has_notice": Exists(SupplementNotice.objects.filter(case_id=OuterRef("pk")))},
        "delivery": {  # the journey's result delivery, whole (出件 / 送达 change it)
            f"delivery_{name}": Subquery(delivery.values(name)[:1]) for name in DELIVERY_FIELDS
        },
    }


def _case_query(case_id, needs):
    case = Case.objects.filter(pk=case_id)
    parent = case.values("parent_id")[:1]
    annotations = {}
    extras = _case_extras()
    for need in needs:
        annotations.update(extras[need])
    return (
        Case.objects.select_for_update(of=("self",))
        .filter(
            Q(pk=case_id)
            | Q(pk=Subquery(parent))
            | Q(parent_id=case_id)
            | Q(parent_id=Subquery(parent))
        )
        .annotate(**annotations)
        .order_by("pk")
    )


def for_case(case_id, *needs: str, tasks: bool = False, of=None, related=()) -> CaseJourney:
    """Lock the journey of a case in one statement — the bundle's parent and all its
    items, or the one case, by id (the parent first, as every command of the journey
    locks) — with `needs` read alongside (_case_extras: "pause", "extension",
    "department", "notice", "delivery") and `related` rows joined (read, not locked);
    with `tasks`, the case's open tasks locked in a second statement. `of`: a queryset of
    one case id, for a command named by another row (an extension), whose case is found
    inside the same statement. Http404 if there is none."""
    if of is None:
        try:
            case_id = int(case_id)
        except (TypeError, ValueError):
            raise Http404 from None
    else:
        case_id = Subquery(of)
    query = _case_query(case_id, needs)
    if related:  # joined rows are read, not locked (PostgreSQL: no FOR UPDATE on an outer join)
        query = query.select_related(*related)
    if of is not None:  # each row says which case the other row names
        query = query.annotate(named_case=case_id)
    rows = list(query)
    if of is not None:
        case_id = rows[0].named_case if rows else None
    case = next((c for c in rows if c.pk == case_id), None)
    if case is None:
        raise Http404
    parent = next((c for c in rows if c.pk == case.parent_id), None)
    top = parent or case
    children = [c for c in rows if c.parent_id == top.pk]
    for child in children:
        child.parent = top
    open_tasks = []
    if tasks:
        open_tasks = list(
            ApprovalTask.objects.select_for_update()
            .filter(case_id=case.pk, status__in=OPEN_TASK)
            .order_by("pk")
        )
        for task in open_tasks:
            task.case = case
    return CaseJourney(case, parent, children, open_tasks)

"""Process instances completed per second: Yiwang's task engine beside SpiffWorkflow running
a BPMN model of the same process, both persisting to the same PostgreSQL database in the
same run (STYLE.md: benchmarks compare in the same run).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/workflow/run.py \
        [--instances 40] [--rounds 3]

Needs SpiffWorkflow (`pip install -e ".[bench]"`). A database `yiwang_bench_wf` is created
next to DATABASE_URL's, migrated, the demo catalogue and accounts loaded, and dropped at the
end.

The process is 开办餐饮店一件事 (YJS-0001) after acceptance: the main item's review and
decision, then three departments in parallel, each review → on-site check → decision,
AND-joined; eleven tasks. One Yiwang instance is: accept the submitted bundle (which starts
approval), complete every task as the department's reviewer or head, and the journey
concludes itself. One SpiffWorkflow instance is: create the workflow from the parsed spec
and insert its serialised state, then for each of the eleven user tasks load the state,
run the task, run the engine steps and save the state, then mark the instance concluded.
Each step is one transaction in both engines. Yiwang's steps also write the timeline, the
hash-chained audit log and notifications; SpiffWorkflow's do none of that.

A third line, the floor, runs the same twelve transactions with no engine: each locks one
row and updates it. Its ratio to SpiffWorkflow is the most any engine could reach here.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

BPMN = Path(__file__).with_name("restaurant.bpmn")
BUNDLE = "YJS-0001"


def setup_django(workdir: str) -> None:
    os.environ.setdefault("YIWANG_DATA_DIR", workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from yiwang.demo.loader import load_demo

    load_demo(catalog=True)


# --- Yiwang ---------------------------------------------------------------------------------


class Yiwang:
    name = "yiwang"

    def __init__(self):
        from yiwang.identity.models import User

        self.citizen = User.objects.get(username="citizen")
        self.clerk = User.objects.get(username="clerk")
        self.handlers: dict[tuple[str, str], object] = {}

    def prepare(self, count: int) -> list[int]:
        """Submitted bundles waiting at the window (not timed: that is intake, not approval)."""
        from django.db import transaction

        from yiwang.demo.forms import fill_in
        from yiwang.journey.cases import services

        submitted = []
        for n in range(count):
            with transaction.atomic():
                case = services.start_bundle_case(BUNDLE, by=self.citizen)
                fill_in(case, self.citizen, seed=n)
                for material in case.materials.filter(required=True).exclude(
                    state__in=services.NOT_ASKED
                ):
                    services.provide_at_window(material.pk, by=self.citizen)
                services.submit(case.pk, by=self.citizen)
            submitted.append(case.pk)
        return submitted

    def _handler(self, role: str, org_path: str):
        key = (role, org_path)
        if key not in self.handlers:
            from yiwang.journey.workflow.services import holders

            self.handlers[key] = holders(role, org_path)[0]
        return self.handlers[key]

    def run(self, case_id: int) -> None:
        """The driver reads the journey's open tasks once per stage (what an inbox would
        show: the three departments' tasks of a parallel stage together), not before
        every step, and only their ids and where they are (no model instances):
        SpiffWorkflow's side finds its next task in the state it loads anyway."""
        from django.db.models import Q

        from yiwang.journey.cases import services as cases
        from yiwang.journey.cases.models import Case, Status
        from yiwang.journey.workflow import services
        from yiwang.journey.workflow.models import OPEN_TASK, ApprovalTask

        cases.accept(case_id, by=self.clerk)
        of_journey = Q(case_id=case_id) | Q(case__parent_id=case_id)
        while True:
            open_tasks = list(
                ApprovalTask.objects.filter(of_journey, status__in=OPEN_TASK)
                .order_by("pk")
                .values_list("pk", "role", "org_path")
            )
            if not open_tasks:
                break
            for task_id, role, org_path in open_tasks:
                services.complete(task_id, by=self._handler(role, org_path), decision="approve")
        status = Case.objects.values_list("status", flat=True).get(pk=case_id)
        assert status == Status.APPROVED, status


# --- SpiffWorkflow --------------------------------------------------------------------------


class Spiff:
    name = "spiffworkflow"

    def __init__(self):
        from django.db import connection
        from lxml import etree
        from SpiffWorkflow.bpmn.parser import BpmnParser
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

        parser = BpmnParser()
        parser.add_bpmn_xml(etree.fromstring(BPMN.read_bytes()), filename=BPMN.name)
        self.spec = parser.get_spec("restaurant")
        self.serializer = BpmnWorkflowSerializer()
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS bench_spiff_instance ("
                " id bigserial PRIMARY KEY, state jsonb NOT NULL,"
                " concluded boolean NOT NULL DEFAULT false)"
            )

    def prepare(self, count: int) -> list[None]:
        return [None] * count

    def _save(self, cursor, instance_id, workflow) -> None:
        state = self.serializer.serialize_json(workflow)
        cursor.execute(
            "UPDATE bench_spiff_instance SET state = %s WHERE id = %s", [state, instance_id]
        )

    def run(self, _unused) -> None:
        from django.db import connection, transaction
        from SpiffWorkflow.bpmn import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState

        with transaction.atomic(), connection.cursor() as cursor:
            workflow = BpmnWorkflow(self.spec)
            workflow.do_engine_steps()
            cursor.execute(
                "INSERT INTO bench_spiff_instance (state) VALUES (%s) RETURNING id",
                [self.serializer.serialize_json(workflow)],
            )
            instance_id = cursor.fetchone()[0]
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT state FROM bench_spiff_instance WHERE id = %s FOR UPDATE",
                    [instance_id],
                )
                state = cursor.fetchone()[0]
                if not isinstance(state, str):
                    import json

                    state = json.dumps(state)
                workflow = self.serializer.deserialize_json(state)
                ready = workflow.get_tasks(state=TaskState.READY, manual=True)
                if not ready:
                    assert workflow.is_completed()
                    cursor.execute(
                        "UPDATE bench_spiff_instance SET concluded = true WHERE id = %s",
                        [instance_id],
                    )
                    return
                task = ready[0]
                task.data["decision"] = "approve"
                task.run()
                workflow.do_engine_steps()
                self._save(cursor, instance_id, workflow)


# --- the floors ----------------------------------------------------------------------------


class Floor:
    """No engine at all: the same twelve transactions (acceptance and eleven tasks), each
    locking one row and updating it. No engine that keeps a step per transaction and locks
    what it changes can beat this, so it shows what the target asks of any engine."""

    name = "floor"
    STEPS = 12

    def __init__(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS bench_floor_instance ("
                " id bigserial PRIMARY KEY, step integer NOT NULL DEFAULT 0)"
            )

    def prepare(self, count: int) -> list[None]:
        return [None] * count

    def run(self, _unused) -> None:
        from django.db import connection, transaction

        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_floor_instance DEFAULT VALUES RETURNING id")
            instance_id = cursor.fetchone()[0]
        for _ in range(self.STEPS):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT step FROM bench_floor_instance WHERE id = %s FOR UPDATE", [instance_id]
                )
                cursor.execute(
                    "UPDATE bench_floor_instance SET step = step + 1 WHERE id = %s", [instance_id]
                )
                self.more(cursor, instance_id)

    def more(self, cursor, instance_id) -> None:
        pass


class FloorAtYiwangsCount(Floor):
    """The floor again, with as many statements per transaction as Yiwang's engine runs
    (counted in the same run): after the lock and the update, one-row inserts into a bare
    table. It is what Yiwang's statements would cost if each were the cheapest statement
    of its kind — no engine, no ORM, no indexes but the key — so it shows how much of the
    gap is the number of statements the features need."""

    name = "floor_at_count"
    per_step = 2

    def __init__(self):
        super().__init__()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS bench_floor_row ("
                " id bigserial PRIMARY KEY, instance bigint NOT NULL, note text NOT NULL)"
            )

    def more(self, cursor, instance_id) -> None:
        for n in range(self.per_step - 2):
            cursor.execute(
                "INSERT INTO bench_floor_row (instance, note) VALUES (%s, %s)",
                [instance_id, f"statement {n}"],
            )


def statements_per_step(engine: Yiwang) -> float:
    """Yiwang's statements per transaction over one instance (transaction control aside)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    (case_id,) = engine.prepare(1)
    with CaptureQueriesContext(connection) as queries:
        engine.run(case_id)
    sql = [q["sql"] for q in queries.captured_queries]
    # The bench's own reads (the open tasks, once per stage, and the closing status read)
    # are not the engine's.
    own = sum(1 for s in sql if s.startswith('SELECT "workflow_approvaltask"."id" AS "pk"'))
    engine_sql = [s for s in sql if not s.startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))]
    return (len(engine_sql) - own - 1) / Floor.STEPS


def measure(engine, count: int) -> dict:
    inputs = engine.prepare(count)
    durations = []
    started = time.perf_counter()
    for value in inputs:
        began = time.perf_counter()
        engine.run(value)
        durations.append(time.perf_counter() - began)
    elapsed = time.perf_counter() - started
    return {"ips": count / elapsed, "p50": statistics.median(durations) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=40, help="instances per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default="yiwang_bench_wf")
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database")
    from bench.cases.submit import create_database, drop_database

    os.environ["DATABASE_URL"] = create_database(admin_url, args.database)
    try:
        started = time.perf_counter()
        setup_django(tempfile.mkdtemp(prefix="yiwang-bench-wf-"))
        print(
            f"database {args.database}: demo catalogue and accounts ({time.perf_counter() - started:.0f}s)"
        )
        yiwang = Yiwang()
        engines = [yiwang, Spiff(), Floor(), FloorAtYiwangsCount()]
        for engine in engines:
            measure(engine, 2)  # warm up: imports, caches, the process template
        per_step = statements_per_step(yiwang)
        FloorAtYiwangsCount.per_step = round(per_step)
        print(f"yiwang: {per_step:.1f} statements per transaction (acceptance and eleven steps)")
        ratios, floors, counted = [], [], []
        for round_ in range(1, args.rounds + 1):
            figures = {engine.name: measure(engine, args.instances) for engine in engines}
            ours, theirs, floor = figures["yiwang"], figures["spiffworkflow"], figures["floor"]
            at_count = figures["floor_at_count"]
            ratio = ours["ips"] / theirs["ips"]
            ratios.append(ratio)
            floors.append(floor["ips"] / theirs["ips"])
            counted.append(at_count["ips"] / theirs["ips"])
            print(
                f"round {round_}: yiwang {ours['ips']:.1f} instances/s (p50 {ours['p50']:.0f}ms) | "
                f"spiffworkflow {theirs['ips']:.1f} instances/s (p50 {theirs['p50']:.0f}ms) | "
                f"ratio {ratio:.2f} | floor {floor['ips']:.1f} instances/s "
                f"(p50 {floor['p50']:.1f}ms, {floors[-1]:.1f}× spiffworkflow) | "
                f"floor at yiwang's count {at_count['ips']:.1f} instances/s "
                f"(p50 {at_count['p50']:.1f}ms, {counted[-1]:.2f}× spiffworkflow)"
            )
        print(f"median ratio yiwang/spiffworkflow: {statistics.median(ratios):.2f} (target ≥ 1.0)")
        print(
            f"median ratio floor/spiffworkflow: {statistics.median(floors):.1f} "
            "(the most any engine with a locked transaction per step could reach)"
        )
        print(
            f"median ratio floor at yiwang's statement count/spiffworkflow: "
            f"{statistics.median(counted):.2f} (the most an engine running yiwang's "
            f"{FloorAtYiwangsCount.per_step} statements per step could reach)"
        )
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(admin_url, args.database)


if __name__ == "__main__":
    main()

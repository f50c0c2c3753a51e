"""`yiwang seed-cases N`: N realistic cases for load tests and demos of a busy district.

The cases are spread over the published items, a few thousand synthetic citizens and the
past year; each has walked the state machine as far as its dates allow (a case filed
yesterday is still waiting; one filed in spring is mostly concluded), with the timeline,
national status codes, Art. 32 intake days and working-day deadlines a real one has.
Numbers are `YW{date}{seq}` and continue each day's CaseNumberCounter, which is raised to
match, so later submissions keep counting from there. Rows are written with bulk inserts,
not through the services: this is data loading, like a migration, with no one to notify.
Run it while the site is quiet: a submission during the run may take a number seeded too.

Cases still open are recent, as in a district that keeps its time limits: one waiting at
the window was filed within the Art. 32 days, one under review within about its promised
time (some run late and the warning job turns them red). A case under review has its
current approval task open at its department, as the workflow would have pushed it; the
tasks of stages already passed are not written.
"""

import contextlib
import datetime
import functools
import json
import random
import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.catalog import selectors as catalog
from yiwang.forms import definition as forms
from yiwang.forms.samples import sample_data
from yiwang.identity.models import User
from yiwang.journey.workflow import clocks, process
from yiwang.journey.workflow.models import ApprovalTask
from yiwang.workdays import calendar

from ... import numbering, transitions
from ...models import Case, CaseEvent, CaseMaterial, CaseNumberCounter, Channel
from ...models import Status as S
from ...services import INTAKE_WORKDAYS

SEED_PREFIX = "seed-citizen-"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍鹏建华红梅飞鑫波斌宇浩凯健俊帆帅旭宁琳晨辰欣怡梓涵子轩浩然雨萱佳琪思远"  # noqa: E501

# Where cases end up, for cases old enough to have got there (weights in per cent). None
# ends in `accepted`: acceptance starts approval at once (accepted → in_review).
OUTCOMES = [
    (S.DRAFT, 7),
    (S.SUBMITTED, 3),
    (S.SUPPLEMENT, 4),
    (S.REFUSED, 3),
    (S.WITHDRAWN, 3),
    (S.IN_REVIEW, 12),
    (S.SUSPENDED, 2),
    (S.APPROVED, 55),
    (S.APPROVED_TOLERATED, 4),
    (S.DENIED, 5),
    (S.REVOKED, 2),
]
# The road to each outcome, as the transitions the case took.
ROADS = {
    S.DRAFT: [],
    S.SUBMITTED: [S.SUBMITTED],
    S.SUPPLEMENT: [S.SUBMITTED, S.SUPPLEMENT],
    S.REFUSED: [S.SUBMITTED, S.REFUSED],
    S.WITHDRAWN: [S.SUBMITTED, S.WITHDRAWN],
    S.ACCEPTED: [S.SUBMITTED, S.ACCEPTED],
    S.IN_REVIEW: [S.SUBMITTED, S.ACCEPTED, S.IN_REVIEW],
    S.SUSPENDED: [S.SUBMITTED, S.ACCEPTED, S.IN_REVIEW, S.SUSPENDED],
    S.APPROVED: [S.SUBMITTED, S.ACCEPTED, S.IN_REVIEW, S.APPROVED],
    S.APPROVED_TOLERATED: [S.SUBMITTED, S.ACCEPTED, S.IN_REVIEW, S.APPROVED_TOLERATED],
    S.DENIED: [S.SUBMITTED, S.ACCEPTED, S.IN_REVIEW, S.DENIED],
    S.REVOKED: [S.SUBMITTED, S.ACCEPTED, S.IN_REVIEW, S.APPROVED, S.REVOKED],
}
ACTIONS = {
    S.SUBMITTED: "submit",
    S.SUPPLEMENT: "supplement",
    S.REFUSED: "refuse",
    S.WITHDRAWN: "withdraw",
    S.ACCEPTED: "accept",
    S.IN_REVIEW: "review",
    S.SUSPENDED: "suspend",
    S.APPROVED: "approve",
    S.APPROVED_TOLERATED: "approve",
    S.DENIED: "deny",
    S.REVOKED: "revoke",
}
CONCLUDING = {S.REFUSED, S.APPROVED, S.APPROVED_TOLERATED, S.DENIED}
# Outcomes still waiting for someone: such cases were filed recently (see _filed).
AT_THE_WINDOW = {S.SUBMITTED, S.SUPPLEMENT}
UNDER_REVIEW = {S.IN_REVIEW, S.SUSPENDED}
HOUR = 3600
DAY = 24 * HOUR


@functools.cache
def _workdays_after(day: datetime.date, count: int):
    return calendar.add_workdays_checked(day, count)


def _next_ids(model, count: int) -> list[int]:
    """Reserve primary keys from the table's sequence, so COPY can write them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(model, objects: list, *, with_pk: bool = False) -> None:
    """PostgreSQL's COPY: several times faster than INSERT for a million rows."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    jsons = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row(
                    [
                        json.dumps(value, ensure_ascii=False) if f.attname in jsons else value
                        for f in fields
                        for value in (getattr(obj, f.attname),)
                    ]
                )


@contextlib.contextmanager
def _dates_as_given():
    """Let bulk_create keep the dates we give instead of stamping now."""
    fields = [
        Case._meta.get_field("created_at"),
        Case._meta.get_field("updated_at"),
        CaseEvent._meta.get_field("at"),
        ApprovalTask._meta.get_field("created_at"),
    ]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


class Command(BaseCommand):
    help = _("生成 N 个模拟办件（压力测试与演示用），分布在已发布事项、模拟申请人和过去一年里。")

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help=_("要生成的办件数"))
        parser.add_argument(
            "--citizens",
            type=int,
            default=3000,
            help=_("模拟申请人数（不足时补建，无密码不能登录）"),
        )
        parser.add_argument("--days", type=int, default=365, help=_("办件分布在过去多少天"))
        parser.add_argument("--batch", type=int, default=10_000, help=_("每批写入的办件数"))
        parser.add_argument("--materials", action="store_true", help=_("同时生成材料记录"))
        parser.add_argument("--seed", type=int, default=None, help=_("随机数种子"))

    def handle(self, *args, count, citizens, days, batch, materials, seed, **options):
        if count < 0 or citizens < 1 or days < 1 or not 1 <= batch <= 50_000:
            raise CommandError(_("参数超出范围。"))
        versions = [
            v
            for v in catalog.published()
            .select_related("item", "result_license_type")
            .prefetch_related("places", "materials")
            if v.places.all()
        ]
        if not versions:
            raise CommandError(
                _("没有可申请的已发布事项。请先导入事项目录（yiwang demo 或 import-catalog）。")
            )
        self.random = random.Random(seed)  # noqa: S311 - sample data, not secrets
        self.now = timezone.now()
        self.days = days
        self.with_materials = materials
        self.versions = versions
        self.by_pk = {v.pk: v for v in versions}
        self.task_steps: dict[int, list] = {}
        self.samples: dict[int, tuple[dict, dict]] = {}
        self.applicants = self._citizens(citizens)
        started, done = time.monotonic(), 0
        self.counters = dict(CaseNumberCounter.objects.values_list("day", "last"))
        touched: set[datetime.date] = set()
        while done < count:
            size = min(batch, count - done)
            touched |= self._batch(size)
            done += size
            elapsed = time.monotonic() - started
            self.stdout.write(
                _("已生成 %(done)d / %(count)d 个办件（%(s).0f 秒，每秒 %(rate).0f 个）")
                % {"done": done, "count": count, "s": elapsed, "rate": done / max(elapsed, 1e-9)}
            )
        self._save_counters(touched)
        self.stdout.write(
            self.style.SUCCESS(
                _("完成：%(count)d 个办件，%(s).0f 秒。")
                % {"count": count, "s": time.monotonic() - started}
            )
        )

    # --- people -----------------------------------------------------------------------------

    def _citizens(self, wanted: int) -> list[tuple[int, str, str]]:
        existing = User.objects.filter(username__startswith=SEED_PREFIX).count()
        new = []
        for n in range(existing, wanted):
            name = self.random.choice(SURNAMES) + "".join(
                self.random.choice(GIVEN) for _ in range(self.random.choice((1, 2)))
            )
            # make_password(None) is an unusable password: a random marker, nothing hashed.
            new.append(
                User(
                    username=f"{SEED_PREFIX}{n + 1:06d}",
                    kind=User.Kind.CITIZEN,
                    real_name=name,
                    phone=f"139{self.random.randrange(10**8):08d}",
                    password=make_password(None),
                )
            )
        User.objects.bulk_create(new, batch_size=2000)
        if new:
            self.stdout.write(_("新建模拟申请人 %(n)d 名") % {"n": len(new)})
        return list(
            User.objects.filter(username__startswith=SEED_PREFIX)
            .order_by("pk")[:wanted]
            .values_list("pk", "real_name", "phone")
        )

    # --- cases ------------------------------------------------------------------------------

    def _number(self, day: datetime.date) -> str:
        last = self.counters.get(day, 0) + 1
        self.counters[day] = last
        return f"{numbering.PREFIX}{day:%Y%m%d}{last:06d}"

    def _later(self, at: datetime.datetime, low: float, high: float) -> datetime.datetime:
        return at + datetime.timedelta(seconds=self.random.uniform(low, high))

    def _filed(self, target: S, version) -> datetime.datetime:
        """When a case that ends in `target` was started: open ones recently."""
        span = self.days * DAY
        if target in AT_THE_WINDOW:
            span = min(span, 6 * DAY)  # within the Art. 32 five working days
        elif target in UNDER_REVIEW:
            span = min(span, (3 + max(version.promised_days, 1) * 1.5) * DAY)
        return self.now - datetime.timedelta(seconds=self.random.uniform(0, span))

    def _road(self, case: Case, version, target: S) -> list[tuple[S, datetime.datetime]]:
        """The transitions this case took, each with its time, as far as today allows."""
        road, at = [], case.created_at
        for step in ROADS[target]:
            if step == S.SUBMITTED:
                at = self._later(at, 300, 2 * DAY)
            elif step in {S.ACCEPTED, S.SUPPLEMENT, S.REFUSED, S.WITHDRAWN}:
                at = self._later(at, HOUR, 4 * DAY)  # within the Art. 32 five working days
            elif step == S.IN_REVIEW:
                at = self._later(at, 10 * 60, DAY)
            elif step == S.REVOKED:
                at = self._later(at, 10 * DAY, 90 * DAY)
            else:  # a decision, within the promised time mostly
                at = self._later(at, HOUR, max(version.promised_days, 1) * 1.4 * DAY)
            if at > self.now:
                break
            road.append((step, at))
        return road

    def _form(self, version, name: str, phone: str) -> dict:
        """A filled form: the version's sample (made once per version) with the applicant's
        own name and phone where the form prefills them."""
        if version.pk not in self.samples:
            definition = forms.for_version(version)
            own = {
                f.key: source.split(":", 1)[1]
                for f in definition.fields
                for source in f.sources[:1]
                if source in ("identity:real_name", "identity:phone")
            }
            self.samples[version.pk] = (sample_data(definition, seed=version.pk), own)
        sample, own = self.samples[version.pk]
        mine = {"real_name": name, "phone": phone}
        return {**sample, **{key: mine[attr] for key, attr in own.items() if key in sample}}

    def _case(self, events: list) -> Case:
        version = self.random.choice(self.versions)
        applicant_id, name, phone = self.random.choice(self.applicants)
        place = self.random.choice(version.places.all())
        target = self.random.choices([o for o, _w in OUTCOMES], [w for _o, w in OUTCOMES])[0]
        created = self._filed(target, version)
        case = Case(
            item_version_id=version.pk,
            title=version.name,
            applicant_id=applicant_id,
            place_id=place.pk,
            place_path=place.path,
            department_id=version.department_id,
            channel=Channel.ONLINE if self.random.random() < 0.7 else Channel.WINDOW,
            form_data=self._form(version, name, phone),
            created_at=created,
            updated_at=created,
            status=S.DRAFT,
        )
        timeline = [
            CaseEvent(
                case=case, at=created, actor_id=applicant_id, action="draft", to_status=S.DRAFT
            )
        ]
        review_at = None
        for step, at in self._road(case, version, target):
            code = transitions.CASE.check(case.status, step)
            timeline.append(
                CaseEvent(
                    case=case,
                    at=at,
                    action=ACTIONS[step],
                    from_status=case.status,
                    to_status=step,
                    status_code=code,
                )
            )
            case.status, case.updated_at = step, at
            if code is not None:
                case.status_code = code
            day = timezone.localdate(at)
            if step == S.SUBMITTED:
                case.number, case.submitted_at, case.received_on = self._number(day), at, day
                case.intake_due_on = _workdays_after(day, INTAKE_WORKDAYS).date
            elif step == S.ACCEPTED:
                case.accepted_at = at
                promised = _workdays_after(day, version.promised_days)
                statutory = _workdays_after(day, version.statutory_days)
                case.promised_due_on, case.statutory_due_on = promised.date, statutory.date
                case.due_provisional = promised.provisional or statutory.provisional
                case.warning_on = self._warning_on(promised.date, version.promised_days)
            elif step == S.REFUSED:
                case.refusal_reason = _("不属于本机关职权范围")
            elif step == S.APPROVED_TOLERATED:
                case.tolerated = True
            if step in CONCLUDING:
                case.concluded_at = at
            if step == S.IN_REVIEW:
                review_at = at
        if case.status in UNDER_REVIEW:
            self.review_started[id(case)] = review_at
        events.append(timeline)
        return case

    def _warning_on(self, due: datetime.date, promised_days: int) -> datetime.date:
        """As clocks.warning_start, through the cache: the yellow warning's first day."""
        return _workdays_after(due, -clocks.yellow_threshold(promised_days)).date

    def _task(self, case: Case) -> ApprovalTask:
        """The open task of a case under review: one of its template's stages, pushed to
        the item's department when review started (the earlier stages count as passed)."""
        version = self.by_pk[case.item_version_id]
        if version.pk not in self.task_steps:
            self.task_steps[version.pk] = process.task_steps(process.template_for(version))
        step = self.random.choice(self.task_steps[version.pk])
        pushed = self.review_started[id(case)]
        start = timezone.localdate(pushed)
        due = (
            _workdays_after(start, step.days)
            if step.days
            else calendar.Deadline(case.promised_due_on, case.due_provisional)
        )
        if case.promised_due_on and due.date > case.promised_due_on:
            due = calendar.Deadline(case.promised_due_on, case.due_provisional)
        return ApprovalTask(
            case_id=case.pk,
            step=step,
            stage=step.seq,
            key=step.org.code,
            round=1,
            name=step.name,
            role=step.role,
            org=step.org,
            org_path=step.org.path,
            created_at=pushed,
            due_on=due.date,
            due_provisional=due.provisional,
            warning_on=self._warning_on(due.date, step.days or version.promised_days),
        )

    def _materials(self, case: Case, version_id: int) -> list[CaseMaterial]:
        version = self.by_pk[version_id]
        seen, rows = set(), []
        for requirement in version.materials.all():
            if requirement.name in seen:
                continue
            seen.add(requirement.name)
            state = (
                CaseMaterial.State.UPLOADED
                if case.number or self.random.random() < 0.5
                else CaseMaterial.State.MISSING
            )
            rows.append(
                CaseMaterial(
                    case_id=case.pk,
                    name=requirement.name,
                    state=state,
                    required=requirement.necessity != "optional",
                    tolerable=requirement.necessity != "required",
                    position=len(rows),
                )
            )
        return rows

    def _batch(self, size: int) -> set[datetime.date]:
        timelines: list[list[CaseEvent]] = []
        self.review_started: dict[int, datetime.datetime] = {}
        cases = [self._case(timelines) for _ in range(size)]
        with _dates_as_given(), transaction.atomic():
            if connection.vendor == "postgresql":
                for case, pk in zip(cases, _next_ids(Case, size), strict=True):
                    case.pk = case.id = pk
                _copy(Case, cases, with_pk=True)
            else:
                Case.objects.bulk_create(cases, batch_size=2000)
            events = []
            for case, timeline in zip(cases, timelines, strict=True):
                for event in timeline:
                    event.case_id = case.pk
                events.extend(timeline)
            rows = []
            if self.with_materials:
                rows = [m for c in cases for m in self._materials(c, c.item_version_id)]
            if connection.vendor == "postgresql":
                _copy(CaseEvent, events)
                _copy(CaseMaterial, rows)
            else:
                CaseEvent.objects.bulk_create(events, batch_size=5000)
                CaseMaterial.objects.bulk_create(rows, batch_size=5000)
            tasks = [self._task(c) for c in cases if c.status in UNDER_REVIEW]
            ApprovalTask.objects.bulk_create(tasks, batch_size=5000)
        return {c.received_on for c in cases if c.number}

    def _save_counters(self, days: set[datetime.date]) -> None:
        """Raise each day's counter to the last number seeded, never lower it."""
        with transaction.atomic():
            current = dict(
                CaseNumberCounter.objects.select_for_update()
                .filter(day__in=days)
                .values_list("day", "last")
            )
            rows = [
                CaseNumberCounter(day=day, last=max(self.counters[day], current.get(day, 0)))
                for day in days
            ]
            CaseNumberCounter.objects.bulk_create(
                rows,
                batch_size=2000,
                update_conflicts=True,
                unique_fields=["day"],
                update_fields=["last"],
            )

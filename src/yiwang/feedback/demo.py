"""The demo district's ratings (好差评): most concluded cases rated well, a few bad ones
whose rectifications stand at every step — one just opened, one answered after being
returned once, one verified and waiting for its return call, one overdue (red), several
closed with their return call — so the department's list, the supervisor's desk and the
dashboards have something real to show.

Every rating and every step goes through feedback.services on its own day in the past
(time-machine moves the clock the services read), like demo.history does for cases. A few
of 张三's concluded cases are left unrated, so a visitor can give a rating themselves.
Called once by demo.history after the cases exist; adds nothing if ratings exist."""

import datetime
import random
from collections import Counter
from dataclasses import dataclass

import time_machine
from django.utils import timezone

from yiwang.identity.models import User
from yiwang.journey.cases.models import Case
from yiwang.journey.workflow.services import holders
from yiwang.workdays import calendar

from . import services
from .models import BAD_LEVELS, Evaluation, Rectification, reasons_for

SEED = 990101
RATED_SHARE = 0.9  # of the background's concluded cases
GOOD_LEVELS = [5] * 64 + [4] * 26 + [3] * 10
GOOD_COMMENTS = [
    "",
    "",
    "",
    "办事很快，工作人员很热情。",
    "网上就办好了，一次都没跑。",
    "办事指南写得清楚，材料一次就准备齐了。",
    "窗口人员耐心解答，谢谢！",
    "比预想的快，当天就拿到了结果。",
    "流程清楚，短信通知及时。",
]
BAD_COMMENTS = [
    "等了一个多小时才叫到号，窗口只开了一个。",
    "材料要求和网上办事指南写的不一样，多跑了一趟。",
    "工作人员态度不太好，问问题很不耐烦。",
    "网上提交后好几天没有人处理，打咨询电话也没人接。",
    "办结时间比承诺的晚了好几天，也没有人告知原因。",
    "同一份材料让我交了两次，系统里明明已经有了。",
]
EXPLANATIONS = [
    "经调取窗口录像和排队记录核实，当日上午办件量较大，群众反映情况属实。",
    "经核实，办事指南中材料说明未及时更新，群众反映情况属实。",
    "经与当班工作人员谈话核实，答复群众时语气生硬，情况属实。",
]
MEASURES = [
    "高峰时段增开一个综合窗口，安排人员在等候区引导分流。",
    "已更新办事指南的材料清单和示例，并对窗口人员再培训。",
    "已对相关工作人员批评教育，纳入月度考核，并向群众致歉。",
]


@dataclass
class Summary:
    ratings: int
    bad: int
    statuses: Counter

    def __str__(self):
        states = "、".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        return f"demo ratings: {self.ratings} ratings, {self.bad} bad ones ({states})"


class _Clock:
    """Moments on working days some days back, never later than just before now."""

    def __init__(self):
        self.now = timezone.now()
        self.today = timezone.localdate(self.now, calendar.SHANGHAI)

    def day(self, ago: int) -> datetime.date:
        return calendar.add_workdays_checked(self.today, -ago).date if ago else self.today

    def moment(self, ago: int, hour: int, minute: int = 0) -> datetime.datetime:
        moment = datetime.datetime.combine(
            self.day(ago), datetime.time(hour, minute), tzinfo=calendar.SHANGHAI
        )
        return min(moment, self.now - datetime.timedelta(minutes=30))

    def at(self, moment: datetime.datetime):
        return time_machine.travel(moment, tick=True)


def _reasons(case, rng, level) -> list[str]:
    """One or two reasons for a 差评 (reasons_for), none for a good rating."""
    if level not in BAD_LEVELS:
        return []
    offered = [key for key, _label in reasons_for(case.channel)]
    return rng.sample(offered, rng.randint(1, 2))


def _rate(clock, case, moment, level, comment, rng, *, via_link=None):
    with clock.at(moment):
        return services.rate(
            case.pk,
            by=case.applicant,
            level=level,
            reasons=_reasons(case, rng, level),
            comment=comment,
            via_link=rng.random() < 0.4 if via_link is None else via_link,
        )


def _someone(role: str, path: str, fallback: str) -> User:
    people = holders(role, path)
    return people[0] if people else User.objects.get(username=fallback)


class _Desk:
    """The department and the supervisor acting on one rectification, each on a day."""

    def __init__(self, clock, rectification: Rectification):
        self.clock = clock
        self.pk = rectification.pk
        self.chief = _someone("chief", rectification.department_path, "chief")
        self.approver = _someone("approver", rectification.department_path, "approver")
        self.supervisor = User.objects.get(username="supervisor")

    def respond(self, ago, *, by=None, hour=10, n=0):
        with self.clock.at(self.clock.moment(ago, hour)):
            services.respond(
                self.pk,
                by=by or self.chief,
                explanation=EXPLANATIONS[n % len(EXPLANATIONS)],
                measures=MEASURES[n % len(MEASURES)],
            )

    def verify(self, ago, *, accept=True, note="", hour=15):
        with self.clock.at(self.clock.moment(ago, hour)):
            services.verify(self.pk, by=self.supervisor, accept=accept, note=note)

    def callback(self, ago, *, reached=True, satisfied=True, note="", hour=11):
        with self.clock.at(self.clock.moment(ago, hour)):
            services.record_callback(
                self.pk, by=self.supervisor, reached=reached, satisfied=satisfied, note=note
            )


def _concluded():
    return (
        Case.objects.filter(parent__isnull=True, status__in=services.RATEABLE)
        .exclude(concluded_at__isnull=True)
        .select_related("applicant", "department", "place")
        .order_by("concluded_at", "pk")
    )


def _demo_citizens(clock, rng) -> tuple[list[Case], set[int]]:
    """张三's and the company's concluded cases: some rated, some left for the visitor."""
    mine = {
        c.item_version.item.code: c
        for c in _concluded()
        .filter(applicant__username__in=["citizen", "company"])
        .select_related("item_version__item")
    }
    seen = set(c.pk for c in mine.values())
    rated = []
    plan = [
        ("ZWJ-GG-0003", 5, "容缺受理帮了大忙，租赁合同后补也能先办。", 29),
        ("GAJ-GG-0009", 5, "网上申请，第二天就能领，非常方便。", 56),
        ("GHZ-QR-0004", 4, "邮寄到家很方便，就是审核时间稍长。", 14),
        ("SCJ-XK-0002", 4, "", 35),
    ]
    for code, level, comment, ago in plan:
        case = mine.get(code)
        if case is None:
            continue
        moment = max(clock.moment(ago, 19), case.concluded_at + datetime.timedelta(hours=1))
        rated.append(_rate(clock, case, min(moment, clock.moment(0, 23)), level, comment, rng))
    # A bad one, long closed: the legal-aid refusal, explained and called back.
    case = mine.get("SFJ-GG-0001")
    if case is not None and case.concluded_at < clock.moment(21, 20):
        evaluation = _rate(
            clock,
            case,
            clock.moment(21, 20),
            2,
            "不予援助的理由只写了一句话，没有说明收入标准是多少，希望解释清楚。",
            rng,
            via_link=True,
        )
        desk = _Desk(clock, evaluation.rectification)
        desk.respond(19, n=0)
        desk.verify(18, note="已向申请人说明经济困难标准，答复清楚。")
        desk.callback(17, note="群众表示理解，对解释满意。")
        rated.append(evaluation)
    return rated, seen


def _pick(cases, *, before, department=None, street=None, taken):
    for case in cases:
        if case.pk in taken or case.concluded_at >= before:
            continue
        if department and (case.department is None or case.department.code != department):
            continue
        if street is not None and not case.place_path.startswith(street):
            continue
        taken.add(case.pk)
        return case
    return None


def _staged(clock, rng, background: list[Case], taken: set[int]) -> list[Evaluation]:
    """Bad ratings whose rectifications stand at every step."""
    staged = []

    def bad(ago, *, department="990101-SCJ", street=None, comment=0, level=2):
        moment = clock.moment(ago, 18)
        case = _pick(background, before=moment, department=department, street=street, taken=taken)
        if case is None and department:
            case = _pick(background, before=moment, street=street, taken=taken)
        if case is None:
            return None
        evaluation = _rate(clock, case, moment, level, BAD_COMMENTS[comment], rng)
        staged.append(evaluation)
        return _Desk(clock, evaluation.rectification)

    # 市场监管局 (`chief`): one just in, one answered after a return, one overdue.
    bad(1, comment=0)
    desk = bad(5, comment=1, level=1)
    if desk:
        desk.respond(4, by=desk.approver, n=1)
        desk.verify(3, accept=False, note="整改措施过于笼统，请写明指南更新的具体内容和时间。")
        desk.respond(1, n=1)
    bad(8, comment=2)  # never answered: red once the job runs
    # Verified, waiting for the supervisor's return call.
    desk = bad(6, department=None, comment=3)
    if desk:
        desk.respond(4, n=2)
        desk.verify(2, note="整改措施具体，已落实。")
    # At 和平街道's service centre (`street-supervisor`).
    bad(2, department=None, street="990101/990101001/", comment=4)
    # Closed with their return calls, over the past weeks.
    for n, ago in enumerate((25, 45, 70)):
        desk = bad(ago, department=None, comment=(n + 5) % len(BAD_COMMENTS))
        if desk is None:
            continue
        desk.respond(ago - 2, n=n)
        desk.verify(ago - 3)
        if n == 1:
            desk.callback(ago - 4, reached=False, satisfied=None, note="连续三天拨打电话均未接通。")
        else:
            desk.callback(ago - 4, note="群众对整改措施表示满意。")
    return staged


def load_ratings() -> Summary | None:
    """Rate the demo's concluded cases through the services; None when ratings exist."""
    if Evaluation.objects.exists():
        return None
    rng = random.Random(SEED)  # noqa: S311 - sample data, not secrets
    clock = _Clock()
    rated, taken = _demo_citizens(clock, rng)
    background = list(_concluded().exclude(pk__in=taken))
    rated += _staged(clock, rng, background, taken)
    for case in background:
        if case.pk in taken or rng.random() > RATED_SHARE:
            continue
        moment = case.concluded_at + datetime.timedelta(hours=rng.randint(1, 72))
        if moment > clock.now - datetime.timedelta(minutes=30):
            continue
        level = rng.choice(GOOD_LEVELS)
        rated.append(_rate(clock, case, moment, level, rng.choice(GOOD_COMMENTS), rng))
    services.mark_overdue()
    from yiwang.supervision.rollups import mark_dirty

    # The ratings were given on past days: the rollup job counts those days again.
    for day in sorted({e.rated_on for e in rated}):
        mark_dirty(day)
    return Summary(
        ratings=len(rated),
        bad=sum(e.is_bad for e in rated),
        statuses=Counter(Rectification.objects.values_list("status", flat=True)),
    )

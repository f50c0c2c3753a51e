"""The demo district's 12345 line at work (docs/hotline.md): the subject tree, the knowledge
base, and the 180 past appeals of `data/hotline/` replayed through the line's services on
the days they happened — recorded by the agent or filed on the web and the message board,
dispatched the same day, some returned by a unit that was not the right one, accepted,
answered, reviewed, rated or called back, a few rated unsatisfied and handled again — so
every timeline, figure and hotspot is what the line itself would have written. The newest
appeals are moved to the last working days and left open in every state; a few older ones
are still open and overdue. Then the dispatch classifier is trained on the dispatched
appeals and the hotspots of the year are found.

Replaying through the services (with the clock set to each step's moment) is slower than
inserting rows, but 180 appeals take a few seconds, and audit, events and notifications
come out as the real ones."""

import datetime
import random
from dataclasses import dataclass, field
from pathlib import Path

import time_machine
import yaml
from django.db import transaction

from yiwang.hotline import hotspots, knowledge, services, suggest
from yiwang.hotline import subjects as subject_tree
from yiwang.hotline.models import (
    TYPE_BY_LABEL,
    Appeal,
    AppealStatus,
    AppealType,
    Article,
    BoardKind,
    Channel,
    Satisfaction,
    Subject,
)
from yiwang.identity.models import OrgUnit, User
from yiwang.workdays import calendar

from .loader import department_suffix

DATA = Path(__file__).parent / "data" / "hotline"
SEED = 990121
SHANGHAI = calendar.SHANGHAI
# The newest appeals are moved to the last working days and left open, in these states
# (the last of them on the newest days).
OPEN_TAIL = [
    AppealStatus.PENDING,
    AppealStatus.PENDING,
    AppealStatus.PENDING,
    AppealStatus.DISPATCHED,
    AppealStatus.DISPATCHED,
    AppealStatus.HANDLING,
    AppealStatus.HANDLING,
    AppealStatus.HANDLING,
    AppealStatus.REPLIED,
    AppealStatus.REPLIED,
    AppealStatus.ANSWERED,
    AppealStatus.ANSWERED,
]
# Older appeals a unit still has not answered: overdue (red) on the supervisors' lists.
STILL_OPEN_OLD = 2
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
ANSWERS = {
    AppealType.CONSULT: "经{unit}核实答复：您咨询的事项已按现行规定向您说明，办理地点、材料和时限可在网上办事大厅查询，如仍有疑问可再次来电。",
    AppealType.HELP: "{unit}已安排工作人员与您联系并上门了解情况，相关问题已协调解决，后续如有困难可随时反映。",
    AppealType.COMPLAINT: "经{unit}现场核查，您反映的情况属实，已责令相关方限期整改，我单位将持续跟踪，整改情况已电话告知。",
    AppealType.REPORT: "{unit}已对举报线索依法核查处理，处理结果已按规定反馈，感谢您的监督。",
    AppealType.SUGGESTION: "感谢您的建议。{unit}已认真研究，将在后续工作中统筹考虑并逐步改进。",
    AppealType.PRAISE: "感谢您的肯定，{unit}已将表扬转达相关工作人员，我们将继续做好服务。",
}
SECOND_ANSWER = "{unit}再次组织核查并与您当面沟通，已进一步落实整改措施，后续将定期回访。"
RETURN_REASON = "经核实，该诉求发生地点和事项不属于本单位职责范围，请改派{unit}办理。"
BOARD_KIND = {
    AppealType.CONSULT: BoardKind.ASK,
    AppealType.HELP: BoardKind.ASK,
    AppealType.COMPLAINT: BoardKind.COMPLAIN,
    AppealType.REPORT: BoardKind.COMPLAIN,
    AppealType.SUGGESTION: BoardKind.SUGGEST,
    AppealType.PRAISE: BoardKind.SUGGEST,
}


@dataclass
class Summary:
    appeals: int = 0
    states: dict = field(default_factory=dict)
    answered_on_spot: int = 0
    returned: int = 0
    reopened: int = 0
    published: int = 0
    callbacks: int = 0
    articles: int = 0
    classifier: str = ""
    hotspots: int = 0

    def __str__(self):
        states = ", ".join(f"{n} {s}" for s, n in sorted(self.states.items()))
        return (
            f"demo 12345 line: {self.appeals} appeals ({states}); {self.answered_on_spot} "
            f"answered on the spot from {self.articles} knowledge articles, {self.returned} "
            f"returned once by a unit, {self.reopened} reopened after an unsatisfied rating, "
            f"{self.published} on the message board, {self.callbacks} return calls; "
            f"{self.hotspots} hotspot alerts; classifier: {self.classifier or 'not trained'}"
        )


def _read(name: str):
    with open(DATA / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def _workday(day: datetime.date, n: int) -> datetime.date:
    if not calendar.is_workday(day, provisional=True):
        day = calendar.add_workdays(day, 1, provisional=True)
        n = max(n - 1, 0)
    return calendar.add_workdays(day, n, provisional=True) if n else day


class _Replay:
    def __init__(self, rng: random.Random, summary: Summary):
        self.rng, self.summary = rng, summary
        self.agent = User.objects.get(username="hotline-agent")
        self.dispatcher = User.objects.get(username="dispatcher")
        self.citizens = {
            u.username: u for u in User.objects.filter(username__in=["citizen", "citizen2"])
        }
        self.orgs = {o.code: o for o in OrgUnit.objects.all()}
        self.subjects = {s.code: s for s in Subject.objects.select_related("org")}
        self.handlers = {
            u.username: u for u in User.objects.filter(username__startswith="handler-")
        }
        self.articles: dict[int, list[Article]] = {}
        for article in Article.objects.filter(is_active=True):
            self.articles.setdefault(article.subject_id, []).append(article)
        self.phones: list[str] = []

    def handler(self, unit: OrgUnit) -> User:
        return self.handlers[f"handler-{department_suffix(unit)}"]

    def caller(self) -> tuple[str, str]:
        if self.phones and self.rng.random() < 0.12:  # callers who called before
            return self.rng.choice(self.phones)
        name = self.rng.choice(SURNAMES) + self.rng.choice(["先生", "女士"])
        phone = f"139{self.rng.randrange(10**8):08d}"
        self.phones.append((name, phone))
        return name, phone

    def record(self, row: dict, day: datetime.date, *, channel: str) -> Appeal:
        type_ = TYPE_BY_LABEL[row["type"]]
        area = self.orgs.get(str(row.get("area") or "")) if row.get("area") else None
        subject = self.subjects[row["subject"]]
        at = _at(day, self.rng.randint(8, 19), self.rng.randint(0, 59))
        with time_machine.travel(at, tick=False):
            if channel in (Channel.WEB, Channel.BOARD):
                citizen = self.citizens["citizen" if channel == Channel.WEB else "citizen2"]
                return services.record_appeal(
                    by=citizen,
                    type=type_,
                    text=row["text"],
                    channel=channel,
                    subject=subject,
                    area=area,
                    title=row["text"][:24] if channel == Channel.BOARD else "",
                    board_kind=BOARD_KIND[type_] if channel == Channel.BOARD else "",
                    phone=citizen.phone,
                )
            name, phone = self.caller()
            return services.record_appeal(
                by=self.agent,
                type=type_,
                text=row["text"],
                channel=Channel.PHONE,
                subject=subject,
                area=area,
                caller_name=name,
                phone=phone,
                confidential=type_ == AppealType.REPORT,
                received_at=at,
            )

    def step(self, day: datetime.date, hour: int, action, *args, **kwargs):
        with time_machine.travel(_at(day, hour, self.rng.randint(0, 59)), tick=False):
            return action(*args, **kwargs)

    def replay(self, row: dict, day: datetime.date, channel: str, stop: str = "") -> Appeal:
        """One appeal's life from `day`, through the services, up to `stop` (a status to
        leave it in) or to its end."""
        rng = self.rng
        appeal = self.record(row, day, channel=channel)
        if stop == AppealStatus.PENDING:
            return appeal
        subject = self.subjects[row["subject"]]
        unit = self.orgs[str(row["org"])]
        articles = self.articles.get(subject.pk)
        if appeal.type == AppealType.CONSULT and articles and channel == Channel.PHONE and not stop:
            article = rng.choice(articles)
            self.step(
                day,
                20,
                services.answer_on_spot,
                appeal,
                by=self.agent,
                answer=article.answer,
                article=article,
            )
            self.summary.answered_on_spot += 1
            return appeal
        # Dispatched the same day; where the data's unit is not the subject's default one,
        # one in three went to the default unit first, which returned it.
        default = subject.org
        if default and default != unit and rng.random() < 0.35 and not stop:
            self.step(
                day,
                20,
                services.dispatch,
                appeal,
                by=self.dispatcher,
                subject=subject,
                lead=default,
                suggestion={},
            )
            back = _workday(day, 1)
            self.step(
                back,
                10,
                services.return_appeal,
                appeal,
                by=self.handler(default),
                reason=RETURN_REASON.format(unit=unit.name),
            )
            self.step(
                back,
                15,
                services.dispatch,
                appeal,
                by=self.dispatcher,
                subject=subject,
                lead=unit,
                suggestion={},
            )
            self.summary.returned += 1
            day = back
        else:
            self.step(
                day,
                20,
                services.dispatch,
                appeal,
                by=self.dispatcher,
                subject=subject,
                lead=unit,
                suggestion={},
            )
        if stop == AppealStatus.DISPATCHED:
            return appeal
        handler = self.handler(unit)
        accepted = _workday(day, 1)
        self.step(accepted, 9, services.accept, appeal, by=handler)
        if stop == AppealStatus.HANDLING:
            return appeal
        late = rng.random() < 0.1
        days = subject.days + 2 if late else rng.randint(1, max(subject.days - 1, 1))
        replied = _workday(accepted, days)
        answer = ANSWERS[appeal.type].format(unit=unit.name)
        self.step(replied, 16, services.reply, appeal, by=handler, text=answer)
        if stop == AppealStatus.REPLIED:
            return appeal
        reviewed = _workday(replied, 1)
        self.step(reviewed, 10, services.review_reply, appeal, by=self.dispatcher, approve=True)
        if appeal.board_kind:
            self.summary.published += 1
        if stop == AppealStatus.ANSWERED:
            return appeal
        rated = _workday(reviewed, 1)
        unhappy = rng.random() < 0.08
        self._rate(appeal, rated, Satisfaction.UNSATISFIED if unhappy else self._happy())
        if unhappy:
            self.summary.reopened += 1
            again = _workday(rated, 2)
            self.step(
                again,
                15,
                services.reply,
                appeal,
                by=handler,
                text=SECOND_ANSWER.format(unit=unit.name),
            )
            self.step(
                _workday(again, 1),
                10,
                services.review_reply,
                appeal,
                by=self.dispatcher,
                approve=True,
            )
            self._rate(appeal, _workday(again, 2), Satisfaction.BASIC)
        return appeal

    def _happy(self) -> str:
        return Satisfaction.SATISFIED if self.rng.random() < 0.78 else Satisfaction.BASIC

    def _rate(self, appeal: Appeal, day: datetime.date, satisfaction: str) -> None:
        appeal.refresh_from_db()
        if appeal.citizen_id:
            self.step(day, 11, services.rate, appeal, by=appeal.citizen, satisfaction=satisfaction)
        else:  # a caller: the agent's return call (回访) records the rating
            self.step(
                day,
                14,
                services.record_callback,
                appeal,
                by=self.agent,
                reached=True,
                satisfaction=satisfaction,
                note="回访接通，群众对办理结果表示认可。"
                if satisfaction != Satisfaction.UNSATISFIED
                else "群众表示问题仍未解决。",
            )
            self.summary.callbacks += 1


def _channel(rng: random.Random, index: int) -> str:
    """Most appeals came by phone; one in eight on the web, one in ten on the board."""
    roll = rng.random()
    if roll < 0.10:
        return Channel.BOARD
    if roll < 0.22:
        return Channel.WEB
    return Channel.PHONE


def _recent_days(today: datetime.date, n: int) -> list[datetime.date]:
    """The last `n` working days before today (oldest first)."""
    days, day = [], today
    while len(days) < n:
        day -= datetime.timedelta(days=1)
        if calendar.is_workday(day, provisional=True):
            days.append(day)
    return days[::-1]


def load_hotline(*, today: datetime.date | None = None) -> Summary | None:
    """Give the demo district its 12345 line; None when it already has one."""
    if Appeal.objects.exists():
        return None
    summary = Summary()
    with transaction.atomic():
        subject_tree.sync(_read("categories.yaml"))
        knowledge.load_articles(_read("knowledge.yaml"))
        summary.articles = Article.objects.count()
    rows = sorted(_read("appeals.yaml"), key=lambda r: (r["date"], r["id"]))
    rng = random.Random(SEED)  # noqa: S311 - a repeatable demo, not a secret
    replay = _Replay(rng, summary)
    today = today or services.today()
    tail = rows[-len(OPEN_TAIL) :]
    history = rows[: -len(OPEN_TAIL)]
    # A couple of older complaints a unit never answered: overdue now.
    still_open = {
        r["id"]
        for r in rng.sample([r for r in history[-40:] if r["type"] == "投诉"], STILL_OPEN_OLD)
    }
    for index, row in enumerate(history):
        day = datetime.date.fromisoformat(str(row["date"]))
        stop = AppealStatus.HANDLING if row["id"] in still_open else ""
        replay.replay(row, day, _channel(rng, index), stop)
    # The furthest along on the older days; the pending and dispatched ones on the last
    # working day — a unit has two working days to sign for an appeal before the job does.
    recent = _recent_days(today, 6)
    states = OPEN_TAIL[::-1]
    fresh = {AppealStatus.PENDING, AppealStatus.DISPATCHED}
    older = iter(sorted(rng.choices(recent[:-1], k=sum(s not in fresh for s in states))))
    days = [recent[-1] if state in fresh else next(older) for state in states]
    for row, state, day in zip(tail, states, days, strict=True):
        replay.replay(
            row, day, Channel.PHONE if state != AppealStatus.ANSWERED else Channel.WEB, state
        )
    services.refresh_warnings()
    summary.appeals = Appeal.objects.count()
    summary.states = _states()
    summary.classifier = _train()
    summary.hotspots = _hotspots(datetime.date.fromisoformat(str(rows[0]["date"])), today)
    return summary


def _states() -> dict:
    from django.db.models import Count

    return {
        row["status"]: row["n"]
        for row in Appeal.objects.values("status").annotate(n=Count("id")).order_by()
    }


def _train() -> str:
    """The dispatch classifier, trained on the appeals just dispatched (as the weekly job
    and `yiwang hotline train` would)."""
    trained = suggest.train_from_appeals()
    if trained is None:
        return ""
    unit = trained.metrics.get("unit")
    return f"trained on {trained.metrics['appeals']} appeals" + (
        f", unit top-1 {unit['top1']:.0%} / top-3 {unit['top3']:.0%}" if unit else ""
    )


def _hotspots(first: datetime.date, today: datetime.date) -> int:
    """The year's hotspots, judged day by day as the hourly job would have."""
    return len(hotspots.find_between(first, today))

"""Builders for the 12345 line's tests, for every part of the line to reuse.

    line = make_line()                  # the people: agent, dispatcher, handlers, supervisor
    subject = make_subject()            # a leaf subject of a fresh two-level tree
    appeal = make_appeal("handling", line=line)   # recorded, dispatched and accepted

Appeals reach their status through the services (hotline.services), so every row and
timeline entry is what the line would have written. The demo district (`demo` fixture) must
be loaded: its departments and streets are the units and areas."""

import itertools
from dataclasses import dataclass

from yiwang.hotline import services
from yiwang.hotline.models import AppealType, Channel, Subject
from yiwang.identity.models import OrgKind, OrgLevel, OrgUnit, RoleGrant, User
from yiwang.identity.roles import Role

_seq = itertools.count(1)

# Units and areas of the demo district.
CGW = "990101-CGW"  # 城市管理委员会
ZJW = "990101-ZJW"  # 住房和城乡建设委员会
SCJ = "990101-SCJ"  # 市场监督管理局
HEPING = "990101001"  # 和平街道
QINGNIANHU = "990101001002"  # 青年湖社区
DONGFENG = "990101002"  # 东风街道


def org(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def make_unit_org(code: str | None = None, *, name: str = "", parent: str = "990101") -> OrgUnit:
    """A department of the district: the demo's when `code` names one, else a new one."""
    if code:
        found = OrgUnit.objects.filter(code=code).first()
        if found is not None:
            return found
    n = next(_seq)
    return OrgUnit.objects.create(
        code=code or f"990101-T{n:03d}",
        name=name or f"测试承办单位{n}",
        kind=OrgKind.DEPARTMENT,
        level=OrgLevel.DISTRICT,
        parent=org(parent),
    )


def make_user(username: str | None = None, *, role: Role | None = None, at=None, **fields) -> User:
    """A staff member (with `role` granted at `at`, an org or its code), or a citizen when
    no role is given."""
    username = username or f"t-hotline-{next(_seq)}"
    kind = User.Kind.STAFF if role else User.Kind.CITIZEN
    user = User.objects.create_user(username, kind=kind, **fields)
    if role:
        place = org(at) if isinstance(at, str) else at or org("990101")
        RoleGrant.objects.create(user=user, role=role, org=place)
    return user


def make_citizen(username: str | None = None, **fields) -> User:
    fields.setdefault("real_name", "测试市民")
    return make_user(username, **fields)


@dataclass
class Line:
    agent: User
    dispatcher: User
    handler: User  # at 城管委 (CGW)
    handler2: User  # at 住建委 (ZJW)
    supervisor: User  # at the district
    street_supervisor: User  # at 和平街道
    citizen: User


def make_line() -> Line:
    """The line's people, each with a fresh account."""
    return Line(
        agent=make_user(role=Role.HOTLINE_AGENT, real_name="话务员"),
        dispatcher=make_user(role=Role.DISPATCHER, real_name="派单员"),
        handler=make_user(role=Role.HANDLER, at=CGW, real_name="城管承办人"),
        handler2=make_user(role=Role.HANDLER, at=ZJW, real_name="住建承办人"),
        supervisor=make_user(role=Role.SUPERVISOR, real_name="监察员"),
        street_supervisor=make_user(role=Role.SUPERVISOR, at=HEPING, real_name="街道监察员"),
        citizen=make_citizen(phone="13900000099"),
    )


def make_subject(
    code: str | None = None,
    *,
    name: str = "",
    org: OrgUnit | str | None = CGW,
    days: int = 5,
    parent=None,
    keywords=(),
) -> Subject:
    """A leaf subject (and its parent, if none is given)."""
    n = next(_seq)
    if parent is None:
        parent = Subject.objects.create(code=f"TP{n:03d}", name=f"测试大类{n}")
    if isinstance(org, str):
        org = OrgUnit.objects.get(code=org)
    return Subject.objects.create(
        code=code or f"TP{n:03d}-01",
        name=name or f"测试分类{n}",
        parent=parent,
        org=org,
        days=days,
        keywords=list(keywords),
        position=n,
    )


def record(line: Line, **fields):
    """An appeal recorded by the line's agent over the phone."""
    fields.setdefault("type", AppealType.COMPLAINT)
    fields.setdefault("channel", Channel.PHONE)
    fields.setdefault(
        "text", f"小区门口道路两侧垃圾长期无人清运，气味很大，请尽快处理。{next(_seq)}"
    )
    fields.setdefault("phone", f"139{next(_seq):08d}")
    fields.setdefault("area", org(QINGNIANHU))
    return services.record_appeal(by=fields.pop("by", line.agent), **fields)


STEPS = ["pending", "dispatched", "handling", "replied", "answered", "closed"]


def make_appeal(
    status: str = "pending",
    *,
    line: Line | None = None,
    subject: Subject | None = None,
    lead: OrgUnit | str = CGW,
    assisting=(),
    reply: str = "经核查，已安排清运车辆当日清理，并加强日常巡查。",
    **fields,
):
    """An appeal brought to `status` through the services: pending, dispatched, handling,
    replied, answered, closed (rated satisfied), merged (into a fresh appeal), withdrawn."""
    line = line or make_line()
    subject = subject or make_subject()
    lead = org(lead) if isinstance(lead, str) else lead
    assisting = [org(a) if isinstance(a, str) else a for a in assisting]
    appeal = record(line, **fields)
    token = appeal.token
    if status == "merged":
        other = record(line, text="另一条不相关的诉求内容，用于合并测试。")
        return services.merge(appeal, into=other, by=line.dispatcher)
    if status == "withdrawn":
        return services.withdraw(appeal, by=line.agent, reason="诉求人来电撤回")
    target = STEPS.index(status)
    if target >= 1:
        appeal = services.dispatch(
            appeal, by=line.dispatcher, subject=subject, lead=lead, assisting=assisting
        )
    if target >= 2:
        appeal = services.accept(appeal, by=handler_for(line, lead))
    if target >= 3:
        appeal = services.reply(appeal, by=handler_for(line, lead), text=reply)
    if target >= 4:
        appeal = services.review_reply(appeal, by=line.dispatcher, approve=True)
    if target >= 5:
        appeal = services.rate(appeal, satisfaction="satisfied", token=token)
    appeal.token = token
    return appeal


def handler_for(line: Line, unit: OrgUnit) -> User:
    """The line's handler at `unit`, or a new one granted there."""
    for user in (line.handler, line.handler2):
        if RoleGrant.objects.filter(user=user, role=Role.HANDLER, org=unit).exists():
            return user
    return make_user(role=Role.HANDLER, at=unit)

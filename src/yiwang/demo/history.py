"""The demo district's past: cases in every state, so every page a newcomer opens has
something real to show — 张三's drafts, waiting, refused, approved and mailed cases, the
开办餐饮店一件事 half-way through, tasks in the approvers' inboxes, a case in 特别程序, an
extension for the chief to decide, results at the issuer's window, yellow and red warnings,
and a few hundred background cases (`seed-cases`) for lists and dashboards.

Every case goes through the real services (cases, workflow, clocks, delivery), so the
timelines, audit trail, notifications and tasks are what the system itself writes. Each
step happens on its own day in the past: `time-machine` moves the clock the services read
(timezone.now, and so clocks.today) to that working day, and every deadline, warning date
and case number follows from it as it would have then. Safe to run again: once the demo
citizen has cases, nothing is added."""

import contextlib
import datetime
import functools
import io
from collections import Counter
from dataclasses import dataclass

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from yiwang.catalog.models import ItemVersion
from yiwang.identity.models import Enterprise, OrgUnit, User
from yiwang.journey.cases import services as cases
from yiwang.journey.cases.models import Case, CaseMaterial, Warning
from yiwang.journey.workflow import clocks, delivery
from yiwang.journey.workflow import services as workflow
from yiwang.journey.workflow.models import OPEN_TASK, ApprovalTask, SuspensionKind
from yiwang.workdays import calendar

from . import accounts
from .forms import fill_in

BACKGROUND_CASES = 300
BACKGROUND_CITIZENS = 300
SEED = 990101  # the same background every time
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STREET_CENTRE = "990101001-BMZX"  # where `street-clerk` works


@dataclass
class Summary:
    demo_cases: int
    background_cases: int
    statuses: Counter
    yellow: int
    red: int
    ratings: object = None  # feedback.demo.Summary
    orders: int = 0
    halls: object = None  # demo.halls.Summary
    hotline: object = None  # demo.hotline.Summary

    def __str__(self):
        return (
            f"demo history: {self.demo_cases} cases of the demo accounts in "
            f"{len(self.statuses)} states, {self.background_cases} background cases; "
            f"{self.yellow} yellow and {self.red} red warnings; {self.orders} supervision orders"
            + (f"\n{self.ratings}" if self.ratings else "")
            + (f"\n{self.halls}" if self.halls else "")
            + (f"\n{self.hotline}" if self.hotline else "")
        )


def _version(code: str) -> ItemVersion:
    return ItemVersion.objects.get(item__code=code, status="published")


class _Past:
    """Acts of the demo's people, each on a working day some days back."""

    def __init__(self):
        self.now = timezone.now()
        self.today = timezone.localdate(self.now, calendar.SHANGHAI)
        self.people = {u.username: u for u in User.objects.filter(kind=User.Kind.STAFF)}
        self.people.update(
            {
                u.username: u
                for u in User.objects.filter(username__in=[c[0] for c in accounts.CITIZENS])
            }
        )
        self.enterprise = Enterprise.objects.get(uscc=accounts.ENTERPRISE["uscc"])

    def day(self, ago: int) -> datetime.date:
        if not ago:
            return self.today
        return calendar.add_workdays_checked(self.today, -ago).date

    @contextlib.contextmanager
    def at(self, ago: int, hour: int, minute: int = 0):
        moment = datetime.datetime.combine(
            self.day(ago), datetime.time(hour, minute), tzinfo=calendar.SHANGHAI
        )
        # Today's acts happen before now, never in the future.
        moment = min(moment, self.now - datetime.timedelta(minutes=30))
        with time_machine.travel(moment, tick=True):
            yield

    def __getitem__(self, username: str) -> User:
        return self.people[username]

    # --- the applicant ---------------------------------------------------------------------

    def draft(self, code, who, *, ago, hour=9, enterprise=None, place=None, form=None) -> Case:
        """Start a case; `form` ({"address", "statement"}) fills what prefill left open."""
        with self.at(ago, hour):
            case = cases.start_case(
                _version(code).pk, by=self[who], enterprise=enterprise, place=place
            )
            if form is not None:
                fill_in(case, self[who], seed=case.pk, **form)
        return case

    def provide(self, case, who, *, ago, hour=9, leave=()) -> None:
        """Upload the first required material, bring the others to the window."""
        with self.at(ago, hour):
            missing = case.materials.filter(required=True, state=CaseMaterial.State.MISSING)
            for n, material in enumerate(missing.exclude(name__in=leave).order_by("position")):
                if n == 0:
                    scan = SimpleUploadedFile("扫描件.pdf", PDF, content_type="application/pdf")
                    cases.attach_file(material.pk, by=self[who], uploaded=scan)
                else:
                    cases.provide_at_window(material.pk, by=self[who])

    def file(self, code, who, *, ago, hour=9, leave=(), **options) -> Case:
        """Start, fill in and submit on the same morning."""
        form = {"address": "示例市示范区人民路8号"}
        case = self.draft(code, who, ago=ago, hour=hour, form=form, **options)
        self.provide(case, who, ago=ago, hour=hour, leave=leave)
        with self.at(ago, hour, 30):
            cases.submit(case.pk, by=self[who])
        return case

    # --- the window, the back office, the issuer ----------------------------------------------

    def accept(self, case, *, ago, hour=10, clerk="clerk", tolerated=False) -> None:
        with self.at(ago, hour):
            cases.accept(case.pk, by=self[clerk], tolerated=tolerated)

    def task(self, case) -> ApprovalTask:
        return ApprovalTask.objects.filter(case=case, status__in=OPEN_TASK).earliest("stage", "pk")

    def claim(self, case, who, *, ago, hour=9) -> None:
        with self.at(ago, hour):
            workflow.claim(self.task(case).pk, by=self[who])

    def complete(self, case, who, *, ago, hour=15, decision="approve", opinion="") -> None:
        with self.at(ago, hour):
            workflow.complete(self.task(case).pk, by=self[who], decision=decision, opinion=opinion)

    def child(self, parent, code) -> Case:
        return parent.children.get(item_version__item__code=code)


@functools.cache
def _signature_png() -> bytes:
    """A scribble for the demo's signed hand-overs (the pad stores a PNG like this)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 80), "white")
    ImageDraw.Draw(image).line([(20, 60), (60, 20), (100, 55), (150, 25), (220, 50)], "black", 3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _hand_over(case: Case, issuer, *, agent: str = "") -> None:
    """A delivered demo case has a hand-over record: the applicant, checked by the last
    four digits and signing on the pad; or an agent with the written authorisation."""
    if agent:
        delivery.hand_over(
            case.pk,
            by=issuer,
            collector="agent",
            agent_name=agent,
            authorisation_checked=True,
            id_document="resident_id",
            id_number="11010119900307803X",  # a sample number (GB 11643 check digit)
            confirmation="signature",
            signature=_signature_png(),
        )
        return
    delivery.hand_over(
        case.pk,
        by=issuer,
        collector="applicant",
        id_document="resident_id",
        id_number=case.applicant.reveal_id_number()[-4:],
        confirmation="signature",
        signature=_signature_png(),
    )


def _citizen_cases(p: _Past) -> None:
    zhang = "citizen"
    # A draft started this morning: the form only prefilled, one document uploaded.
    case = p.draft("JYW-GG-0001", zhang, ago=0, hour=8)
    first = case.materials.filter(required=True).order_by("position").first()
    with p.at(0, 8, 10):
        scan = SimpleUploadedFile("户口簿.pdf", PDF, content_type="application/pdf")
        cases.attach_file(first.pk, by=p[zhang], uploaded=scan)

    # Waiting at the window: one filed 4 working days ago (Art. 32 runs out tomorrow), one
    # at the street centre for the street clerk.
    p.file("GAJ-XK-0001", zhang, ago=4, hour=16)
    street = OrgUnit.objects.get(code=STREET_CENTRE)
    p.file("GAJ-GG-0006", zhang, ago=1, hour=11, place=street)

    # 一次性告知: the clerk lists what is missing, once.
    case = p.file("WJW-GG-0003", zhang, ago=3)
    with p.at(2, 10):
        statement = case.materials.get(name="出生医学证明遗失声明")
        cases.request_supplement(
            case.pk,
            by=p["clerk"],
            items=[
                {"material": statement.pk, "reason": "遗失声明未由申请人签字，请签字后重新上传。"}
            ],
        )

    # 不予受理, with the reason in the decision letter.
    case = p.file("GAJ-GG-0003", zhang, ago=30)
    with p.at(29, 10):
        cases.refuse(
            case.pk,
            by=p["clerk"],
            reason="申请人户籍不在本区，居民身份证补领应向户籍所在地公安机关申请。",
        )

    # Withdrawn by the applicant before acceptance.
    case = p.file("GAJ-XK-0003", zhang, ago=15)
    with p.at(14, 20):
        cases.withdraw(case.pk, by=p[zhang], reason="犬只已送回老家饲养，暂不办理。")

    _restaurant_bundle(p)

    # In review: the approver has claimed 审查 this morning.
    case = p.file("SCJ-XK-0015", zhang, ago=2)
    p.accept(case, ago=1)
    p.claim(case, "approver", ago=0)

    # Reviewed yesterday; the chief decides (promised in 1 working day: yellow today).
    case = p.file("SCJ-XK-0001", zhang, ago=2, hour=14)
    p.accept(case, ago=1, hour=9)
    p.complete(case, "approver", ago=1, hour=16, opinion="材料齐全，符合设立条件。")

    # 特别程序: 现场核查 of the workshop, clock stopped for about 5 working days.
    case = p.file("SCJ-XK-0012", zhang, ago=6)
    p.accept(case, ago=5)
    p.complete(case, "approver", ago=4)
    p.claim(case, "approver", ago=3)
    with p.at(3, 11):
        clocks.suspend(
            case.pk,
            by=p["approver"],
            kind=SuspensionKind.INSPECTION,
            reason="委托检验机构对加工场所及设备进行现场核查。",
            expected_workdays=5,
        )

    # Overdue under review, and an extension (Art. 42) waiting for the chief.
    case = p.file("SCJ-XK-0008", zhang, ago=9)
    p.accept(case, ago=8)
    p.complete(case, "approver", ago=7)
    p.claim(case, "approver", ago=6)
    with p.at(2, 15):
        clocks.request_extension(
            case.pk,
            by=p["approver"],
            reason="现场核查发现操作流程布局需整改，整改后复查，申请延期。",
        )

    # Approved; the licence waits at the issuer's window.
    case = p.file("WJW-XK-0004", zhang, ago=12)
    p.accept(case, ago=11)
    p.complete(case, "approver2", ago=9)
    p.complete(case, "head-wjw", ago=8)

    # Approved and mailed: mail chosen at submission, shipped by the issuer.
    case = p.file("GHZ-QR-0004", zhang, ago=20)
    with p.at(20, 9, 40):
        delivery.choose_delivery(
            case.pk,
            by=p[zhang],
            method="mail",
            recipient="张三",
            phone="13800000001",
            address="示例市示范区人民路8号3单元502室",
        )
    p.accept(case, ago=19)
    p.complete(case, "reviewer-ghz", ago=17)
    p.complete(case, "head-ghz", ago=16)
    with p.at(15, 10):
        delivery.ship(case.pk, by=p["issuer"])

    # 不予许可, with reasons.
    case = p.file("SFJ-GG-0001", zhang, ago=25)
    p.accept(case, ago=24)
    p.complete(case, "reviewer-sfj", ago=23, opinion="已核对家庭经济状况材料。")
    p.complete(
        case,
        "head-sfj",
        ago=22,
        decision="deny",
        opinion="经审查，申请人家庭人均月收入高于本区法律援助经济困难标准，且所涉事项不属于"
        "法律援助范围，不予法律援助。",
    )

    # 容缺受理: accepted with the lease to follow, approved with tolerance, picked up.
    case = p.file("ZWJ-GG-0003", zhang, ago=35, leave=["住所（经营场所）使用证明"])
    p.accept(case, ago=34, tolerated=True)
    p.complete(case, "reviewer-zwj", ago=34, hour=16)
    p.complete(case, "head-zwj", ago=33)
    with p.at(30, 14):
        _hand_over(case, p["issuer"])

    # An older case, long done: a certificate of no criminal record.
    case = p.file("GAJ-GG-0009", zhang, ago=60)
    p.accept(case, ago=60, hour=11)
    p.complete(case, "reviewer-gaj", ago=59)
    p.complete(case, "head-gaj", ago=59, hour=16)
    with p.at(57, 10):
        _hand_over(case, p["issuer"], agent="张小明")


def _restaurant_bundle(p: _Past) -> None:
    """开办餐饮店一件事 mid-journey: the 个体工商户 licence granted, then the three parallel
    items pushed together — 食品经营许可 granted, 招牌 under review, 消防 at 现场检查."""
    with p.at(5, 9):
        parent = cases.start_bundle_case("YJS-0001", by=p["citizen"])
        fill_in(
            parent,
            p["citizen"],
            seed=parent.pk,
            address="示例市示范区人民路8号",
            statement="开办“张记面馆”，店面约80平方米。",
        )
    p.provide(parent, "citizen", ago=5)
    with p.at(5, 9, 30):
        cases.submit(parent.pk, by=p["citizen"])
    p.accept(parent, ago=4, hour=9)
    main = p.child(parent, "SCJ-XK-0005")  # promised the same day
    p.complete(main, "approver", ago=4, hour=11)
    p.complete(main, "chief", ago=4, hour=16)
    food = p.child(parent, "SCJ-XK-0008")
    p.complete(food, "approver", ago=3)
    p.complete(food, "approver", ago=2, opinion="现场核查符合要求。")
    p.complete(food, "chief", ago=1)
    p.complete(p.child(parent, "XFJ-XK-0001"), "reviewer-xfj", ago=1)
    p.claim(p.child(parent, "CGW-XK-0001"), "reviewer-cgw", ago=0)


def _enterprise_cases(p: _Past) -> None:
    company, enterprise = "company", p.enterprise
    # Long done: the change of registration, collected at the window.
    case = p.file("SCJ-XK-0002", company, ago=40, enterprise=enterprise)
    p.accept(case, ago=39)
    p.complete(case, "approver", ago=39, hour=16)
    p.complete(case, "chief", ago=38)
    with p.at(36, 10):
        _hand_over(case, p["issuer"])
    # 容缺受理 with the hygiene test report to follow; 现场勘验 next (yellow today).
    case = p.file(
        "WJW-XK-0003", company, ago=5, enterprise=enterprise, leave=["公共场所卫生检测报告"]
    )
    p.accept(case, ago=4, tolerated=True)
    p.complete(case, "approver2", ago=3)
    # Filed this morning.
    p.file("SCJ-XK-0013", company, ago=0, enterprise=enterprise)


def _citizen2_cases(p: _Past) -> None:
    li = "citizen2"
    # 新生儿出生一件事: the birth certificate under review; the other items wait (accepted).
    with p.at(1, 15):
        parent = cases.start_bundle_case("YJS-0003", by=p[li])
        fill_in(parent, p[li], seed=parent.pk, address="示例市示范区建设路21号")
    p.provide(parent, li, ago=1, hour=15)
    with p.at(1, 15, 30):
        cases.submit(parent.pk, by=p[li])
    p.accept(parent, ago=0, hour=9)
    # The street centre's one-time notice.
    street = OrgUnit.objects.get(code=STREET_CENTRE)
    case = p.file("SCJ-XK-0006", li, ago=2, place=street)
    with p.at(1, 10):
        form = case.materials.get(name="个体工商户登记（备案）申请书")
        cases.request_supplement(
            case.pk,
            by=p["street-clerk"],
            items=[
                {
                    "material": form.pk,
                    "reason": "申请书缺少经营者签字，变更后的经营范围填写不完整。",
                }
            ],
        )
    # Overdue: 失业保险金 promised in 1 working day, still waiting for review (red).
    case = p.file("RSJ-JF-0001", li, ago=5)
    p.accept(case, ago=4)


def load_history(*, background: int = BACKGROUND_CASES) -> Summary | None:
    """Give the demo district its past; None when it already has one."""
    citizen = User.objects.get(username="citizen")
    if Case.objects.filter(applicant=citizen).exists():
        return None
    p = _Past()
    _citizen_cases(p)
    _enterprise_cases(p)
    _citizen2_cases(p)
    demo = Case.objects.filter(applicant__username__in=[c[0] for c in accounts.CITIZENS])
    statuses = Counter(demo.values_list("status", flat=True))
    demo_cases = demo.filter(parent__isnull=True).count()
    if background:
        call_command(
            "seed_cases",
            background,
            "--citizens",
            str(BACKGROUND_CITIZENS),
            "--seed",
            str(SEED),
            stdout=io.StringIO(),
        )
    from yiwang.feedback.demo import load_ratings  # 好差评 on the concluded cases

    ratings = load_ratings()
    clocks.refresh_warnings()
    cases.tell_overdue()  # the overdue cases' applicants have had their apology
    warned = Counter(Case.objects.exclude(warning="").values_list("warning", flat=True))
    from yiwang.supervision.order_demo import load_orders  # 督办单 on warned cases

    orders = load_orders()
    from .halls import load_halls  # the halls at work: queues, 60 days of figures, ratings

    hall_summary = load_halls()
    if hall_summary is not None:  # and the coming week's appointments, the past weeks' too
        from .halls import load_appointments

        hall_summary.appointments = load_appointments()
    from .hotline import load_hotline  # the 12345 line: 180 appeals, articles, hotspots

    hotline_summary = load_hotline()
    # Keep this last: the dashboard and ranking count everything above (the job keeps
    # them current from here on).
    from yiwang.supervision import rollups

    rollups.rebuild()
    return Summary(
        demo_cases=demo_cases,
        background_cases=background,
        statuses=statuses,
        yellow=warned[Warning.YELLOW],
        red=warned[Warning.RED],
        ratings=ratings,
        orders=len(orders),
        halls=hall_summary,
        hotline=hotline_summary,
    )

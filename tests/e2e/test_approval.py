"""What the back office clicks (issue: back-office approval): the citizen applies for the
开办餐饮店一件事 bundle, the clerk accepts, the main item 个体工商户设立登记 is reviewed by
`approver` and decided by `chief`, the three parallel items are pushed at once to 市场监管局,
城管委 and 消防救援支队 and approved in an order different from the listing, each concluded
by its department's head, the issuer hands the results over, and the citizen sees every
result in one timeline. axe on every page, screenshots at 1280 and 360."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in
from .test_apply_and_intake import upload_everything

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUNDLE = "YJS-0001"  # 开办餐饮店一件事
MAIN = "SCJ-XK-0005"  # 个体工商户设立登记
# The listing order is SCJ-XK-0008, CGW-XK-0001, XFJ-XK-0001; they finish the other way round.
PARALLEL_ORDER = [
    ("XFJ-XK-0001", "reviewer-xfj", "head-xfj"),
    ("CGW-XK-0001", "reviewer-cgw", "head-cgw"),
    ("SCJ-XK-0008", "approver", "chief"),
]


class Desk:
    """One member of staff at their own browser (logged in once)."""

    def __init__(self, browser, base, username):
        self.context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.errors = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.base = base
        log_in(self.page, base, username)

    def close(self):
        self.context.close()
        assert self.errors == [], f"browser console errors: {self.errors}"


def open_tasks(case, role):
    from yiwang.journey.workflow.models import ApprovalTask

    return list(ApprovalTask.objects.filter(case=case, role=role, status__in=["pending", "active"]))


def decide_in_inbox(desk, case, *, check=None, shot=None):
    """Open the inbox, find the case's task, approve it; `check(page)` runs on the pages."""
    page = desk.page
    page.goto(f"{desk.base}/workbench/tasks/")
    row = page.locator("table.task-table tbody tr").filter(has_text=case.number)
    expect(row).to_have_count(1)
    if check:
        check(page)
        shot and shot(page, "inbox")
    row.get_by_role("link").first.click()
    assert case.number in page.locator("header.case-head").inner_text()
    if check:
        check(page)
        shot and shot(page, "task")
    page.get_by_label("准予（同意）").check()
    page.get_by_label("意见内容").fill("经审查，符合条件。")
    page.get_by_role("button", name="提交办理意见").click()
    assert "已办理" in page.locator(".flash-list").inner_text()


def test_bundle_approved_by_four_departments_and_delivered(
    live_server, demo_district, browser, page, narrow_page, accessible, screenshot, tmp_path
):
    from yiwang.demo.forms import fill_in
    from yiwang.journey.cases.models import Case, Status
    from yiwang.journey.workflow.models import ApprovalTask, ResultDelivery

    base = live_server.url

    # The citizen applies online.
    log_in(page, base, "citizen")
    page.goto(f"{base}/bundles/{BUNDLE}/")
    page.get_by_role("link", name="在线办理一件事").click()
    page.get_by_role("button", name="开始填写申请").click()
    case = Case.objects.get(parent__isnull=True)
    # One form (一表申请): a field several items ask is asked once, identity data comes
    # prefilled with its source, and the credit code the first item's licence will carry
    # is not asked at all.
    form = page.locator("main form").first
    assert form.locator('[name="premises_address-detail"]').count() == 1
    assert form.locator('[name="uscc"]').count() == 0
    assert "来自实名认证" in form.inner_text()
    # The one form as the applicant would fill it (tests/e2e/test_item_form.py types one).
    fill_in(case, case.applicant, address="示范区人民路1号", statement="申请开办餐饮店。")
    case.refresh_from_db()
    shop = case.form_data["ent_name"]
    page.reload()
    page.get_by_role("button", name="保存，下一步：上传材料").click()
    # The 营业执照 is what the first item produces: never asked of the applicant.
    produced = page.locator("li").filter(has_text="由本一件事前序事项产生")
    expect(produced.first).to_be_visible()
    assert "营业执照" in produced.first.inner_text()
    assert produced.first.locator('input[type="file"]').count() == 0
    upload_everything(page, tmp_path)
    page.get_by_role("link", name="下一步：确认并提交").click()
    page.get_by_role("button", name="提交申请").click()
    assert page.locator("h1").inner_text() == "申请已提交"
    case.refresh_from_db()
    children = {c.item_version.item.code: c for c in case.children.all()}

    # The clerk accepts at the comprehensive window: approval starts with the main item.
    clerk = Desk(browser, base, "clerk")
    clerk.page.goto(f"{base}/workbench/intake/{case.pk}/")
    assert shop in clerk.page.locator("main").inner_text()  # the clerk reads the form
    clerk.page.get_by_role("button", name="受理", exact=True).click()
    assert "已受理。" in clerk.page.locator(".flash-list").inner_text()
    clerk.close()
    main = children[MAIN]
    assert [t.name for t in open_tasks(main, "approver")] == ["审查"]

    def shots(prefix):
        def take(p, name):
            screenshot(p, f"approval-{prefix}-{name}-1280")

        return take

    # 个体工商户设立登记: reviewed by approver, decided by chief.
    desks = {name: Desk(browser, base, name) for name in ["approver", "chief"]}
    decide_in_inbox(desks["approver"], main, check=accessible, shot=shots("approver"))
    decide_in_inbox(desks["chief"], main, check=accessible, shot=shots("chief"))
    main.refresh_from_db()
    assert main.status == Status.APPROVED

    # The three parallel items are pushed at once.
    pushed = ApprovalTask.objects.filter(case__parent=case, status="pending")
    assert sorted(t.org.code for t in pushed) == ["990101-CGW", "990101-SCJ", "990101-XFJ"]
    chief = desks["chief"].page
    chief.goto(f"{base}/workbench/tasks/department/")
    assert children["SCJ-XK-0008"].number in chief.locator("main").inner_text()
    accessible(chief)
    screenshot(chief, "approval-department-1280")

    for code, reviewer, head in PARALLEL_ORDER:
        item = children[code]
        for name in (reviewer, head):
            desks.setdefault(name, Desk(browser, base, name))
        first = True
        while True:
            item.refresh_from_db()
            reviewer_tasks = open_tasks(item, "approver")
            head_tasks = open_tasks(item, "chief")
            if not (reviewer_tasks or head_tasks):
                break
            desk = desks[reviewer] if reviewer_tasks else desks[head]

            def reads_the_form(p, first=first):
                if "/workbench/tasks/" in p.url and p.url.rstrip("/")[-1].isdigit():
                    assert shop in p.locator("main").inner_text()  # the department sees it
                if first:
                    accessible(p)

            decide_in_inbox(desk, item, check=reads_the_form)
            first = False
        item.refresh_from_db()
        assert item.status == Status.APPROVED, code
        # The journey concludes once, with its last item.
        case.refresh_from_db()
        assert (case.status == Status.APPROVED) == (code == PARALLEL_ORDER[-1][0])

    case.refresh_from_db()
    assert case.status == Status.APPROVED
    approver = desks["approver"].page
    approver.goto(f"{base}/workbench/cases/{case.pk}/")
    # Every approval stage is done; nothing is current on a concluded journey: each item's
    # result stage (制证 / 送达) waits for the hand-over.
    expect(approver.locator(".process-stage-current")).to_have_count(0)
    ready = approver.locator(".process-stage-ready .process-name").all_inner_texts()
    assert len(ready) == 4 and not {"审查", "决定"} & set(ready)
    accessible(approver)
    screenshot(approver, "approval-case-1280")
    for desk in desks.values():
        desk.close()

    # The issuer hands everything over at the window.
    issuer = Desk(browser, base, "issuer")
    issuer.page.goto(f"{base}/workbench/results/")
    row = issuer.page.locator("li.result-row").filter(has_text=case.number)
    expect(row.get_by_role("link", name="决定书(PDF)")).to_have_count(4)
    accessible(issuer.page)
    screenshot(issuer.page, "approval-results-1280")
    row.get_by_role("link", name="办理领取").click()
    # The applicant comes in person: last four digits, then the code texted to them.
    screen = issuer.page
    screen.get_by_label("申请人本人").check()
    screen.get_by_role("button", name="发送验证码到申请人手机").click()
    assert "验证码已发送" in screen.get_by_role("status").inner_text()
    screen.get_by_label("证件号码").fill(case.applicant.reveal_id_number()[-4:])
    from yiwang.notify.models import Message

    sms = Message.objects.filter(channel="sms", recipient=case.applicant).latest("pk")
    screen.get_by_role("textbox", name="短信验证码").fill(
        re.search(r"验证码 (\d{6})", sms.body).group(1)
    )
    screen.get_by_role("button", name="确认交付").click()
    assert "已交付" in issuer.page.locator(".flash-list").inner_text()
    assert ResultDelivery.objects.get(case=case).status == "delivered"
    issuer.close()

    # The citizen sees every result in one timeline.
    page.goto(f"{base}/my/cases/{case.pk}/")
    result = page.get_by_role("region", name="办理结果")
    expect(result.get_by_role("link", name="下载准予许可决定书")).to_have_count(4)
    assert "已于" in result.inner_text() and "在窗口领取" in result.inner_text()
    timeline = page.locator("ol.journey-timeline").inner_text()
    for department in ["市场监督管理局", "城市管理", "消防救援"]:
        assert department in timeline
    assert timeline.count("部门已办理") >= 8  # every stage of the four items
    accessible(page)
    screenshot(page, "approval-my-case-1280")
    page.goto(f"{base}/my/cases/")
    assert "办理结果已在窗口领取" in page.locator("main").inner_text()

    # All four results are drafted for the citizen, filled from the form; the issuing
    # side only confirms them, and they are in the wallet.
    from yiwang.identity.models import User
    from yiwang.licenses import services as licenses
    from yiwang.licenses.models import License

    drafts = list(License.objects.filter(case__parent=case).select_related("license_type"))
    assert sorted(d.license_type.code for d in drafts) == [
        "L-GTYYZZ", "L-HWGGSZXK", "L-SPJYXKZ", "L-XFAQJC",
    ]  # fmt: skip
    for draft in drafts:
        assert draft.holder_person == case.applicant
        assert shop in draft.data.values(), draft.license_type.code
        head = {"990101-SCJ": "chief", "990101-CGW": "head-cgw", "990101-XFJ": "head-xfj"}
        licenses.confirm(draft.pk, by=User.objects.get(username=head[draft.issuer.code]))
    page.goto(f"{base}/my/licenses/")
    wallet = page.locator("main").inner_text()
    for name in [
        "个体工商户营业执照",
        "食品经营许可证",
        "户外招牌设置许可决定书",
        "消防安全检查合格证",
    ]:
        assert name in wallet

    # Phone width.
    log_in(narrow_page, base, "citizen")
    narrow_page.goto(f"{base}/my/cases/{case.pk}/")
    accessible(narrow_page)
    screenshot(narrow_page, "approval-my-case-360")
    narrow = browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 740}, device_scale_factor=2
    )
    staff = narrow.new_page()
    log_in(staff, base, "approver")
    for url, name in [
        ("/workbench/tasks/?status=done", "approval-inbox-360"),
        (
            f"/workbench/tasks/{ApprovalTask.objects.filter(case=main).first().pk}/",
            "approval-task-360",
        ),
        (f"/workbench/cases/{case.pk}/", "approval-case-360"),
    ]:
        staff.goto(f"{base}{url}")
        accessible(staff)
        screenshot(staff, name)
    narrow.close()

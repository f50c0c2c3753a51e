"""What 好差评 clicks (issue 7): a case of 市场监管局 concludes; the citizen opens the rating
link from the notification on a phone, without logging in, and gives 不满意 with a reason;
the department's chief finds the rectification and responds; the supervisor verifies it
and records the return call; the rectification shows 已办结. axe on every page; the rating
page is photographed on a phone, at 200 % zoom and in elderly mode (under /tmp)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import log_in, open_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/ywfeedback-shots")
MAIN = "SCJ-XK-0005"  # 个体工商户设立登记, 市场监管局 (990101-SCJ)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def district(transactional_db):
    """The demo's people and the 开办餐饮店一件事 part of the catalogue (fast)."""
    from tests.dbcache import rows_of
    from tests.journey.workflow.conftest import bundle_sheets
    from yiwang.catalog import exchange
    from yiwang.demo.loader import load_demo

    rows_of("demo", lambda: load_demo(catalog=False))
    rows_of("workflow.catalog", lambda: exchange.import_sheets(bundle_sheets()))


def concluded_case():
    """个体工商户设立登记 filed by 张三, accepted, approved by approver and chief."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yiwang.catalog.models import ItemVersion
    from yiwang.demo.forms import fill_in
    from yiwang.identity.models import User
    from yiwang.journey.cases import services as cases
    from yiwang.journey.workflow import services as workflow
    from yiwang.journey.workflow.models import OPEN_TASK, ApprovalTask

    citizen = User.objects.get(username="citizen")
    version = ItemVersion.objects.get(item__code=MAIN, status="published")
    case = cases.start_case(version.pk, by=citizen)
    fill_in(case, citizen)
    for material in case.materials.exclude(state__in=cases.NOT_ASKED):
        scan = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
        cases.attach_file(material.pk, by=citizen, uploaded=scan)
    cases.submit(case.pk, by=citizen)
    cases.accept(case.pk, by=User.objects.get(username="clerk"))
    while task := ApprovalTask.objects.filter(case=case, status__in=OPEN_TASK).first():
        handler = User.objects.get(username="chief" if task.role == "chief" else "approver")
        workflow.complete(task.pk, by=handler, decision="approve")
    case.refresh_from_db()
    return case


class Desk:
    """One member of staff at their own browser (logged in once)."""

    def __init__(self, browser, base, username):
        self.context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.errors = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        log_in(self.page, base, username)

    def close(self):
        self.context.close()
        assert self.errors == [], f"browser console errors: {self.errors}"


def shoot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_bad_rating_is_rectified_verified_and_called_back(
    live_server, district, browser, narrow_page, accessible
):
    from yiwang.feedback.models import Rectification
    from yiwang.notify.models import Message

    base = live_server.url
    case = concluded_case()
    assert case.status == "approved" and case.department.code == "990101-SCJ"

    # The conclusion SMS carries the rating link; the citizen opens it on a phone.
    sms = Message.objects.get(channel="sms", recipient=case.applicant, body__contains="已办结")
    link = re.search(r"请对本次服务作出评价：\S+?(/rate/\S+?/)", sms.body).group(1)
    phone = narrow_page
    phone.goto(base + link)
    assert phone.locator("h1").inner_text() == "评价这次服务"
    assert "登录" in phone.locator("header.site-header").text_content()  # nobody is logged in
    levels = phone.get_by_role("group", name="您对这次服务满意吗？")
    assert [levels.get_by_role("radio").nth(i).get_attribute("value") for i in range(5)] == [
        "5",
        "4",
        "3",
        "2",
        "1",
    ]
    accessible(phone)
    shoot(phone, "rate-phone")
    phone.screenshot(path=str(SHOTS / "rate-phone-screen.png"))

    levels.get_by_role("radio", name="不满意", exact=True).check()
    phone.get_by_role("group", name="哪里不满意？").get_by_label("办事指南精确度").check()
    phone.get_by_label("您的意见和建议").fill(
        "办事指南上的材料清单和窗口要求的不一致，多跑了一趟。"
    )
    phone.get_by_role("button", name="提交评价").click()
    assert phone.locator("h1").inner_text() == "感谢您的评价"
    assert "电话回访您" in phone.locator("main").inner_text()
    accessible(phone)
    shoot(phone, "rate-phone-thanks")
    rectification = Rectification.objects.get()
    assert rectification.evaluation.via_link and rectification.status == "open"

    # The link is spent (a 409 page: in a context of its own, it logs a console error).
    spent = browser.new_context(locale="zh-CN")
    again = spent.new_page()
    again.goto(base + link)
    assert again.locator("h1").inner_text() == "这个办件已经评价过了"
    spent.close()

    # 市场监管局's chief responds.
    chief = Desk(browser, base, "chief")
    page = chief.page
    page.goto(f"{base}/workbench/")
    page.get_by_role("link", name="差评整改（核实情况、整改反馈、回访）").click()
    row = page.locator("table.rectification-table tbody tr").filter(has_text=case.number)
    assert "剩余5个工作日" in row.inner_text()
    accessible(page)
    shoot(page, "rectifications-chief-1280")
    row.get_by_role("link", name=case.number).click()
    assert "多跑了一趟" in page.locator("main").inner_text()
    accessible(page)
    page.get_by_label("核实情况").fill("经核实，办事指南材料清单未及时更新，情况属实。")
    page.get_by_label("整改措施").fill("已更新办事指南，并对窗口人员进行培训。")
    page.get_by_role("button", name="提交整改反馈").click()
    assert "整改情况已反馈" in page.locator(".flash-list").inner_text()
    assert page.locator("#rectification-status").inner_text() == "待核实"
    chief.close()

    # The supervisor verifies and records the return call.
    supervisor = Desk(browser, base, "supervisor")
    page = supervisor.page
    page.goto(f"{base}/workbench/rectifications/")
    page.locator("table.rectification-table").get_by_role("link", name=case.number).click()
    page.get_by_label("整改到位，通过核实").check()
    page.get_by_role("button", name="提交核实结论").click()
    assert "已通过核实" in page.locator(".flash-list").inner_text()
    assert "13800000001" in page.locator("main").inner_text()  # the number to call
    accessible(page)
    shoot(page, "rectification-callback-1280")
    page.get_by_label("已联系上").check()
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("回访记录").fill("群众对整改表示满意。")
    page.get_by_role("button", name="记录回访并办结").click()
    assert "整改已办结" in page.locator(".flash-list").inner_text()
    assert page.locator("#rectification-status").inner_text() == "已办结"
    history = page.locator("main").inner_text()
    assert "部门反馈整改情况" in history and "回访群众，整改办结" in history
    accessible(page)
    shoot(page, "rectification-closed-1280")
    supervisor.close()

    rectification.refresh_from_db()
    assert rectification.status == "closed" and rectification.callback_satisfied


def test_the_rating_page_reads_at_200_percent_and_in_elderly_mode(
    live_server, district, browser, accessible
):
    from yiwang.feedback import services
    from yiwang.feedback.models import Evaluation

    case = concluded_case()
    # On a desktop, from the case page: the call to action, then the five tiles in a row.
    desk = Desk(browser, live_server.url, "citizen")
    desk.page.goto(f"{live_server.url}/my/cases/{case.pk}/")
    desk.page.get_by_role("link", name="评价这次服务").click()
    assert desk.page.locator("h1").inner_text() == "评价这次服务"
    tiles = desk.page.locator(".rate-tile")
    assert len({round(tiles.nth(i).bounding_box()["y"]) for i in range(5)}) == 1
    accessible(desk.page)
    shoot(desk.page, "rate-1280")
    desk.close()
    # 200 % zoom of a 1280-pixel window: a 640-pixel layout at twice the pixels.
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 640, "height": 900}, device_scale_factor=2
    )
    page = context.new_page()
    page.goto(live_server.url + services.rating_path(case))
    tiles = page.locator(".rate-tile")
    expect(tiles).to_have_count(5)
    for i in range(5):
        box = tiles.nth(i).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44  # large targets
    shoot(page, "rate-zoom200")
    # Too little: the page says what is missing (400), nothing is saved.
    page.get_by_role("radio", name="不满意", exact=True).check()
    page.get_by_role("button", name="提交评价").click()
    summary = page.locator(".error-summary").inner_text()
    assert "还有几项没有填好" in summary and "请选择不满意的原因或写下意见" in summary
    expect(page.get_by_role("radio", name="不满意", exact=True)).to_be_checked()  # kept
    shoot(page, "rate-zoom200-errors")
    open_menu(page)
    page.get_by_role("button", name="适老模式（大字）").click()
    assert "elderly" in page.locator("body").get_attribute("class")
    accessible(page)
    shoot(page, "rate-elderly")
    context.close()
    assert not Evaluation.objects.exists()


def test_the_rating_is_one_question_on_one_screen_with_reasons_only_when_unhappy(
    live_server, district, browser, accessible
):
    from yiwang.feedback.models import Charge, Evaluation

    case = concluded_case()
    desk = Desk(browser, live_server.url, "citizen")
    page = desk.page
    page.goto(f"{live_server.url}/my/cases/{case.pk}/rate/")
    form = page.locator("form.rate-form")
    expect(form.get_by_role("radio")).to_have_count(5)  # one question, five levels
    expect(form.get_by_role("group")).to_have_count(1)  # the reasons come only when unhappy
    reasons = page.get_by_role("group", name="哪里不满意？")
    expect(reasons).to_be_hidden()
    submit = page.get_by_role("button", name="提交评价")
    for level, shown in [
        ("满意", False),
        ("不满意", True),
        ("基本满意", False),
        ("非常不满意", True),
    ]:
        page.get_by_role("radio", name=level, exact=True).check()
        expect(reasons).to_be_visible() if shown else expect(reasons).to_be_hidden()
        # Everything, the button included, on the first screen of a 1280 × 900 window.
        assert submit.bounding_box()["y"] + submit.bounding_box()["height"] <= 900, level
    reasons.get_by_label("办事效率").check()
    reasons.get_by_label("其他").check()
    accessible(page)
    shoot(page, "rate-one-screen-1280")
    submit.click()
    assert page.locator("h1").inner_text() == "感谢您的评价"
    evaluation = Evaluation.objects.get()
    assert (evaluation.level, evaluation.reasons) == (1, ["efficiency", "other"])
    assert Charge.objects.filter(evaluation=evaluation, case=case).exists()
    desk.close()

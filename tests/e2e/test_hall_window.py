"""What the hall's staff click (issue 20, items 1 and 4): window staff sign in at a window,
call the next number with the keyboard, start and finish the service; the hall manager adds
a category and a window on the settings page and sees who staffs which window. axe on both
pages."""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
# An ordinary Monday morning: the district centre is open (周一至周五 9:00-12:00 …).
OPEN_MONDAY = datetime.datetime(2025, 3, 3, 10, 0, tzinfo=SHANGHAI)
CENTRE = "990101-ZWZX"


@pytest.fixture
def district(transactional_db):
    """The demo's orgs and people (no catalogue: fast)."""
    from tests.dbcache import rows_of
    from yiwang.demo.loader import load_demo

    rows_of("demo", lambda: load_demo(catalog=False))


@pytest.fixture
def monday():
    """The clock at 10:00 on an ordinary Monday, ticking — for the live server too, which
    runs in this process."""
    with time_machine.travel(OPEN_MONDAY, tick=True):
        yield


@pytest.fixture
def open_hall(district, monday):
    """The centre's hall with 市场准入 (A) and 社会保障 (B), comprehensive window 1, a window
    staff member `window-e2e`, and two numbers waiting in A."""
    from yiwang.halls import services
    from yiwang.halls.models import Hall, ServiceCategory, TicketChannel, Window, WindowKind
    from yiwang.identity.models import OrgUnit, RoleGrant, User
    from yiwang.identity.roles import Role

    services.sync_halls()
    hall = Hall.objects.get(org__code=CENTRE)
    market = ServiceCategory.objects.create(hall=hall, letter="A", name="市场准入")
    ServiceCategory.objects.create(hall=hall, letter="B", name="社会保障", position=1)
    Window.objects.create(hall=hall, number=1, kind=WindowKind.COMPREHENSIVE)
    clerk = User.objects.create_user(
        "window-e2e", password="yiwang-demo", real_name="窗口甲", kind=User.Kind.STAFF
    )
    RoleGrant.objects.create(
        user=clerk, role=Role.WINDOW_STAFF, org=OrgUnit.objects.get(code=CENTRE)
    )
    for _ in range(2):
        services.take_ticket(hall, market, channel=TicketChannel.KIOSK)
    return hall


@pytest.mark.usefixtures("open_hall")
def test_window_staff_call_serve_and_finish_then_the_manager_adds_a_category_and_a_window(
    live_server, browser, page, accessible, screenshot
):
    base = live_server.url

    # --- the window -------------------------------------------------------------------------
    log_in(page, base, "window-e2e")
    page.goto(f"{base}/workbench/")
    page.get_by_role("navigation", name="工作台导航").get_by_role("link", name="窗口叫号").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("窗口叫号")
    page.get_by_role("button", name="在1号窗口签到开窗").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("1号窗口")
    expect(page.locator(".window-status").first).to_have_text("服务中")
    queue = page.locator("#window-queue")
    expect(queue).to_contain_text("本窗口可叫：2人")

    page.keyboard.press("n")  # the shortcut for 叫号
    number = page.get_by_test_id("current-number")
    expect(number).to_have_text("A001")
    expect(page.locator(".window-ticket-status")).to_have_text("已叫号")
    expect(queue).to_contain_text("A002")
    accessible(page)
    screenshot(page, "hall-window-called")

    page.get_by_role("button", name="开始办理").click()
    expect(page.locator(".window-ticket-status")).to_have_text("办理中")
    page.get_by_role("button", name="办结").click()
    expect(page.get_by_text("A001已办结。")).to_be_visible()
    expect(page.locator(".window-number")).to_have_text("—")
    expect(page.get_by_role("button", name="叫号")).to_be_enabled()

    # --- the manager ------------------------------------------------------------------------
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    desk = context.new_page()
    desk.set_default_timeout(10_000)
    log_in(desk, base, "hall-manager")
    desk.goto(f"{base}/workbench/")
    desk.get_by_role("navigation", name="工作台导航").get_by_role("link", name="大厅设置").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("大厅设置")
    staffing = desk.locator("#hall-staffing")
    expect(staffing.get_by_role("row", name="1号窗口")).to_contain_text("窗口甲")

    desk.locator("summary", has_text="新增业务类别").click()
    desk.locator("#id_cnew-letter").fill("D")
    desk.locator("#id_cnew-name").fill("公积金")
    desk.locator("#id_cnew-default_minutes").fill("8")
    desk.get_by_role("button", name="新增类别").click()
    expect(desk.get_by_text("业务类别“D 公积金”已保存。")).to_be_visible()

    summary = desk.locator("summary", has_text="新增窗口")
    summary.click()
    adding = desk.locator("details", has=summary)
    expect(adding.locator("#id_wnew-number")).to_have_value("2")
    adding.get_by_label("专窗").check()
    adding.get_by_label("D 公积金").check()
    adding.get_by_role("button", name="新增窗口").click()
    expect(desk.get_by_text("2号窗口已保存。")).to_be_visible()
    expect(desk.locator("#windows tbody")).to_contain_text("D 公积金")
    accessible(desk)
    screenshot(desk, "hall-settings")
    context.close()


@pytest.mark.usefixtures("open_hall")
def test_window_staff_confirm_a_lane_for_a_waiting_number(
    live_server, page, accessible, screenshot
):
    from yiwang.halls.models import Lane, Ticket

    base = live_server.url
    log_in(page, base, "window-e2e")
    page.goto(f"{base}/workbench/window/")
    page.get_by_role("button", name="在1号窗口签到开窗").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("1号窗口")

    # A002 waits behind A001; staff saw her pregnancy record and move it to that lane.
    page.locator("summary", has_text="核实优先（孕妇、军人、残疾人）").click()
    page.get_by_label("号码", exact=True).fill("A002")
    page.get_by_role("button", name="孕妇").click()
    expect(page.get_by_text("A002已改走“孕妇”优先通道（工作人员核实）。")).to_be_visible()
    expect(page.locator("#window-queue .window-upcoming li").first).to_contain_text("A002")
    accessible(page)

    page.keyboard.press("n")
    expect(page.get_by_test_id("current-number")).to_have_text("A002")
    expect(page.locator(".window-ticket")).to_contain_text("工作人员核实：孕妇")
    page.locator("summary", has_text="代群众取号").click()
    screenshot(page, "hall-window-lanes")
    assert Ticket.objects.get(number="A002").lane == Lane.PREGNANT

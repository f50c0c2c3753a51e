"""What 预约 clicks (issue 20): 张三, on a phone, opens the guide of 个体工商户设立登记, taps
"预约办理", picks a day and a time, confirms, and finds the appointment with its code and
QR in "我的预约"; then moves it to another time and cancels it. axe on every step; the
pages are photographed on the phone (test-artifacts/)."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in, open_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ITEM = "SCJ-XK-0005"  # 个体工商户设立登记, 支持预约
CENTRE = "990101-ZWZX"


@pytest.fixture
def bookable(demo_district):
    """The district centre's hall with 市场准入 (A) booking the item, two windows, and two
    weeks ahead to book (whatever holiday today is near)."""
    from yiwang.catalog.models import ServiceItem
    from yiwang.halls import services
    from yiwang.halls.models import Hall, ServiceCategory, Window, WindowKind

    services.sync_halls()
    hall = Hall.objects.get(org__code=CENTRE)
    hall.booking_horizon_days = 14
    hall.save(update_fields=["booking_horizon_days"])
    category = ServiceCategory.objects.create(hall=hall, letter="A", name="市场准入")
    category.items.add(ServiceItem.objects.get(code=ITEM))
    Window.objects.create(hall=hall, number=1, kind=WindowKind.COMPREHENSIVE)
    Window.objects.create(hall=hall, number=2).categories.add(category)
    return hall


def test_a_citizen_books_from_the_guide_and_finds_it_in_my_appointments(
    live_server, bookable, narrow_page, accessible, screenshot
):
    from yiwang.halls.models import Appointment

    base, phone = live_server.url, narrow_page
    log_in(phone, base, "citizen")
    phone.goto(f"{base}/items/{ITEM}/")
    phone.get_by_role("link", name="预约办理").click()

    # One hall books this item: the first screen is the day.
    expect(phone.get_by_role("heading", name="第二步：选择日期")).to_be_visible()
    expect(phone.get_by_text("示范区政务服务中心").first).to_be_visible()
    accessible(phone)
    screenshot(phone, "booking-day-phone")
    phone.locator("a.booking-choice").first.click()

    expect(phone.get_by_role("heading", name=re.compile("第三步：选择时间"))).to_be_visible()
    accessible(phone)
    screenshot(phone, "booking-time-phone")
    first_slot = phone.locator(".booking-slots a.booking-choice").first
    label = first_slot.locator("strong").inner_text()
    first_slot.click()

    expect(phone.get_by_role("heading", name="第四步：确认预约")).to_be_visible()
    expect(phone.get_by_text(label)).to_be_visible()
    accessible(phone)
    screenshot(phone, "booking-confirm-phone")
    phone.get_by_role("button", name="确认预约").click()

    expect(phone.get_by_role("heading", name="我的预约", exact=True)).to_be_visible()
    expect(phone.get_by_text("预约成功")).to_be_visible()
    appointment = Appointment.objects.get()
    card = phone.locator(f"#appointment-{appointment.pk}")
    expect(card.locator(".booking-code-value")).to_have_text(appointment.code_display)
    expect(card.locator(".booking-qr svg")).to_be_visible()
    expect(card).to_contain_text(label)
    accessible(phone)
    screenshot(phone, "booking-mine-phone")

    # Move it to another time of the same day, then cancel it.
    card.get_by_role("link", name="改约").click()
    phone.locator("a.booking-choice").first.click()
    phone.locator(".booking-slots a.booking-choice").nth(1).click()
    phone.get_by_role("button", name="确认改约").click()
    expect(phone.get_by_text("预约码不变")).to_be_visible()
    appointment.refresh_from_db()
    assert appointment.rescheduled_count == 1
    card = phone.locator(f"#appointment-{appointment.pk}")
    card.get_by_role("button", name="取消预约").click()
    expect(phone.get_by_text("预约已取消")).to_be_visible()
    expect(phone.get_by_role("heading", name="以前的预约")).to_be_visible()

    # 我的空间 leads here too.
    open_menu(phone)
    phone.get_by_role("link", name="我的空间").first.click()
    phone.get_by_role("link", name="我的预约").click()
    expect(phone.get_by_role("heading", name="我的预约", exact=True)).to_be_visible()

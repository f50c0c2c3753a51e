"""What a citizen at the window clicks after service (issue 20): the tablet shows the rating
page of the number just served, five big buttons, no login; one tap on 非常满意 thanks them.
A second citizen taps 不满意, says why on the next screen, and the rating goes to the
rectification. axe on every page; screenshots of the tablet under test-artifacts/."""

import pytest
import time_machine
from playwright.sync_api import expect

from .conftest import _open

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tablet(browser):
    """A 10-inch tablet in landscape, as hung at a window."""
    context, page, errors = _open(browser, viewport={"width": 1280, "height": 800})
    yield page
    context.close()
    # A rated ticket's page is a 409 on purpose (the browser logs it as a failed load).
    errors = [e for e in errors if "status of 409" not in e]
    assert errors == [], f"browser console errors: {errors}"


@pytest.fixture
def served_tokens(transactional_db):
    """Two numbers taken at the district centre's kiosk, called at window 3 and served by
    window-3 (a Monday morning): their rating pages' tokens."""
    from tests.dbcache import rows_of
    from tests.halls.conftest import OPEN_MONDAY, _build
    from yiwang.demo.loader import load_demo
    from yiwang.halls import services
    from yiwang.halls.models import Hall
    from yiwang.identity.models import User

    rows_of("demo", lambda: load_demo(catalog=False))
    rows_of("halls.hall", _build)
    hall = Hall.objects.get(org__code="990101-ZWZX")
    category = hall.categories.get(letter="B")
    window = hall.windows.get(number=3)
    staff = User.objects.get(username="window-3")
    tokens = []
    with time_machine.travel(OPEN_MONDAY, tick=True):
        services.open_window(window, staff)
        for _n in range(2):
            ticket = services.take_ticket(hall, category, channel="kiosk")
            called = services.call_next(window, by=staff)
            services.start_service(called, by=staff)
            services.finish_service(called, by=staff)
            tokens.append(ticket.token)
    return tokens


def test_rating_a_service_on_the_windows_tablet(
    tablet, live_server, served_tokens, accessible, screenshot
):
    from yiwang.feedback.models import Evaluation, Rectification

    good, bad = served_tokens
    tablet.goto(f"{live_server.url}/hall/rate/{good}/")
    expect(tablet.get_by_role("heading", name="请您评价这次服务")).to_be_visible()
    buttons = tablet.locator(".hall-rate-button")
    expect(buttons).to_have_count(5)
    assert buttons.first.bounding_box()["height"] >= 150  # big enough for any finger
    accessible(tablet)
    screenshot(tablet, "hall-rate-tablet")
    tablet.get_by_role("button", name="非常满意").click()
    expect(tablet.get_by_role("heading", name="感谢您的评价")).to_be_visible()
    expect(tablet.locator("#rating-given")).to_have_text("非常满意")
    tablet.goto(f"{live_server.url}/hall/rate/{good}/")
    expect(tablet.get_by_role("heading", name="这次服务已经评价过了")).to_be_visible()

    tablet.goto(f"{live_server.url}/hall/rate/{bad}/")
    tablet.get_by_role("button", name="不满意", exact=True).click()
    expect(tablet.get_by_role("group", name="哪里不满意？（可以多选）")).to_be_visible()
    accessible(tablet)
    tablet.get_by_label("服务态度").check()
    tablet.get_by_label("您的意见和建议（选填）").fill("问了两遍就不耐烦。")
    screenshot(tablet, "hall-rate-tablet-reasons")
    tablet.get_by_role("button", name="提交评价").click()
    expect(tablet.get_by_role("heading", name="感谢您的评价")).to_be_visible()
    expect(tablet.locator(".rate-next")).to_contain_text("整改")
    rating = Evaluation.objects.get(level=2)
    assert rating.reasons == ["attitude"] and rating.staff.username == "window-3"
    assert Rectification.objects.filter(evaluation=rating).exists()

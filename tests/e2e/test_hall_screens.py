"""The hall's public screens in a browser: a number taken at the kiosk, called at a window,
appears on the display board within a second (spoken) and on the citizen's phone with its
window.

The board and the phone follow live updates (`/live/`, server-sent events), which Django's
WSGI live server cannot serve: these tests run the real application (`yiwang.asgi`, uvicorn
with pages in a thread pool and streams on its event loop) in a thread of the test process,
on the test database, as `yiwang serve` runs it."""

import datetime
import socket
import threading
import time

import pytest
from playwright.sync_api import expect

from tests.halls import conftest as halls_fixtures
from yiwang.halls import services
from yiwang.halls.models import Ticket

# The service hall tests' fixtures: the district centre's hall, its categories, windows, staff.
hall = halls_fixtures.hall
category = halls_fixtures.category
windows = halls_fixtures.windows
staff = halls_fixtures.staff


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db, settings):
    """`yiwang.asgi`'s application served by uvicorn in a thread, on the test database (an
    in-memory SQLite one is shared with the server's threads, as Django's live server
    does)."""
    import uvicorn
    from django.db import connections

    from yiwang.asgi import Application, WSGIMiddleware, django_application

    shared = {}
    for conn in connections.all():
        if conn.vendor == "sqlite" and conn.is_in_memory_db():
            conn.inc_thread_sharing()
            shared[conn.alias] = conn

    def pages(environ, start_response):
        for alias, conn in shared.items():
            connections[alias] = conn
        return django_application(environ, start_response)

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    settings.YIWANG_SITE_URL = url
    application = Application(
        WSGIMiddleware(pages, workers=4), body_limit=settings.YIWANG_REQUEST_MAX_BYTES
    )
    server = uvicorn.Server(
        uvicorn.Config(
            application,
            host="127.0.0.1",
            port=port,
            lifespan="on",
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(10)
    for conn in shared.values():
        conn.dec_thread_sharing()


@pytest.fixture
def hall_open(hall):
    """The clock at 10:00 on the next day the hall opens (from today: the browser's cookies
    and the server's clock stay close), ticking."""
    import time_machine

    day = services.local().date()
    while not services.opening_ranges(hall, day):
        day += datetime.timedelta(days=1)
    with time_machine.travel(
        datetime.datetime.combine(day, datetime.time(10), halls_fixtures.SHANGHAI), tick=True
    ):
        yield


def test_kiosk_to_board_to_phone(
    asgi_server, hall, category, windows, staff, hall_open, browser, page, narrow_page, screenshot
):
    base = asgi_server
    services.open_window(windows[2], staff["window-2"])

    # The kiosk: big categories in elderly mode, then the number.
    page.goto(f"{base}/hall/{hall.pk}/kiosk/")
    expect(page.locator("body.elderly")).to_be_visible()
    page.get_by_role("link", name="市场准入").click()
    page.locator(".kiosk-form > .kiosk-take").click()
    expect(page.locator("#receipt-number")).to_have_text("A001")
    expect(page.locator(".receipt")).to_contain_text("前面还有 0 人")
    ticket_url = page.locator(".receipt").get_attribute("data-ticket-url")
    assert ticket_url.startswith(f"{base}/hall/ticket/")
    screenshot(page, "hall-kiosk-ticket")

    # The phone, from the QR code.
    narrow_page.goto(ticket_url)
    expect(narrow_page.locator(".ticket-number")).to_have_text("A001")
    expect(narrow_page.locator(".ticket-status")).to_have_text("等候中")

    # The board, sound allowed with one click, following the hall.
    board = browser.new_page(viewport={"width": 1600, "height": 900})
    errors = []
    board.on("pageerror", lambda exc: errors.append(str(exc)))
    board.goto(f"{base}/hall/{hall.pk}/board/")
    board.get_by_role("button", name="启用声音").click()
    expect(board.locator("body[data-live=on]")).to_be_attached()
    expect(narrow_page.locator("body")).to_have_attribute("class", "ticket-page status-waiting")

    # A call at window 2: the board shows and speaks it within a second.
    started = time.monotonic()
    services.call_next(windows[2], by=staff["window-2"])
    expect(board.locator(".board-latest-number")).to_have_text("A001", timeout=1000)
    took = time.monotonic() - started
    expect(board.locator(".board-latest-window")).to_have_text("2 号窗口")
    expect(board.locator("body")).to_have_attribute("data-last-spoken", "请 A001 号到 2 号窗口办理")
    print(f"call → board: {took * 1000:.0f} ms")
    assert took < 1.0
    screenshot(board, "hall-board")

    # The phone shows the window.
    expect(narrow_page.locator(".ticket-window")).to_contain_text("2 号窗口", timeout=2000)
    expect(narrow_page.locator(".ticket-status")).to_have_text("已叫号")
    screenshot(narrow_page, "hall-ticket-called")

    # Served: the phone offers the rating.
    ticket = Ticket.objects.get(number="A001")
    services.start_service(ticket, by=staff["window-2"])
    services.finish_service(ticket, by=staff["window-2"])
    expect(narrow_page.get_by_role("link", name="评价本次服务")).to_be_visible(timeout=2000)
    board.close()
    assert errors == []


def test_the_board_catches_up_from_its_state_after_a_reset(
    asgi_server, hall, category, windows, staff, hall_open, page
):
    """A board that opens after calls were made, or misses events, shows the state it
    fetches (onReset): the numbers being called and each queue."""
    services.open_window(windows[3], staff["window-3"])
    for _ in range(2):
        services.take_ticket(hall, category["B"], channel="kiosk")
    services.call_next(windows[3], by=staff["window-3"])
    page.goto(f"{asgi_server}/hall/{hall.pk}/board/")
    expect(page.locator(".board-latest-number")).to_have_text("B001")
    expect(page.locator('[data-categories] li:has-text("社会保障") [data-waiting]')).to_have_text(
        "1"
    )
    services.take_ticket(hall, category["B"], channel="kiosk")  # heard; the queue fetched again
    expect(page.locator('[data-categories] li:has-text("社会保障") [data-waiting]')).to_have_text(
        "2", timeout=4000
    )

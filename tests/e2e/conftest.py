"""Browser tests: Playwright driving Debian's Chromium."""

import os
from pathlib import Path

import pytest

from tests.dbcache import rows_of

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
# database access from the test body.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"browser tests need Chromium at {CHROMIUM} (Debian package `chromium`)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def _open(browser, *, refusals=False, streams=False, **options):
    context = browser.new_context(locale="zh-CN", **options)
    if not streams:
        # Django's WSGI live server has no live channel (docs/live.md: the ASGI application
        # serves it); pages fall back to polling. Tests that run the real application
        # (the `asgi_server` of tests/e2e/test_hall_screens.py) keep their streams.
        context.route("**/live/**", lambda route: route.fulfill(status=204))
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    # A strict CSP shows up as console errors when a page breaks it (inline code, eval).
    # A form sent back with its problems is a 400, which the browser logs as a failed load:
    # where a test expects refusals, those lines are not defects.
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not (refusals and "status of 400" in m.text)
            and errors.append(m.text)
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


@pytest.fixture(autouse=True)
def site_url(request, settings):
    """Links in QR codes, messages and share links follow the server that made them, as in
    `yiwang demo`: here the live server's address."""
    if "live_server" in request.fixturenames:
        settings.YIWANG_SITE_URL = request.getfixturevalue("live_server").url


def _streams(request) -> bool:
    return "asgi_server" in request.fixturenames


@pytest.fixture
def page(browser, request):
    context, page, errors = _open(
        browser, streams=_streams(request), viewport={"width": 1280, "height": 900}
    )
    yield page
    context.close()
    assert errors == [], f"browser console errors: {errors}"


@pytest.fixture
def refusing_page(browser):
    """A desktop page whose tests send forms that are refused (400) on purpose."""
    context, page, errors = _open(browser, refusals=True, viewport={"width": 1280, "height": 900})
    yield page
    context.close()
    assert errors == [], f"browser console errors: {errors}"


@pytest.fixture
def narrow_page(browser, request):
    context, page, errors = _open(
        browser,
        streams=_streams(request),
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
    )
    yield page
    context.close()
    assert errors == [], f"browser console errors: {errors}"


@pytest.fixture
def demo_district(transactional_db):
    """The whole demo district and catalogue, as `yiwang demo` loads it (tests/dbcache.py:
    built once per test process, put back for each test)."""
    from yiwang.demo.loader import load_demo

    rows_of("demo_catalog", load_demo)


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        if page.viewport_size["width"] < 600:
            # A phone-sized first screen too: full-page shots of long pages are hard to read.
            page.screenshot(path=str(ARTIFACTS / f"{name}-screen.png"))

    return take


@pytest.fixture
def accessible():
    """Run axe-core on the page; fail on serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page):
        results = axe.run(page)
        bad = [
            v for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}
        ]
        if bad:
            for violation in bad:
                print(f"{page.url}: {violation['id']} ({violation['impact']}) {violation['help']}")
                for node in violation["nodes"]:
                    print("   ", node["target"], node.get("failureSummary", ""))
        assert bad == [], f"axe found serious accessibility problems on {page.url}"

    return check


def open_menu(page):
    """On a phone the header's links are behind its menu button: open it (once)."""
    button = page.locator(".site-header .menu-button")
    if button.is_visible() and button.get_attribute("aria-expanded") == "false":
        button.click()


def log_in(page, base_url, username, password="yiwang-demo"):
    page.goto(f"{base_url}/")
    open_menu(page)
    page.get_by_role("link", name="登录", exact=True).click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("main").get_by_role("button", name="登录").click()

"""The item's own application form in a browser (issue 17): 食品经营许可（新办） SCJ-XK-0008 as
the demo catalogue has it (its own rows, or the generated form), filled with the keyboard
field by field — each saved as it is left — with its problems next to their fields, at 1280
and 360 pixels and in elderly mode; axe on every state."""

import pytest

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ITEM = "SCJ-XK-0008"


def start(page, base):
    page.goto(f"{base}/apply/{ITEM}/")
    page.get_by_role("button", name="开始填写申请").click()
    page.locator("form.case-form").wait_for()
    return page.url


def settled(page) -> None:
    """No autosave in flight: SQLite's shared test database takes one writer at a time."""
    page.wait_for_timeout(300)
    page.wait_for_function("!document.querySelector('.htmx-request')")


def fits(page) -> bool:
    """Nothing wider than the screen: no sideways scrolling at 360 px."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_food_licence_form_by_keyboard_at_every_size(
    live_server, demo_district, refusing_page, narrow_page, accessible, screenshot
):
    from yiwang.journey.cases.models import Case

    base = live_server.url
    page = refusing_page
    log_in(page, base, "citizen")
    form_url = start(page, base)
    case = Case.objects.get(item_version__item__code=ITEM)
    form = page.locator("form.case-form")
    assert "食品经营许可" in page.locator("h1").inner_text()
    assert form.locator(".field-source").count() >= 1  # prefilled, and says from where
    accessible(page)
    screenshot(page, "item-form-1280")

    # Keyboard only: into the first text box the applicant types, type, leave it (Tab).
    box = form.locator(
        ".form-field:not(.field-readonly) input[type=text]:visible, "
        ".form-field:not(.field-readonly) textarea:visible"
    ).first
    box.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("示范区人民路8号")
    page.keyboard.press("Tab")
    page.locator("#autosave-status").filter(has_text="已自动保存").wait_for()
    settled(page)
    name = box.get_attribute("name")
    case.refresh_from_db()
    assert "示范区人民路8号" in str(case.form_data)  # saved as the field was left
    assert page.evaluate("document.activeElement.tagName") in {
        "INPUT",
        "SELECT",
        "TEXTAREA",
        "BUTTON",
    }

    # A telephone number that is not one: the page comes back with the problem next to the
    # field, in words, and keeps what was typed.
    phone = form.locator("input[type=tel]:visible").first
    phone.fill("12")
    page.keyboard.press("Tab")
    page.locator("#autosave-status").filter(has_text="还没有保存").wait_for()
    settled(page)
    page.get_by_role("button", name="保存，下一步：上传材料").click()
    summary = page.locator(".error-summary")
    assert "应为11位手机号码" in summary.inner_text()
    invalid = page.locator("input[type=tel][aria-invalid=true]")
    assert invalid.count() >= 1 and invalid.first.input_value() == "12"
    problems = page.locator(".field-invalid .errorlist").all_inner_texts()
    assert any("应为11位手机号码" in p for p in problems)
    assert page.locator(f"[name='{name}']").first.input_value() == "示范区人民路8号"
    accessible(page)
    screenshot(page, "item-form-errors-1280")
    summary.get_by_role("link").first.click()  # the summary leads to the field
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"

    # A repeating group: one more row, by keyboard.
    add = page.get_by_role("button", name="添加一行")
    if add.count():
        rows = page.locator("[data-group-row]").count()
        add.first.focus()
        page.keyboard.press("Enter")
        page.wait_for_function(f"document.querySelectorAll('[data-group-row]').length > {rows}")
        accessible(page)

    # Elderly mode: large type, the same form.
    page.goto(form_url)
    page.get_by_role("button", name="适老模式（大字）").click()
    assert "elderly" in page.locator("body").get_attribute("class")
    accessible(page)
    screenshot(page, "item-form-elderly-1280")
    page.get_by_role("button", name="退出适老模式").click()

    # 360 px.
    log_in(narrow_page, base, "citizen")
    narrow_page.goto(form_url)
    assert fits(narrow_page)
    accessible(narrow_page)
    screenshot(narrow_page, "item-form-360")
    narrow_page.goto(f"{base}/my/cases/{case.pk}/review/")
    assert fits(narrow_page)
    accessible(narrow_page)
    screenshot(narrow_page, "item-form-review-360")

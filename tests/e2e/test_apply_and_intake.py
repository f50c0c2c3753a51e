"""What a citizen and a window clerk click (issue: apply and intake): the citizen applies for
a bundle of three items, the clerk asks for one material again, the citizen supplements,
the clerk accepts, the citizen sees the accepted case with its deadline. axe on every page,
screenshots at 1280 and 360."""

import pytest
from playwright.sync_api import expect

from yiwang.demo.forms import fill_in

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUNDLE = "YJS-0004"  # 残疾人服务一件事: three items, handled at the district centre
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload_everything(page, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    items = page.locator("li.case-material")
    for index in range(items.count()):
        item = items.nth(index)
        if "非必要" in item.locator(".necessity").inner_text():
            continue
        if not item.locator("input[type=file]").count():
            continue  # taken from the e-licence library: nothing to upload
        item.locator("input[type=file]").set_input_files(str(scan))
        item.get_by_role("button", name="上传").click()
        page.locator(".flash-success").wait_for()


def test_bundle_apply_supplement_accept(
    live_server, demo_district, browser, page, narrow_page, accessible, screenshot, tmp_path
):
    from yiwang.journey.cases.models import Case

    base = live_server.url
    log_in(page, base, "citizen")
    page.goto(f"{base}/bundles/{BUNDLE}/")
    page.get_by_role("link", name="在线办理一件事").click()
    assert "在线办理：残疾人服务一件事" in page.locator("h1").inner_text()
    accessible(page)
    screenshot(page, "apply-start-1280")
    page.get_by_role("button", name="开始填写申请").click()

    case = Case.objects.get(parent__isnull=True)
    assert case.children.count() == 3
    # The item's own form: an address typed in the page is saved as the field is left.
    page.locator('input[name$="-detail"]:visible').first.fill("示范区人民路1号")
    page.keyboard.press("Tab")
    page.locator("#autosave-status").filter(has_text="已自动保存").wait_for()
    # Every save done before moving on: SQLite's shared test database takes one writer.
    page.wait_for_timeout(300)
    page.wait_for_function("!document.querySelector('.htmx-request')")
    case.refresh_from_db()
    addresses = [v for v in case.form_data.values() if isinstance(v, dict)]
    assert {"area": "", "detail": "示范区人民路1号"} in addresses  # saved without a click
    # The rest of the one form as the applicant would fill it (test_item_form.py types it).
    fill_in(case, case.applicant, address="示范区人民路1号", statement="申请办理残疾人证。")
    page.reload()
    accessible(page)
    screenshot(page, "apply-form-1280")
    page.get_by_role("button", name="保存，下一步：上传材料").click()

    expect(page.get_by_text("已从电子证照库调取：居民身份证").first).to_be_visible()
    upload_everything(page, tmp_path)
    accessible(page)
    screenshot(page, "apply-materials-1280")
    page.get_by_role("link", name="下一步：确认并提交").click()
    accessible(page)
    screenshot(page, "apply-review-1280")
    page.get_by_role("button", name="提交申请").click()
    assert page.locator("h1").inner_text() == "申请已提交"
    case.refresh_from_db()
    receipt = page.locator("main").inner_text()
    assert case.number in receipt
    assert all(child.number in receipt for child in case.children.all())
    accessible(page)
    screenshot(page, "apply-receipt-1280")

    # The clerk at the district centre.
    clerk_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    clerk = clerk_context.new_page()
    errors = []
    clerk.on("console", lambda m: m.type == "error" and errors.append(m.text))
    log_in(clerk, base, "clerk")
    clerk.goto(f"{base}/workbench/")
    clerk.get_by_role("link", name="综合窗口受理队列").click()
    row = clerk.locator("table.intake-queue tbody tr").filter(has_text=case.number)
    assert "剩余" in row.inner_text() or "今天到期" in row.inner_text()
    accessible(clerk)
    screenshot(clerk, "intake-queue-1280")
    row.get_by_role("link", name=case.number).click()
    assert clerk.locator("h1").inner_text() == "残疾人服务一件事"
    first_pdf = clerk.locator("details.preview-pdf-box").first
    first_pdf.locator("summary").click()
    first_pdf.locator("iframe.preview-pdf").wait_for()
    accessible(clerk)
    screenshot(clerk, "intake-case-1280")
    item = clerk.locator("li.checklist-item").filter(has_text="残疾评定表")
    item.get_by_label("“残疾评定表”需要补正").check()
    item.get_by_label("原因").fill("缺少评定机构盖章")
    clerk.get_by_role("button", name="发出一次性告知书").click()
    assert "一次性告知书已发出，共1项" in clerk.locator(".flash-list").inner_text()

    # The citizen sees the notice, uploads again and resubmits.
    page.goto(f"{base}/my/cases/")
    assert "需要补正材料" in page.locator("main").inner_text()
    accessible(page)
    screenshot(page, "my-cases-1280")
    page.get_by_role("link", name="查看告知书并补正").click()
    notice = page.get_by_role("region", name="一次性告知书：请补正以下内容")
    assert "缺少评定机构盖章" in notice.inner_text()
    accessible(page)
    screenshot(page, "my-case-supplement-1280")
    notice.get_by_role("link", name="去补正材料").click()
    scan = tmp_path / "stamped.pdf"
    scan.write_bytes(PDF.replace(b"\n", b"\n% stamped\n", 1))  # a new scan, not the old one
    defective = page.locator("li.case-material").filter(has_text="需补正：缺少评定机构盖章")
    defective.locator("input[type=file]").set_input_files(str(scan))
    defective.get_by_role("button", name="上传").click()
    page.get_by_role("link", name="下一步：确认并提交").click()
    page.get_by_role("button", name="提交申请").click()
    assert page.locator("h1").inner_text() == "申请已提交"

    # The clerk accepts.
    clerk.goto(f"{base}/workbench/intake/{case.pk}/")
    clerk.get_by_role("button", name="受理", exact=True).click()
    assert "已受理。" in clerk.locator(".flash-list").inner_text()
    accessible(clerk)
    screenshot(clerk, "intake-accepted-1280")
    clerk_context.close()
    assert errors == []

    # The citizen sees the accepted case with its deadline.
    page.goto(f"{base}/my/cases/{case.pk}/")
    main = page.locator("main").inner_text()
    assert "已受理，正在办理" in main
    for child in case.children.all():
        child.refresh_from_db()
        day = child.promised_due_on
        assert f"承诺{day.year}年{day.month}月{day.day}日前办结" in main
        if child.due_provisional:
            assert "节假日安排未公布，期限为暂定" in main
    accessible(page)
    screenshot(page, "my-case-accepted-1280")

    log_in(narrow_page, base, "citizen")
    for url, name in [
        (f"/my/cases/{case.pk}/", "my-case-accepted-360"),
        ("/my/cases/", "my-cases-360"),
        (f"/apply/bundle/{BUNDLE}/", "apply-start-360"),
    ]:
        narrow_page.goto(f"{base}{url}")
        accessible(narrow_page)
        screenshot(narrow_page, name)
    narrow_context = browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 740}, device_scale_factor=2
    )
    narrow_clerk = narrow_context.new_page()
    log_in(narrow_clerk, base, "clerk")
    for url, name in [
        ("/workbench/intake/", "intake-queue-360"),
        (f"/workbench/intake/{case.pk}/", "intake-case-360"),
    ]:
        narrow_clerk.goto(f"{base}{url}")
        accessible(narrow_clerk)
        screenshot(narrow_clerk, name)
    narrow_context.close()


def test_after_an_upload_the_keyboard_is_back_at_that_material(
    live_server, demo_district, refusing_page, accessible, tmp_path
):
    from yiwang.identity.models import User
    from yiwang.journey.cases import services

    citizen = User.objects.get(username="citizen")
    case = services.start_bundle_case(BUNDLE, by=citizen)
    page = refusing_page
    log_in(page, live_server.url, "citizen")
    page.goto(f"{live_server.url}/my/cases/{case.pk}/materials/")
    scan = tmp_path / "评定表.pdf"
    scan.write_bytes(PDF)
    items = page.locator("li.case-material").filter(has=page.locator("input[type=file]"))
    first, second = items.nth(1), items.nth(2)
    first_id = first.get_attribute("id")
    first.locator("input[type=file]").set_input_files(str(scan))
    first.get_by_role("button", name="上传").focus()
    page.keyboard.press("Enter")  # as a keyboard user does

    handled = page.locator(f"#{first_id}")
    expect(handled).to_be_focused()
    expect(handled.get_by_role("status")).to_contain_text("已上传：评定表.pdf")
    page.keyboard.press("Tab")  # the next stop is inside that material, not the header
    assert page.evaluate(f"document.getElementById('{first_id}').contains(document.activeElement)")
    accessible(page)

    # The same scan for the next material: kept, with a warning where the keyboard is.
    second_id = second.get_attribute("id")
    second.locator("input[type=file]").set_input_files(str(scan))
    second.get_by_role("button", name="上传").click()
    handled = page.locator(f"#{second_id}")
    expect(handled).to_be_focused()
    expect(handled.locator(".flash-warning")).to_contain_text("请确认没有传错")

    # And the same scan again on the same material: refused, focus on the message's material.
    handled.locator("input[type=file]").set_input_files(str(scan))
    handled.get_by_role("button", name="上传").click()
    expect(page.locator(f"#{second_id}")).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("这个文件已经上传过了")

"""What a licence holder and a third party click (issue 6, wallet): the citizen opens 我的证照,
a licence, downloads its PDF and makes a one-day share link; a bank opens the link without
logging in and sees 有效 and masked data only; the citizen revokes the link and the bank is
told it no longer works. Also the public page behind a licence's QR code. axe on every
page, screenshots at 1280 and 360."""

import pytest

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FULL_ID = "110101198503152019"


def test_wallet_pdf_and_share_link(
    live_server, demo_district, browser, page, narrow_page, accessible, screenshot
):
    from yiwang.licenses.models import License

    base = live_server.url
    log_in(page, base, "citizen")
    page.goto(f"{base}/me/")
    page.get_by_role("link", name="我的证照").click()
    assert page.locator("h1").inner_text() == "我的证照"
    main = page.locator("main").inner_text()
    assert "居民身份证" in main and "居民户口簿" in main and "已注销" in main
    accessible(page)
    screenshot(page, "wallet-list-1280")

    page.get_by_role("link", name="居民身份证").click()
    licence = License.objects.get(number="SFZ-2015-000101")
    assert "110101********2019" in page.locator("main").inner_text()
    accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载PDF").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.get_by_label("1天").check()
    page.get_by_role("button", name="生成分享链接").click()
    url = page.get_by_label("复制下面的链接发给对方").input_value()
    assert url.startswith(f"{base}/share/")
    accessible(page)
    screenshot(page, "wallet-detail-1280")

    # A bank, in its own browser, not logged in.
    bank_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    bank = bank_context.new_page()
    bank.goto(url)
    assert bank.locator("#verdict").inner_text() == "有效"
    shown = bank.locator("main").inner_text()
    assert licence.number in shown and "110101********2019" in shown and "张*" in shown
    assert FULL_ID not in bank.content() and "张三" not in shown
    accessible(bank)
    screenshot(bank, "share-open-1280")

    page.reload()
    page.get_by_role("button", name="撤销").click()
    assert "分享链接已撤销" in page.locator(".flash-success").inner_text()
    bank.reload()
    assert bank.locator("#verdict").inner_text() == "链接已撤销"
    assert licence.number not in bank.locator("main").inner_text()
    accessible(bank)
    screenshot(bank, "share-revoked-1280")
    bank_context.close()

    # The public page behind the QR code, and the same pages on a phone.
    page.goto(f"{base}/v/{licence.payload}")
    assert page.locator("#verdict").inner_text() == "有效"
    accessible(page)
    screenshot(page, "license-verify-1280")
    log_in(narrow_page, base, "citizen")
    for path, name in (
        ("/my/licenses/", "wallet-list-360"),
        (f"/my/licenses/{licence.pk}/", "wallet-detail-360"),
        (f"/v/{licence.payload}", "license-verify-360"),
    ):
        narrow_page.goto(base + path)
        accessible(narrow_page)
        screenshot(narrow_page, name)


def test_the_issuing_department_revokes_a_licence(
    live_server, demo_district, page, accessible, screenshot
):
    base = live_server.url
    log_in(page, base, "head-gaj")
    page.goto(f"{base}/workbench/")
    page.get_by_role("link", name="电子证照（确认制证、查找、注销、换发）").click()
    page.get_by_role("searchbox", name="证照编号").fill("SFZ-2016")
    page.get_by_role("button", name="查找").click()
    accessible(page)
    screenshot(page, "staff-licences-1280")
    page.get_by_role("link", name="居民身份证").first.click()
    accessible(page)
    screenshot(page, "staff-licence-1280")
    page.get_by_label("注销原因").fill("持证人申报遗失")
    page.get_by_role("button", name="注销证照").click()
    assert "证照已注销" in page.locator(".flash-success").inner_text()
    assert "已注销" in page.locator("main").inner_text()


def test_an_old_qr_code_says_it_no_longer_works(
    live_server, demo_district, narrow_page, accessible, screenshot
):
    """A QR code printed before its licence was re-signed (payload version 1, which held a
    digest of the ID number): the bank is told plainly why it no longer verifies."""
    from yiwang.licenses import services, signing
    from yiwang.licenses.models import License

    licence = License.objects.get(number="SFZ-2015-000101")
    old = signing.sign_claims({**services.claims_of(licence), "v": 1, "hid": "0" * 16})
    License.objects.filter(pk=licence.pk).update(
        kid=old.kid, signature=old.signature, payload_hash=old.payload_hash, payload=old.payload
    )
    assert services.resign_outdated(by="test") == 1
    narrow_page.goto(f"{live_server.url}/v/{old.payload}")
    assert narrow_page.locator("#verdict").inner_text() == "二维码已失效"
    assert "重新下载证照" in narrow_page.locator("main").inner_text()
    assert FULL_ID not in narrow_page.content()
    accessible(narrow_page)
    screenshot(narrow_page, "license-verify-superseded-360")

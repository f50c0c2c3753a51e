"""What a citizen and a department's staff click for the base libraries (issue 6, part 5):
吴静 (卫健委) looks 张三 up for the 生育登记 case she handles, and 张三 finds the look-up in
his space under “谁查看了我的数据”. The applicant's materials page shows the licences taken
from the library. axe on every page, screenshots at 1280 and 360."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ITEM = "WJW-GG-0001"  # 生育登记: 居民身份证 and 居民户口簿 from the e-licence library
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PURPOSE = "核对生育登记申请人户籍信息"


def _accepted_case():
    from yiwang.catalog.models import ItemVersion
    from yiwang.demo.forms import fill_in
    from yiwang.identity.models import User
    from yiwang.journey.cases import services

    citizen = User.objects.get(username="citizen")
    version = ItemVersion.objects.get(item__code=ITEM, status="published")
    case = services.start_case(version.pk, by=citizen)
    fill_in(case, citizen)
    for material in case.materials.filter(state="missing", required=True):
        upload = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
        services.attach_file(material.pk, by=citizen, uploaded=upload)
    services.submit(case.pk, by=citizen)
    services.accept(case.pk, by=User.objects.get(username="street-clerk"))
    case.refresh_from_db()
    return case


def test_staff_look_up_and_citizen_sees_who_accessed_their_data(
    live_server, demo_district, page, narrow_page, accessible, screenshot
):
    case = _accepted_case()
    base = live_server.url

    log_in(page, base, "approver2")
    page.goto(f"{base}/workbench/lookup/")
    page.get_by_label("办件编号").fill(case.number)
    page.get_by_label("证件号码").fill("110101198503152019")
    page.get_by_label("查询目的").fill(PURPOSE)
    page.get_by_role("button", name="查询").click()
    assert "查询结果：张三" in page.locator("main").inner_text()
    accessible(page)
    screenshot(page, "sharing-lookup-1280")
    page.get_by_label("办件编号").fill("YW20990101000001")
    page.get_by_label("证件号码").fill("110101198503152019")
    page.get_by_label("查询目的").fill("随便看看")
    page.get_by_role("button", name="查询").click()
    assert "查询未获准许" in page.locator("main").inner_text()
    accessible(page)

    log_in(narrow_page, base, "citizen")
    narrow_page.goto(f"{base}/me/")
    narrow_page.get_by_role("link", name="谁查看了我的数据").click()
    assert narrow_page.locator("h1").inner_text() == "谁查看了我的数据"
    rows = narrow_page.locator("li.access-row")
    expect(rows).to_have_count(2)
    newest, older = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert "随便看看" in newest and "已拒绝" in newest
    assert PURPOSE in older and "吴静" in older and case.number in older and "已准许" in older
    accessible(narrow_page)
    screenshot(narrow_page, "my-data-access-360")

    narrow_page.goto(f"{base}/my/cases/{case.pk}/")
    assert "已从电子证照库调取：居民身份证" in narrow_page.locator("main").inner_text()

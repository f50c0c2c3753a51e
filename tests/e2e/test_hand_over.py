"""The clerk's hand-over screen (窗口领取): an agent without the authorisation is refused
and nothing changes; with it checked, the agent's number typed and a signature drawn on
the pad, the result is delivered, the record is on the case page and the 领取凭证 PDF
reads back with the case, the masked collector, the check and the clerk."""

import io

from PIL import Image, ImageOps
from playwright.sync_api import expect
from pypdf import PdfReader

from .conftest import log_in

AGENT_ID = "11010119900307803X"


def ready_case():
    """A 个体工商户设立登记 case of the demo citizen, approved and ready at the window."""
    from tests.journey.workflow.conftest import MAIN, _provide_everything, published
    from yiwang.identity.models import User
    from yiwang.journey.cases import services as cases
    from yiwang.journey.workflow import services
    from yiwang.journey.workflow.models import ApprovalTask

    citizen = User.objects.get(username="citizen")
    case = cases.start_case(published(MAIN).pk, by=citizen)
    _provide_everything(case, citizen)
    cases.submit(case.pk, by=citizen)
    cases.accept(case.pk, by=User.objects.get(username="clerk"))
    for who in ("approver", "chief"):
        task = ApprovalTask.objects.get(case=case, status__in=["pending", "active"])
        services.complete(task.pk, by=User.objects.get(username=who), decision="approve")
    case.refresh_from_db()
    return case


def test_the_clerk_hands_a_result_to_an_agent_who_signs(
    live_server, demo_district, refusing_page, accessible, screenshot
):
    from yiwang.journey.workflow.models import HandOver, ResultDelivery

    case = ready_case()
    base = live_server.url
    page = refusing_page
    log_in(page, base, "issuer")
    page.goto(f"{base}/workbench/results/")
    page.locator("li.result-row").filter(has_text=case.number).get_by_role(
        "link", name="办理领取"
    ).click()
    expect(page.get_by_role("heading", name="窗口领取")).to_be_visible()
    accessible(page)

    # An agent, but the authorisation letter not checked: refused, nothing changed.
    page.get_by_label("受托代领人").check()
    page.get_by_label("代领人姓名").fill("张小明")
    page.get_by_label("证件号码").fill(AGENT_ID)
    page.get_by_label("领取人当场签名").check()
    pad = page.locator("canvas.signature-pad")
    expect(pad).to_be_visible()
    pad.scroll_into_view_if_needed()
    expect(page.get_by_role("button", name="发送验证码到申请人手机")).to_be_hidden()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 100)
    page.mouse.down()
    for x, y in [(80, 40), (140, 110), (220, 50), (300, 120)]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=4)
    page.mouse.up()
    page.get_by_role("button", name="确认交付").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("授权委托书")
    assert ResultDelivery.objects.get(case=case).status == "ready"
    assert not HandOver.objects.filter(delivery__case=case).exists()
    assert AGENT_ID not in page.content()  # never shown back, not even in the field

    # With the authorisation checked, the number typed again, signed again.
    page.get_by_label("已核验授权委托书").check()
    page.get_by_label("证件号码").fill(AGENT_ID)
    page.get_by_label("领取人当场签名").check()
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 90)
    page.mouse.down()
    for x, y in [(90, 30), (160, 120), (260, 40)]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=4)
    page.mouse.up()
    screenshot(page, "hand-over-1280")
    page.get_by_role("button", name="确认交付").click()
    expect(page.locator(".flash-list")).to_contain_text("已交付")
    record = HandOver.objects.get(delivery__case=case)
    assert record.collector == "agent" and record.confirmation == "signature"
    with Image.open(record.signature) as drawn:  # the strokes, dark on white
        assert drawn.format == "PNG"
        assert ImageOps.invert(drawn.convert("L")).getbbox() is not None
    delivery_card = page.get_by_role("region", name="出件送达")
    expect(delivery_card).to_contain_text("110101********803X")
    expect(delivery_card).to_contain_text("已核验授权委托书")
    assert AGENT_ID not in page.content()
    accessible(page)

    # The receipt, as the clerk downloads it from the case page.
    link = delivery_card.get_by_role("link", name="领取凭证(PDF)")
    response = page.request.get(base + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    text = "".join(p.extract_text() for p in reader.pages)
    for words in ["领取凭证", case.number, "受托代领人：张*", "110101********803X", "授权委托书"]:
        assert words in text, words
    assert "领取人当场签名" in text and case.place.name in text

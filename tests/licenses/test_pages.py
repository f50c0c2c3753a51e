"""What a third party sees: the public verification page and API (masked data only), and
the licence PDF whose QR code decodes to the verification URL."""

import datetime
import shutil
import subprocess

import pytest
from django.test import override_settings

from tests.pdf_fonts import assert_self_contained
from yiwang.licenses import documents, services, signing

from .conftest import id_card_data

FULL_ID = "110101198503152019"


def test_verify_page_shows_the_verdict_and_masked_data_only(id_card, client):
    response = client.get(f"/v/{id_card.payload}")
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "有效" in html and id_card.number in html
    assert "张*" in html and "110101********2019" in html
    assert FULL_ID not in html and "张三" not in html
    assert "人民路12号3单元201室" not in html  # a person's address is cut short


def test_verify_page_shows_dates_in_the_readers_language(id_card, client):
    html = client.get(f"/v/{id_card.payload}").content.decode()
    assert "2015年4月2日" in html and "2035年4月1日" in html and "2015-04-02" not in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(f"/v/{id_card.payload}").content.decode()
    assert "2 April 2015" in english and "1 April 2035" in english


def test_verify_page_for_revoked_replaced_and_forged(id_card, client, user_named):
    forged = id_card.payload[:-2] + ("AA" if not id_card.payload.endswith("AA") else "BA")
    html = client.get(f"/v/{forged}").content.decode()
    assert "非真实证照" in html and id_card.number not in html
    services.revoke(id_card.pk, by=user_named("head-gaj"), reason="遗失")
    assert "已注销" in client.get(f"/v/{id_card.payload}").content.decode()


def test_verify_api_answers_in_json_without_login(id_card, api, user_named):
    answer = api.get("/api/v1/licenses/verify", {"payload": id_card.payload}).json()
    assert answer["status"] == "valid" and answer["genuine"]
    assert answer["holder"] == "张*" and answer["fields"]["公民身份号码"] == "110101********2019"
    new = services.replace(id_card.pk, by=user_named("head-gaj"), data_changes={}, reason="换领")
    answer = api.post("/api/v1/licenses/verify", {"payload": id_card.payload}, format="json")
    assert answer.json()["status"] == "replaced" and answer.json()["replaced_by"] == new.number
    assert api.get("/api/v1/licenses/verify").status_code == 400
    bad = api.get("/api/v1/licenses/verify", {"payload": "x.y"}).json()
    assert (bad["status"], bad["words"]) == ("not_genuine", "非真实证照")
    assert FULL_ID not in str(answer.json())


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "licence.pdf"
    path.write_bytes(content)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return "".join(out.stdout.decode("utf-8").split())


def _qr_codes(content: bytes, tmp_path) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    path = tmp_path / "licence.pdf"
    path.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
    )
    page = next(tmp_path.glob("p*.png"))
    return [r.text for r in zxingcpp.read_barcodes(Image.open(page))]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
@override_settings(YIWANG_SITE_URL="https://zwfw.example.gov.cn")
def test_the_pdf_is_chinese_and_its_qr_verifies_online_and_offline(id_card, tmp_path):
    url = services.verification_url(id_card)
    pdf = documents.license_pdf(id_card, verify_url=url)
    text = _pdf_text(pdf, tmp_path)
    assert "居民身份证" in text and id_card.number in text and "示例市公安局示范分局" in text
    assert "状态有效" in text
    [scanned] = _qr_codes(pdf, tmp_path)
    assert scanned == url and scanned.startswith("https://zwfw.example.gov.cn/v/")
    payload = scanned.rsplit("/v/", 1)[1]
    assert services.verify(payload).status == "valid"
    assert signing.verify_offline(payload, signing.public_keys()).status == "valid"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_revoked_licence_pdf_carries_a_watermark(id_card, user_named, tmp_path):
    services.revoke(id_card.pk, by=user_named("head-gaj"), reason="遗失")
    id_card.refresh_from_db()
    pdf = documents.license_pdf(id_card, verify_url=services.verification_url(id_card))
    text = _pdf_text(pdf, tmp_path)
    assert "状态已注销" in text and "销注已" in text  # the status row and the (rotated) watermark


def test_pdfs_of_the_same_licence_are_the_same_bytes(types, user_named):
    citizen = user_named("citizen")
    licence = services.issue(
        types["L-SFZ"],
        holder_person=citizen,
        data=id_card_data(citizen),
        by="test",
        issued_on=datetime.date(2020, 1, 1),
    )
    url = services.verification_url(licence)
    day = datetime.date(2026, 1, 1)
    assert documents.license_pdf(licence, verify_url=url, today=day) == documents.license_pdf(
        licence, verify_url=url, today=day
    )


def test_licence_pdf_carries_its_font_so_any_reader_shows_the_characters(id_card):
    pdf = documents.license_pdf(id_card, verify_url=services.verification_url(id_card))
    assert_self_contained(pdf, "居民身份证", id_card.number, "示例市公安局示范分局")

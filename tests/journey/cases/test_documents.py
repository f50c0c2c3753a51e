"""The papers an applicant gets: the receipt, the one-time supplement notice and the refusal
decision, as PDFs only the case's applicant and the clerks in scope can open."""

import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.pdf_fonts import assert_self_contained
from yiwang.catalog.models import ItemVersion
from yiwang.demo.forms import fill_in
from yiwang.journey.cases import services
from yiwang.journey.cases.models import CaseMaterial

SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def published(code):
    return ItemVersion.objects.get(item__code=code, status="published")


def provide_everything(case, by):
    fill_in(case, by)
    for material in case.materials.exclude(state__in=services.NOT_ASKED):
        services.attach_file(
            material.pk,
            by=by,
            uploaded=SimpleUploadedFile("scan.pdf", SCAN, content_type="application/pdf"),
        )


def pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    # CJK text may come out with line breaks mid-phrase; compare without whitespace.
    return "".join(result.stdout.decode("utf-8").split())


def assert_pdf(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert_self_contained(response.content)  # every font embedded, the text reads back
    assert ".pdf" in response["Content-Disposition"]


@pytest.fixture
def people(demo_catalog, user_named):
    return {name: user_named(name) for name in ["citizen", "citizen2", "clerk", "street-clerk"]}


@pytest.fixture
def submitted(people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    provide_everything(case, citizen)
    services.submit(case.pk, by=citizen)
    case.refresh_from_db()
    return case


def get_as(client, user, name, case):
    client.force_login(user)
    return client.get(reverse(name, args=[case.pk]))


def test_receipt_of_a_submitted_case_is_a_jiejian_receipt(client, people, submitted, tmp_path):
    response = get_as(client, people["citizen"], "case_receipt", submitted)
    assert_pdf(response)
    assert "attachment" not in response["Content-Disposition"]
    text = pdf_text(response.content, tmp_path)
    assert "接件回执" in text and submitted.number in text
    assert "张三" in text and "110101198503152019" not in text  # the ID is masked
    assert f"/my/cases/{submitted.pk}/" in text


def test_receipt_after_acceptance_shows_the_promised_deadline(client, people, submitted, tmp_path):
    services.accept(submitted.pk, by=people["clerk"])
    submitted.refresh_from_db()
    response = get_as(client, people["clerk"], "case_receipt", submitted)
    assert_pdf(response)
    text = pdf_text(response.content, tmp_path)
    due = submitted.promised_due_on
    assert "受理回执" in text and "承诺办结期限" in text
    assert f"{due.year}年{due.month}月{due.day}日" in text


def test_receipt_is_the_same_document_each_time(client, people, submitted):
    first = get_as(client, people["citizen"], "case_receipt", submitted).content
    assert get_as(client, people["citizen"], "case_receipt", submitted).content == first


def test_bundle_receipt_lists_every_child_number(client, people, tmp_path):
    citizen = people["citizen"]
    parent = services.start_bundle_case("YJS-0001", by=citizen)
    provide_everything(parent, citizen)
    services.submit(parent.pk, by=citizen)
    parent.refresh_from_db()
    response = get_as(client, citizen, "case_receipt", parent)
    assert_pdf(response)
    text = pdf_text(response.content, tmp_path)
    for case in [parent, *parent.children.all()]:
        assert case.number in text


def test_tolerated_materials_are_listed_as_owed(client, people, tmp_path):
    citizen, clerk = people["citizen"], people["clerk"]
    version = ItemVersion.objects.filter(
        status="published", materials__necessity="tolerated"
    ).first()
    case = services.start_case(version.pk, by=citizen)
    fill_in(case, citizen)
    for material in case.materials.filter(tolerable=False).exclude(state__in=services.NOT_ASKED):
        services.attach_file(
            material.pk,
            by=citizen,
            uploaded=SimpleUploadedFile("scan.pdf", SCAN, content_type="application/pdf"),
        )
    services.submit(case.pk, by=citizen)
    services.accept(case.pk, by=clerk, tolerated=True)
    owed = case.materials.filter(state=CaseMaterial.State.TOLERATED).first()
    text = pdf_text(get_as(client, citizen, "case_receipt", case).content, tmp_path)
    assert "容缺后补" in text and "".join(owed.name.split()) in text


def test_a_draft_has_no_receipt(client, people):
    draft = services.start_case(published("SCJ-XK-0005").pk, by=people["citizen"])
    assert get_as(client, people["citizen"], "case_receipt", draft).status_code == 404


def test_notice_lists_every_material_with_its_reason(client, people, submitted, tmp_path):
    assert get_as(client, people["citizen"], "case_notice", submitted).status_code == 404
    first, second = list(submitted.materials.all()[:2])
    services.request_supplement(
        submitted.pk,
        by=people["clerk"],
        items=[
            {"material": first.pk, "reason": "复印件不清晰"},
            {"material": second.pk, "reason": "缺少签名页"},
        ],
    )
    response = get_as(client, people["citizen"], "case_notice", submitted)
    assert_pdf(response)
    text = pdf_text(response.content, tmp_path)
    assert "一次性告知书" in text and submitted.number in text
    assert "复印件不清晰" in text and "缺少签名页" in text
    assert "第三十二条" in text


def test_refusal_letter_only_once_refused(client, people, submitted, tmp_path):
    assert get_as(client, people["citizen"], "case_refusal", submitted).status_code == 404
    services.refuse(submitted.pk, by=people["clerk"], reason="不属于本机关职权范围")
    response = get_as(client, people["citizen"], "case_refusal", submitted)
    assert_pdf(response)
    text = pdf_text(response.content, tmp_path)
    assert "不予受理决定书" in text and submitted.number in text
    assert "不属于本机关职权范围" in text
    assert "行政复议" in text and "六十日" in text and "六个月" in text


def test_outsiders_get_404_for_every_document(client, people, submitted):
    services.request_supplement(
        submitted.pk,
        by=people["clerk"],
        items=[{"material": submitted.materials.first().pk, "reason": "缺页"}],
    )
    services.submit(submitted.pk, by=people["citizen"])
    services.refuse(submitted.pk, by=people["clerk"], reason="不属于本机关职权范围")
    for name in ["case_receipt", "case_notice", "case_refusal"]:
        assert get_as(client, people["citizen"], name, submitted).status_code == 200
        assert get_as(client, people["clerk"], name, submitted).status_code == 200
        # citizen2 is another applicant; street-clerk works at a street centre, and this
        # district-level case is handled at the district centre.
        assert get_as(client, people["citizen2"], name, submitted).status_code == 404
        assert get_as(client, people["street-clerk"], name, submitted).status_code == 404


def test_anonymous_is_sent_to_log_in(client, submitted):
    response = client.get(reverse("case_receipt", args=[submitted.pk]))
    assert response.status_code == 302

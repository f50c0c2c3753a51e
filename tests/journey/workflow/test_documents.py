"""The decision document opens as PDF and says the decision in Chinese."""

import shutil
import subprocess

import pytest

from tests.pdf_fonts import assert_self_contained
from yiwang.journey.workflow import documents, services
from yiwang.journey.workflow.models import ApprovalTask


def pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return "".join(result.stdout.decode("utf-8").split())


def decide(case, people, decision):
    task = ApprovalTask.objects.get(case=case, status__in=["pending", "active"])
    opinion = "" if decision == "approve" else "经营场所不符合要求"
    services.complete(task.pk, by=people["approver"], decision=decision, opinion=opinion)
    if decision == "approve":
        task = ApprovalTask.objects.get(case=case, status__in=["pending", "active"])
        services.complete(task.pk, by=people["chief"], decision="approve", opinion="同意")
    case.refresh_from_db()


def test_approval_decision_pdf(accepted_case, people, tmp_path):
    case = accepted_case()
    assert not documents.has_decision(case)
    decide(case, people, "approve")
    content = documents.decision_pdf(case)
    assert content.startswith(b"%PDF")
    text = pdf_text(content, tmp_path)
    assert "准予许可决定书" in text and case.number in text and "个体工商户设立登记" in text


def test_denial_decision_pdf_gives_the_reason_and_remedies(accepted_case, people, tmp_path):
    case = accepted_case()
    decide(case, people, "deny")
    text = pdf_text(documents.decision_pdf(case), tmp_path)
    assert "不予许可决定书" in text and "经营场所不符合要求" in text and "行政复议" in text


def test_each_item_of_a_bundle_has_its_own_decision_naming_its_own_result(
    accepted_bundle, people, tmp_path
):
    from tests.licenses.restaurant import approve_everything, restaurant
    from yiwang.licenses.models import License

    parent = restaurant(accepted_bundle)
    approve_everything(parent, people)
    assert not documents.has_decision(parent)  # the journey has none: each item has its own
    results = {
        "SCJ-XK-0005": "个体工商户营业执照",
        "SCJ-XK-0008": "食品经营许可证",
        "CGW-XK-0001": "户外招牌设置许可决定书",
        "XFJ-XK-0001": "公众聚集场所投入使用营业前消防安全检查合格证",
    }
    texts = {}
    for child in parent.children.select_related("item_version__item"):
        code = child.item_version.item.code
        licence = License.objects.get(case=child)
        text = pdf_text(documents.decision_pdf(child), tmp_path)
        assert "准予许可决定书" in text and child.number in text
        assert f"办理结果{results[code]}（证照编号{licence.number}）" in text, code
        texts[code] = text
    for code, text in texts.items():
        others = [name for other, name in results.items() if other != code]
        # 户外招牌设置许可决定书 contains no other item's result name, and so on.
        assert not any(f"办理结果{name}" in text for name in others), code
    assert len({documents.decision_pdf(c) for c in parent.children.all()}) == 4


def test_decision_pdf_carries_its_font_and_reads_back_without_poppler(accepted_case, people):
    case = accepted_case()
    decide(case, people, "approve")
    assert_self_contained(documents.decision_pdf(case), "准予许可决定书", case.number)

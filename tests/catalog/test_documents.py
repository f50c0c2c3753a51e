"""The printable 办事指南 (ReportLab, with its CJK font embedded)."""

import re
import shutil
import subprocess

import pytest

from tests.pdf_fonts import assert_self_contained
from yiwang.catalog import documents, selectors

pytestmark = pytest.mark.django_db


def test_guide_pdf_is_a_chinese_pdf_with_every_part(client, demo_catalog, tmp_path):
    response = client.get("/items/SCJ-XK-0001/guide.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "SCJ-XK-0001" in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    # the CJK font is in the file, so Chinese shows as characters, not boxes, on any reader
    assert_self_contained(pdf, "企业设立登记", "SCJ-XK-0001")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 1

    assert client.get("/items/NO-SUCH-0001/guide.pdf").status_code == 404

    if shutil.which("pdftotext"):  # poppler-utils, where installed: read the text back
        path = tmp_path / "guide.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        text = re.sub(r"\s+", "", text)
        for words in [
            "企业设立登记",
            "事项编码",
            "受理条件",
            "申请材料",
            "居民身份证",
            "电子证照库",  # a narrow cell: the words wrap across lines
            "办理流程",
            "办理地点和时间",
            "示例市示范区人民路88号",
            "常见问题",
        ]:
            assert words in text, words


def test_guide_pdf_of_an_item_without_extras_builds(demo_catalog):
    version = selectors.guide("MZJ-QR-0001")
    pdf = documents.guide_pdf(version)
    assert pdf.startswith(b"%PDF")
    assert_self_contained(pdf, version.name)

import io

import openpyxl

from yiwang.core.xlsx import XLSX_TYPE, xlsx_response


def test_an_export_opens_in_excel_with_the_page_headers_and_rows():
    response = xlsx_response("逾期办件", "逾期办件", ["办件编号", "剩余工作日"], [["A1", 3]])
    assert response["Content-Type"] == XLSX_TYPE
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["办件编号", "剩余工作日"],
        ["A1", 3],
    ]

"""What people see: the citizen's rating page and its thank-you page, the call to action on
the case page, and the staff's rectification and rating lists with their forms."""

import io

import openpyxl
import pytest

from yiwang.feedback import services
from yiwang.feedback.models import Evaluation

from .conftest import GOOD_SCORES, at, rate_bad

LEVELS = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


def rating(level=5, comment="", reasons=()):
    return {"level": level, "comment": comment, "reasons": list(reasons)}


def test_the_case_page_asks_for_a_rating_then_shows_it(concluded_case, people, client):
    case = concluded_case()
    client.force_login(people["citizen"])
    page = client.get(f"/my/cases/{case.pk}/").content.decode()
    assert "评价这次服务" in page and f"/my/cases/{case.pk}/rate/" in page

    form = client.get(f"/my/cases/{case.pk}/rate/")
    text = form.content.decode()
    assert form.status_code == 200
    # One question, five levels (GB/T 39734-2020); no separate 整体满意度 or star scores.
    assert "<legend>您对这次服务满意吗？</legend>" in text
    assert [level for level in LEVELS if f'rate-tile-words">{level}<' in text] == LEVELS
    assert text.count('type="radio"') == 5
    assert "整体满意度" not in text and "请为各项打分" not in text
    # The online channel's indicators are the reasons a 差评 may tick.
    for label in ("办事效率", "办事指南精确度", "办事便捷度", "平台操作性", "其他"):
        assert f"<span>{label}</span>" in text
    assert "责任部门将在5个工作日内整改，并电话回访您" in text

    done = client.post(f"/my/cases/{case.pk}/rate/", rating(level=5, comment="很方便"))
    assert done.status_code == 302 and done.url == f"/my/cases/{case.pk}/rate/thanks/"
    thanks = client.get(done.url).content.decode()
    assert "感谢您的评价" in thanks and "非常满意" in thanks
    page = client.get(f"/my/cases/{case.pk}/").content.decode()
    assert "已评价" in page and "很方便" in page and "评价这次服务</a>" not in page
    # The rating page now shows what was given.
    assert client.get(f"/my/cases/{case.pk}/rate/").url == f"/my/cases/{case.pk}/rate/thanks/"


def test_a_bad_rating_says_what_happens_next(concluded_case, people, client):
    case = concluded_case()
    client.force_login(people["citizen"])
    client.post(f"/my/cases/{case.pk}/rate/", rating(level=1, comment="材料要求前后不一致。"))
    thanks = client.get(f"/my/cases/{case.pk}/rate/thanks/").content.decode()
    assert "示范区市场监督管理局" in thanks and "电话回访您" in thanks
    assert "责任部门正在整改" in client.get(f"/my/cases/{case.pk}/").content.decode()


def test_the_rating_page_is_only_for_the_applicant(concluded_case, people, client):
    case = concluded_case()
    client.force_login(people["citizen2"])
    assert client.get(f"/my/cases/{case.pk}/rate/").status_code == 404
    assert client.post(f"/my/cases/{case.pk}/rate/", rating()).status_code == 404
    assert not Evaluation.objects.exists()


def test_a_running_case_has_no_rating_yet(filed, people, client):
    case = filed()
    client.force_login(people["citizen"])
    assert "评价这次服务" not in client.get(f"/my/cases/{case.pk}/").content.decode()
    response = client.get(f"/my/cases/{case.pk}/rate/", follow=True)
    assert "办结后才能评价" in response.content.decode()


def test_a_window_case_offers_the_window_reasons(concluded_case, people, client):
    case = concluded_case(at_window=True)
    client.force_login(people["citizen"])
    text = client.get(f"/my/cases/{case.pk}/rate/").content.decode()
    for label in ("服务效率", "服务水平", "服务态度"):
        assert f"<span>{label}</span>" in text
    assert "平台操作性" not in text


def test_a_bad_rating_with_reasons_only_is_taken_and_shows_them(concluded_case, people, client):
    case = concluded_case()
    client.force_login(people["citizen"])
    done = client.post(
        f"/my/cases/{case.pk}/rate/", rating(level=2, reasons=["efficiency", "convenience"])
    )
    assert done.status_code == 302
    evaluation = Evaluation.objects.get()
    assert evaluation.reasons == ["efficiency", "convenience"] and evaluation.comment == ""
    client.force_login(people["chief"])
    page = client.get(f"/workbench/rectifications/{evaluation.rectification.pk}/")
    assert "不满意的原因：</strong>办事效率、办事便捷度" in page.content.decode()


def test_a_bad_rating_without_reason_or_comment_is_sent_back(concluded_case, people, client):
    case = concluded_case()
    client.force_login(people["citizen"])
    again = client.post(f"/my/cases/{case.pk}/rate/", rating(level=1))
    assert again.status_code == 400 and "请选择不满意的原因或写下意见" in again.content.decode()
    assert not Evaluation.objects.exists()


# --- staff ------------------------------------------------------------------------------------


def test_the_workbench_links_to_rectifications_for_those_who_may_see_them(people, client):
    client.force_login(people["chief"])
    assert "差评整改" in client.get("/workbench/").content.decode()
    client.force_login(people["clerk"])
    assert "/workbench/rectifications/" not in client.get("/workbench/").content.decode()


def test_the_list_shows_the_deadline_in_colour_and_words(concluded_case, people, client):
    case = concluded_case()
    with at(2026, 9, 30):
        rectification = rate_bad(case, people["citizen"]).rectification
    services.mark_overdue()
    client.force_login(people["chief"])
    text = client.get("/workbench/rectifications/").content.decode()
    assert case.number in text
    assert "task-row-red" in text and "红牌：超期" in text and "已超期" in text
    assert 'aria-current="page">差评整改' in text
    red_only = client.get("/workbench/rectifications/?warning=red").content.decode()
    assert case.number in red_only
    closed_only = client.get("/workbench/rectifications/?status=closed").content.decode()
    assert case.number not in closed_only and "没有符合条件的差评整改" in closed_only
    assert rectification.due_on.isoformat() in text


def test_a_fresh_rectification_shows_the_working_days_left(concluded_case, people, client):
    rate_bad(concluded_case(), people["citizen"])
    client.force_login(people["chief"])
    assert "剩余5个工作日" in client.get("/workbench/rectifications/").content.decode()


def test_the_list_downloads_as_excel(concluded_case, people, client):
    case = concluded_case()
    rate_bad(case, people["citizen"])
    client.force_login(people["supervisor"])
    response = client.get("/workbench/rectifications/?export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("办件编号", "申请事项", "事项")
    assert rows[1][0] == case.number and rows[1][5] == "不满意"


def test_the_department_responds_on_the_page_and_the_supervisor_closes_it(
    concluded_case, people, client
):
    rectification = rate_bad(concluded_case(), people["citizen"]).rectification
    url = f"/workbench/rectifications/{rectification.pk}/"
    client.force_login(people["chief"])
    page = client.get(url).content.decode()
    assert "反馈整改情况" in page and "提交核实结论" not in page
    assert "窗口工作人员态度冷淡" in page and "138****0001" in page
    refused = client.post(url + "respond/", {"explanation": "属实", "measures": ""})
    assert refused.status_code == 400 and "请写明采取的整改措施" in refused.content.decode()
    done = client.post(
        url + "respond/", {"explanation": "情况属实。", "measures": "已批评教育。"}, follow=True
    )
    assert "整改情况已反馈" in done.content.decode()

    client.force_login(people["supervisor"])
    page = client.get(url).content.decode()
    assert "提交核实结论" in page and "13800000001" in page  # the one who calls back
    client.post(url + "verify/", {"decision": "accept", "note": ""})
    done = client.post(url + "callback/", {"reached": "yes", "satisfied": "yes", "note": ""})
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert "已办结" in page and "群众对整改满意" in page and "回访群众，整改办结" in page


def test_a_callback_without_an_answer_is_refused_on_the_page(concluded_case, people, client):
    rectification = rate_bad(concluded_case(), people["citizen"]).rectification
    services.respond(rectification.pk, by=people["chief"], explanation="属实", measures="已改")
    services.verify(rectification.pk, by=people["supervisor"], accept=True)
    client.force_login(people["supervisor"])
    url = f"/workbench/rectifications/{rectification.pk}/callback/"
    response = client.post(url, {"reached": "no", "note": ""})
    assert response.status_code == 400
    assert "未联系上群众时，请记录回访经过" in response.content.decode()


@pytest.mark.parametrize("query", ["", "?level=bad", "?level=2&from=2020-01-01&to=2099-01-01"])
def test_the_rating_list_filters_and_exports(concluded_case, people, client, query):
    rate_bad(concluded_case(), people["citizen"])
    services.rate(concluded_case().pk, by=people["citizen"], level=5, scores=GOOD_SCORES)
    client.force_login(people["supervisor"])
    text = client.get(f"/workbench/evaluations/{query}").content.decode()
    assert "不满意" in text
    assert ("非常满意</span>" in text) == (query == "")
    sep = "&" if query else "?"
    export = client.get(f"/workbench/evaluations/{query}{sep}export=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.values)
    assert len(rows) == (3 if query == "" else 2)


def test_the_rating_list_shows_one_page_at_a_time(concluded_case, people, client, monkeypatch):
    from yiwang.feedback import views

    monkeypatch.setattr(views, "PER_PAGE", 1)
    rate_bad(concluded_case(), people["citizen"])
    services.rate(concluded_case().pk, by=people["citizen"], level=5, scores=GOOD_SCORES)
    client.force_login(people["supervisor"])
    first = client.get("/workbench/evaluations/").content.decode()
    second = client.get("/workbench/evaluations/?page=2").content.decode()
    assert "第 1 页，共 2 页" in first and "第 2 页，共 2 页" in second
    # Each page lists one rating: the newer good one first, the bad one next.
    assert first.count('class="rate-level ') == second.count('class="rate-level ') == 1
    assert ("非常满意</span>" in first) != ("非常满意</span>" in second)


def test_the_rectification_list_counts_at_most_a_thousand_rows(
    concluded_case, people, client, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yiwang.api import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 1)
    cases = [concluded_case() for _ in range(3)]
    for case in cases:
        rate_bad(case, people["citizen"])
    client.force_login(people["chief"])
    with CaptureQueriesContext(connection) as queries:
        text = client.get("/workbench/rectifications/").content.decode()
    counts = [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"].upper() and "feedback_rectification" in q["sql"]
    ]
    assert counts and all("LIMIT 2" in sql for sql in counts)
    assert any(case.number in text for case in cases)

# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""The pages of supervision orders: the list in the user's scope with its filters and its
Excel download, issuing from a case (prefilled) or for a department, the order page with
the chief's response and the supervisor's close / send back, and the workbench rows."""

import datetime
import io

import openpyxl
import pytest

from tests.journey.workflow.conftest import accepted_case, catalog, on_day, people  # noqa: F401
from tests.supervision.test_orders import (  # noqa: F401 (fixtures)
    FRIDAY,
    issue,
    scj,
    scj_case,
    staff,
)
from yiwang.identity.models import OrgUnit
from yiwang.supervision import orders
from yiwang.supervision.models import OrderStatus, SupervisionOrder

LIST = "/workbench/supervision/orders/"
NEW = "/workbench/supervision/orders/new/"


def detail(order) -> str:
    return f"/workbench/supervision/orders/{order.pk}/"


@pytest.fixture
def as_user(client, staff):
    def login(name):
        client.force_login(staff[name])
        return client

    return login


# --- the list -------------------------------------------------------------------------------


def test_chief_lists_the_orders_to_their_department_with_deadline_words(
    scj_case, issue, as_user, on_day
):
    on_day(FRIDAY)
    mine = issue(case=scj_case, workdays=1)
    theirs = issue(department=OrgUnit.objects.get(code="990101-CGW"))
    on_day(datetime.date(2025, 6, 10))
    orders.refresh_overdue()
    page = as_user("chief").get(LIST)
    html = page.content.decode()
    assert page.status_code == 200
    assert mine.number in html and theirs.number not in html
    assert "已超期1个工作日" in html and "红牌：超期" in html  # colour never alone
    assert scj_case.number in html


def test_supervisor_filters_by_status_and_overdue(scj, issue, staff, as_user, on_day):
    on_day(FRIDAY)
    late = issue(department=scj, workdays=1, subject="逾期的")
    answered = issue(department=scj, workdays=5, subject="已反馈的")
    orders.respond(answered.pk, staff["chief"], "已办理")
    on_day(datetime.date(2025, 6, 10))
    orders.refresh_overdue()
    client = as_user("supervisor")
    everything = client.get(LIST).content.decode()
    assert late.number in everything and answered.number in everything
    red = client.get(LIST, {"overdue": "1"}).content.decode()
    assert late.number in red and answered.number not in red
    responded = client.get(LIST, {"status": "responded"}).content.decode()
    assert answered.number in responded and late.number not in responded
    assert "已反馈" in responded


def test_list_is_paginated(scj, issue, as_user):
    for n in range(31):
        issue(department=scj, subject=f"督办{n}")
    client = as_user("supervisor")
    first = client.get(LIST)
    assert first.context["page"].paginator.num_pages == 2
    assert "第 1 页，共 2 页" in first.content.decode()
    assert len(client.get(LIST, {"page": 2}).context["page"].object_list) == 1


def test_list_exports_to_excel_with_the_same_filters(scj, issue, staff, as_user, on_day):
    on_day(FRIDAY)
    late = issue(department=scj, workdays=1, subject="逾期的")
    fine = issue(department=scj, workdays=9, subject="未到期的")
    on_day(datetime.date(2025, 6, 10))
    orders.refresh_overdue()
    response = as_user("supervisor").get(LIST, {"overdue": "1", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("督办单号", "督办部门", "相关办件", "督办事由")
    assert [r[0] for r in rows[1:]] == [late.number]
    assert fine.number not in str(rows)
    assert "已超期1个工作日" in rows[1] and "红牌：超期" in rows[1]


@pytest.mark.parametrize("name", ["citizen", "approver", "clerk"])
def test_people_without_the_roles_do_not_find_the_list(as_user, name):
    assert as_user(name).get(LIST).status_code == 404


def test_street_supervisor_gets_404_for_an_order_outside_their_street(scj_case, issue, as_user):
    order = issue(case=scj_case)
    client = as_user("street-supervisor")
    assert client.get(detail(order)).status_code == 404
    assert order.number not in client.get(LIST).content.decode()
    assert client.get(NEW, {"case": scj_case.pk}).status_code == 404


# --- issuing --------------------------------------------------------------------------------


def test_new_order_from_a_case_is_prefilled_and_shows_the_cases_clock(scj_case, as_user):
    page = as_user("supervisor").get(NEW, {"case": scj_case.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "示范区市场监督管理局" in html
    form = page.context["form"]
    assert form.initial["subject"] == f"办件 {scj_case.number} {scj_case.title}"
    assert scj_case.get_status_display() in html
    assert "剩余" in html  # the case's deadline in words
    assert 'name="workdays"' in html and 'value="5"' in html


def test_supervisor_issues_an_order_about_a_case(scj_case, staff, as_user):
    client = as_user("supervisor")
    response = client.post(
        NEW,
        {
            "case": scj_case.pk,
            "department": scj_case.department_id,
            "subject": f"办件 {scj_case.number} 超期",
            "requirement": "请两个工作日内办结并说明原因。",
            "workdays": 2,
        },
    )
    order = SupervisionOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(order)
    assert order.case == scj_case and order.issued_by == staff["supervisor"]
    page = client.get(detail(order)).content.decode()
    assert "已发出" in page and "请两个工作日内办结并说明原因。" in page
    again = client.get(NEW, {"case": scj_case.pk}).content.decode()
    assert order.number in again  # the open order is listed before issuing another


def test_issuing_without_a_requirement_shows_the_form_again(scj_case, as_user):
    response = as_user("supervisor").post(
        NEW,
        {"case": scj_case.pk, "department": scj_case.department_id, "subject": "x", "workdays": 5},
    )
    assert response.status_code == 400
    assert "请填写督办要求。" in response.content.decode()
    assert not SupervisionOrder.objects.exists()


def test_department_level_order_from_the_department_code(catalog, as_user):
    client = as_user("supervisor")
    page = client.get(NEW, {"department": "990101-SCJ"})
    assert page.context["form"].initial["department"] == OrgUnit.objects.get(code="990101-SCJ").pk
    response = client.post(
        NEW,
        {
            "department": OrgUnit.objects.get(code="990101-SCJ").pk,
            "subject": "本月超期办件较多",
            "requirement": "请分析原因并报送整改措施。",
            "workdays": 5,
        },
    )
    assert response.status_code == 302
    order = SupervisionOrder.objects.get()
    assert order.case is None and order.department.code == "990101-SCJ"


def test_chief_cannot_open_the_new_order_page(catalog, as_user):
    assert as_user("chief").get(NEW).status_code == 404


# --- the order page -------------------------------------------------------------------------


def test_chief_responds_and_supervisor_closes_on_the_order_page(scj_case, issue, as_user):
    order = issue(case=scj_case, requirement="请说明超期原因。")
    chief = as_user("chief")
    page = chief.get(detail(order)).content.decode()
    assert "提交反馈" in page and "退回重办" not in page
    response = chief.post(f"{detail(order)}respond/", {"response": "审查已完成，今日办结。"})
    assert response.status_code == 302
    supervisor = as_user("supervisor")
    page = supervisor.get(detail(order)).content.decode()
    assert "审查已完成，今日办结。" in page
    assert "反馈属实，办结" in page and "退回重办" in page
    assert supervisor.post(f"{detail(order)}close/", {"note": "属实"}).status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    page = supervisor.get(detail(order)).content.decode()
    for words in ("督办", "部门反馈", "办结", "请说明超期原因。", "属实"):
        assert words in page


def test_send_back_keeps_the_earlier_response_in_the_history(scj_case, issue, staff, as_user):
    order = issue(case=scj_case)
    orders.respond(order.pk, staff["chief"], "第一次反馈")
    supervisor = as_user("supervisor")
    missing = supervisor.post(f"{detail(order)}send-back/", {"note": ""})
    assert missing.status_code == 400 and "请写明退回重办的理由。" in missing.content.decode()
    response = supervisor.post(f"{detail(order)}send-back/", {"note": "请补充决定书编号"})
    assert response.status_code == 302
    page = as_user("chief").get(detail(order)).content.decode()
    assert "第一次反馈" in page and "请补充决定书编号" in page and "提交反馈" in page


def test_a_forbidden_move_shows_the_page_unchanged(scj_case, issue, staff, as_user):
    order = issue(case=scj_case)
    response = as_user("supervisor").post(f"{detail(order)}close/", {"note": ""})
    assert response.status_code == 400
    assert "不能变为" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


def test_chief_of_another_department_gets_404_on_the_order_page(scj_case, issue, as_user):
    order = issue(case=scj_case)
    client = as_user("head-cgw")
    assert client.get(detail(order)).status_code == 404
    assert client.post(f"{detail(order)}respond/", {"response": "x"}).status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


# --- the workbench --------------------------------------------------------------------------


def test_workbench_rows_for_supervisors_and_chiefs(scj_case, issue, staff, as_user):
    issue(case=scj_case)
    chief_home = as_user("chief").get("/workbench/").content.decode()
    assert LIST in chief_home and "1 件待处理" in chief_home
    supervisor_home = as_user("supervisor").get("/workbench/").content.decode()
    assert LIST in supervisor_home
    assert LIST not in as_user("approver").get("/workbench/").content.decode()


def test_the_workbench_case_page_lists_its_orders_and_offers_to_issue(scj_case, issue, as_user):
    order = issue(case=scj_case)
    page = as_user("supervisor").get(f"/workbench/cases/{scj_case.pk}/").content.decode()
    assert order.number in page
    assert f"{NEW}?case={scj_case.pk}" in page

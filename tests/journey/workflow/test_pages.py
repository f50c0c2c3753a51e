"""The back office's pages: the inbox and the task page for the department that holds the
task (404 to other departments), the decision form with its refusals shown and nothing
changed, clocks, the chief's view, the workbench case page, the issuer's result queue and
the applicant's result. Lists keep a constant number of queries."""

import pytest
from django.urls import reverse

from yiwang.journey.cases.models import Status
from yiwang.journey.workflow import clocks, services
from yiwang.journey.workflow.models import ApprovalTask, Extension, ResultDelivery, TaskStatus

from .conftest import MAIN, PARALLEL
from .test_services import HANDLERS, approve_main, child, finish, open_task


@pytest.fixture
def as_user(client, people):
    def log_in(name):
        client.force_login(people[name])
        return client

    return log_in


def text(response) -> str:
    return response.content.decode()


def conclude_bundle(parent, people):
    approve_main(parent, people)
    for code in PARALLEL:
        reviewer, head = HANDLERS[code]
        finish(child(parent, code), people[reviewer], people[head])
    parent.refresh_from_db()
    return parent


# --- inbox -----------------------------------------------------------------------------------


def test_inbox_lists_the_departments_tasks_with_deadline_words(accepted_case, as_user):
    case = accepted_case()
    response = as_user("approver").get(reverse("task_inbox"))
    assert response.status_code == 200
    body = text(response)
    assert case.number in body and "审查" in body
    # Words, not colour alone (this item is promised the same day: 即办).
    assert any(words in body for words in ["剩余", "今天到期", "已超期"])
    assert 'class="time-left time-left-' in body


def test_other_departments_and_citizens_do_not_see_the_task(accepted_case, as_user):
    case = accepted_case()
    assert case.number not in text(as_user("approver2").get(reverse("task_inbox")))
    assert as_user("citizen").get(reverse("task_inbox")).status_code == 404


def test_inbox_filters_by_warning_status_and_number(accepted_case, as_user):
    case = accepted_case()
    other = accepted_case()
    ApprovalTask.objects.filter(case=case).update(warning="red")
    client = as_user("approver")
    red = text(client.get(reverse("task_inbox"), {"warning": "red"}))
    assert case.number in red and other.number not in red
    assert "红牌" in red
    found = text(client.get(reverse("task_inbox"), {"q": other.number}))
    assert other.number in found and case.number not in found
    done = text(client.get(reverse("task_inbox"), {"status": "done"}))
    assert case.number not in done


def test_my_tasks_tab_shows_claimed_tasks(accepted_case, as_user, people):
    case = accepted_case()
    client = as_user("approver")
    assert case.number not in text(client.get(reverse("task_inbox"), {"tab": "mine"}))
    services.claim(open_task(case).pk, by=people["approver"])
    assert case.number in text(client.get(reverse("task_inbox"), {"tab": "mine"}))


def test_inbox_queries_do_not_grow_with_tasks(
    accepted_case, as_user, people, django_assert_max_num_queries
):
    first = accepted_case()
    clocks.suspend(first.pk, by=people["approver"], kind="hearing", reason="听证")
    client = as_user("approver")
    client.get(reverse("task_inbox"))  # warm the calendar and session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("task_inbox"))
    for _ in range(4):
        accepted_case()
    with django_assert_max_num_queries(len(few)):
        body = text(client.get(reverse("task_inbox")))
    assert body.count("task-row") == 5
    assert "暂停计时" in body


# --- the task page ---------------------------------------------------------------------------


def test_task_page_shows_summary_materials_diagram_and_form(accepted_case, as_user):
    case = accepted_case()
    task = open_task(case)
    response = as_user("approver").get(reverse("task_detail", args=[task.pk]))
    assert response.status_code == 200
    body = text(response)
    assert case.number in body and "张三" in body
    assert "110101198503152019" not in body and "110101********2019" in body  # masked
    assert "preview-pdf" in body  # the materials inline
    assert 'aria-current="step"' in body  # the diagram's current stage
    assert "准予（同意）" in body and "提交办理意见" in body


def test_task_of_another_department_is_404(accepted_case, as_user):
    task = open_task(accepted_case())
    assert as_user("approver2").get(reverse("task_detail", args=[task.pk])).status_code == 404
    assert as_user("citizen").get(reverse("task_detail", args=[task.pk])).status_code == 404


def test_approve_on_the_page_pushes_the_next_stage(accepted_case, as_user):
    case = accepted_case()
    task = open_task(case)
    response = as_user("approver").post(
        reverse("task_complete", args=[task.pk]), {"decision": "approve", "opinion": "材料齐全"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.opinion == "材料齐全"
    assert open_task(case).role == "chief"


def test_completing_a_done_task_shows_the_error_and_changes_nothing(accepted_case, as_user):
    case = accepted_case()
    task = open_task(case)
    client = as_user("approver")
    client.post(reverse("task_complete", args=[task.pk]), {"decision": "approve"})
    before = ApprovalTask.objects.filter(case=case).count()
    response = client.post(reverse("task_complete", args=[task.pk]), {"decision": "approve"})
    assert response.status_code == 400
    assert "不能重复办理" in text(response) and 'role="alert"' in text(response)
    assert ApprovalTask.objects.filter(case=case).count() == before


def test_a_task_claimed_by_a_colleague_cannot_be_completed(accepted_case, as_user, people):
    case = accepted_case()
    task = open_task(case)
    services.claim(task.pk, by=people["approver"])
    response = as_user("reviewer-scj").post(
        reverse("task_complete", args=[task.pk]), {"decision": "approve"}
    )
    assert response.status_code == 400
    assert "已由孙强签收" in text(response)
    task.refresh_from_db()
    assert task.status == TaskStatus.ACTIVE and task.assignee == people["approver"]


def test_deny_without_reason_is_refused(accepted_case, as_user):
    task = open_task(accepted_case())
    response = as_user("approver").post(
        reverse("task_complete", args=[task.pk]), {"decision": "deny", "opinion": ""}
    )
    assert response.status_code == 400 and "必须写明理由" in text(response)
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING


def test_a_colleague_role_may_look_but_not_decide(accepted_case, as_user):
    task = open_task(accepted_case())
    client = as_user("chief")  # 审查 is the approver's
    page = text(client.get(reverse("task_detail", args=[task.pk])))
    assert "提交办理意见" not in page
    response = client.post(reverse("task_complete", args=[task.pk]), {"decision": "approve"})
    assert response.status_code == 403


def test_claim_and_release_on_the_page(accepted_case, as_user, people):
    task = open_task(accepted_case())
    client = as_user("approver")
    client.post(reverse("task_claim", args=[task.pk]))
    task.refresh_from_db()
    assert task.assignee == people["approver"]
    client.post(reverse("task_release", args=[task.pk]))
    task.refresh_from_db()
    assert task.assignee is None and task.status == TaskStatus.PENDING


def test_suspend_and_resume_from_the_task_page(accepted_case, as_user):
    case = accepted_case()
    task = open_task(case)
    client = as_user("approver")
    response = client.post(
        reverse("task_suspend", args=[task.pk]),
        {"kind": "inspection", "reason": "现场核查", "expected_workdays": 3},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.SUSPENDED
    page = text(client.get(reverse("task_detail", args=[task.pk])))
    assert "暂停计时" in page and "恢复计时" in page
    # Deciding while suspended: refused, shown, nothing changed.
    refused = client.post(reverse("task_complete", args=[task.pk]), {"decision": "approve"})
    assert refused.status_code == 400 and "特别程序" in text(refused)
    client.post(reverse("task_resume", args=[task.pk]))
    case.refresh_from_db()
    assert case.status == Status.IN_REVIEW


def test_extension_requested_by_handler_and_approved_by_chief(accepted_case, as_user):
    case = accepted_case()
    task = open_task(case)
    statutory = case.statutory_due_on
    as_user("approver").post(
        reverse("task_extend", args=[task.pk]), {"reason": "需要补充核查", "workdays": 10}
    )
    extension = Extension.objects.get(case=case)
    chief = as_user("chief")
    department = text(chief.get(reverse("task_department")))
    assert "需要补充核查" in department and case.number in department
    response = chief.post(
        reverse("extension_decide", args=[extension.pk]),
        {"approve": "1", "next": reverse("task_department")},
    )
    assert response.status_code == 302
    extension.refresh_from_db()
    case.refresh_from_db()
    assert extension.status == "approved" and case.statutory_due_on > statutory


def test_approver_cannot_decide_an_extension(accepted_case, as_user, people):
    case = accepted_case()
    clocks.request_extension(case.pk, by=people["approver"], reason="理由")
    extension = Extension.objects.get(case=case)
    response = as_user("approver").post(
        reverse("extension_decide", args=[extension.pk]), {"approve": "1"}
    )
    assert response.status_code == 403
    assert (
        as_user("approver2")
        .post(reverse("extension_decide", args=[extension.pk]), {"approve": "1"})
        .status_code
        == 404
    )


def test_department_view_is_for_chiefs(accepted_case, as_user, people):
    case = accepted_case()
    services.claim(open_task(case).pk, by=people["approver"])
    body = text(as_user("chief").get(reverse("task_department")))
    assert case.number in body and "孙强" in body
    assert as_user("approver").get(reverse("task_department")).status_code == 404


# --- the workbench case page -----------------------------------------------------------------


def test_workbench_case_page_for_staff_with_a_task(accepted_bundle, as_user, people):
    parent = accepted_bundle()
    approve_main(parent, people)
    response = as_user("reviewer-cgw").get(reverse("workbench_case", args=[parent.pk]))
    assert response.status_code == 200
    body = text(response)
    assert "并联审批" in body and "示范区城市管理委员会" in body
    assert as_user("approver2").get(reverse("workbench_case", args=[parent.pk])).status_code == 404
    # A child's link (the warning job's) shows the journey.
    main = child(parent, MAIN)
    assert as_user("approver").get(reverse("workbench_case", args=[main.pk])).status_code == 302


def test_warned_cases_list(accepted_case, as_user):
    from yiwang.journey.cases.models import Case

    case = accepted_case()
    Case.objects.filter(pk=case.pk).update(warning="yellow")
    client = as_user("supervisor")
    assert case.number in text(client.get(reverse("warned_cases"), {"warning": "yellow"}))
    assert case.number not in text(client.get(reverse("warned_cases"), {"warning": "red"}))
    assert as_user("citizen").get(reverse("warned_cases")).status_code == 404


# --- results ---------------------------------------------------------------------------------


def test_issuer_hands_over_a_bundle_result(accepted_bundle, as_user, people):
    parent = conclude_bundle(accepted_bundle(), people)
    client = as_user("issuer")
    queue = text(client.get(reverse("result_queue")))
    assert parent.number in queue and "办理领取" in queue
    assert queue.count("decision.pdf") == 4  # every item's decision
    screen = text(client.get(reverse("result_hand_over", args=[parent.pk])))
    assert screen.count("decision.pdf") == 4 and "确认交付" in screen
    import base64

    from .signatures import png

    response = client.post(
        reverse("result_hand_over", args=[parent.pk]),
        {
            "collector": "applicant",
            "id_document": "resident_id",
            "id_number": parent.applicant.reveal_id_number(),
            "confirmation": "signature",
            "signature": "data:image/png;base64," + base64.b64encode(png()).decode(),
            "action": "confirm",
        },
    )
    assert response.status_code == 302
    assert ResultDelivery.objects.get(case=parent).status == "delivered"
    assert "result-row" not in text(client.get(reverse("result_queue")))
    assert as_user("approver").get(reverse("result_queue")).status_code == 404


def test_result_queue_queries_do_not_grow(
    accepted_case, as_user, people, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def concluded():
        case = accepted_case()
        services.complete(open_task(case).pk, by=people["approver"], decision="approve")
        services.complete(open_task(case).pk, by=people["chief"], decision="approve")

    concluded()
    client = as_user("issuer")
    client.get(reverse("result_queue"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("result_queue"))
    for _ in range(3):
        concluded()
    with django_assert_max_num_queries(len(few)):
        body = text(client.get(reverse("result_queue")))
    assert body.count("result-row") == 4


def test_citizen_chooses_mail_and_sees_the_tracking_number(accepted_case, as_user, people):
    case = accepted_case()
    citizen = as_user("citizen")
    page = text(citizen.get(reverse("my_case", args=[case.pk])))
    assert "领取方式" in page  # can choose while under review
    citizen.post(
        reverse("choose_delivery", args=[case.pk]),
        {"method": "mail", "recipient": "张三", "phone": "13800000001", "address": "人民路1号"},
    )
    services.complete(open_task(case).pk, by=people["approver"], decision="approve")
    services.complete(open_task(case).pk, by=people["chief"], decision="approve")
    issuer = as_user("issuer")
    assert "寄出" in text(issuer.get(reverse("result_queue"), {"method": "mail"}))
    issuer.post(reverse("result_ship", args=[case.pk]))
    tracking = ResultDelivery.objects.get(case=case).tracking_number
    assert tracking
    page = text(as_user("citizen").get(reverse("my_case", args=[case.pk])))
    assert tracking in page and "准予许可决定书" in page
    assert "保存领取方式" not in page  # delivered: nothing left to choose
    mine = text(as_user("citizen").get(reverse("my_cases")))
    assert f"运单号 {tracking}" in mine


def test_mail_without_an_address_is_refused(accepted_case, as_user):
    case = accepted_case()
    response = as_user("citizen").post(
        reverse("choose_delivery", args=[case.pk]), {"method": "mail"}, follow=True
    )
    assert "邮寄送达需要收件人" in text(response)
    assert not ResultDelivery.objects.filter(case=case, method="mail").exists()


def test_decision_document_for_the_applicant_only(accepted_case, as_user, people):
    case = accepted_case()
    services.complete(open_task(case).pk, by=people["approver"], decision="approve")
    services.complete(open_task(case).pk, by=people["chief"], decision="approve")
    response = as_user("citizen").get(reverse("case_decision", args=[case.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert as_user("citizen2").get(reverse("case_decision", args=[case.pk])).status_code == 404


def test_citizen_sees_each_departments_step_in_one_timeline(accepted_bundle, as_user, people):
    parent = conclude_bundle(accepted_bundle(), people)
    body = text(as_user("citizen").get(reverse("my_case", args=[parent.pk])))
    for department in ["市场监督管理局", "城市管理", "消防救援"]:
        assert department in body
    assert "推送至部门办理" in body and "部门已办理" in body
    assert body.count("下载准予许可决定书") == 4
    assert "请带身份证到" in body  # pickup by default

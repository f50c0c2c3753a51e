"""Base libraries and data sharing (issue 6, part 5): staff look a person or an enterprise
up only for a case or task they handle, stating why; every look-up is logged, granted or
refused, and the person sees it in their space."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yiwang.audit.models import AuditEvent
from yiwang.sharing import services
from yiwang.sharing.models import AccessLog, Outcome

CITIZEN_ID = "110101198503152019"  # 张三 (demo)
PURPOSE = "核对生育登记申请人户籍信息"


def test_approver2_without_a_case_is_refused_and_logged(people):
    with pytest.raises(services.LookupRefused, match="正在办理的办件"):
        services.lookup(
            people["approver2"],
            subject_id_number=CITIZEN_ID,
            case_number="YW20260101000001",
            purpose=PURPOSE,
        )
    entry = AccessLog.objects.get()
    assert entry.outcome == Outcome.REFUSED and entry.person == people["citizen"]
    assert entry.staff == people["approver2"] and entry.org.name.endswith("卫生健康委员会")
    assert entry.purpose == PURPOSE and entry.subject_masked == "110101********2019"
    assert AuditEvent.objects.filter(action="sharing.lookup_refused").exists()


def test_approver2_with_a_task_in_their_department_gets_the_record(accepted_case, people):
    record = services.lookup(
        people["approver2"],
        subject_id_number=CITIZEN_ID,
        case_number=accepted_case.number,
        purpose=PURPOSE,
    )
    assert record.name == "张三" and ("身份证号码", "110101********2019") in record.fields
    entry = record.log
    assert entry.outcome == Outcome.GRANTED and entry.case == accepted_case
    assert entry.org.code == "990101-WJW" and entry.staff_name == "吴静"
    assert AuditEvent.objects.filter(action="sharing.lookup_granted").exists()


def test_a_case_of_another_department_or_another_person_is_refused(accepted_case, people):
    with pytest.raises(services.LookupRefused, match="不由您办理"):  # 市场监管局 has no task
        services.lookup(
            people["approver"],
            subject_id_number=CITIZEN_ID,
            case_number=accepted_case.number,
            purpose=PURPOSE,
        )
    with pytest.raises(services.LookupRefused, match="不是该办件的申请人"):
        services.lookup(
            people["approver2"],
            subject_id_number="110101199007203029",  # 李四, not the applicant
            case_number=accepted_case.number,
            purpose=PURPOSE,
        )
    with pytest.raises(services.LookupRefused, match="查询目的"):
        services.lookup(
            people["approver2"],
            subject_id_number=CITIZEN_ID,
            case_number=accepted_case.number,
            purpose=" ",
        )
    assert AccessLog.objects.filter(outcome=Outcome.REFUSED).count() == 3


def test_the_intake_clerk_of_the_place_may_look_up_a_submitted_case(submitted_case, people):
    record = services.lookup(
        people["street-clerk"],
        subject_id_number=CITIZEN_ID,
        case_number=submitted_case.number,
        purpose="受理时核对申请人身份",
    )
    assert record.log.org == submitted_case.place
    with pytest.raises(services.LookupRefused):  # the district centre's clerk: not their place
        services.lookup(
            people["clerk"],
            subject_id_number=CITIZEN_ID,
            case_number=submitted_case.number,
            purpose="受理时核对申请人身份",
        )


def test_a_concluded_case_no_longer_opens_the_library(accepted_case, people):
    from yiwang.journey.workflow import services as workflow
    from yiwang.journey.workflow.models import ApprovalTask

    while task := ApprovalTask.objects.filter(
        case=accepted_case, status__in=["pending", "active"]
    ).first():
        who = "head-wjw" if task.role == "chief" else "approver2"
        workflow.complete(task.pk, by=people[who], decision="approve")
    accepted_case.refresh_from_db()
    assert accepted_case.status == "approved"
    with pytest.raises(services.LookupRefused):
        services.lookup(
            people["approver2"],
            subject_id_number=CITIZEN_ID,
            case_number=accepted_case.number,
            purpose=PURPOSE,
        )


def test_citizens_may_not_look_anyone_up_and_bad_numbers_are_errors(people):
    with pytest.raises(PermissionDenied):
        services.lookup(
            people["citizen2"], subject_id_number=CITIZEN_ID, case_number="X", purpose="好奇"
        )
    with pytest.raises(ValidationError):
        services.lookup(
            people["approver2"],
            subject_id_number="110101198503152010",
            case_number="X",
            purpose="x",
        )
    assert not AccessLog.objects.exists()


def test_citizen_sees_who_accessed_their_data(client, accepted_case, people):
    with pytest.raises(services.LookupRefused):
        services.lookup(
            people["approver"],
            subject_id_number=CITIZEN_ID,
            case_number=accepted_case.number,
            purpose="顺便看看",
        )
    services.lookup(
        people["approver2"],
        subject_id_number=CITIZEN_ID,
        case_number=accepted_case.number,
        purpose=PURPOSE,
    )
    client.force_login(people["citizen"])
    assert "/my/data-access/" in client.get("/me/").content.decode()
    page = client.get("/my/data-access/").content.decode()
    assert "谁查看了我的数据" in page
    assert "吴静" in page and "卫生健康委员会" in page and accepted_case.number in page
    assert PURPOSE in page and "已准许" in page
    assert "顺便看看" in page and "已拒绝" in page
    assert page.index(PURPOSE) < page.index("顺便看看")  # newest first

    client.force_login(people["citizen2"])  # 李四 sees nothing of 张三's
    assert "吴静" not in client.get("/my/data-access/").content.decode()


def test_staff_lookup_page_shows_the_record_or_the_refusal(client, accepted_case, people):
    client.force_login(people["approver2"])
    assert client.get("/workbench/lookup/").status_code == 200
    form = {
        "case_number": accepted_case.number,
        "subject_kind": "person",
        "number": CITIZEN_ID,
        "purpose": PURPOSE,
    }
    page = client.post("/workbench/lookup/", form).content.decode()
    assert "查询结果：张三" in page and "110101********2019" in page
    refused = client.post("/workbench/lookup/", {**form, "case_number": "YW0000"})
    assert refused.status_code == 200 and "查询未获准许" in refused.content.decode()
    client.force_login(people["citizen"])
    assert client.get("/workbench/lookup/").status_code == 403


def test_window_identification_of_a_walk_in_is_logged_for_the_person(client, people):
    client.force_login(people["clerk"])
    page = client.post("/workbench/person/", {"id_number": CITIZEN_ID}).content.decode()
    assert "张三" in page
    entry = AccessLog.objects.get()
    assert entry.purpose == services.WALK_IN_PURPOSE and entry.case is None
    assert entry.person == people["citizen"] and entry.outcome == Outcome.GRANTED


def test_window_staff_may_no_longer_look_people_up(people, user_named):
    from yiwang.identity.models import OrgUnit
    from yiwang.identity.roles import Role
    from yiwang.identity.services import grant_role

    hall = user_named("hall-manager")
    grant_role(hall, Role.WINDOW_STAFF, OrgUnit.objects.get(code="990101-ZWZX"))
    with pytest.raises(PermissionDenied):
        services.identify_walk_in(CITIZEN_ID, by=hall)


def test_api_lookup_and_my_data_access(api_as, accepted_case, people):
    approver2 = api_as("approver2")
    body = {
        "subject_id_number": CITIZEN_ID,
        "case_number": accepted_case.number,
        "purpose": PURPOSE,
    }
    granted = approver2.post("/api/v1/sharing/lookups", body, format="json")
    assert granted.status_code == 200, granted.content
    assert granted.json()["name"] == "张三" and granted.json()["subject_kind"] == "person"
    refused = approver2.post(
        "/api/v1/sharing/lookups", {**body, "case_number": "YW0000"}, format="json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "lookup_refused"
    assert "正在办理的办件" in refused.json()["detail"]

    mine = api_as("citizen").get("/api/v1/me/data-access").json()
    assert [r["access_outcome"] for r in mine["results"]] == ["refused", "granted"]
    assert mine["results"][1]["staff_name"] == "吴静"
    assert mine["results"][1]["case_number"] == accepted_case.number

"""Back-office approval through the API, with tokens as an app would: the 开办餐饮店一件事
journey from application to the result in the citizen's hands, conflicts as 409 problems,
outsiders as 404, the clock's pauses and extensions, and the schema."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.workdays import calendar

from .conftest import BUNDLE, MAIN, PDF

PROBLEM = "application/problem+json"
FRIDAY = datetime.date(2025, 6, 6)  # a pause from here to Wednesday spans a weekend
HANDLERS = {  # item → (reviewer, head) of its department
    MAIN: ("approver", "chief"),
    "SCJ-XK-0008": ("approver", "chief"),
    "CGW-XK-0001": ("reviewer-cgw", "head-cgw"),
    "XFJ-XK-0001": ("reviewer-xfj", "head-xfj"),
}


@pytest.fixture
def clients(people, api_as):
    made = {}

    def client(username):
        if username not in made:
            made[username] = api_as(username)
        return made[username]

    return client


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == code


def apply_for_the_bundle(citizen) -> dict:
    from yiwang.demo.forms import fill_in
    from yiwang.journey.cases.models import Case

    case = ok(citizen.post("/api/v1/cases", {"bundle": BUNDLE}, format="json"), 201)
    draft = Case.objects.select_related("applicant").get(pk=case["id"])
    fill_in(draft, draft.applicant)  # what prefill left open of the one form
    for material in case["materials"]:
        if material["state"] in ("from_form", "from_earlier"):
            continue  # nothing to upload: the form itself, or an earlier item's result
        upload = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
        url = f"/api/v1/cases/{case['id']}/materials/{material['id']}/files"
        ok(citizen.post(url, {"file": upload}, format="multipart"), 201)
    return ok(citizen.post(f"/api/v1/cases/{case['id']}/submit"))


def inbox(client, case_id=None) -> list[dict]:
    tasks = ok(client.get("/api/v1/tasks", {"page_size": 100}))["results"]
    return [t for t in tasks if case_id is None or t["case"]["id"] == case_id]


def complete(client, task, decision="approve", opinion=""):
    body = {"decision": decision, "opinion": opinion}
    return client.post(f"/api/v1/tasks/{task['id']}/complete", body, format="json")


def finish(clients, child) -> None:
    """Approve every stage of one item, each by whoever holds its role."""
    reviewer, head = (clients(name) for name in HANDLERS[child["item"]])
    while True:
        tasks = inbox(reviewer, child["id"]) + inbox(head, child["id"])
        if not tasks:
            return
        for task in tasks:
            ok(complete(head if task["role"] == "chief" else reviewer, task))


def test_the_whole_bundle_journey_through_the_api(clients, people):
    citizen, clerk = clients("citizen"), clients("clerk")
    parent = apply_for_the_bundle(citizen)
    accepted = ok(clerk.post(f"/api/v1/cases/{parent['id']}/accept", {}, format="json"))
    assert accepted["status"] == "in_review" and accepted["status_code"] == 8
    children = {c["item"]: c for c in accepted["children"]}
    main = children[MAIN]

    # The main item's review reaches the approver, with what the task page shows.
    approver = clients("approver")
    (review,) = inbox(approver)
    assert review["case"]["id"] == main["id"] and review["name"] == "审查"
    assert review["case"]["parent"]["id"] == parent["id"]
    assert review["workdays_left"] >= 0 and review["due_on"] and review["due_at"]
    assert review["due_provisional"] is False and review["warning"] == ""
    detail = ok(approver.get(review["url"]))
    uploaded = [m for m in detail["materials"] if m["state"] not in ("from_form", "from_earlier")]
    assert uploaded and all(m["files"] for m in uploaded)
    assert uploaded[0]["files"][0]["url"].startswith("http://testserver/cases/files/")
    assert "张三" in detail["case"]["form_data"].values()  # the operator, from the one form
    assert detail["case"]["deadlines"]["workdays_left"] is not None
    assert detail["opinions"] == []

    # Claimed by one approver: a colleague's claim and completion are conflicts.
    ok(approver.post(f"/api/v1/tasks/{review['id']}/claim"))
    colleague = clients("reviewer-scj")
    problem(colleague.post(f"/api/v1/tasks/{review['id']}/claim"), 409, "task_claimed_by_other")
    problem(complete(colleague, review), 409, "task_claimed_by_other")
    # Another department's approver does not learn the task exists.
    outsider = clients("approver2")
    problem(outsider.get(review["url"]), 404, "not_found")
    problem(outsider.post(f"/api/v1/tasks/{review['id']}/claim"), 404, "not_found")
    problem(complete(outsider, review), 404, "not_found")

    done = ok(complete(approver, review, opinion="材料齐全"))
    assert done["status"] == "done" and done["decision"] == "approve"
    problem(complete(approver, review), 409, "task_done")

    # The chief decides; the earlier opinion is on the task page.
    chief = clients("chief")
    (decide,) = inbox(chief)
    assert decide["name"] == "决定"
    assert [o["opinion"] for o in ok(chief.get(decide["url"]))["opinions"]] == ["材料齐全"]
    ok(complete(chief, decide))

    # The three parallel items are pushed at once; the citizen picks mail meanwhile.
    assert len(inbox(clients("reviewer-cgw"))) == len(inbox(clients("reviewer-xfj"))) == 1
    mail = {
        "method": "mail",
        "recipient": "张三",
        "phone": "13800000001",
        "address": "示例市示范区人民路1号",
    }
    chosen = ok(citizen.post(f"/api/v1/cases/{parent['id']}/delivery", mail, format="json"))
    assert (chosen["status"], chosen["method"]) == ("pending", "mail")
    for code in ["XFJ-XK-0001", "CGW-XK-0001", "SCJ-XK-0008"]:  # not the bundle's order
        conclusion = ok(citizen.get(f"/api/v1/cases/{parent['id']}/conclusion"))
        assert conclusion["concluded"] is False and conclusion["outcome"] is None
        finish(clients, children[code])

    conclusion = ok(citizen.get(f"/api/v1/cases/{parent['id']}/conclusion"))
    assert conclusion["concluded"] is True and conclusion["outcome"] == "approved"
    assert conclusion["status_code"] == 11 and conclusion["concluded_at"]
    assert conclusion["decision_document"] is None  # each item has its own decision
    assert {i["outcome"] for i in conclusion["items"]} == {"approved"}
    assert all(i["decision_document"] for i in conclusion["items"])

    # The issuer ships the results and gets a tracking number.
    issuer = clients("issuer")
    (ready,) = ok(issuer.get("/api/v1/results"))["results"]
    assert ready["case"]["id"] == parent["id"] and ready["method"] == "mail"
    problem(issuer.post(f"/api/v1/cases/{parent['id']}/delivery/hand-over"), 409, "wrong_method")
    shipped = ok(issuer.post(f"/api/v1/cases/{parent['id']}/delivery/ship"))
    tracking = shipped["tracking_number"]
    assert tracking.startswith("YWKD") and shipped["status"] == "delivered"
    assert ok(issuer.get("/api/v1/results"))["results"] == []

    # The citizen's timeline shows every department's step and the tracking number.
    progress = ok(citizen.get(f"/api/v1/cases/{parent['id']}/progress"))
    assert progress["is_bundle"] and progress["case"]["status"] == "approved"
    assert [lane["case"]["id"] for lane in progress["main"]] == [main["id"]]
    assert len(progress["parallel"]) == 3
    assert {lane["state"] for lane in progress["main"] + progress["parallel"]} == {"done"}
    orgs = {s["org"] for lane in progress["parallel"] for s in lane["stages"]}
    assert len(orgs) == 3
    notes = [e["note"] for e in progress["events"]]
    assert any(tracking in note for note in notes)
    decided = [n.split(" ")[0] for n in notes if n.endswith("决定：同意")]
    assert decided == [  # each department's decision, in the order it happened
        "示范区市场监督管理局",
        "示范区消防救援支队",
        "示范区城市管理委员会",
        "示范区市场监督管理局",
    ]
    assert {e["department"] for e in progress["events"]} >= orgs
    assert progress["delivery"]["tracking_number"] == tracking
    assert ok(citizen.get(f"/api/v1/cases/{main['id']}/progress"))["case"]["id"] == parent["id"]

    # The decision document of each item: the applicant's, not another citizen's.
    url = conclusion["items"][0]["decision_document"]
    pdf = citizen.get(url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    problem(clients("citizen2").get(url), 404, "not_found")
    problem(citizen.get(f"/api/v1/cases/{parent['id']}/decision.pdf"), 404, "not_found")


def test_release_puts_the_task_back_for_a_colleague(accepted_case, clients):
    case = accepted_case()
    approver, colleague = clients("approver"), clients("reviewer-scj")
    (task,) = inbox(approver)
    claimed = ok(approver.post(f"/api/v1/tasks/{task['id']}/claim"))
    assert claimed["status"] == "active" and claimed["assignee"] == "孙强"
    problem(colleague.post(f"/api/v1/tasks/{task['id']}/release"), 403, "permission_denied")
    released = ok(approver.post(f"/api/v1/tasks/{task['id']}/release"))
    assert released["status"] == "pending" and released["assignee"] is None
    assert ok(complete(colleague, task))["case"]["id"] == case.pk


def test_a_deny_concludes_with_the_reason_and_a_decision_document(accepted_case, clients):
    case = accepted_case()
    approver = clients("approver")
    (task,) = inbox(approver)
    problem(complete(approver, task, "deny"), 400, "opinion_required")
    ok(complete(approver, task, "deny", "经营场所不符合要求"))
    conclusion = ok(clients("citizen").get(f"/api/v1/cases/{case.pk}/conclusion"))
    assert (conclusion["outcome"], conclusion["status_code"]) == ("denied", 13)
    assert conclusion["reason"] == "经营场所不符合要求"
    assert clients("citizen").get(conclusion["decision_document"]).content.startswith(b"%PDF")
    # Staff who handled it may read the document too.
    assert approver.get(conclusion["decision_document"]).status_code == 200


def test_suspend_and_resume_move_the_deadlines_by_the_working_days_paused(
    accepted_case, clients, on_day
):
    # Accepted a few days before FRIDAY, so every deadline stays in a published year
    # whatever the day the suite runs.
    with time_machine.travel(datetime.datetime(2025, 6, 3, 10, tzinfo=calendar.SHANGHAI)):
        case = accepted_case("CGW-XK-0001")
    reviewer = clients("reviewer-cgw")
    url = f"/api/v1/cases/{case.pk}"
    before = ok(reviewer.get(url))["deadlines"]

    on_day(FRIDAY)
    body = {"kind": "inspection", "reason": "现场核查", "expected_workdays": 3}
    paused = ok(reviewer.post(f"{url}/suspend", body, format="json"), 201)
    assert paused["kind"] == "inspection" and paused["ended_on"] is None
    assert paused["clock"]["status"] == "suspended" and paused["clock"]["status_code"] == 9
    left = paused["clock"]["deadlines"]["workdays_left"]
    (task,) = inbox(reviewer)
    problem(complete(reviewer, task), 409, "case_suspended")
    problem(reviewer.post(f"{url}/suspend", body, format="json"), 409, "invalid_transition")
    problem(clients("approver2").post(f"{url}/suspend", body, format="json"), 404, "not_found")

    end = calendar.add_workdays(FRIDAY, 3)  # the next Wednesday: a weekend in between
    on_day(end)
    assert ok(reviewer.get(url))["deadlines"]["workdays_left"] == left  # frozen
    resumed = ok(reviewer.post(f"{url}/resume"))
    assert resumed["paused_workdays"] == 3 and resumed["ended_on"] == end.isoformat()
    after = resumed["clock"]["deadlines"]
    for field in ("promised_due_on", "statutory_due_on"):
        old, new = (datetime.date.fromisoformat(d[field]) for d in (before, after))
        assert new == calendar.add_workdays(old, 3), field
    assert after["due_provisional"] is False
    assert resumed["clock"]["open_tasks"][0]["due_on"] > task["due_on"]
    assert resumed["clock"]["status_code"] == 10
    problem(reviewer.post(f"{url}/resume"), 409, "not_suspended")


def test_an_extension_needs_the_chief(accepted_case, clients):
    case = accepted_case()
    approver, chief = clients("approver"), clients("chief")
    url = f"/api/v1/cases/{case.pk}"
    before = ok(approver.get(url))["deadlines"]
    body = {"reason": "需要补充现场核查", "workdays": 10}
    requested = ok(approver.post(f"{url}/extensions", body, format="json"), 201)
    assert requested["status"] == "requested" and requested["requested_by"] == "孙强"
    problem(approver.post(f"{url}/extensions", body, format="json"), 409, "extension_once")

    problem(approver.get("/api/v1/extensions"), 403, "permission_denied")
    (pending,) = ok(chief.get("/api/v1/extensions"))["results"]
    assert pending["id"] == requested["id"]
    decision = f"/api/v1/extensions/{requested['id']}/decision"
    problem(approver.post(decision, {"approve": True}, format="json"), 403, "permission_denied")
    problem(clients("approver2").post(decision, {"approve": True}, format="json"), 404, "not_found")

    decided = ok(chief.post(decision, {"approve": True, "note": "同意"}, format="json"))
    assert decided["status"] == "approved" and decided["decided_by"] == "周明"
    after = decided["clock"]["deadlines"]
    statutory = datetime.date.fromisoformat(before["statutory_due_on"])
    assert after["statutory_due_on"] == calendar.add_workdays(statutory, 10).isoformat()
    assert after["promised_due_on"] == before["promised_due_on"]  # the promise stands
    problem(chief.post(decision, {"approve": False}, format="json"), 409, "extension_decided")


def test_inbox_filters_and_stays_within_a_fixed_number_of_queries(
    accepted_case, clients, django_assert_max_num_queries
):
    approver = clients("approver")
    accepted_case()
    approver.get("/api/v1/tasks")  # warm the token and the calendar
    with django_assert_max_num_queries(4):  # token, grants, count, page
        assert len(ok(approver.get("/api/v1/tasks"))["results"]) == 1
    first = accepted_case()
    for _ in range(4):
        accepted_case()
    (task,) = inbox(approver, first.pk)
    body = {"kind": "hearing", "reason": "听证"}
    ok(approver.post(f"/api/v1/cases/{first.pk}/suspend", body, format="json"), 201)
    with django_assert_max_num_queries(5):  # + where the suspended clocks stopped
        tasks = ok(approver.get("/api/v1/tasks"))["results"]
    assert len(tasks) == 6
    assert all(t["workdays_left"] is not None for t in tasks)

    number = first.number
    assert [t["id"] for t in ok(approver.get("/api/v1/tasks", {"q": number}))["results"]] == [
        task["id"]
    ]
    assert ok(approver.get("/api/v1/tasks", {"warning": "red"}))["results"] == []
    assert len(ok(approver.get("/api/v1/tasks", {"warning": "none"}))["results"]) == 6
    assert ok(approver.get("/api/v1/tasks", {"status": "done"}))["results"] == []
    problem(approver.get("/api/v1/tasks", {"status": "nonsense"}), 400, "invalid")
    problem(clients("citizen").get("/api/v1/tasks"), 403, "permission_denied")
    assert ok(clients("chief").get("/api/v1/tasks"))["results"] == []  # reviews are not theirs


def test_the_result_queue_is_the_issuers(accepted_case, clients, django_assert_max_num_queries):
    issuer = clients("issuer")
    problem(clients("approver").get("/api/v1/results"), 403, "permission_denied")

    def approved():
        case = accepted_case()
        for who in ("approver", "chief"):
            (task,) = inbox(clients(who), case.pk)
            ok(complete(clients(who), task))
        return case

    approved()
    issuer.get("/api/v1/results")
    with django_assert_max_num_queries(4):
        assert len(ok(issuer.get("/api/v1/results"))["results"]) == 1
    for _ in range(3):
        last = approved()
    with django_assert_max_num_queries(4):
        results = ok(issuer.get("/api/v1/results"))["results"]
    assert len(results) == 4 and {r["method"] for r in results} == {"pickup"}
    import re

    from yiwang.notify.models import Message

    url = f"/api/v1/cases/{last.pk}/delivery/hand-over"
    sent = ok(issuer.post(f"{url}/code"), 201)
    assert sent["phone_masked"].count("*") == 4
    sms = Message.objects.filter(channel="sms", recipient=last.applicant).latest("pk")
    code = re.search(r"验证码 (\d{6})", sms.body).group(1)
    number = last.applicant.reveal_id_number()[-4:]
    problem(
        issuer.post(url, {"id_number": "0000", "code": code}, format="json"), 400, "id_mismatch"
    )
    handed = ok(issuer.post(url, {"id_number": number, "code": code}, format="json"))
    assert handed["status"] == "delivered" and handed["delivered_at"]
    assert len(ok(issuer.get("/api/v1/results", {"status": "delivered"}))["results"]) == 1


def test_the_schema_lists_every_workflow_endpoint(api, db):
    schema = ok(api.get("/api/schema/", {"format": "json"}))
    assert {
        "/api/v1/tasks",
        "/api/v1/tasks/{id}",
        "/api/v1/tasks/{id}/claim",
        "/api/v1/tasks/{id}/release",
        "/api/v1/tasks/{id}/complete",
        "/api/v1/cases/{id}/suspend",
        "/api/v1/cases/{id}/resume",
        "/api/v1/cases/{id}/extensions",
        "/api/v1/extensions",
        "/api/v1/extensions/{id}/decision",
        "/api/v1/cases/{id}/conclusion",
        "/api/v1/cases/{id}/decision.pdf",
        "/api/v1/cases/{id}/progress",
        "/api/v1/cases/{id}/delivery",
        "/api/v1/cases/{id}/delivery/hand-over",
        "/api/v1/cases/{id}/delivery/hand-over/code",
        "/api/v1/cases/{id}/delivery/ship",
        "/api/v1/results",
    } <= set(schema["paths"])
    complete_op = schema["paths"]["/api/v1/tasks/{id}/complete"]["post"]
    assert "409" in complete_op["responses"] and "办结" in complete_op["description"]
    for path in ("/api/v1/tasks", "/api/v1/results", "/api/v1/extensions"):
        names = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"page", "page_size"} <= names

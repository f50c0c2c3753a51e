"""Appeals over the API (yiwang.hotline.api_appeals): a citizen files from an app, follows
their own and rates the reply; the line's staff list what the policy lets them see and read
one with its whole timeline — but a confidential 举报's caller never reaches the handling
unit. Errors are problem+json."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.hotline import factories
from tests.hotline.factories import CGW, ZJW, make_appeal, make_citizen, org, record
from yiwang.hotline import services
from yiwang.hotline.models import Appeal, AppealStatus, Channel
from yiwang.identity.services import issue_api_token

URL = "/api/v1/hotline/appeals"


def client_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(user)}")
    return client


@pytest.fixture
def citizen(line):
    return client_of(line.citizen)


def file(client, leaf, headers=None, **body):
    data = {
        "type": "投诉",
        "subject": leaf.code,
        "text": "小区楼下餐馆油烟直排，晚上十点后还很吵，影响休息。",
        "area": factories.QINGNIANHU,
        "address": "青年湖北街8号",
        **body,
    }
    return client.post(URL, data, format="json", **(headers or {}))


# --- citizens ------------------------------------------------------------------------------------


def test_a_citizen_files_an_appeal_and_a_retry_files_nothing_more(line, subject, citizen):
    headers = {"HTTP_IDEMPOTENCY_KEY": "app-7f3a-0001"}
    first = file(citizen, subject, headers)
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["status"], body["type"], body["channel"]) == ("pending", "complaint", "app")
    assert body["subject"] == {"code": subject.code, "name": subject.name}
    assert [e["kind"] for e in body["timeline"]] == ["received"]
    assert "caller" not in body and "units" not in body  # staff only
    appeal = Appeal.objects.get()
    assert appeal.number == body["number"]
    assert (appeal.citizen, appeal.channel, appeal.area.code) == (
        line.citizen,
        Channel.APP,
        factories.QINGNIANHU,
    )
    assert appeal.phone == line.citizen.phone  # the account's number, for the reply

    again = file(citizen, subject, headers)
    assert again.json()["number"] == body["number"]
    assert again["Idempotent-Replayed"] == "true"
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"type": "闲聊"},
        {"text": "太短"},
        {"text": "油烟\u0000直排，影响休息"},
        {"text": "长" * 5000},
        {"subject": "NOPE"},
        {"area": "990101-CGW"},  # a department is not a street or community
        {"area": "nowhere"},
        {"phone": "١٣٩١٢٣٤٥٦٧٨"},  # Arabic-Indic digits (full-width ones are read)
        {"confidential": True},  # only a 举报 may be
        {"lat": "39.9"},  # without long
        {"lat": "91", "long": "116.4"},
    ],
)
def test_bad_input_is_a_problem_and_nothing_is_filed(line, subject, citizen, body):
    response = file(citizen, subject, **body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert not Appeal.objects.exists()


def test_filing_needs_a_signed_in_user(subject, api):
    assert file(api, subject).status_code == 401
    assert not Appeal.objects.exists()


def test_filing_costs_a_fixed_number_of_statements(line, subject, citizen):
    file(citizen, subject, text="第一条诉求，用于预热缓存和连接。")
    with CaptureQueriesContext(connection) as queries:
        response = file(citizen, subject, headers={"HTTP_IDEMPOTENCY_KEY": "pin-1"})
    assert response.status_code == 201, response.content
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # The token and its user; the idempotency record claimed; the subject and the area;
    # record_appeal's six (the likely duplicate — the warm-up, same citizen and subject —,
    # the appeal, the duplicate's number, the RECEIVED and FLAGGED entries, audit, event);
    # its public timeline read back; the idempotency record's response saved.
    assert len(statements) == 12, "\n".join(statements)


def test_a_citizen_lists_only_their_own(line, subject, citizen):
    file(citizen, subject)
    other = make_citizen(phone="13900000077")
    file(client_of(other), subject, text="别人的诉求，不应出现在我的列表里。")
    record(line, subject=subject)  # a call, nobody's account

    page = citizen.get(URL).json()
    assert page["count"] == 1 and not page["count_capped"]
    (row,) = page["results"]
    assert row["number"] == Appeal.objects.get(citizen=line.citizen).number
    assert row["status_display"] == "待派单"
    assert citizen.get(URL, {"status": "closed"}).json()["count"] == 0
    assert citizen.get(URL, {"status": "nonsense"}).status_code == 400


def test_a_citizen_reads_their_appeal_without_internal_lines_and_nobody_elses(line, citizen):
    appeal = make_appeal("handling", line=line, citizen=line.citizen)
    services.add_note(appeal, by=line.handler, text="内部：需要联系物业核实。")
    body = citizen.get(f"{URL}/{appeal.number}").json()
    kinds = [e["kind"] for e in body["timeline"]]
    assert "note" not in kinds and "received" in kinds and "accepted" in kinds
    assert body["reply"] == "" and body["can_rate"] is False
    assert "内部" not in str(body)

    stranger = client_of(make_citizen(phone="13900000088"))
    assert stranger.get(f"{URL}/{appeal.number}").status_code == 404
    assert citizen.get(f"{URL}/20260302999999").status_code == 404
    assert citizen.get(f"{URL}/２０２６０３０２０００００１").status_code == 404
    assert citizen.get(f"{URL}/{'9' * 20}").status_code == 404


def test_a_citizen_rates_the_answer_and_it_closes(line, citizen):
    appeal = make_appeal("answered", line=line, citizen=line.citizen)
    body = citizen.get(f"{URL}/{appeal.number}").json()
    assert body["can_rate"] is True and body["reply"].startswith("经核查")

    rated = citizen.post(f"{URL}/{appeal.number}/rating", {"satisfaction": "satisfied"})
    assert rated.status_code == 200, rated.content
    assert (rated.json()["status"], rated.json()["satisfaction"]) == ("closed", "satisfied")
    assert rated.json()["can_rate"] is False


def test_rating_before_the_answer_is_a_conflict_and_others_cannot_rate(line, citizen):
    appeal = make_appeal("handling", line=line, citizen=line.citizen)
    response = citizen.post(f"{URL}/{appeal.number}/rating", {"satisfaction": "satisfied"})
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert citizen.post(f"{URL}/{appeal.number}/rating", {"satisfaction": "meh"}).status_code == 400
    answered = make_appeal("answered", line=line, citizen=line.citizen)
    dispatcher = client_of(line.dispatcher)
    rating = {"satisfaction": "unsatisfied"}
    assert dispatcher.post(f"{URL}/{answered.number}/rating", rating).status_code == 404
    assert Appeal.objects.get(pk=answered.pk).status == AppealStatus.ANSWERED


def test_a_reopened_appeal_s_new_reply_waits_for_review_before_the_citizen_reads_it(line, citizen):
    appeal = make_appeal("answered", line=line, citizen=line.citizen)
    rated = citizen.post(f"{URL}/{appeal.number}/rating", {"satisfaction": "unsatisfied"})
    assert rated.json()["status"] == "handling"
    handler = factories.handler_for(line, org(CGW))
    services.reply(Appeal.objects.get(pk=appeal.pk), by=handler, text="内部草稿：尚未核实。")
    body = citizen.get(f"{URL}/{appeal.number}").json()
    assert "内部草稿" not in str(body) and body["reply"] == ""
    # the staff's view keeps it
    assert "内部草稿" in client_of(line.dispatcher).get(f"{URL}/{appeal.number}").json()["reply"]


# --- staff -----------------------------------------------------------------------------------


def test_the_dispatcher_lists_the_line_with_filters(line, subject):
    pending = record(line)
    at_cgw = make_appeal("handling", line=line, subject=subject)
    at_zjw = make_appeal("dispatched", line=line, subject=subject, lead=ZJW)
    dispatcher = client_of(line.dispatcher)

    def numbers(**query):
        response = dispatcher.get(URL, query)
        assert response.status_code == 200, response.content
        return {row["number"] for row in response.json()["results"]}

    assert {pending.number, at_cgw.number, at_zjw.number} <= numbers()
    assert numbers(status="pending") >= {pending.number}
    assert at_cgw.number not in numbers(status="pending")
    assert numbers(subject=subject.code) == {at_cgw.number, at_zjw.number}
    assert numbers(unit=ZJW) == {at_zjw.number}
    assert numbers(unit=CGW, subject=subject.code) == {at_cgw.number}


def test_a_handler_sees_only_their_units_appeals(line, subject):
    at_cgw = make_appeal("handling", line=line, subject=subject)
    at_zjw = make_appeal("dispatched", line=line, subject=subject, lead=ZJW)
    handler = client_of(line.handler)
    rows = handler.get(URL).json()["results"]
    assert [r["number"] for r in rows] == [at_cgw.number]
    assert handler.get(f"{URL}/{at_zjw.number}").status_code == 404


def test_staff_read_the_whole_timeline_and_the_caller_masked(line, subject):
    appeal = make_appeal(
        "handling", line=line, subject=subject, caller_name="赵女士", phone="13812345678"
    )
    services.add_note(appeal, by=line.handler, text="内部：需要联系物业核实。")
    body = client_of(line.dispatcher).get(f"{URL}/{appeal.number}").json()
    assert "note" in [e["kind"] for e in body["timeline"]]
    assert body["caller"] == {"name": "赵女士", "phone": "138****5678"}
    assert body["units"][0]["org"]["code"] == CGW and body["units"][0]["role"] == "lead"
    assert body["lead_unit"]["code"] == CGW and body["due_on"]


def test_a_confidential_report_hides_its_caller_from_the_handling_unit(line, subject):
    appeal = make_appeal(
        "handling",
        line=line,
        subject=subject,
        type="report",
        confidential=True,
        caller_name="举报人钱某",
        phone="13812340000",
    )
    handler = client_of(line.handler).get(f"{URL}/{appeal.number}").json()
    assert handler["caller"] is None and handler["confidential"] is True
    assert "13812340000" not in str(handler) and "钱某" not in str(handler)
    dispatcher = client_of(line.dispatcher).get(f"{URL}/{appeal.number}").json()
    assert dispatcher["caller"]["name"] == "举报人钱某"


def test_the_list_reads_its_page_in_a_fixed_number_of_statements(line, subject):
    for _n in range(3):
        make_appeal("dispatched", line=line, subject=subject)
    dispatcher = client_of(line.dispatcher)
    dispatcher.get(URL)
    with CaptureQueriesContext(connection) as few:
        assert dispatcher.get(URL).json()["count"] == 3
    make_appeal("dispatched", line=line, subject=subject, lead=org(ZJW))
    with CaptureQueriesContext(connection) as more:
        assert dispatcher.get(URL).json()["count"] == 4
    assert len(more) == len(few)

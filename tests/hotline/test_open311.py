"""Open311 GeoReport v2 at /open311/v2/ (yiwang.hotline.open311), spoken as a GeoReport
client speaks it: plain HTTP paths, form-encoded POSTs, answers read as JSON (json) and XML
(xml.etree; our own output). What it shows is public, so it never carries a caller's name
or phone, and lists only what is meant to be seen."""

import datetime
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.hotline import factories
from yiwang.hotline import open311
from yiwang.hotline.models import Appeal, AppealStatus, Channel, Open311Client, Subject
from yiwang.identity.models import OrgUnit

PHONE = "13912345678"
BASE = "/open311/v2"


@pytest.fixture
def subjects(demo):
    unit = OrgUnit.objects.get(code="990101-CGW")
    city = Subject.objects.create(code="CS", name="城市管理", position=1)
    leaves = {
        "CS-01": Subject.objects.create(
            code="CS-01",
            name="市容环境卫生",
            parent=city,
            org=unit,
            keywords=["垃圾清运", "道路保洁"],
            position=1,
        ),
        "CS-03": Subject.objects.create(
            code="CS-03", name="占道经营", parent=city, org=unit, keywords=["摆摊"], position=3
        ),
    }
    # Not offered: a first-level subject and a retired leaf.
    Subject.objects.create(
        code="CS-99", name="已停用", parent=city, org=unit, is_active=False, position=9
    )
    return leaves


@pytest.fixture
def key(db):
    _client, key = open311.create_client("街道随手拍")
    return key


@pytest.fixture
def http():
    return Client()


def as_json(response):
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


def as_xml(response):
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def post(http, **fields):
    return http.post(f"{BASE}/requests.json", fields)  # form-encoded, as GeoReport says


def report(http, key, **overrides):
    fields = {
        "api_key": key,
        "service_code": "CS-01",
        "description": f"幸福路口垃圾三天没人清运，我姓王，电话{PHONE}，住3号楼2单元401室。",
        "lat": "39.904200",
        "long": "116.407400",
        "address_string": "幸福路与和平街交叉口",
        "first_name": "建国",
        "last_name": "王",
        "phone": PHONE,
        "email": "wang@example.invalid",
        **overrides,
    }
    return post(http, **fields)


def error_of(response, status):
    assert response.status_code == status, response.content
    if response["Content-Type"].startswith("application/json"):
        (error,) = json.loads(response.content)
        assert error["code"] == status
        return error["description"]
    root = as_xml(response)
    assert root.tag == "errors"
    assert root.find("error/code").text == str(status)
    return root.find("error/description").text


# --- discovery and services ----------------------------------------------------------------


def test_discovery_names_the_endpoint_its_specification_and_formats(http, db):
    body = as_json(http.get(f"{BASE}/discovery.json"))
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert body["changeset"] and body["contact"] and body["key_service"]

    root = as_xml(http.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert root.find("endpoints/endpoint/specification").text == endpoint["specification"]
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_each_active_second_level_subject_is_a_service(http, subjects):
    services = as_json(http.get(f"{BASE}/services.json"))
    assert [s["service_code"] for s in services] == ["CS-01", "CS-03"]
    assert services[0] == {
        "service_code": "CS-01",
        "service_name": "市容环境卫生",
        "description": "城市管理 / 市容环境卫生",
        "metadata": False,
        "type": "realtime",
        "keywords": "垃圾清运, 道路保洁",
        "group": "城市管理",
    }
    root = as_xml(http.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    first = root.find("service")
    assert first.find("service_code").text == "CS-01"
    assert first.find("metadata").text == "false"
    assert first.find("group").text == "城市管理"


def test_a_service_definition_has_no_extra_attributes_and_an_unknown_one_is_404(http, subjects):
    assert as_json(http.get(f"{BASE}/services/CS-01.json")) == {
        "service_code": "CS-01",
        "attributes": [],
    }
    root = as_xml(http.get(f"{BASE}/services/CS-01.xml"))
    assert root.tag == "service_definition" and root.find("service_code").text == "CS-01"
    assert error_of(http.get(f"{BASE}/services/CS-99.json"), 404)
    assert error_of(http.get(f"{BASE}/services/CS.xml"), 404)


# --- posting and reading back ----------------------------------------------------------------


def test_a_client_posts_a_request_and_reads_it_back_in_json_and_xml(http, subjects, key):
    answer = report(http, key)
    assert answer.status_code == 201, answer.content
    (created,) = as_json(answer)
    number = created["service_request_id"]
    assert created["account_id"] is None and number in created["service_notice"]

    appeal = Appeal.objects.get()
    assert appeal.number == number
    assert (appeal.channel, appeal.subject.code, appeal.recorded_by) == ("open311", "CS-01", None)
    assert (str(appeal.lat), str(appeal.long)) == ("39.904200", "116.407400")
    assert appeal.caller_name == "王建国" and appeal.phone == PHONE

    (row,) = as_json(http.get(f"{BASE}/requests/{number}.json"))
    assert row["service_request_id"] == number
    assert (row["status"], row["service_code"], row["service_name"]) == (
        "open",
        "CS-01",
        "市容环境卫生",
    )
    assert row["requested_datetime"].endswith("+08:00")
    requested = datetime.datetime.fromisoformat(row["requested_datetime"])
    assert requested == appeal.received_at.replace(microsecond=0)
    assert (row["lat"], row["long"]) == (39.9042, 116.4074)
    assert row["address"] == "幸福路与和平街交叉口"
    # Public: the text is masked, and nothing names or reaches the caller.
    assert "垃圾三天没人清运" in row["description"]
    for secret in (PHONE, "王建国", "建国", "401室", "wang@example"):
        assert secret not in json.dumps(row, ensure_ascii=False)

    root = as_xml(http.get(f"{BASE}/requests/{number}.xml"))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.find("service_request_id").text == number
    assert request.find("status").text == "open"
    assert request.find("description").text == row["description"]
    assert PHONE.encode() not in http.get(f"{BASE}/requests/{number}.xml").content

    # The token resolves to the request, in both formats.
    token = created["token"]
    assert as_json(http.get(f"{BASE}/tokens/{token}.json")) == [
        {"service_request_id": number, "token": token}
    ]
    root = as_xml(http.get(f"{BASE}/tokens/{token}.xml"))
    assert root.find("request/service_request_id").text == number


def test_posting_in_xml_answers_in_xml(http, subjects, key):
    answer = http.post(
        f"{BASE}/requests.xml",
        {
            "api_key": key,
            "service_code": "CS-03",
            "description": "人行道上有人摆摊",
            "lat": "39.9",
            "long": "116.4",
        },
    )
    assert answer.status_code == 201, answer.content
    root = as_xml(answer)
    number = root.find("request/service_request_id").text
    assert Appeal.objects.get().number == number
    assert root.find("request/account_id").text is None


def test_status_notes_carry_the_reply_once_it_is_public_and_status_closes(http, subjects, key):
    (created,) = as_json(report(http, key))
    appeal = Appeal.objects.get()
    Appeal.objects.filter(pk=appeal.pk).update(
        status=AppealStatus.ANSWERED,
        reply=f"已安排清运。联系人李先生，电话{PHONE}。",
        answered_at=timezone.now(),
        lead_unit=OrgUnit.objects.get(code="990101-CGW"),
    )
    (row,) = as_json(http.get(f"{BASE}/requests/{created['service_request_id']}.json"))
    assert row["status"] == "closed"
    assert row["status_notes"].startswith("已安排清运")
    assert PHONE not in row["status_notes"]
    assert row["agency_responsible"] == OrgUnit.objects.get(code="990101-CGW").name


def test_a_reopened_appeal_s_new_reply_is_not_public_before_review(http, subjects, key):
    """The unit's second reply, after the citizen was not satisfied, waits for the
    dispatcher's review: until then status_notes do not carry it."""
    from yiwang.hotline import services

    (created,) = as_json(report(http, key))
    line = factories.make_line()
    subject = Subject.objects.get(code="CS-01")
    appeal = Appeal.objects.get()
    appeal = services.dispatch(appeal, by=line.dispatcher, subject=subject, lead=subject.org)
    handler = factories.handler_for(line, subject.org)
    appeal = services.accept(appeal, by=handler)
    appeal = services.reply(appeal, by=handler, text="已安排清运车辆清理完毕。")
    appeal = services.review_reply(appeal, by=line.dispatcher, approve=True)
    appeal = services.rate(appeal, satisfaction="unsatisfied", by=None, token=created["token"])
    services.reply(appeal, by=handler, text="内部草稿：尚未核实，待审核。")
    (row,) = as_json(http.get(f"{BASE}/requests/{created['service_request_id']}.json"))
    assert "内部草稿" not in row["status_notes"]
    assert row["status"] == "open"


# --- listing -------------------------------------------------------------------------------


def _appeal_on(http, key, code="CS-01", **overrides):
    (created,) = as_json(report(http, key, service_code=code, **overrides))
    return Appeal.objects.get(pk=Appeal.id_of_number(created["service_request_id"]))


def test_the_list_shows_open311_requests_and_published_posts_and_nothing_private(
    http, subjects, key
):
    from yiwang.hotline import services

    mine = _appeal_on(http, key)
    street = _appeal_on(http, key, code="CS-03", phone="13900000002")
    # Not public: a call taken on the phone, and a 举报 that came through Open311.
    call = factories.record(factories.make_line(), text="电话里说的私事，请勿公开。")
    reported = _appeal_on(http, key, **{"attribute[type]": "举报"})
    # A board post published with its masked text is public.
    post_ = services.record_appeal(
        by=None,
        type="suggestion",
        text="原文含有姓名张三",
        channel=Channel.BOARD,
        subject=subjects["CS-03"],
        phone="13900000004",
    )
    Appeal.objects.filter(pk=post_.pk).update(
        published_at=timezone.now(), public_text="建议增设便民摊点", public_reply="已采纳"
    )

    rows = as_json(http.get(f"{BASE}/requests.json"))
    numbers = [r["service_request_id"] for r in rows]
    assert set(numbers) == {mine.number, street.number, post_.number}
    assert call.number not in numbers and reported.number not in numbers
    board = next(r for r in rows if r["service_request_id"] == post_.number)
    assert (board["description"], board["status_notes"]) == ("建议增设便民摊点", "已采纳")
    assert board["address"] == "" and board["lat"] is None

    by_code = as_json(http.get(f"{BASE}/requests.json", {"service_code": "CS-03"}))
    assert {r["service_request_id"] for r in by_code} == {street.number, post_.number}
    by_ids = as_json(
        http.get(
            f"{BASE}/requests.json",
            {"service_request_id": f"{mine.number},{call.number}", "service_code": "CS-03"},
        )
    )
    assert [r["service_request_id"] for r in by_ids] == [mine.number]  # the others ignored
    assert as_json(http.get(f"{BASE}/requests.json", {"status": "closed"})) == []
    assert len(as_json(http.get(f"{BASE}/requests.json", {"status": "open,closed"}))) == 3
    assert error_of(http.get(f"{BASE}/requests/{call.number}.json"), 404)
    assert error_of(http.get(f"{BASE}/requests/{reported.number}.xml"), 404)

    root = as_xml(http.get(f"{BASE}/requests.xml"))
    assert len(root.findall("request")) == 3


def test_the_list_is_the_last_90_days_unless_dates_say_otherwise(http, subjects, key):
    old = _appeal_on(http, key)
    long_ago = timezone.now() - datetime.timedelta(days=120)
    Appeal.objects.filter(pk=old.pk).update(received_at=long_ago)
    old.refresh_from_db()
    assert as_json(http.get(f"{BASE}/requests.json")) == []
    start = (long_ago - datetime.timedelta(days=1)).isoformat()
    end = (long_ago + datetime.timedelta(days=1)).isoformat()
    rows = as_json(http.get(f"{BASE}/requests.json", {"start_date": start, "end_date": end}))
    assert [r["service_request_id"] for r in rows] == [old.number]


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize("api_key", ["", "wrong", "x" * 500, "密钥"])
def test_a_missing_or_wrong_api_key_is_403_and_nothing_is_recorded(http, subjects, key, api_key):
    assert error_of(report(http, api_key), 403)
    assert not Appeal.objects.exists()


def test_a_retired_client_key_is_403(http, subjects, key):
    Open311Client.objects.update(is_active=False)
    assert error_of(report(http, key), 403)
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"service_code": "CS-99"},  # retired
        {"service_code": "NOPE"},
        {"service_code": ""},
        {"description": ""},
        {"description": "很长" * 5000},
        {"lat": "３９.９０"},  # full-width digits
        {"lat": "٣٩.٩"},  # Arabic-Indic digits
        {"lat": "91", "long": "116.4"},
        {"long": "", "lat": "39.9"},
        {"lat": "", "long": "", "address_string": ""},
        {"address_string": "路" * 301},
        {"phone": "１３９１２３４５６７８"},
        {"phone": "12345"},
        {"first_name": "名" * 51},
        {"media_url": "http://x/" + "a" * 3000},
        {"attribute[type]": "闲聊"},
    ],
)
def test_hostile_or_bad_input_is_400_and_nothing_is_recorded(http, subjects, key, overrides):
    assert error_of(report(http, key, **overrides), 400)
    assert not Appeal.objects.exists()


def test_nul_bytes_are_refused_before_any_view_as_georeport_errors(http, subjects, key):
    """RequestInputMiddleware refuses them for the whole site; an Open311 client still gets
    GeoReport's error list in its format, not the site's HTML page."""
    assert "控制字符" in error_of(report(http, key, description="垃圾\x00桶"), 400)
    assert not Appeal.objects.exists()
    assert error_of(http.get(f"{BASE}/requests.xml", {"status": "open\x00"}), 400)
    assert error_of(http.get(f"{BASE}/requests/2026%00.json"), 400)
    assert error_of(http.get(f"{BASE}/services.json", {"jurisdiction_id": "\x1b"}), 400)


def test_a_json_body_is_not_a_georeport_post(http, subjects, key):
    body = json.dumps({"api_key": key, "service_code": "CS-01", "description": "x"})
    response = http.post(f"{BASE}/requests.json", body, content_type="application/json")
    assert error_of(response, 400)
    assert not Appeal.objects.exists()


def test_a_parameter_given_twice_is_400(http, subjects, key):
    response = http.post(
        f"{BASE}/requests.json",
        "api_key=" + key + "&service_code=CS-01&service_code=CS-03&description=x&lat=1&long=1",
        content_type="application/x-www-form-urlencoded",
    )
    assert error_of(response, 400)
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        {"service_request_id": "٢٠٢٦٠١٠٥٠٠٠١٢٣"},
        {"service_request_id": "abc"},
        {"service_request_id": ",".join(["20260105000123"] * 101)},
        {"start_date": "２０２６-01-05T00:00:00+08:00"},
        {"start_date": "yesterday"},
        {"start_date": "2026-02-30T00:00:00+08:00"},
        {"start_date": "2025-01-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        {"start_date": "2026-01-05T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        {"status": "pending"},
        {"service_code": "x" * 20_000},
    ],
)
def test_bad_list_parameters_are_400(http, subjects, query):
    assert error_of(http.get(f"{BASE}/requests.xml", query), 400)


def test_unknown_paths_and_methods_answer_as_georeport(http, db):
    assert error_of(http.get(f"{BASE}/requests/20260105000001.json"), 404)
    assert error_of(http.get(f"{BASE}/requests/１２３.json"), 404)
    assert error_of(http.get(f"{BASE}/tokens/nope.json"), 404)
    assert error_of(http.get(f"{BASE}/nothing-here"), 404)
    assert error_of(http.get(f"{BASE}/services.html"), 404)
    refused = http.put(f"{BASE}/requests.json")
    assert error_of(refused, 405) and refused["Allow"] == "GET, HEAD, POST"
    assert error_of(http.post(f"{BASE}/services.json"), 405)


# --- cost and clients --------------------------------------------------------------------------


def test_a_post_costs_a_fixed_number_of_statements(http, subjects, key):
    report(http, key, phone="13900000009")  # warm the caches
    with CaptureQueriesContext(connection) as queries:
        assert report(http, key).status_code == 201
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # The client by its key, the subject; then record_appeal's: the caller's and the text's
    # likely duplicates, the appeal, its RECEIVED entry, the audit event, the domain event.
    assert len(statements) == 8, "\n".join(statements)


def test_a_list_is_one_statement_whatever_its_length(http, subjects, key):
    for n in range(3):
        _appeal_on(http, key, phone=f"1390000001{n}")
    with CaptureQueriesContext(connection) as queries:
        assert len(as_json(http.get(f"{BASE}/requests.json"))) == 3
    assert len(queries) == 1


def test_the_command_creates_a_client_and_prints_its_key_once(http, subjects, capsys):
    call_command("hotline", "open311-client", "区融媒体中心")
    out = capsys.readouterr().out
    key = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("api_key"))
    client = Open311Client.objects.get(name="区融媒体中心")
    assert key not in client.key_hash  # only its digest is kept
    assert report(http, key).status_code == 201


@pytest.mark.parametrize("args", [(), ("",), ("名" * 101,)])
def test_the_command_refuses_a_missing_or_bad_name(db, args):
    with pytest.raises(CommandError):
        call_command("hotline", "open311-client", *args)
    assert not Open311Client.objects.exists()


def test_creating_a_client_costs_a_fixed_number_of_statements(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        open311.create_client("第二个客户端")
    # Savepoint; the client; its audit event; release.
    assert len(queries) == 4, [q["sql"][:80] for q in queries.captured_queries]

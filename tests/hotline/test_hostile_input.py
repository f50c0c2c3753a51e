"""Hostile input on every URL of the 12345 line: no server error, and a refused request
changes nothing (docs/security.md, "Bad input, big input, hostile files").

The walk reads the line's URL configurations (yiwang.hotline.urls and .api_urls), so a page
added later is walked too. Each route is asked for with its real objects and with ids and
numbers that are not (zero, past a 64-bit integer, full-width and Arabic-Indic digits, a day
that does not exist), by each kind of visitor (anonymous, the citizen who filed, the line's
agent and dispatcher, the holding unit's handler, another unit's handler, a supervisor),
with GET and POST, every parameter the line reads set to one hostile value at a time."""

import hashlib
import re

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.hotline import citizen_setup as cs
from tests.hotline import factories
from yiwang.audit.models import AuditEvent
from yiwang.hotline import knowledge, routing, services
from yiwang.hotline.models import (
    Appeal,
    AppealType,
    Attachment,
    BoardKind,
    Channel,
    HotspotAlert,
)

pytestmark = pytest.mark.django_db

MAX_ID = 2**63 - 1

# Every parameter a page, fragment, API or Open311 resource of the line reads.
PARAMS = [
    "q", "page", "page_size", "week", "period", "from", "to", "dimension", "show", "format",
    "tab", "warning", "kind", "unit", "status", "subject", "state", "owner", "number", "phone",
    "text", "type", "area", "address", "title", "caller_name", "confidential", "board_kind",
    "satisfaction", "note", "reason", "days", "decision", "approve", "public_reply", "into",
    "reached", "requirement", "workdays", "article", "question", "answer", "item",
    "review_on", "next_review_on", "version", "expected_version", "keyword", "is_active",
    "direction", "lead", "assisting", "back", "next", "then", "lookup", "recorded", "token",
    "key", "service_code", "service_request_id", "start_date", "end_date", "jurisdiction_id",
    "api_key", "description", "lat", "long", "address_string", "address_id", "first_name",
    "last_name", "email", "device_id", "account_id", "media_url", "attribute[type]",
]  # fmt: skip

# Past every limit of the line (texts 4,000 characters at most, answers 4,000, numbers 20
# digits) and past Python's 4,300 digits of int(); a 100,000-character value parses the same
# way but costs the walk minutes of URL encoding.
HUGE_NUMBER = "1" * 10_000
HUGE_TEXT = "诉" * 10_000
NUMBERS = ["page", "page_size", "week", "days", "workdays", "into", "number", "phone"]
NUMBERS += ["service_request_id", "version", "from", "to", "start_date", "end_date", "lat"]
NUMBERS += ["long", "expected_version", "review_on", "next_review_on", "article"]
HOSTILE = {
    "fullwidth": "１２３",
    "arabic_indic": "٣٤٥",
    "negative": "-1",
    "past_int64": str(2**63),
    "not_a_path": "' OR 1=1 --",  # also a `next` that is no URL
    "year_one": "0001-01-01",
    "week_year_one": "0001-W01",
    "nul": "x\x00y",
    # 10,000 characters; a form body stays under Django's 2.5 MB, so the view reads it
    "huge_number_a": dict.fromkeys(NUMBERS[::2], HUGE_NUMBER),
    "huge_number_b": dict.fromkeys(NUMBERS[1::2], HUGE_NUMBER),
    "huge_text": dict.fromkeys(["q", "text"], HUGE_TEXT),
}


def hostile_ids():
    return ["0", str(MAX_ID), str(2**63), "１", "٣", "-1"]


def hostile_numbers():
    # 14 to 20 ASCII digits match the URL; none of these is an appeal.
    return ["20261399000001", "00000000000000", "99999999999999999999", "20260302999999999999"]


def hostile_codes():
    return ["１２３", "٣", "-1", str(2**63), "诉" * 2000, "a.b", "%25"]


# --- the routes --------------------------------------------------------------------------------


def _routes():
    """(name, route template) of every URL of the line; templates keep `{param}` holes."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            piece = str(entry.pattern).lstrip("^").rstrip("$")
            piece = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", piece)
            piece = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", piece)
            piece = piece.replace("\\.", ".")
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + piece)
            elif isinstance(entry, URLPattern):
                found.append((entry.name or "", prefix + piece))

    walk(get_resolver("yiwang.hotline.urls").url_patterns, "/")
    walk(get_resolver("yiwang.hotline.api_urls").url_patterns, "/api/v1/")
    return found


ROUTES = _routes()


def test_the_walk_covers_every_kind_of_page():
    names = {name for name, _ in ROUTES}
    for name in [
        "hotline_board",
        "hotline_track",
        "hotline_faq",
        "hotline_appeal",
        "hotline_attachment",
        "hotline_report",
        "hotline_open311_requests",
        "hotline_appeals",
        "hotline-suggestions",
        "hotline_console_history",
    ]:
        assert name in names
    assert len(ROUTES) > 60


# --- the world ---------------------------------------------------------------------------------


@pytest.fixture
def world(demo, monday):
    line = factories.make_line()
    subject = factories.make_subject(keywords=["垃圾"])
    mine = cs.filed(line.citizen, subject)
    called = cs.called(line, subject)
    handling = cs.handling(cs.called(line, subject, phone="13900000008"), line, subject)
    extension = services.request_extension(
        handling, by=line.handler, days=3, reason="需要协调多个部门现场核查。"
    )
    attachment = Attachment(
        appeal=handling, name="现场.jpg", content_type="image/jpeg", size=4, sha256="a" * 64
    )
    attachment.file.save("x", ContentFile(b"\xff\xd8\xff\xe0"), save=False)
    attachment.save()
    report = factories.record(
        line, type=AppealType.REPORT, confidential=True, caller_name="王秀英", phone="13800138000"
    )
    report = services.dispatch(
        report, by=line.dispatcher, subject=subject, lead=factories.org(cs.CGW)
    )
    board = cs.post(
        factories.make_citizen(phone="13900000077"),
        line,
        subject,
        title="门口垃圾",
        text="门口垃圾没人清运。",
        reply="已安排人员清运完毕。",
        kind=BoardKind.COMPLAIN,
    )
    answered = factories.make_appeal("answered", line=line, subject=subject)
    opened = services.record_appeal(
        by=None,
        channel=Channel.OPEN311,
        type=AppealType.HELP,
        text="路边井盖缺失，很危险。",
        subject=subject,
        address="人民路100号",
    )
    article = knowledge.create_article(
        by=line.dispatcher,
        subject=subject,
        question="垃圾多久清运一次",
        answer="生活垃圾每日清运一次，如未清运请拨打12345。",
    )
    rule = routing.create_rule(by=line.dispatcher, keyword="垃圾", unit=factories.org(cs.CGW))
    alert = HotspotAlert.objects.create(
        day=handling.received_at.date(),
        dimension=HotspotAlert.Dimension.SUBJECT,
        key=subject.code,
        label=subject.name,
        count=6,
        baseline=1.0,
        score=5.0,
    )
    pk = {
        "hotline_dispatch": called.pk,
        "hotline_merge": called.pk,
        "hotline_answer": called.pk,
        "hotline_extension_decide": extension.pk,
        "hotline_attachment": attachment.pk,
        "hotline_callback": answered.pk,
        "hotline_hotspot": alert.pk,
    }
    people = {
        "anonymous": None,
        "citizen": line.citizen,
        "agent": line.agent,
        "dispatcher": line.dispatcher,
        "handler": line.handler,
        "other_unit": line.handler2,
        "supervisor": line.supervisor,
    }
    yield {
        "line": line,
        "subject": subject,
        "people": people,
        "pk": pk,
        "appeal": handling,
        "article": article,
        "rule": rule,
        "mine": mine,
        "called": called,
        "board": board,
        "opened": opened,
        "report": report,
        "attachment": attachment,
    }
    attachment.file.delete(save=False)


def _pk_for(world, name):
    if name in world["pk"]:
        return world["pk"][name]
    if "knowledge" in name or "faq" in name:
        return world["article"].pk
    if "routing" in name:
        return world["rule"].pk
    return world["appeal"].pk


def _number_for(world, name):
    if "board" in name:
        return world["board"].number
    if "track" in name:
        return world["called"].number
    return world["mine"].number


def urls(world, name, template, *, hostile=False):
    """The route with its real objects, or (hostile) with ids that are not."""
    holes = set(re.findall(r"{(\w+)}", template))
    if not holes:
        return [template]
    if "fmt" in holes:
        out = []
        for fmt in ("json", "xml"):
            out += urls(world, name, template.replace("{fmt}", fmt), hostile=hostile)
        return out
    (hole,) = holes
    if hostile:
        values = {
            "pk": hostile_ids(),
            "number": hostile_numbers() + hostile_codes(),
            "code": hostile_codes(),
            "request_id": hostile_codes() + hostile_numbers(),
            "token_id": hostile_codes(),
        }[hole]
    else:
        values = {
            "pk": [_pk_for(world, name)],
            "number": [_number_for(world, name)],
            "code": [world["subject"].code],
            "request_id": [world["opened"].number, world["board"].number],
            "token_id": [world["opened"].token],
        }[hole]
    return [template.replace("{" + hole + "}", str(value)) for value in values]


def fingerprint():
    """What a refused request must leave as it was: every row of the line and the audit log."""
    counts = tuple(m.objects.count() for m in apps.get_app_config("hotline").get_models())
    rows = tuple(
        Appeal.objects.order_by("pk").values_list(
            "pk", "status", "reopened", "title", "satisfaction", "due_on", "published_at"
        )
    )
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()
    return counts, AuditEvent.objects.count(), digest


def _client(user):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _ask(client, method, url, data):
    before = fingerprint() if method == "post" else None
    answer = getattr(client, method)(url, data)
    status = answer.status_code
    if status >= 500:
        return status
    if before is not None and status >= 400 and fingerprint() != before:
        return "changed"
    return None


def _reached(answer) -> bool:
    """Whether the view read the request: not a sign-in redirect, a 404 or a 403."""
    if answer.status_code in (403, 404, 405):
        return False
    return not (answer.status_code == 302 and "/login/" in answer.get("Location", ""))


ROLES = ["anonymous", "citizen", "agent", "dispatcher", "handler", "other_unit", "supervisor"]
# Who reaches the most of a route first: hostile parameters are sent by the first of these
# the route does not turn away, so they reach the code that reads them.
DEEPEST = ["dispatcher", "handler", "citizen", "supervisor", "agent", "anonymous"]


def test_every_route_answers_every_visitor_without_error(world):
    failures = []
    for role in ROLES:
        client = _client(world["people"][role])
        for name, template in ROUTES:
            for url in urls(world, name, template):
                for method in ("get", "post"):
                    problem = _ask(client, method, url, {})
                    if problem:
                        failures.append((role, method, url, problem))
    assert failures == []


@pytest.mark.parametrize("label", sorted(HOSTILE))
def test_no_route_of_the_line_fails_on_a_hostile_parameter(world, label):
    failures = []
    clients = {role: _client(world["people"][role]) for role in DEEPEST}
    value = HOSTILE[label]
    data = value if isinstance(value, dict) else dict.fromkeys(PARAMS, value)
    for name, template in ROUTES:
        for url in urls(world, name, template):
            for method in ("get", "post"):
                for role in DEEPEST:
                    before = fingerprint() if method == "post" else None
                    answer = getattr(clients[role], method)(url, data)
                    if answer.status_code >= 500:
                        failures.append((role, method, url, answer.status_code))
                    elif before and answer.status_code >= 400 and fingerprint() != before:
                        failures.append((role, method, url, "changed"))
                    if _reached(answer):
                        break
    assert failures == []


def test_no_route_of_the_line_fails_on_hostile_ids_and_numbers(world):
    failures = []
    for role in ["anonymous", "citizen", "dispatcher", "other_unit"]:
        client = _client(world["people"][role])
        for name, template in ROUTES:
            for url in urls(world, name, template, hostile=True):
                for method in ("get", "post"):
                    problem = _ask(client, method, url, {})
                    if problem:
                        failures.append((role, method, url[:80], problem))
    assert failures == []


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(world):
    """Every page of the line that changes something needs the form's CSRF token; the API
    (tokens) and Open311 (api_key) do not read the session's cookie."""
    failures = []
    for role in ["citizen", "dispatcher", "handler"]:
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        client.force_login(world["people"][role])
        for name, template in ROUTES:
            if template.startswith(("/api/", "/open311/")):
                continue
            for url in urls(world, name, template):
                before = fingerprint()
                answer = client.post(url, {"approve": "1", "satisfaction": "satisfied"})
                if answer.status_code not in (403, 404, 405) or fingerprint() != before:
                    failures.append((role, url, answer.status_code))
    assert failures == []

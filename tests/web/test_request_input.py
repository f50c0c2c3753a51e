"""Bad input gets a 400 in the user's language, never a server error (penetration test,
finding 5), and a body too large is refused before it is read (finding 7).

NUL only breaks on PostgreSQL (it refuses NUL in text and jsonb), so these run on both
databases in CI."""

import io
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from yiwang.web import middleware

PROBLEM = "application/problem+json"
NUL = "x\x00y"


def list_urls():
    """Every GET route of the site without a parameter: the portal's and workbench's list
    and search pages and the API's lists, as the URL configuration has them today."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            route = str(entry.pattern)
            if "<" in route or route.startswith("^"):
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern):
                found.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(u for u in set(found) if not u.startswith(("/admin/", "/i18n/")))


LIST_URLS = list_urls()


def test_the_sweep_covers_the_named_pages_and_the_api():
    for url in ["/workbench/tasks/", "/workbench/licenses/", "/workbench/orgs/", "/search/"]:
        assert url in LIST_URLS
    assert sum(u.startswith("/api/v1/") for u in LIST_URLS) > 20


def test_a_nul_in_the_query_string_is_a_400_everywhere(client, demo, user_named):
    client.force_login(user_named("supervisor"))
    wrong = []
    for url in LIST_URLS:
        response = client.get(url, {"q": NUL, "page": "1"})
        if url.startswith("/api/"):
            good = (
                response["Content-Type"] == PROBLEM and response.json()["code"] == "control_chars"
            )
        else:
            good = "控制字符" in response.content.decode()
        if response.status_code != 400 or not good:
            wrong.append((url, response.status_code))
    assert wrong == []


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("approver", "/workbench/tasks/"),
        ("issuer", "/workbench/licenses/"),
        ("supervisor", "/workbench/orgs/"),
        ("clerk", "/workbench/intake/"),
        ("citizen", "/search/"),
    ],
)
def test_the_searches_named_in_the_finding_refuse_nul_and_still_search(
    client, demo, user_named, username, url
):
    client.force_login(user_named(username))
    refused = client.get(url + "?q=%00")
    assert refused.status_code == 400
    assert "控制字符" in refused.content.decode()
    assert client.get(url, {"q": "市场 监管"}).status_code == 200


def test_the_refusal_page_is_in_the_reader_s_language(client, db):
    client.cookies["django_language"] = "en"
    response = client.get("/search/?q=%01")
    assert response.status_code == 400
    assert '<html lang="en"' in response.content.decode()


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f"])
def test_control_characters_in_a_form_field_are_refused(client, db, char):
    response = client.post("/login/", {"username": f"a{char}b", "password": "x"})
    assert response.status_code == 400


def test_tab_newline_and_return_still_pass(client, db):
    response = client.get("/search/", {"q": "残疾证\t办理\r\n"})
    assert response.status_code == 200


def test_a_nul_in_a_path_is_a_400(client, db):
    assert client.get("/api/v1/items/A%00B").status_code == 400
    assert client.get("/items/A%00B/").status_code == 400


# --- the API's JSON bodies ------------------------------------------------------------------


@pytest.fixture
def draft(demo_catalog, api_as):
    citizen = api_as("citizen")
    case = citizen.post("/api/v1/cases", {"item": "SCJ-XK-0005"}, format="json").json()
    return citizen, case


@pytest.mark.parametrize(
    "body",
    [{"a": NUL}, {NUL: "value"}, {"phone": "13800000000", "address": "示例路\u00001号"}],
    ids=["value", "key", "escaped"],
)
def test_a_nul_in_a_json_form_is_a_400_problem(draft, body):
    citizen, case = draft
    response = citizen.patch(f"/api/v1/cases/{case['id']}/form", body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "control_chars"
    assert "控制字符" in response.json()["detail"]


def test_a_nul_deep_in_a_json_body_is_refused(draft):
    citizen, case = draft
    body = {"items": [{"material": 1, "reason": ["ok", {"x": NUL}]}]}
    response = citizen.post(f"/api/v1/cases/{case['id']}/supplement", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "control_chars"


def test_a_too_long_real_name_is_a_400_naming_the_field(api, db):
    response = api.post(
        "/api/v1/citizens",
        {
            "real_name": "张" * 101,
            "id_number": "110101198503152019",
            "phone": "13800000000",
            "username": "longname",
            "password": "a-Long-passphrase-9",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "100" in response.json()["errors"]["real_name"][0]["message"]


def test_every_api_list_refuses_a_nul_parameter(api_as):
    client = api_as("supervisor")
    for url in (u for u in LIST_URLS if u.startswith("/api/v1/")):
        response = client.get(url, {"status": NUL, "cursor": NUL})
        assert response.status_code == 400, url
        assert response["Content-Type"] == PROBLEM, url


# --- /api/ never answers HTML -------------------------------------------------------------


def test_api_server_errors_are_problems(client, db, monkeypatch):
    from yiwang.api.views import ApiRoot

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ApiRoot, "get", broken)
    client.raise_request_exception = False
    response = client.get("/api/v1/")
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "server_error"


def test_api_bad_hosts_are_problems(client, db):
    response = client.get("/api/v1/items", HTTP_HOST="evil.invalid")
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM


def test_api_csrf_failures_are_problems(db, user_named, demo):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user_named("citizen"))
    response = browser.post("/api/v1/cases", {"item": "X"}, content_type="application/json")
    assert response.status_code == 403 and response["Content-Type"] == PROBLEM

    from yiwang.web.views import csrf_failure

    request = RequestFactory().post("/api/v1/cases")
    direct = csrf_failure(request, reason="CSRF cookie not set.")
    assert direct.status_code == 403 and direct["Content-Type"] == PROBLEM
    page = csrf_failure(RequestFactory().post("/login/"), reason="CSRF cookie not set.")
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [("get", "/api/v1/nowhere", 404), ("put", "/api/v1/items", 405), ("get", "/api/x", 404)],
)
def test_api_framework_errors_are_problems(api, db, method, url, status):
    response = getattr(api, method)(url)
    assert response.status_code == status and response["Content-Type"] == PROBLEM


# --- bodies too large -----------------------------------------------------------------------


class Untouchable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


def post_huge(path: str) -> tuple[str, bytes, dict]:
    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="POST",
        CONTENT_TYPE="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    environ["wsgi.input"] = Untouchable()
    environ["wsgi.errors"] = sys.stderr
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(WSGIHandler()(environ, start_response))
    return answer["status"], body, answer["headers"]


@pytest.mark.parametrize("path", ["/api/v1/cases/1/materials/1/files", "/my/cases/1/form/save/"])
def test_a_200_mb_body_is_refused_without_being_read(db, path):
    status, body, headers = post_huge(path)
    assert status.startswith("413")
    if path.startswith("/api/"):
        assert headers["Content-Type"] == PROBLEM
        assert b"request_too_large" in body
    else:
        assert headers["Content-Type"].startswith("text/html")
    assert b"21 MB" in body or b"21" in body  # the limit is named


def test_the_limit_follows_the_setting(rf, settings):
    settings.YIWANG_REQUEST_MAX_BYTES = 1000
    ok = rf.post("/search/", data=b"x" * 1000, content_type="text/plain")
    too_big = rf.post("/search/", data=b"x" * 1001, content_type="text/plain")
    check = middleware.RequestInputMiddleware(lambda request: "passed")
    assert check(ok) == "passed"
    assert check(too_big).status_code == 413


def test_yiwang_serve_holds_chunked_bodies_to_the_same_limit(monkeypatch, settings):
    """Bodies with a Content-Length are refused by the middleware above; bodies sent in
    chunks are counted by the server's application (yiwang.asgi) against the same limit."""
    import uvicorn
    from django.core.management import call_command

    from yiwang.asgi import application

    seen = {}
    monkeypatch.setenv("YIWANG_WEB_THREADS", "8")
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs, app=app))
    call_command("serve", port=0)
    assert seen["app"] == "yiwang.asgi:application"
    # Forwarded headers are judged by yiwang.core.proxies alone, never by the server.
    assert seen["proxy_headers"] is False
    assert application.body_limit == settings.YIWANG_REQUEST_MAX_BYTES

"""Account recovery (pen test finding 9): a citizen resets a forgotten password with a code
texted to their verified phone; staff are reset by an administrator and enrol TOTP again."""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yiwang.audit.models import AuditEvent
from yiwang.core import context
from yiwang.identity import services
from yiwang.identity.models import ApiToken, PhoneChallenge, User
from yiwang.notify.models import Channel, Message

PASSWORD = "Old-passphrase-2024"
NEW_PASSWORD = "Brand-new-passphrase-77"
ID_NUMBER = "110101199203044010"
PROBLEM = "application/problem+json"


@pytest.fixture
def citizen(db):
    user = User.objects.create_user(
        "wangwu",
        password=PASSWORD,
        real_name="王五",
        phone="13911112222",
        phone_verified_at=timezone.now(),
    )
    user.set_id_number(ID_NUMBER)
    user.save()
    return user


def texted_codes(phone: str) -> list[str]:
    bodies = Message.objects.filter(channel=Channel.SMS, address=phone).order_by("id")
    return [re.search(r"验证码是 (\d{6})", m.body).group(1) for m in bodies]


def code_for(citizen) -> str:
    services.request_password_reset(citizen.username)
    return texted_codes(citizen.phone)[-1]


def a_wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


@pytest.fixture
def from_address():
    """Run the service as if a request came from this address (the middleware binds it)."""
    token = context.bind(context.RequestInfo(request_id="test", ip="203.0.113.9"))
    yield "203.0.113.9"
    context.reset(token)


# --- the citizen's reset by SMS -------------------------------------------------------------


def test_the_texted_code_sets_a_new_password(citizen):
    services.confirm_password_reset(citizen.username, code_for(citizen), NEW_PASSWORD)
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    assert not citizen.check_password(PASSWORD)


def test_the_id_number_works_as_the_login_in_any_width(citizen):
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in ID_NUMBER)
    services.request_password_reset(full_width)
    [code] = texted_codes(citizen.phone)
    services.confirm_password_reset(ID_NUMBER, code, NEW_PASSWORD)
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)


def test_only_a_hash_of_the_code_is_stored(citizen):
    code = code_for(citizen)
    challenge = PhoneChallenge.objects.get(purpose=PhoneChallenge.Purpose.PASSWORD_RESET)
    assert code not in challenge.code_hash and len(challenge.code_hash) == 64


def test_a_code_expires_after_ten_minutes(citizen):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        code = code_for(citizen)
    with time_machine.travel(start + datetime.timedelta(minutes=9, seconds=59), tick=False):
        with pytest.raises(ValidationError) as error:
            services.confirm_password_reset(citizen.username, code, "1234")
        assert "new_password" in error.value.message_dict  # the code itself was still good
    with time_machine.travel(start + datetime.timedelta(minutes=10, seconds=1), tick=False):
        with pytest.raises(ValidationError) as error:
            services.confirm_password_reset(citizen.username, code, NEW_PASSWORD)
    assert error.value.code == "reset_code_invalid"
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


def test_a_code_works_once(citizen):
    code = code_for(citizen)
    services.confirm_password_reset(citizen.username, code, NEW_PASSWORD)
    with pytest.raises(ValidationError) as error:
        services.confirm_password_reset(citizen.username, code, "Another-passphrase-88")
    assert error.value.code == "reset_code_invalid"
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)


def test_five_wrong_codes_burn_it(citizen):
    code = code_for(citizen)
    for _ in range(5):
        with pytest.raises(ValidationError):
            services.confirm_password_reset(citizen.username, a_wrong(code), NEW_PASSWORD)
    with pytest.raises(ValidationError) as error:
        services.confirm_password_reset(citizen.username, code, NEW_PASSWORD)
    assert "输错5次即作废" in error.value.messages[0]
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


def test_a_phone_verification_code_does_not_reset_the_password(citizen):
    services.send_phone_code(citizen)
    [code] = texted_codes(citizen.phone)
    with pytest.raises(ValidationError):
        services.confirm_password_reset(citizen.username, code, NEW_PASSWORD)


def test_a_weak_password_is_refused_and_the_code_stays_valid(citizen):
    code = code_for(citizen)
    with pytest.raises(ValidationError) as error:
        services.confirm_password_reset(citizen.username, code, "12345678")
    assert "new_password" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.confirm_password_reset(
            citizen.username, code, "wangwu2024"
        )  # too like the username
    assert "new_password" in error.value.message_dict
    services.confirm_password_reset(citizen.username, code, NEW_PASSWORD)


def test_every_other_session_and_the_api_token_end(citizen, client):
    client.force_login(citizen)
    assert client.get("/me/").status_code == 200
    services.issue_api_token(citizen)
    services.confirm_password_reset(citizen.username, code_for(citizen), NEW_PASSWORD)
    response = client.get("/me/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not ApiToken.objects.filter(user=citizen).exists()


def test_a_new_password_ends_a_login_lockout(citizen, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": citizen.username, "password": "wrong"})
    services.confirm_password_reset(citizen.username, code_for(citizen), NEW_PASSWORD)
    response = client.post("/login/", {"username": citizen.username, "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_every_step_is_audited_without_the_typed_login(citizen):
    code = code_for(citizen)
    services.request_password_reset(ID_NUMBER)  # a second code; the latest counts
    code = texted_codes(citizen.phone)[-1]
    services.request_password_reset("nobody-here")
    with pytest.raises(ValidationError):
        services.confirm_password_reset(citizen.username, a_wrong(code), NEW_PASSWORD)
    services.confirm_password_reset(citizen.username, code, NEW_PASSWORD)
    assert actions()[-5:] == [
        "identity.password_reset_requested",
        "identity.password_reset_requested",
        "identity.password_reset_requested",
        "identity.password_reset_failed",
        "identity.password_reset",
    ]
    events = AuditEvent.objects.filter(action__startswith="identity.password_reset").order_by("id")
    assert [e.summary.get("matched") for e in events[:3]] == [True, True, False]
    assert events.get(action="identity.password_reset_failed").summary["reason"] == "wrong_code"
    stored = " ".join(str(e.summary) + e.object_repr for e in events)
    assert ID_NUMBER not in stored and "nobody-here" not in stored


def test_requests_per_login_are_limited_whether_or_not_it_exists(citizen):
    for login in (citizen.username, "nobody-here"):
        for _ in range(services.RESET_REQUESTS_PER_LOGIN):
            services.request_password_reset(login)
        with pytest.raises(ValidationError) as error:
            services.request_password_reset(login)
        assert error.value.code == "reset_throttled"
    assert len(texted_codes(citizen.phone)) == services.RESET_REQUESTS_PER_LOGIN
    assert "identity.password_reset_throttled" in actions()


def test_requests_per_address_are_limited(citizen, from_address):
    for n in range(services.RESET_REQUESTS_PER_IP):
        services.request_password_reset(f"nobody-{n}")
    with pytest.raises(ValidationError) as error:
        services.request_password_reset(citizen.username)
    assert error.value.code == "reset_throttled"
    assert texted_codes(citizen.phone) == []
    assert AuditEvent.objects.filter(ip=from_address).count() == services.RESET_REQUESTS_PER_IP + 1


def test_code_entries_per_login_are_limited(citizen):
    code = code_for(citizen)
    for _ in range(services.RESET_CONFIRMS_PER_LOGIN):
        with pytest.raises(ValidationError):
            services.confirm_password_reset(citizen.username, "12", NEW_PASSWORD)
    with pytest.raises(ValidationError) as error:
        services.confirm_password_reset(citizen.username, code, NEW_PASSWORD)
    assert error.value.code == "reset_throttled"


@pytest.mark.parametrize("login", ["nobody-here", "staff-member", "unverified", "inactive"])
def test_no_sms_for_unknown_staff_unverified_or_inactive_accounts(citizen, login):
    User.objects.create_user("staff-member", kind=User.Kind.STAFF, phone="13900000001")
    User.objects.create_user("unverified", phone="13900000002")
    User.objects.create_user("inactive", phone="13900000003", is_active=False)
    User.objects.filter(username__in=["staff-member", "inactive"]).update(
        phone_verified_at=timezone.now()
    )
    services.request_password_reset(login)
    assert not Message.objects.filter(channel=Channel.SMS).exists()
    with pytest.raises(ValidationError) as error:
        services.confirm_password_reset(login, "123456", NEW_PASSWORD)
    assert error.value.code == "reset_code_invalid"


def test_an_unknown_login_fails_exactly_like_a_wrong_code(citizen):
    code = code_for(citizen)
    with pytest.raises(ValidationError) as known:
        services.confirm_password_reset(citizen.username, a_wrong(code), NEW_PASSWORD)
    with pytest.raises(ValidationError) as unknown:
        services.confirm_password_reset("nobody-here", code, NEW_PASSWORD)
    assert (known.value.code, known.value.messages) == (unknown.value.code, unknown.value.messages)


def test_the_statement_counts_are_pinned(citizen):
    services.request_password_reset("nobody-here")  # warm: whatever is made on first use
    with CaptureQueriesContext(connection) as request_queries:
        services.request_password_reset(citizen.username)
    code = texted_codes(citizen.phone)[-1]
    with CaptureQueriesContext(connection) as confirm_queries:
        services.confirm_password_reset(citizen.username, code, NEW_PASSWORD)
    # Each audit event is one INSERT (the chain is sealed later by the worker).
    assert len(request_queries) <= 7
    assert len(confirm_queries) <= 12


# --- pages ----------------------------------------------------------------------------------


def _without_csrf(html: str) -> str:
    # Django masks the CSRF token afresh for every response (form field, meta, htmx header).
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "CSRF", html)


def test_login_page_links_to_the_reset_page(client, db):
    page = client.get("/login/").content.decode()
    assert 'href="/account/password-reset/"' in page and "忘记密码？" in page


def test_the_pages_look_the_same_for_known_and_unknown_logins(citizen, client):
    seen = []
    for login in (citizen.username, "nobody-here", "staff-or-not"):
        response = client.post("/account/password-reset/", {"login": login})
        assert response.status_code == 302
        page = client.get(response["Location"])
        seen.append((response["Location"], page.status_code, _without_csrf(page.content.decode())))
    assert seen[0] == seen[1] == seen[2]
    assert len(texted_codes(citizen.phone)) == 1


def test_a_citizen_resets_the_password_on_the_pages(citizen, client):
    client.post("/account/password-reset/", {"login": citizen.username})
    [code] = texted_codes(citizen.phone)
    page = client.post(
        "/account/password-reset/confirm/",
        {"code": a_wrong(code), "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "验证码不正确或已失效" in page.content.decode()
    response = client.post(
        "/account/password-reset/confirm/",
        {"code": code, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/login/"
    assert "密码已重设" in response.content.decode()
    response = client.post("/login/", {"username": citizen.username, "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_the_confirm_page_needs_the_first_step(client, db):
    response = client.get("/account/password-reset/confirm/")
    assert response["Location"] == "/account/password-reset/"


def test_a_taken_id_number_points_to_the_reset_page(citizen, client):
    page = client.post(
        "/register/",
        {
            "real_name": "王五",
            "id_number": ID_NUMBER,
            "phone": "13900000009",
            "username": "another",
            "password1": "Sunflower-2024!",
            "password2": "Sunflower-2024!",
        },
    ).content.decode()
    assert "该身份证号码已注册" in page
    assert 'href="/account/password-reset/"' in page


# --- API ------------------------------------------------------------------------------------


def test_the_api_answers_the_same_for_known_and_unknown_logins(citizen, api):
    answers = []
    for login in (citizen.username, "nobody-here", ID_NUMBER, "11\u0660101199203044010"):
        response = api.post("/api/v1/password-reset", {"login": login}, format="json")
        answers.append((response.status_code, response["Content-Type"], response.json()))
    assert answers[0][0] == 202
    assert all(answer == answers[0] for answer in answers)
    assert len(texted_codes(citizen.phone)) == 2


def test_the_api_resets_the_password_and_reports_problems(citizen, api):
    api.post("/api/v1/password-reset", {"login": citizen.username}, format="json")
    [code] = texted_codes(citizen.phone)
    url = "/api/v1/password-reset/confirm"
    body = {"login": citizen.username, "code": a_wrong(code), "new_password": NEW_PASSWORD}
    response = api.post(url, body, format="json")
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "reset_code_invalid"
    response = api.post(url, {**body, "code": code, "new_password": "1234"}, format="json")
    assert response.json()["errors"]["new_password"][0]["code"] == "password_too_short"
    response = api.post(url, {**body, "code": code}, format="json")
    assert response.status_code == 200
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)


def test_the_api_throttle_is_a_problem_429(citizen, api):
    for _ in range(services.RESET_REQUESTS_PER_LOGIN):
        api.post("/api/v1/password-reset", {"login": "nobody-here"}, format="json")
    response = api.post("/api/v1/password-reset", {"login": "nobody-here"}, format="json")
    assert response.status_code == 429 and response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "throttled"


# --- staff: reset by an administrator -------------------------------------------------------


@pytest.fixture
def clerk_with_totp(demo, user_named):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    clerk = user_named("clerk")
    TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    return clerk


def test_staff_cannot_reset_by_sms(clerk_with_totp):
    User.objects.filter(pk=clerk_with_totp.pk).update(
        phone="13900000005", phone_verified_at=timezone.now()
    )
    before = Message.objects.filter(channel=Channel.SMS).count()
    services.request_password_reset("clerk")
    assert Message.objects.filter(channel=Channel.SMS).count() == before


def test_an_administrator_resets_staff_who_then_enrol_totp_again(
    clerk_with_totp, user_named, client, settings
):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.YIWANG_REQUIRE_STAFF_OTP = True
    old_session = client
    old_session.force_login(clerk_with_totp)
    services.issue_api_token(clerk_with_totp)

    temporary = services.reset_staff_password(clerk_with_totp, by=user_named("admin"))

    clerk = user_named("clerk")
    assert clerk.check_password(temporary) and clerk.must_change_password
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    assert not ApiToken.objects.filter(user=clerk).exists()
    event = AuditEvent.objects.get(action="identity.password_reset_by_admin")
    assert event.actor.username == "admin" and event.summary == {"devices_removed": 1}
    assert old_session.get("/workbench/")["Location"].startswith("/login/")

    # Signing in with the temporary password: first a new authenticator …
    client.logout()
    response = client.post("/login/", {"username": "clerk", "password": temporary})
    assert response.status_code == 302
    response = client.get("/workbench/")
    assert response["Location"].startswith("/account/otp/")
    assert "设置身份验证器" in client.get(response["Location"]).content.decode()
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    response = client.post(
        "/account/otp/", {"code": f"{totp(device.bin_key):06d}", "next": "/workbench/"}
    )
    # … then a password of their own, before anything else.
    response = client.get("/workbench/")
    assert response["Location"] == "/account/password/?next=%2Fworkbench%2F"
    page = client.get(response["Location"]).content.decode()
    assert "管理员为您重设了密码" in page
    response = client.post(
        "/account/password/",
        {
            "old_password": temporary,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "next": "/workbench/",
        },
    )
    assert response["Location"] == "/workbench/"
    assert client.get("/workbench/").status_code == 200
    clerk.refresh_from_db()
    assert not clerk.must_change_password and clerk.check_password(NEW_PASSWORD)
    assert "identity.password_changed" in actions()


def test_only_operators_and_superusers_reset_passwords(demo, user_named):
    with pytest.raises(PermissionDenied):
        services.reset_staff_password(user_named("approver"), by=user_named("clerk"))


def test_an_operator_cannot_reset_a_superuser(demo, user_named):
    from yiwang.identity.models import OrgUnit
    from yiwang.identity.roles import Role

    operator = user_named("supervisor")
    services.grant_role(operator, Role.OPERATOR, OrgUnit.objects.get(code="990101"))
    services.reset_staff_password(user_named("clerk"), by=operator)
    with pytest.raises(PermissionDenied):
        services.reset_staff_password(user_named("admin"), by=operator)


def test_no_one_resets_themselves_this_way(demo, user_named):
    admin = user_named("admin")
    with pytest.raises(ValidationError) as error:
        services.reset_staff_password(admin, by=admin)
    assert error.value.code == "reset_self"


def test_staff_reset_statement_count_is_pinned(clerk_with_totp, user_named):
    admin = user_named("admin")
    with CaptureQueriesContext(connection) as queries:
        services.reset_staff_password(clerk_with_totp, by=admin)
    assert len(queries) <= 12  # the audit event is one INSERT


def test_the_admin_action_confirms_then_shows_the_temporary_password_once(
    clerk_with_totp, user_named, client
):
    client.force_login(user_named("admin"))
    url = "/admin/identity/user/"
    chosen = {"action": "reset_password", "_selected_action": [clerk_with_totp.pk]}
    page = client.post(url, chosen).content.decode()
    assert "确认重设" in page
    assert not user_named("clerk").must_change_password
    page = client.post(url, {**chosen, "confirm": "yes"}).content.decode()
    temporary = re.search(r'class="temporary-password">([^<]+)<', page).group(1)
    clerk = user_named("clerk")
    assert clerk.must_change_password and clerk.check_password(temporary)
    assert temporary not in str(list(AuditEvent.objects.values_list("summary", flat=True)))


def test_a_temporary_password_gets_no_api_token(clerk_with_totp, user_named, api):
    temporary = services.reset_staff_password(clerk_with_totp, by=user_named("admin"))

    response = api.post(
        "/api/v1/auth/token", {"username": "clerk", "password": temporary}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"
    assert not ApiToken.objects.filter(user=clerk_with_totp).exists()

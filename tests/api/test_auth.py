"""Tokens for apps: sign in, lock out, second factor for staff, revoke."""

import datetime
import hashlib

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from yiwang.audit.models import AuditEvent
from yiwang.demo import accounts
from yiwang.demo.loader import department_suffix
from yiwang.identity import services as identity
from yiwang.identity.models import ApiToken, OrgKind, OrgUnit

PROBLEM = "application/problem+json"
TOKEN_URL = "/api/v1/auth/token"


def demo_usernames():
    names = [u for u, *_ in accounts.CITIZENS] + [u for u, *_ in accounts.STAFF] + ["admin"]
    for org in OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT):
        names += [f"{prefix}-{department_suffix(org)}" for prefix, *_ in accounts.DEPARTMENT_ROLES]
    return names


def sign_in(api, username, password=accounts.DEMO_PASSWORD, ip="127.0.0.1", **extra):
    return api.post(
        TOKEN_URL, {"username": username, "password": password, **extra}, REMOTE_ADDR=ip
    )


def me(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/me")


def test_every_demo_account_obtains_a_token(api, demo):
    usernames = demo_usernames()
    assert len(usernames) > 20  # the department accounts are there too
    for number, username in enumerate(usernames):
        # One address per account, as if from each person's own phone (the endpoint is throttled).
        response = sign_in(api, username, ip=f"10.0.{number // 200}.{number % 200 + 1}")
        assert response.status_code == 200, (username, response.content)
        assert len(response.json()["token"]) == 40


def test_a_token_opens_the_api(api, demo):
    token = sign_in(api, "citizen").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "citizen"


def test_issuing_a_token_is_audited(api, demo, user_named):
    sign_in(api, "citizen")
    event = AuditEvent.objects.filter(action="identity.token_issued").get()
    assert event.actor == user_named("citizen")


def test_signing_in_twice_gives_two_tokens_that_both_work(api, demo):
    # A phone and a tablet: the second sign-in does not sign the first device out.
    first, second = (sign_in(api, "citizen").json()["token"] for _ in range(2))
    assert first != second
    for token in (first, second):
        assert me(token).status_code == 200


def test_only_a_hash_of_the_token_is_stored(api, demo):
    token = sign_in(api, "citizen").json()["token"]
    stored = ApiToken.objects.get()
    assert token not in {stored.digest, str(stored.pk)}
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest()


def test_wrong_password_is_a_problem_with_a_code(api, demo):
    response = sign_in(api, "citizen", password="not-the-password")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "invalid_credentials"
    assert "token" not in response.json()


def test_unknown_user_looks_like_a_wrong_password(api, demo):
    assert sign_in(api, "nobody").json()["code"] == "invalid_credentials"


def test_missing_fields_are_field_errors(api, demo):
    response = api.post(TOKEN_URL, {"username": "citizen"})
    assert response.status_code == 400
    assert response.json()["errors"]["password"][0]["code"] == "required"


def test_repeated_wrong_passwords_lock_the_account_out(api, demo, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(api, "citizen", password="wrong").json()["code"] == "invalid_credentials"
    assert sign_in(api, "citizen", password="wrong").json()["code"] == "locked_out"

    response = sign_in(api, "citizen")  # even the right password, until the cool-off ends
    assert response.status_code == 429
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "locked_out"


def test_lockout_is_per_address_and_username(api, demo, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(api, "citizen", password="wrong")
    assert sign_in(api, "citizen2").status_code == 200
    assert sign_in(api, "citizen", ip="10.9.9.9").status_code == 200


def test_token_endpoint_is_throttled(api, demo):
    statuses = [sign_in(api, "nobody", ip="10.1.1.1").status_code for _ in range(25)]
    # axes locks "nobody" out after 5 tries (429 locked_out); the throttle stops the rest.
    last = sign_in(api, "citizen", ip="10.1.1.1")
    assert last.status_code == 429
    assert last.json()["code"] == "throttled"
    assert "Retry-After" in last
    assert statuses.count(429) > 0


def test_revoking_a_token_closes_the_api_to_it(api, demo):
    token = sign_in(api, "citizen").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.delete(TOKEN_URL).status_code == 204
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_revoking_needs_a_signed_in_user(api, db):
    assert api.delete(TOKEN_URL).json()["code"] == "not_authenticated"


@pytest.fixture
def staff_otp(settings, user_named, demo):
    settings.YIWANG_REQUIRE_STAFF_OTP = True
    device = TOTPDevice.objects.create(user=user_named("clerk"), name="phone", confirmed=True)

    def current_code():
        return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()

    return lambda: f"{current_code():06d}"


def test_staff_need_a_second_factor_when_required(api, staff_otp):
    response = sign_in(api, "clerk")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "otp_required"


def test_staff_with_a_valid_code_get_a_token(api, staff_otp):
    response = sign_in(api, "clerk", otp=staff_otp())
    assert response.status_code == 200
    assert response.json()["token"]


def test_a_wrong_code_is_refused(api, staff_otp):
    assert sign_in(api, "clerk", otp="000000x").json()["code"] == "otp_required"


def test_staff_without_a_device_cannot_get_a_token(api, staff_otp):
    assert sign_in(api, "approver", otp="123456").json()["code"] == "otp_required"


def test_citizens_need_no_second_factor(api, staff_otp):
    assert sign_in(api, "citizen").status_code == 200


# --- lifetime and second-factor binding ------------------------------------------------------


def later(**delta):
    return time_machine.travel(timezone.now() + datetime.timedelta(**delta), tick=False)


def test_a_citizen_token_works_until_its_days_are_up(api, demo, settings):
    token = sign_in(api, "citizen").json()["token"]
    with later(days=settings.YIWANG_API_TOKEN_DAYS, minutes=-1):
        assert me(token).status_code == 200
    with later(days=settings.YIWANG_API_TOKEN_DAYS, minutes=1):
        response = me(token)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "token_expired"
    assert "过期" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_staff_token_expires_after_hours_not_days(api, demo, settings):
    token = sign_in(api, "clerk").json()["token"]
    with later(hours=settings.YIWANG_STAFF_API_TOKEN_HOURS, minutes=-1):
        assert me(token).status_code == 200
    with later(hours=settings.YIWANG_STAFF_API_TOKEN_HOURS, minutes=1):
        assert me(token).json()["code"] == "token_expired"


def test_the_lifetime_is_a_setting(api, demo, settings):
    settings.YIWANG_API_TOKEN_DAYS = 1
    token = sign_in(api, "citizen").json()["token"]
    with later(days=1, minutes=1):
        assert me(token).json()["code"] == "token_expired"


def test_signing_in_again_after_expiry_gives_a_working_token(api, demo, settings):
    sign_in(api, "citizen")
    with later(days=settings.YIWANG_API_TOKEN_DAYS + 1):
        token = sign_in(api, "citizen").json()["token"]
        assert me(token).status_code == 200
        assert ApiToken.objects.count() == 1  # the expired one is cleared on the way


def test_a_staff_token_from_before_codes_were_required_is_refused(api, demo, settings):
    settings.YIWANG_REQUIRE_STAFF_OTP = False  # development
    token = sign_in(api, "clerk").json()["token"]
    assert me(token).status_code == 200

    settings.YIWANG_REQUIRE_STAFF_OTP = True  # the switch to production
    response = me(token)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "token_otp_required"
    assert "动态验证码" in response.json()["detail"]


def test_a_staff_token_confirmed_with_a_code_works_and_names_its_device(api, staff_otp):
    token = sign_in(api, "clerk", otp=staff_otp()).json()["token"]
    assert me(token).status_code == 200
    assert ApiToken.objects.get().otp_device == TOTPDevice.objects.get()


def test_removing_the_device_retires_its_tokens(api, staff_otp):
    token = sign_in(api, "clerk", otp=staff_otp()).json()["token"]
    TOTPDevice.objects.all().delete()
    assert me(token).json()["code"] == "token_otp_required"


def test_citizen_tokens_need_no_device(api, staff_otp):
    token = sign_in(api, "citizen").json()["token"]
    assert me(token).status_code == 200


def test_issuing_a_token_costs_a_fixed_number_of_statements(demo, user_named):
    citizen = user_named("citizen")
    identity.issue_api_token(citizen)  # warm the role cache
    with CaptureQueriesContext(connection) as queries:
        identity.issue_api_token(citizen)
    # savepoint, clear expired, insert the token, insert the audit event (sealed later by the
    # worker: no chain head locked here), release
    assert len(queries) <= 5, [q["sql"] for q in queries]

"""Tokens for apps: sign in, lock out, second factor for staff, revoke."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from yiwang.audit.models import AuditEvent
from yiwang.demo import accounts
from yiwang.demo.loader import department_suffix
from yiwang.identity.models import OrgKind, OrgUnit

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


def test_signing_in_twice_gives_the_same_token(api, demo):
    assert sign_in(api, "citizen").json() == sign_in(api, "citizen").json()


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

"""The only door for changing identity data: registration, phone verification, enterprises
and their agents, role grants, the org tree, and reveals of identity numbers."""

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.notify import services as notify

from . import crypto, policy
from .models import AgentAuthorisation, Enterprise, OrgUnit, PhoneChallenge, RoleGrant, User
from .validators import validate_id_number, validate_phone, validate_uscc

PHONE_CODE_TTL = datetime.timedelta(minutes=10)
PHONE_CODE_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Registration:
    username: str
    password: str
    real_name: str
    id_number: str
    phone: str


def check_registration(data: Registration) -> dict[str, list[ValidationError]]:
    """Every problem with a registration at once, by field; empty when it may proceed."""
    errors: dict[str, list[ValidationError]] = {}

    def add(field, error):
        errors.setdefault(field, []).append(error)

    username = (data.username or "").strip()
    if not username:
        add("username", ValidationError(_("请填写用户名。"), code="required"))
    elif User.objects.filter(username__iexact=username).exists():
        add("username", ValidationError(_("该用户名已被使用。"), code="username_taken"))
    if not (data.real_name or "").strip():
        add("real_name", ValidationError(_("请填写真实姓名。"), code="required"))
    try:
        number = validate_id_number(data.id_number)
    except ValidationError as exc:
        add("id_number", exc)
    else:
        if User.objects.filter(id_number_index=crypto.blind_index(number)).exists():
            add(
                "id_number",
                ValidationError(
                    _("该身份证号码已注册，请直接登录或找回密码。"), code="id_number_taken"
                ),
            )
    try:
        validate_phone(data.phone)
    except ValidationError as exc:
        add("phone", exc)
    try:
        validate_password(data.password, User(username=username, real_name=data.real_name))
    except ValidationError as exc:
        add("password", exc)
    return errors


@transaction.atomic
def register_citizen(data: Registration) -> User:
    """Create a citizen account and text a code to verify the phone. Raises ValidationError
    (with every problem) and creates nothing when anything is wrong."""
    errors = check_registration(data)
    if errors:
        raise ValidationError({f: e for f, e in errors.items()})
    user = User(
        username=data.username.strip(),
        real_name=data.real_name.strip(),
        phone=validate_phone(data.phone),
        kind=User.Kind.CITIZEN,
    )
    user.set_id_number(validate_id_number(data.id_number))
    user.set_password(data.password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two registrations raced past the checks; the unique indexes decided.
        raise ValidationError(_("该用户名或身份证号码已注册。"), code="duplicate") from None
    audit.record(user, "identity.register", user, summary={"kind": user.kind})
    send_phone_code(user)
    return user


def _code_hash(user_id: int, code: str) -> str:
    key = crypto.blind_index(f"phone-code:{user_id}")
    return hmac.new(key.encode(), code.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def send_phone_code(user: User) -> PhoneChallenge:
    code = f"{secrets.randbelow(10**6):06d}"
    challenge = PhoneChallenge.objects.create(
        user=user,
        phone=user.phone,
        code_hash=_code_hash(user.pk, code),
        expires_at=timezone.now() + PHONE_CODE_TTL,
    )
    notify.sms(
        user.phone,
        _("【一网】您的验证码是 %(code)s，10分钟内有效。请勿告诉他人。") % {"code": code},
        recipient=user,
    )
    audit.record(user, "identity.phone_code_sent", user)
    return challenge


def verify_phone(user: User, code: str) -> None:
    error = None
    with transaction.atomic():
        challenge = (
            PhoneChallenge.objects.select_for_update()
            .filter(user=user, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if challenge is None or challenge.expires_at < timezone.now():
            error = ValidationError(_("验证码已过期，请重新获取。"), code="code_expired")
        elif challenge.attempts >= PHONE_CODE_MAX_ATTEMPTS:
            error = ValidationError(_("尝试次数过多，请重新获取验证码。"), code="code_locked")
        elif not hmac.compare_digest(
            challenge.code_hash, _code_hash(user.pk, (code or "").strip())
        ):
            # The failed attempt is committed, so guessing stops after a few tries.
            challenge.attempts += 1
            challenge.save(update_fields=["attempts"])
            error = ValidationError(_("验证码不正确。"), code="code_wrong")
        else:
            challenge.used_at = timezone.now()
            challenge.save(update_fields=["used_at"])
            user.phone_verified_at = timezone.now()
            user.save(update_fields=["phone_verified_at"])
            audit.record(user, "identity.phone_verified", user)
    if error is not None:
        raise error


def reveal_id_number(user: User, *, by) -> str:
    """The full number, for the owner and roles that need it; every reveal is audited."""
    policy.require(by, "person.reveal_id_number", user)
    audit.record(by, "identity.reveal_id_number", user, object_repr=user.display_name)
    return user.reveal_id_number()


def find_person_by_id_number(id_number: str, *, by) -> User | None:
    """A window clerk identifies a walk-in applicant by the number on their card."""
    policy.require(by, "person.lookup")
    number = validate_id_number(id_number)
    person = User.objects.filter(id_number_index=crypto.blind_index(number)).first()
    audit.record(by, "identity.lookup_person", person, summary={"found": person is not None})
    return person


@transaction.atomic
def create_enterprise(
    *, name: str, uscc: str, legal_representative: str, address: str = "", by=None
) -> Enterprise:
    code = validate_uscc(uscc)
    enterprise, created = Enterprise.objects.get_or_create(
        uscc=code,
        defaults={"name": name, "legal_representative": legal_representative, "address": address},
    )
    if created:
        audit.record(by, "identity.enterprise_created", enterprise)
    return enterprise


@transaction.atomic
def authorise_agent(
    enterprise: Enterprise,
    agent: User,
    *,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    by=None,
) -> AgentAuthorisation:
    if valid_until and valid_until < valid_from:
        raise ValidationError(_("失效日期不能早于生效日期。"), code="dates")
    authorisation = AgentAuthorisation.objects.create(
        enterprise=enterprise, agent=agent, valid_from=valid_from, valid_until=valid_until
    )
    audit.record(
        by,
        "identity.agent_authorised",
        enterprise,
        summary={"agent": agent.username, "valid_from": valid_from, "valid_until": valid_until},
    )
    return authorisation


def enterprises_of(agent: User, day: datetime.date | None = None):
    day = day or timezone.localdate()
    return Enterprise.objects.filter(
        authorisations__in=AgentAuthorisation.objects.valid_on(day).filter(agent=agent)
    ).distinct()


@transaction.atomic
def grant_role(user: User, role: str, org: OrgUnit, *, by=None) -> RoleGrant:
    grant, created = RoleGrant.objects.get_or_create(user=user, role=role, org=org)
    if created:
        audit.record(
            by,
            "identity.role_granted",
            grant,
            summary={"user": user.username, "role": role, "org": org.code},
        )
    policy.forget_grants(user)
    return grant


@transaction.atomic
def revoke_role(grant: RoleGrant, *, by=None) -> None:
    audit.record(
        by,
        "identity.role_revoked",
        grant,
        summary={"user": grant.user.username, "role": grant.role, "org": grant.org.code},
    )
    grant.delete()
    policy.forget_grants(grant.user)


@transaction.atomic
def issue_api_token(user: User) -> str:
    """The user's API token for apps (one per user, kept until revoked); audited."""
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=user)
    audit.record(user, "identity.token_issued", user)
    return token.key


@transaction.atomic
def revoke_api_token(user: User) -> bool:
    """Delete the user's API token; apps using it must sign in again."""
    from rest_framework.authtoken.models import Token

    deleted, _per_model = Token.objects.filter(user=user).delete()
    if deleted:
        audit.record(user, "identity.token_revoked", user)
    return bool(deleted)


# --- staff second factor (TOTP) -------------------------------------------------------------


def totp_device(user):
    """The user's confirmed TOTP device, or None when they have not set one up."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


@transaction.atomic
def start_totp_setup(user):
    """The unconfirmed device whose key the user scans into an authenticator app; the same
    one on every call until it is confirmed, so reloading the page keeps the QR code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
        audit.record(user, "identity.totp_setup_started", user)
    return device


@transaction.atomic
def confirm_totp(user, token: str):
    """Confirm the set-up device with a first code; return it, or None if the code is wrong.
    django-otp throttles repeated failures on the device itself."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None or not device.verify_token((token or "").strip()):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(user, "identity.totp_confirmed", user)
    return device


def verify_totp(user, token: str):
    """The confirmed device if `token` is a valid current code for it, else None."""
    device = totp_device(user)
    if device is None or not device.verify_token((token or "").strip()):
        return None
    return device

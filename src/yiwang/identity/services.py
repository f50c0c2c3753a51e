"""The only door for changing identity data: registration, phone verification, enterprises
and their agents, role grants, the org tree, and reveals of identity numbers."""

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.core import context
from yiwang.notify import services as notify

from . import crypto, holders, policy
from .models import AgentAuthorisation, Enterprise, OrgUnit, PhoneChallenge, RoleGrant, User
from .roles import ALL_STAFF_ROLES, Role
from .validators import normalize_code, validate_id_number, validate_phone, validate_uscc

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
                    _(
                        "该身份证号码已注册。请直接登录；忘记密码的，可在登录页点“忘记密码？”用手机验证码重设。"
                    ),
                    code="id_number_taken",
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
            .filter(user=user, purpose=PhoneChallenge.Purpose.VERIFY_PHONE, used_at__isnull=True)
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


def _may_manage_grants(by, org: OrgUnit, user: User) -> None:
    """Only a user administrator (运维, at the org or above) or a superuser changes who holds
    a role, and never their own: nobody raises their own rights. `by=None` is the system
    itself (the demo loader, a command run on the server)."""
    if by is None:
        return
    policy.require(by, "org.manage_staff", org)
    if user.pk == by.pk and not by.is_superuser:
        raise PermissionDenied
    if user.is_superuser and not by.is_superuser:
        raise PermissionDenied


def check_grant(user: User, role: str, org: OrgUnit) -> None:
    """Why this grant cannot be made (a ValidationError), if it cannot."""
    if role not in Role.values:
        raise ValidationError(_("没有这个角色。"), code="unknown_role")
    if user.kind != User.Kind.STAFF or not user.is_active:
        raise ValidationError(_("只能给在用的工作人员账户授权。"), code="not_staff")
    if not org.is_active:
        raise ValidationError(_("该机构已停用，不能在此授权。"), code="inactive_org")


@transaction.atomic
def grant_role(user: User, role: str, org: OrgUnit, *, by=None, valid_until=None) -> RoleGrant:
    """Give `user` a role at `org` (it reaches the org's subtree), audited. Granting one
    that is held already changes nothing."""
    _may_manage_grants(by, org, user)
    check_grant(user, role, org)
    grant, created = RoleGrant.objects.get_or_create(
        user=user, role=role, org=org, defaults={"valid_until": valid_until}
    )
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
    """Take a role back, audited."""
    _may_manage_grants(by, grant.org, grant.user)
    audit.record(
        by,
        "identity.role_revoked",
        grant,
        summary={"user": grant.user.username, "role": grant.role, "org": grant.org.code},
    )
    grant.delete()
    policy.forget_grants(grant.user)


def check_move(org: OrgUnit, new_parent: OrgUnit | None) -> None:
    """Why `org` may not move under `new_parent` (a ValidationError), if it may not."""
    if new_parent is not None and new_parent.is_within(org):
        raise ValidationError(
            _("不能把机构移到它自己或它的下级机构之下。"), code="move_into_itself"
        )
    if new_parent is not None and not new_parent.is_active:
        raise ValidationError(_("上级机构已停用。"), code="inactive_parent")


@transaction.atomic
def move_org(org: OrgUnit, new_parent: OrgUnit | None, *, by) -> dict[str, int]:
    """Move an org and its subtree under `new_parent` (None: a root). Its path, its
    descendants' paths and every row that copies one of them (cases, tasks, figures,
    ratings, licences…) change in one UPDATE per column (identity.tree), so from the next
    query on the new parent's staff see the branch and the old parent's do not. Only a
    user administrator who reaches both places, or a superuser; audited."""
    from . import tree

    org = OrgUnit.objects.select_for_update().get(pk=org.pk)
    if new_parent is not None:
        new_parent = OrgUnit.objects.get(pk=new_parent.pk)
    if by is not None:
        policy.require(by, "org.manage_staff", org)
        if new_parent is not None:
            policy.require(by, "org.manage_staff", new_parent)
        elif not by.is_superuser:
            raise PermissionDenied
    check_move(org, new_parent)
    old_path, old_parent = org.path, org.parent
    if (new_parent.pk if new_parent else None) == org.parent_id:
        return {}
    org.parent = new_parent
    new_path = org.compute_path()
    OrgUnit.objects.filter(pk=org.pk).update(parent=new_parent)
    changed = tree.repath(old_path, new_path)
    holders.forget()  # the paths cached answers were asked with have changed
    org.refresh_from_db()
    audit.record(
        by,
        "identity.org_moved",
        org,
        summary={
            "from": old_parent.code if old_parent else "",
            "to": new_parent.code if new_parent else "",
            "rows": sum(changed.values()),
        },
    )
    return changed


def is_staff_member(user) -> bool:
    """Superuser, is_staff or any staff role: who confirms a TOTP code where the site requires
    it, and whose API tokens are short-lived."""
    from .roles import ALL_STAFF_ROLES

    return user.is_superuser or user.is_staff or policy.has_role(user, *ALL_STAFF_ROLES)


def api_token_lifetime(user) -> datetime.timedelta:
    from django.conf import settings

    if is_staff_member(user):
        return datetime.timedelta(hours=settings.YIWANG_STAFF_API_TOKEN_HOURS)
    return datetime.timedelta(days=settings.YIWANG_API_TOKEN_DAYS)


@transaction.atomic
def issue_api_token(user: User, *, otp_device=None) -> str:
    """A new API token for an app (each sign-in its own, so phone and tablet both keep
    working), valid for `api_token_lifetime(user)` and bound to the TOTP device that
    confirmed the sign-in, if any; audited. Returns the key, which is not kept: only its
    hash is. The user's expired tokens are cleared on the way."""
    from .models import ApiToken

    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        digest=ApiToken.digest_of(key),
        user=user,
        created_at=now,
        expires_at=now + api_token_lifetime(user),
        otp_device=otp_device,
    )
    audit.record(
        user,
        "identity.token_issued",
        user,
        summary={"expires_at": token.expires_at, "otp_verified": otp_device is not None},
    )
    return key


@transaction.atomic
def revoke_api_token(user: User) -> bool:
    """Delete all the user's API tokens; apps using them must sign in again."""
    from .models import ApiToken

    deleted, _per_model = ApiToken.objects.filter(user=user).delete()
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


# --- account recovery (找回密码) ---------------------------------------------------------------
#
# A citizen proves they hold the account's verified phone with a texted code and chooses a new
# password. Nothing the requester sees depends on whether the login exists, belongs to staff or
# has a verified phone: the same answer, the same page, and the same work (a code is drawn and
# hashed either way). Staff are never reset by SMS: an administrator resets them
# (reset_staff_password) and they enrol their authenticator again.

RESET_CODE_TTL = datetime.timedelta(minutes=10)
RESET_CODE_MAX_ATTEMPTS = 5
RESET_WINDOW_SECONDS = 3600
RESET_REQUESTS_PER_LOGIN = 5  # texts per login and hour: each one is paid for and annoys
RESET_REQUESTS_PER_IP = 20
RESET_CONFIRMS_PER_LOGIN = 10  # code entries per login and hour (a code also burns after 5)
RESET_CONFIRMS_PER_IP = 30
_RESET = PhoneChallenge.Purpose.PASSWORD_RESET
# Temporary passwords are read out or copied by an administrator: no 0/O, 1/l/I.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def is_staff_account(user: User) -> bool:
    return (
        user.kind == User.Kind.STAFF
        or user.is_staff
        or user.is_superuser
        or policy.has_role(user, *ALL_STAFF_ROLES)
    )


def _login_digest(login: str) -> str:
    """One key per login however it was typed (full-width, spaces, case), for throttling and
    the audit log, which never keeps a typed ID number."""
    return crypto.blind_index(f"reset-login:{normalize_code(login)}")[:32]


def _account_for_reset(login: str) -> User | None:
    """The citizen account a login names (its username or ID number) if it may be reset by
    SMS: active, not staff, with a verified phone. Anything else is None, indistinguishably."""
    text = str(login or "").strip()
    if not text or len(text) > 150:
        return None
    user = None
    try:
        number = validate_id_number(text)
    except ValidationError:
        pass
    else:
        user = User.objects.filter(id_number_index=crypto.blind_index(number)).first()
    if user is None:
        user = User.objects.filter(username=text).first()
    if (
        user is None
        or not user.is_active
        or not user.phone
        or user.phone_verified_at is None
        or is_staff_account(user)
    ):
        return None
    return user


def _over_limit(key: str, limit: int) -> bool:
    """Count one hit in a fixed one-hour window of the cache (shared by every process when
    the cache is Redis, as DRF's throttles are)."""
    cache.add(key, 0, RESET_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, RESET_WINDOW_SECONDS)
        count = 1
    return count > limit


def _throttled(step: str, digest: str, per_login: int, per_ip: int) -> bool:
    by_login = _over_limit(f"yiwang:reset:{step}:login:{digest}", per_login)
    ip = context.current().ip
    by_ip = bool(ip) and _over_limit(f"yiwang:reset:{step}:ip:{ip}", per_ip)
    return by_login or by_ip


def _throttled_error() -> ValidationError:
    return ValidationError(_("操作过于频繁，请一小时后再试。"), code="reset_throttled")


def _reset_code_hash(user_id: int, code: str) -> str:
    key = crypto.blind_index(f"password-reset:{user_id}")
    return hmac.new(key.encode(), code.encode(), hashlib.sha256).hexdigest()


def _forget_login_failures(user: User) -> None:
    """A new password ends a lockout from guessing the old one (django-axes)."""
    from axes.utils import reset

    reset(username=user.get_username())


def request_password_reset(login: str) -> None:
    """Text a reset code to the verified phone of the citizen account `login` names. Returns
    nothing, the same for every login; raises ValidationError (code "reset_throttled") when
    this login or this address asked too often, whether the account exists or not. Every
    request is audited."""
    digest = _login_digest(login)
    throttled = _throttled("request", digest, RESET_REQUESTS_PER_LOGIN, RESET_REQUESTS_PER_IP)
    user = _account_for_reset(login)
    code = f"{secrets.randbelow(10**6):06d}"
    code_hash = _reset_code_hash(user.pk if user else 0, code)
    summary = {"login": digest, "matched": user is not None}
    with transaction.atomic():
        if throttled:
            audit.record(None, "identity.password_reset_throttled", user, summary=summary)
        else:
            if user is not None:
                PhoneChallenge.objects.create(
                    user=user,
                    purpose=_RESET,
                    phone=user.phone,
                    code_hash=code_hash,
                    expires_at=timezone.now() + RESET_CODE_TTL,
                )
                notify.sms(
                    user.phone,
                    _(
                        "【一网】您正在重设登录密码，验证码是 %(code)s，10分钟内有效。"
                        "如非本人操作，请忽略本短信，不要把验证码告诉任何人。"
                    )
                    % {"code": code},
                    recipient=user,
                )
            audit.record(None, "identity.password_reset_requested", user, summary=summary)
    if throttled:
        raise _throttled_error()


def confirm_password_reset(login: str, code: str, new_password: str) -> User:
    """Set a new password with the texted code: the code is single-use, lives 10 minutes and
    burns after 5 wrong entries. Then every session of the user ends (Django checks each
    session against the password hash) and so does their API token. Raises ValidationError
    — the same for an unknown login as for a wrong code — and audits every attempt."""
    digest = _login_digest(login)
    throttled = _throttled("confirm", digest, RESET_CONFIRMS_PER_LOGIN, RESET_CONFIRMS_PER_IP)
    password_error = None
    try:
        # The rules that do not depend on the account first: telling them reveals nothing.
        validate_password(new_password)
    except ValidationError as exc:
        password_error = exc
    user = _account_for_reset(login)
    given = _reset_code_hash(user.pk if user else 0, normalize_code(code))
    code_error = ValidationError(
        _("验证码不正确或已失效。验证码10分钟内有效，输错5次即作废，请重新获取。"),
        code="reset_code_invalid",
    )
    error, reason = None, ""
    with transaction.atomic():
        challenge = None
        if user is not None and not throttled and password_error is None:
            challenge = (
                PhoneChallenge.objects.select_for_update()
                .filter(user=user, purpose=_RESET, used_at__isnull=True)
                .order_by("-created_at")
                .first()
            )
        if throttled:
            error, reason = _throttled_error(), "throttled"
        elif password_error is not None:
            error, reason = ValidationError({"new_password": password_error}), "password"
        elif challenge is None or challenge.expires_at < timezone.now():
            error, reason = code_error, ("expired" if user else "unknown")
        elif challenge.attempts >= RESET_CODE_MAX_ATTEMPTS:
            error, reason = code_error, "locked"
        elif not hmac.compare_digest(challenge.code_hash, given):
            # Committed with the audit row: guessing stops after a few tries.
            challenge.attempts += 1
            challenge.save(update_fields=["attempts"])
            error, reason = code_error, "wrong_code"
        else:
            try:
                validate_password(new_password, user)
            except ValidationError as exc:
                # Only the holder of the code learns this (e.g. too close to their name);
                # the code stays valid for another try.
                error, reason = ValidationError({"new_password": exc}), "password"
        if error is None:
            now = timezone.now()
            PhoneChallenge.objects.filter(user=user, purpose=_RESET, used_at__isnull=True).update(
                used_at=now
            )
            user.set_password(new_password)
            user.must_change_password = False
            user.save(update_fields=["password", "must_change_password"])
            revoke_api_token(user)
            _forget_login_failures(user)
            audit.record(user, "identity.password_reset", user, summary={"login": digest})
        else:
            audit.record(
                None,
                "identity.password_reset_failed",
                user,
                summary={"login": digest, "matched": user is not None, "reason": reason},
            )
    if error is not None:
        raise error
    return user


@transaction.atomic
def change_password(user: User, new_password: str) -> None:
    """The user's own new password (the page has checked the old one). Clears the mark an
    administrator's reset left; every other session and the API token end."""
    validate_password(new_password, user)
    was_required = user.must_change_password
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    revoke_api_token(user)
    audit.record(user, "identity.password_changed", user, summary={"required": was_required})


@transaction.atomic
def reset_staff_password(user: User, *, by) -> str:
    """An administrator's reset for someone who cannot sign in (staff are never reset by
    SMS). Returns a temporary password to hand over once; it must be changed at the next
    sign-in. The authenticator app is unbound, so the user enrols a new one before reaching
    anything else; every session and the API token end."""
    from django_otp import devices_for_user

    policy.require(by, "account.reset_password")
    if user.pk == by.pk:
        raise ValidationError(
            _("不能用这个功能重设自己的密码，请在“修改密码”页面修改。"), code="reset_self"
        )
    if user.is_superuser and not by.is_superuser:
        raise PermissionDenied
    password = "-".join(
        "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4)
    )
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    PhoneChallenge.objects.filter(user=user, purpose=_RESET, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    revoke_api_token(user)
    _forget_login_failures(user)
    audit.record(
        by, "identity.password_reset_by_admin", user, summary={"devices_removed": len(devices)}
    )
    return password

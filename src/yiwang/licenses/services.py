"""The only door into the e-licence library: issue, confirm a draft, issue from a case,
revoke, replace, find a holder's valid licence for reuse, and remind before expiry.

Each change: lock → authorise → validate → change → sign → audit → notify, in one
transaction. `by` is a user, or a string naming a system actor (an import command) — a
string skips the policy, as only code running on the server can pass one."""

import datetime
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.catalog.models import LicenseType
from yiwang.core import limits, links
from yiwang.identity import policy
from yiwang.identity.models import Enterprise, User
from yiwang.notify import services as notify

from . import credit_codes, filling, sequences, signing
from .masking import masked_fields, masked_holder_name
from .models import EXPIRED, License, ShareLink, Status
from .transitions import LICENCE

PERSON = LicenseType.HolderKind.PERSON
EXPIRY_NOTICE_DAYS = 30


class LicenseError(ValidationError):
    """A rule of the library was broken; `code` is stable for the API."""


# A licence's particulars (照面信息) are short: names, numbers, addresses, scopes.
FIELD_MAX_CHARS = 500


# --- helpers ------------------------------------------------------------------------------


def _authorise(by, action: str, licence: License) -> None:
    if isinstance(by, str):
        return
    policy.require(by, action, licence)


def next_number(license_type: LicenseType, day: datetime.date) -> str:
    """SFZ-2026-000042: the type code without "L-", the year, a sequence per type and year.
    The counter row is locked so concurrent issues never share a number; numbers taken by
    imported licences are skipped."""
    prefix = f"{license_type.code.removeprefix('L-')}-{day.year}"
    return sequences.take_next(
        prefix,
        lambda n: f"{prefix}-{n:06d}",
        lambda number: License.objects.filter(number=number).exists(),
    )


def default_valid_until(license_type: LicenseType, issued_on: datetime.date):
    """The type's validity in years from the issue date (0: no expiry), ending the day
    before the anniversary, as printed licences do."""
    if not license_type.validity_years:
        return None
    year = issued_on.year + license_type.validity_years
    try:
        anniversary = issued_on.replace(year=year)
    except ValueError:  # 29 February in a common year
        anniversary = datetime.date(year, 3, 1)
    return anniversary - datetime.timedelta(days=1)


def claims_of(licence: License) -> dict:
    """The content that is signed: masked, verifiable offline. Nothing here is computed
    from personal data — no digest of the holder's ID number, keyed or not: a verifier
    checks the masked name and number against the identity card the holder shows (see
    signing's docstring and docs/licenses.md, "What a QR code reveals")."""
    person = licence.holder_person_id is not None
    kind = licence.license_type
    return {
        "v": signing.PAYLOAD_VERSION,
        "no": licence.number,
        "t": kind.code,
        "tn": kind.name,
        "h": masked_holder_name(licence.holder_name, person=person),
        "f": masked_fields(kind.fields, licence.data, person=person),
        "iss": licence.issued_on.isoformat(),
        "exp": licence.valid_until.isoformat() if licence.valid_until else None,
        "org": licence.issuer.name,
        "st": Status.VALID.value,
    }


def _sign(licence: License) -> None:
    signed = signing.sign_claims(claims_of(licence))
    licence.kid = signed.kid
    licence.signature = signed.signature
    licence.payload_hash = signed.payload_hash
    licence.payload = signed.payload
    licence.signed_at = timezone.now()


def _missing_fields(license_type: LicenseType, data: dict) -> list[str]:
    return [name for name in license_type.fields if not str(data.get(name, "") or "").strip()]


def _clean_data(license_type: LicenseType, data: dict, *, final: bool) -> dict:
    unknown = sorted(set(data) - set(license_type.fields))
    if unknown:
        raise LicenseError(
            _("证照类型“%(type)s”没有这些照面字段：%(fields)s")
            % {"type": license_type.name, "fields": "、".join(unknown)},
            code="unknown_fields",
        )
    cleaned = {
        name: limits.clean_text(
            data.get(name, "") or "", label=name, field=name, max_chars=FIELD_MAX_CHARS
        )
        for name in license_type.fields
    }
    missing = _missing_fields(license_type, cleaned)
    if final and missing:
        raise LicenseError(
            _("照面字段未填写：%(fields)s") % {"fields": "、".join(missing)},
            code="missing_fields",
        )
    return cleaned


def holders_to_notify(licence: License) -> list[User]:
    """The person, or the enterprise's agents authorised today."""
    if licence.holder_person_id:
        return [licence.holder_person]
    from yiwang.identity.models import AgentAuthorisation

    today = timezone.localdate()
    agents = AgentAuthorisation.objects.valid_on(today).filter(
        enterprise_id=licence.holder_enterprise_id
    )
    return [a.agent for a in agents.select_related("agent")]


def _tell_holder(licence: License, subject: str, body: str) -> None:
    """One INSERT however many agents an enterprise has authorised."""
    notify.site_many(holders_to_notify(licence), subject, body)


# --- issuing ------------------------------------------------------------------------------


def issue(
    license_type: LicenseType,
    *,
    holder_person: User | None = None,
    holder_enterprise: Enterprise | None = None,
    data: dict,
    by,
    case=None,
    issued_on: datetime.date | None = None,
    valid_until: datetime.date | None | str = "derive",
    number: str = "",
    holder_name: str = "",
    final: bool = True,
    notify_holder: bool = True,
) -> License:
    """Put a licence into the library (an issuer, or an import). Final licences are signed
    at once; a draft waits for `confirm`. `number` is generated when empty; `valid_until`
    defaults to the type's validity (None: no expiry); `holder_name` to the holder's."""
    return _issue(
        license_type,
        check=True,
        holder_person=holder_person,
        holder_enterprise=holder_enterprise,
        data=data,
        by=by,
        case=case,
        issued_on=issued_on,
        valid_until=valid_until,
        number=number,
        holder_name=holder_name,
        final=final,
        notify_holder=notify_holder,
    )


@transaction.atomic
def _issue(
    license_type: LicenseType,
    *,
    check: bool,
    holder_person: User | None = None,
    holder_enterprise: Enterprise | None = None,
    data: dict,
    field_sources: dict | None = None,
    by,
    case=None,
    issued_on: datetime.date | None = None,
    valid_until: datetime.date | None | str = "derive",
    number: str = "",
    holder_name: str = "",
    final: bool = True,
    notify_holder: bool = True,
) -> License:
    if (holder_person is None) == (holder_enterprise is None):
        raise LicenseError(_("证照须有且只有一个持证主体。"), code="holder")
    person = holder_person is not None
    # A 法人 type may name a person: an individual business's licences are issued in the
    # operator's name (case_holder). An enterprise never holds a person's licence.
    if not person and license_type.holder_kind == PERSON:
        raise LicenseError(
            _("“%(type)s”的持证主体应为%(kind)s。")
            % {"type": license_type.name, "kind": license_type.get_holder_kind_display()},
            code="holder_kind",
        )
    issued_on = issued_on or timezone.localdate()
    if valid_until == "derive":
        valid_until = default_valid_until(license_type, issued_on)
    if valid_until is not None and valid_until < issued_on:
        raise LicenseError(_("有效期至不能早于签发日期。"), code="dates")
    licence = License(
        number=number or next_number(license_type, issued_on),
        license_type=license_type,
        holder_person=holder_person,
        holder_enterprise=holder_enterprise,
        holder_name=holder_name
        or (holder_person.display_name if person else holder_enterprise.name),
        data=_clean_data(license_type, data, final=final),
        field_sources=field_sources or {},
        issued_on=issued_on,
        valid_until=valid_until,
        issuer=license_type.issuer,
        case=case,
        final=final,
    )
    licence.issuer_path = license_type.issuer.path
    if check:
        _authorise(by, "license.issue", licence)
    if License.objects.filter(number=licence.number).exists():
        raise LicenseError(
            _("证照编号 %(number)s 已存在。") % {"number": licence.number}, code="number_taken"
        )
    if final:
        licence.confirmed_by = by if not isinstance(by, str) else None
        licence.confirmed_at = timezone.now()
        _sign(licence)
    licence.save()
    audit.record(
        by,
        "license.issued" if final else "license.drafted",
        licence,
        org_path=licence.issuer_path,
        summary={
            "type": license_type.code,
            "number": licence.number,
            "case": case and case.pk,
            **({"empty": _missing_fields(license_type, licence.data)} if not final else {}),
        },
    )
    if final and notify_holder:
        _tell_holder(
            licence,
            _("新的电子证照已入库"),
            _("您的%(type)s（%(number)s）已存入电子证照库，办事时可直接调用，无需再提交。")
            % {"type": license_type.name, "number": licence.number},
        )
    return licence


def _lock(license_id) -> License:
    return (
        License.objects.select_for_update()
        .select_related("license_type", "issuer")
        .get(pk=license_id)
    )


@transaction.atomic
def confirm(license_id, *, by, data: dict | None = None) -> License:
    """The issuing side checks a draft (filling any field the case could not), then it is
    final and signed."""
    licence = _lock(license_id)
    _authorise(by, "license.confirm", licence)
    if licence.final:
        raise LicenseError(_("该证照已确认，无需重复确认。"), code="already_final")
    # What the issuer typed (an empty input leaves the draft's value); it is marked as theirs.
    typed = {
        name: value
        for name, value in (data or {}).items()
        if str(value or "").strip() and value != licence.data.get(name)
    }
    licence.data = _clean_data(licence.license_type, {**licence.data, **typed}, final=True)
    licence.field_sources = {
        **licence.field_sources,
        **{name: {"kind": filling.ISSUER} for name in typed},
    }
    licence.final = True
    licence.confirmed_by = by if not isinstance(by, str) else None
    licence.confirmed_at = timezone.now()
    _sign(licence)
    licence.save()
    audit.record(
        by,
        "license.confirmed",
        licence,
        org_path=licence.issuer_path,
        summary={"number": licence.number, "typed": sorted(typed)},
    )
    _tell_holder(
        licence,
        _("新的电子证照已入库"),
        _("您的%(type)s（%(number)s）已制证并存入电子证照库。")
        % {"type": licence.license_type.name, "number": licence.number},
    )
    return licence


def _chinese_date(day: datetime.date) -> str:
    return filling.chinese_date(day)


def case_holder(case, license_type) -> tuple[User | None, Enterprise | None]:
    """(person, enterprise) who holds the licence a case produces: the applicant for a
    自然人 type; for a 法人 type the case's enterprise, or — when a natural person applied
    without one — the applicant: a 个体工商户 is not a legal person, and its licences are
    issued in the operator's name (docs/licenses.md, "Who holds a licence from a case")."""
    if license_type.holder_kind != PERSON and case.enterprise_id:
        return None, case.enterprise
    return case.applicant, None


def journey_licences(case, *, person: User | None, enterprise: Enterprise | None) -> list:
    """The holder's licences drafted (or issued) earlier in the same bundle journey, oldest
    first: what the later stages see of the new business."""
    if not case.parent_id:
        return []
    mine = Q(holder_person=person) if person is not None else Q(holder_enterprise=enterprise)
    return list(
        License.objects.filter(mine, case__parent_id=case.parent_id)
        .exclude(case=case)
        .select_related("license_type")
        .order_by("pk")
    )


@transaction.atomic
def issue_for_case(case, *, by) -> License | None:
    """Called by the workflow when a case concludes approved: if its item's result is a
    licence, draft it for the issuer to confirm, filled from the case (filling.fill: the
    type's field_elements, decision fields, the applicant, earlier licences of the
    journey). Safe to call twice (one licence per case)."""
    version = case.item_version
    license_type = version.result_license_type if version is not None else None
    if license_type is None:
        return None
    existing = License.objects.filter(case=case).first()
    if existing is not None:
        return existing
    person, enterprise = case_holder(case, license_type)
    issued_on = timezone.localdate()
    valid_until = default_valid_until(license_type, issued_on)
    number = next_number(license_type, issued_on)
    filled = filling.fill(
        license_type,
        case=case,
        person=person is not None,
        enterprise=enterprise,
        decision=filling.Decision(number, issued_on, valid_until, license_type.issuer.name),
        earlier=journey_licences(case, person=person, enterprise=enterprise),
        new_credit_code=lambda: credit_codes.new_credit_code(license_type),
    )
    # The workflow authorised the decision; the draft is its consequence, not a new act.
    return _issue(
        license_type,
        check=False,
        holder_person=person,
        holder_enterprise=enterprise,
        data=filled.data,
        field_sources=filled.sources,
        by=by,
        case=case,
        issued_on=issued_on,
        valid_until=valid_until,
        number=number,
        final=False,
    )


# --- lifecycle ----------------------------------------------------------------------------


@transaction.atomic
def revoke(license_id, *, by, reason: str) -> License:
    """注销 by the issuing department, with a reason the holder is told."""
    licence = _lock(license_id)
    _authorise(by, "license.revoke", licence)
    reason = limits.clean_text(reason, label=_("注销原因"), field="reason")
    if not reason:
        raise LicenseError(_("请填写注销原因。"), code="reason_required")
    if not licence.final:
        raise LicenseError(_("只有已制证且未注销、未换发的证照可以注销。"), code="not_revocable")
    LICENCE.move(licence, Status.REVOKED)
    licence.revoked_at = timezone.now()
    licence.revoke_reason = reason
    licence.save(update_fields=["status", "revoked_at", "revoke_reason"])
    audit.record(
        by, "license.revoked", licence, org_path=licence.issuer_path, summary={"reason": reason}
    )
    _tell_holder(
        licence,
        _("电子证照已注销"),
        _("您的%(type)s（%(number)s）已由%(org)s注销，原因：%(reason)s")
        % {
            "type": licence.license_type.name,
            "number": licence.number,
            "org": licence.issuer.name,
            "reason": reason,
        },
    )
    return licence


@transaction.atomic
def replace(
    license_id, *, by, data_changes: dict | None = None, reason: str, issued_on=None
) -> License:
    """换发 on a change of particulars or a renewal: a new licence with a new number and
    validity from today; the old one reads as replaced and points at the new one."""
    old = _lock(license_id)
    _authorise(by, "license.replace", old)
    reason = limits.clean_text(reason, label=_("换发原因"), field="reason")
    if not reason:
        raise LicenseError(_("请填写换发原因。"), code="reason_required")
    if not old.final:
        raise LicenseError(_("只有已制证且未注销、未换发的证照可以换发。"), code="not_replaceable")
    LICENCE.check(old.status, Status.REPLACED)  # before the new licence is issued
    new = issue(
        old.license_type,
        holder_person=old.holder_person,
        holder_enterprise=old.holder_enterprise,
        data={**old.data, **(data_changes or {})},
        by=by,
        case=None,
        issued_on=issued_on,
        holder_name=old.holder_name,
        notify_holder=False,
    )
    LICENCE.move(old, Status.REPLACED)
    old.replaced_by = new
    old.save(update_fields=["status", "replaced_by"])
    audit.record(
        by,
        "license.replaced",
        old,
        org_path=old.issuer_path,
        summary={"reason": reason, "new": new.number, "changed": sorted(data_changes or {})},
    )
    _tell_holder(
        new,
        _("电子证照已换发"),
        _("您的%(type)s已换发，新证编号 %(new)s，原证 %(old)s 不再使用。")
        % {"type": new.license_type.name, "new": new.number, "old": old.number},
    )
    return new


# --- re-signing older payloads ----------------------------------------------------------

RESIGN_BATCH = 200


def outdated_licences() -> list[int]:
    """Final licences whose stored payload is of an older version than the claims signed
    today (version 1 carried a digest of the holder's ID number: see signing)."""
    signed = License.objects.filter(final=True).exclude(payload="")
    return [
        pk
        for pk, payload in signed.values_list("pk", "payload").iterator(chunk_size=2000)
        if signing.payload_version(payload) != signing.PAYLOAD_VERSION
    ]


def resign_outdated(*, by: str, batch: int = RESIGN_BATCH) -> int:
    """Sign again, with today's claims, every licence whose payload is of an older
    version; safe to run twice (the second run finds nothing). The QR codes made before
    then read 二维码已失效 online (signing.verify: superseded), so the holders of licences
    still in force are told to download theirs again. Returns how many were re-signed."""
    pks = outdated_licences()
    for start in range(0, len(pks), batch):
        _resign_batch(pks[start : start + batch], by=by)
    return len(pks)


@transaction.atomic
def _resign_batch(pks: list[int], *, by: str) -> None:
    licences = (
        License.objects.select_for_update(of=("self",))
        .select_related("license_type", "issuer")
        .filter(pk__in=pks, final=True)
        .order_by("pk")
    )
    today = timezone.localdate()
    for licence in licences:
        old = signing.payload_version(licence.payload)
        if old == signing.PAYLOAD_VERSION:
            continue  # another run got there first
        _sign(licence)
        licence.save(update_fields=["kid", "signature", "payload_hash", "payload", "signed_at"])
        audit.record(
            by,
            "license.resigned",
            licence,
            org_path=licence.issuer_path,
            summary={"number": licence.number, "from_version": old, "kid": licence.kid},
        )
        if licence.status_on(today) == Status.VALID:
            _tell_holder(
                licence,
                _("电子证照二维码已更新"),
                _(
                    "为保护您的个人信息，您的%(type)s（%(number)s）已重新签名，新二维码不再含"
                    "可用于推算身份证号码的内容。此前打印或保存的该证照二维码已失效，"
                    "请在“我的证照”中重新下载。"
                )
                % {"type": licence.license_type.name, "number": licence.number},
            )


# --- reuse --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    """What the library holds for a holder and a type: the licence to use, or why none
    (reason: "expired", "revoked", "replaced" or "none")."""

    license: License | None
    reason: str = ""

    def __bool__(self):
        return self.license is not None

    @property
    def words(self) -> str:
        return {
            "": _("已从电子证照库调取"),
            EXPIRED: _("电子证照库中的该证照已过期，请上传有效证件或先办理换领。"),
            Status.REVOKED.value: _("电子证照库中的该证照已注销，请上传有效证件。"),
            Status.REPLACED.value: _("电子证照库中的该证照已换发，请使用新证。"),
            "none": _("电子证照库中没有您的该类证照，请上传。"),
        }[self.reason]


def _holder_filter(holder) -> Q:
    if isinstance(holder, Enterprise):
        return Q(holder_enterprise=holder)
    return Q(holder_person=holder)


def valid_for(holder, license_type, today: datetime.date | None = None) -> Availability:
    """The holder's (a User or an Enterprise) valid licence of this type — the newest — or
    None with the reason the best candidate cannot be used."""
    today = today or timezone.localdate()
    usable = Q(status=Status.VALID) & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    # One read: the newest usable licence if there is one, else the newest of all (whose
    # status says why none can be used).
    best = (
        License.objects.filter(_holder_filter(holder), license_type=license_type, final=True)
        .alias(usable=Case(When(usable, then=Value(1)), default=Value(0)))
        .order_by("-usable", "-issued_on", "-pk")
        .first()
    )
    if best is None:
        return Availability(None, "none")
    if best.status == Status.VALID and not best.is_expired(today):
        return Availability(best)
    return Availability(None, best.status_on(today))


def expiring(days: int = EXPIRY_NOTICE_DAYS, today: datetime.date | None = None):
    """Final, valid licences that expire within `days` and whose holder was not yet told."""
    today = today or timezone.localdate()
    return License.objects.filter(
        final=True,
        status=Status.VALID,
        valid_until__gte=today,
        valid_until__lte=today + datetime.timedelta(days=days),
        expiry_notified_on__isnull=True,
    )


def notify_expiring(days: int = EXPIRY_NOTICE_DAYS, today: datetime.date | None = None) -> int:
    """Tell each holder once, `days` ahead; the reminder date is recorded on the licence."""
    today = today or timezone.localdate()
    sent = 0
    for pk in expiring(days, today).values_list("pk", flat=True):
        with transaction.atomic():
            licence = (
                expiring(days, today)
                .select_for_update()
                .select_related("license_type")
                .filter(pk=pk)
                .first()
            )
            if licence is None:
                continue  # another worker got there first
            licence.expiry_notified_on = today
            licence.save(update_fields=["expiry_notified_on"])
            _tell_holder(
                licence,
                _("电子证照即将到期"),
                _("您的%(type)s（%(number)s）将于%(day)s到期，请及时办理换领。")
                % {
                    "type": licence.license_type.name,
                    "number": licence.number,
                    "day": _chinese_date(licence.valid_until),
                },
            )
            audit.record("licenses.expiry", "license.expiry_notified", licence)
            sent += 1
    return sent


def verify(payload: str, today: datetime.date | None = None) -> signing.Verification:
    """Public verification (no login): the signature, then the live status."""
    return signing.verify(payload, today)


def verification_url(licence: License) -> str:
    from django.urls import reverse

    return links.absolute(reverse("license_verify", args=[licence.payload]))


# --- the holder's wallet: share links -----------------------------------------------------

# How long a share link may live: the holder picks one.
SHARE_DURATIONS = {
    "1h": datetime.timedelta(hours=1),
    "1d": datetime.timedelta(days=1),
    "7d": datetime.timedelta(days=7),
}


def _share_token_hash(token: str) -> str:
    return signing.digest(token.encode("utf-8"))


def _require_holder(user, licence: License) -> None:
    """The holder, or an agent of the holding enterprise; anyone else gets a 404."""
    from django.http import Http404

    from . import selectors

    if not selectors.wallet(user).filter(pk=licence.pk).exists():
        raise Http404


@transaction.atomic
def create_share_link(license_id, *, by, valid_for: str = "1d"):
    """A link for one final licence, valid for 1 hour, 1 day or 7 days. Returns
    (link, token); the token is not stored and cannot be shown again."""
    licence = _lock(license_id)
    _require_holder(by, licence)
    if valid_for not in SHARE_DURATIONS:
        raise LicenseError(_("请选择分享链接的有效期。"), code="share_duration")
    if not licence.final or not licence.payload:
        raise LicenseError(_("该证照尚未制证，不能分享。"), code="not_final")
    token = secrets.token_urlsafe(24)
    link = ShareLink.objects.create(
        license=licence,
        token_hash=_share_token_hash(token),
        created_by=by,
        expires_at=timezone.now() + SHARE_DURATIONS[valid_for],
    )
    audit.record(
        by,
        "license.share_created",
        link,
        org_path=licence.issuer_path,
        summary={"number": licence.number, "valid_for": valid_for},
    )
    return link, token


@transaction.atomic
def revoke_share_link(link_id, *, by):
    """The holder ends a link early. Ending an ended link is harmless."""
    from django.http import Http404

    link = ShareLink.objects.select_for_update().select_related("license").filter(pk=link_id)
    link = link.first()
    if link is None:
        raise Http404
    _require_holder(by, link.license)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit.record(
            by,
            "license.share_revoked",
            link,
            org_path=link.license.issuer_path,
            summary={"number": link.license.number},
        )
    return link


@dataclass(frozen=True)
class SharedView:
    """What a third party sees behind a share link: state (active / expired / revoked /
    unknown), and for an active link the verification of the licence."""

    state: str
    link: object = None
    verification: signing.Verification | None = None


def open_share_link(token: str, now=None) -> SharedView:
    """A third party opens a link: counted and logged (the holder can see it was used),
    then the licence is verified like a scanned QR code."""
    now = now or timezone.now()
    link = (
        ShareLink.objects.select_related("license")
        .filter(token_hash=_share_token_hash(token or ""))
        .first()
    )
    if link is None:
        return SharedView("unknown")
    state = link.state_on(now)
    with transaction.atomic():
        if state == "active":
            ShareLink.objects.filter(pk=link.pk).update(
                opened_count=F("opened_count") + 1, last_opened_at=now
            )
        audit.record(
            "share link",
            "license.share_opened" if state == "active" else "license.share_refused",
            link,
            org_path=link.license.issuer_path,
            summary={"number": link.license.number, "state": state},
        )
    if state != "active":
        return SharedView(state, link)
    return SharedView(state, link, verify(link.license.payload))


def holder_fields(licence: License, *, revealed: bool = False) -> list[tuple[str, str, bool]]:
    """The 照面 fields as the holder sees them: (name, value, masked). In full, except
    identity numbers, masked until the holder asks to see them (`reveal_for_holder`)."""
    from yiwang.identity.validators import mask_id_number

    from .masking import ID_MARKERS

    rows = []
    for name in licence.license_type.fields:
        value = str(licence.data.get(name, "") or "")
        secret = bool(value) and any(marker in name for marker in ID_MARKERS)
        rows.append((name, mask_id_number(value) if secret and not revealed else value, secret))
    return rows


def reveal_for_holder(license_id, *, by) -> License:
    """The holder shows the full identity numbers on their licence once; each time is
    audited, like revealing the number in 我的空间."""
    from . import selectors

    licence = selectors.wallet_licence(by, license_id)
    audit.record(
        by, "license.revealed", licence, org_path=licence.issuer_path, summary={"by": "holder"}
    )
    return licence

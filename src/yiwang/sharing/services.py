"""The only door into the base libraries (一网带四库: 人口库, 法人库): staff look a person up
by ID number or an enterprise by credit code only for a case or task they are handling,
stating why. Every look-up is checked and logged — granted or refused — in `AccessLog`,
which the person reads in their space, and in the audit chain.

A look-up is granted when the case is active (submitted, being supplemented, accepted, in
review or suspended; or a draft the clerk is filing for this walk-in applicant), the subject
is its applicant (or its enterprise), and the staff member handles it:

- intake staff (综合窗口受理员) of the case's service point — they may see the case through
  the cases policy and take it in (`case.intake`); or
- department staff (审核员, 审批负责人) with an open approval task on the case or on one of a
  bundle's child cases, in an org unit their role reaches.

Walk-in identification at the window (`identify_walk_in`) is the one look-up without a
case: the clerk must find the applicant before a draft exists. It is logged with the purpose
“窗口代办身份核验”."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.identity import crypto, policy
from yiwang.identity.models import Enterprise, OrgUnit, RoleGrant, User
from yiwang.identity.roles import Role
from yiwang.identity.validators import mask_id_number, validate_id_number, validate_uscc
from yiwang.journey.cases.models import Case, Status

from .models import AccessLog, Outcome, SubjectKind

WALK_IN_PURPOSE = "窗口代办身份核验"
WALK_IN_REVEAL_PURPOSE = "窗口代办身份核验（查看完整号码）"
ACTIVE = frozenset(
    {Status.SUBMITTED, Status.SUPPLEMENT, Status.ACCEPTED, Status.IN_REVIEW, Status.SUSPENDED}
)
DEPARTMENT_ROLES = (Role.APPROVER, Role.CHIEF)
PURPOSE_MAX = 200


class LookupRefused(Exception):
    """The look-up was refused (and logged). `str()` is the message for the staff member."""

    code = "lookup_refused"

    def __init__(self, message: str, log: AccessLog | None = None):
        super().__init__(message)
        self.message = message
        self.log = log


@dataclass(frozen=True)
class Record:
    """What a granted look-up shows: the subject's base record, masked where the purpose
    does not need more (the full ID number is a separate, audited reveal)."""

    kind: str
    name: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    case: Case | None = None
    log: AccessLog | None = None


# --- helpers ------------------------------------------------------------------------------


def _home_org(user, roles=None) -> OrgUnit | None:
    """The org unit the staff member acts from (their first active grant)."""
    grants = RoleGrant.objects.active().filter(user_id=user.pk).select_related("org")
    if roles:
        grants = grants.filter(role__in=list(roles))
    grant = grants.order_by("org__path", "pk").first()
    return grant.org if grant else None


def _log(
    by,
    *,
    staff_name: str = "",
    actor=None,
    kind: str,
    subject_masked: str,
    person=None,
    enterprise=None,
    case=None,
    case_number: str = "",
    purpose: str,
    outcome: str,
    org=None,
    reason: str = "",
) -> AccessLog:
    with transaction.atomic():
        org = org or _home_org(by)
        entry = AccessLog.objects.create(
            staff=by,
            staff_name=(staff_name or by.real_name or by.get_username())[:100],
            org=org,
            org_name=org.name if org else "",
            subject_kind=kind,
            person=person,
            enterprise=enterprise,
            subject_masked=subject_masked,
            case=case,
            case_number=(case.number if case and case.number else case_number)[:32],
            purpose=purpose[:PURPOSE_MAX],
            outcome=outcome,
            reason=reason[:300],
        )
        audit.record(
            actor or by,
            "sharing.lookup_granted" if outcome == Outcome.GRANTED else "sharing.lookup_refused",
            entry,
            org_path=org.path if org else "",
            object_repr=subject_masked,
            summary={
                "subject": subject_masked,
                "case": entry.case_number,
                "purpose": entry.purpose,
                "reason": reason,
            },
        )
    return entry


def _find_case(case_id=None, case_number: str = "") -> Case | None:
    cases = Case.objects.select_related("parent", "place", "applicant", "enterprise")
    if case_id:
        case = cases.filter(pk=case_id).first()
    elif case_number:
        case = cases.filter(number=case_number.strip().upper()).first()
    else:
        return None
    return case.parent if case is not None and case.parent_id else case


def _open_task_org(user, case: Case) -> OrgUnit | None:
    """The org of an open approval task on the journey that the user's department role
    reaches, or None."""
    from yiwang.journey.workflow.models import OPEN_TASK, ApprovalTask

    if not user.is_superuser and not policy.grants_of(user).paths(DEPARTMENT_ROLES):
        return None
    tasks = policy.scope(
        user,
        ApprovalTask.objects.filter(
            Q(case_id=case.pk) | Q(case__parent_id=case.pk), status__in=OPEN_TASK
        ),
        roles=DEPARTMENT_ROLES,
    )
    task = tasks.select_related("org").order_by("pk").first()
    return task.org if task else None


def _handling_org(user, case: Case) -> OrgUnit | None:
    """Where the user handles this case from, or None if they do not handle it."""
    if policy.can(user, "case.view", case) and policy.can(user, "case.intake", case):
        return case.place
    return _open_task_org(user, case)


def _is_active(case: Case, by) -> bool:
    if case.status in ACTIVE:
        return True
    # A clerk filing for a walk-in applicant handles the draft they are filling in.
    return case.status == Status.DRAFT and case.filed_by_id == by.pk


# --- the look-up --------------------------------------------------------------------------


def lookup(
    by,
    *,
    subject_id_number: str = "",
    uscc: str = "",
    case_id=None,
    case_number: str = "",
    purpose: str,
) -> Record:
    """Look a person (ID number) or an enterprise (credit code) up for a case the staff
    member handles. Returns the record, or raises `LookupRefused` after logging the refusal
    (the log is committed even though the caller sees an error). A malformed number is a
    ValidationError and not logged: it names nobody."""
    policy.require(by, "sharing.lookup")
    purpose = (purpose or "").strip()
    if bool(subject_id_number) == bool(uscc):
        raise ValidationError(_("请填写身份证号码或统一社会信用代码中的一项。"), code="subject")
    if subject_id_number:
        number = validate_id_number(subject_id_number)
        kind, masked = SubjectKind.PERSON, mask_id_number(number)
        person = User.objects.filter(id_number_index=crypto.blind_index(number)).first()
        enterprise = None
        subject = person
    else:
        code = validate_uscc(uscc)
        kind, masked = SubjectKind.ENTERPRISE, code
        enterprise = Enterprise.objects.filter(uscc=code).first()
        person = None
        subject = enterprise
    case = _find_case(case_id, case_number)
    given_number = case_number or (str(case_id) if case_id else "")

    def refuse(reason: str, org=None):
        entry = _log(
            by,
            kind=kind,
            subject_masked=masked,
            person=person,
            enterprise=enterprise,
            case=case,
            case_number=given_number,
            purpose=purpose,
            outcome=Outcome.REFUSED,
            org=org,
            reason=reason,
        )
        raise LookupRefused(reason, entry)

    if not purpose:
        refuse(_("请说明查询目的。"))
    # The case first, the subject last: a refusal must not tell whether someone is on file.
    org = _handling_org(by, case) if case is not None else None
    if org is None:
        refuse(_("查询基础数据必须关联您正在办理的办件：该办件不存在，或不由您办理。"))
    if not _is_active(case, by):
        refuse(_("该办件已办结或已撤回，不能再查询申请人的信息。"), org)
    if person is not None:
        mine = case.applicant_id == person.pk
    else:
        mine = enterprise is not None and case.enterprise_id == enterprise.pk
    if not mine:
        refuse(
            _("被查询人不是该办件的申请人。")
            if kind == SubjectKind.PERSON
            else _("被查询企业不是该办件的申请企业。"),
            org,
        )
    entry = _log(
        by,
        kind=kind,
        subject_masked=masked,
        person=person,
        enterprise=enterprise,
        case=case,
        purpose=purpose,
        outcome=Outcome.GRANTED,
        org=org,
    )
    return Record(
        kind=kind,
        name=_subject_name(subject),
        fields=_fields_of(subject),
        case=case,
        log=entry,
    )


def _subject_name(subject) -> str:
    if isinstance(subject, Enterprise):
        return subject.name
    return subject.real_name or subject.get_username()


def _fields_of(subject) -> list[tuple[str, str]]:
    if isinstance(subject, Enterprise):
        # 法人库: registration facts, public by law (企业信息公示暂行条例).
        return [
            (_("企业名称"), subject.name),
            (_("统一社会信用代码"), subject.uscc),
            (_("法定代表人"), subject.legal_representative),
            (_("住所"), subject.address or "—"),
        ]
    return [
        (_("姓名"), subject.real_name or "—"),
        (_("身份证号码"), subject.id_number_masked or "—"),
        (_("手机号码"), subject.phone_masked or "—"),
        (
            _("手机验证"),
            _("已验证") if subject.phone and subject.phone_verified_at else _("未验证"),
        ),
    ]


# --- walk-in identification at the window -------------------------------------------------


def identify_walk_in(id_number: str, *, by) -> User | None:
    """At the comprehensive window the clerk identifies a walk-in applicant by the card in
    front of them before any case exists (代办). Only intake clerks; logged with the purpose
    “窗口代办身份核验” where the person sees it."""
    from yiwang.identity import services as identity

    policy.require(by, "case.file_for_walk_in")
    person = identity.find_person_by_id_number(id_number, by=by)
    if person is not None:
        _log(
            by,
            kind=SubjectKind.PERSON,
            subject_masked=person.id_number_masked,
            person=person,
            purpose=WALK_IN_PURPOSE,
            outcome=Outcome.GRANTED,
            org=_home_org(by, [Role.CLERK]),
        )
    return person


def reveal_for_walk_in(person: User, *, by) -> str:
    """The full number of a walk-in applicant, to compare with the card; logged too."""
    from yiwang.identity import services as identity

    number = identity.reveal_id_number(person, by=by)
    _log(
        by,
        kind=SubjectKind.PERSON,
        subject_masked=person.id_number_masked,
        person=person,
        purpose=WALK_IN_REVEAL_PURPOSE,
        outcome=Outcome.GRANTED,
        org=_home_org(by, [Role.CLERK]),
    )
    return number


def record_prefill_read(user, licence, *, case=None) -> AccessLog:
    """An application form was filled from one of the holder's e-licences (电子证照自动填充):
    logged where the holder looks ("谁查看了我的数据"), under the licence's issuer, with the
    person who asked for the form as the one who looked."""
    title = case.title if case is not None else licence.license_type.name
    return _log(
        user,
        kind=SubjectKind.ENTERPRISE if licence.holder_enterprise_id else SubjectKind.PERSON,
        subject_masked=_("电子证照：%(name)s") % {"name": licence.license_type.name},
        person=licence.holder_person,
        enterprise=licence.holder_enterprise,
        case=case,
        purpose=_("自动填写申请表：%(title)s") % {"title": title},
        outcome=Outcome.GRANTED,
        org=licence.issuer,
    )


def record_consented_check(person, what: str, *, by, org, purpose: str) -> AccessLog:
    """A look-up the person asked for themselves, by ticking their consent: the service hall
    checks the e-licence library for a 残疾人证 before giving a number in the disabled lane.
    Logged where the person looks ("谁查看了我的数据"), under `org` (the hall's centre), with
    `what` as the subject (“电子证照：中华人民共和国残疾人证”). At a kiosk nobody signed in
    looks: the row names the kiosk and stands on the person's own account, as a form they
    fill from their own licence does (`record_prefill_read`)."""
    staff = by if policy.is_authenticated(by) else person
    return _log(
        staff,
        staff_name="" if staff is by else _("自助取号机"),
        actor=by if staff is by else "halls.kiosk",
        kind=SubjectKind.PERSON,
        subject_masked=what,
        person=person,
        purpose=purpose,
        outcome=Outcome.GRANTED,
        org=org,
    )


# --- what the citizen sees ------------------------------------------------------------------


def accesses_of(user):
    """Look-ups of the user's own record and of enterprises they are an authorised agent
    of today, newest first."""
    from yiwang.identity.services import enterprises_of

    if not policy.is_authenticated(user):
        return AccessLog.objects.none()
    return (
        AccessLog.objects.filter(
            Q(person_id=user.pk) | Q(enterprise__in=enterprises_of(user).values("pk"))
        )
        .select_related("enterprise")
        .order_by("-at", "-pk")
    )

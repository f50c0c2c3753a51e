"""好差评 and 差评整改: the only door for changing ratings and rectifications.

Each function: lock → authorise → check the transition → change → history + audit →
notify after commit. A rating is given once per concluded case by its applicant: one
question, the five levels of GB/T 39734-2020, and for 不满意 / 非常不满意 the reasons (the
channel's indicators) or a comment. It counts for every department that handled the case
(a Charge per member item of a 一件事 journey). A bad one opens a rectification for the
responsible (main item's) department, due in
YIWANG_RECTIFICATION_WORKDAYS working days. The department explains and rectifies, the
supervisor verifies (or returns it), and the return call (回访) closes it.

The rating link in the conclusion notification carries a random token that names nothing
(only its SHA-256 is kept, as RatingLink), valid YIWANG_RATING_LINK_DAYS days; it works
without logging in and is spent by the one rating the case may have.

A window's service is rated the same way (`rate_ticket`): the hall's app finds and locks
the served queue ticket and says whom it counts for (the department, the hall, the staff
member); this module checks and records the rating and opens the rectification of a bad
one. The dependency points one way — halls calls feedback; feedback names the ticket's
table only in its foreign key and reads the ticket it is given.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.core import limits, links
from yiwang.identity import policy
from yiwang.journey.cases.models import Case, Status
from yiwang.notify import services as notify
from yiwang.workdays import calendar

from . import transitions
from .models import (
    BAD_LEVELS,
    INDICATORS,
    Charge,
    Evaluation,
    Level,
    RatingLink,
    Rectification,
    RectificationEvent,
    reasons_for,
)
from .models import RectificationStatus as R

# 办结 (approved, approved with tolerance, denied) and 不予受理 are outcomes of a service
# the applicant may rate; drafts, withdrawn and running cases are not.
RATEABLE = frozenset({Status.APPROVED, Status.APPROVED_TOLERATED, Status.DENIED, Status.REFUSED})
# 差评 need a reason the department can act on.
BAD_COMMENT_MIN = 5
COMMENT_MAX = 1000
TEXT_MAX = 2000
STAFF_LINK = "/workbench/rectifications/{pk}/"


def today() -> datetime.date:
    """The day in Asia/Shanghai."""
    return timezone.localdate(timezone.now(), calendar.SHANGHAI)


def indicators_for(channel: str) -> list[tuple[str, str]]:
    """(key, label) of the indicators asked for a case that came in by `channel`."""
    return [(key, str(label)) for key, label in INDICATORS.get(channel, INDICATORS["online"])]


# --- the rating link ------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def rating_token(case: Case) -> str:
    """A new link's token: 128 random bits, standing for the case's applicant. Not derived
    from the case or the person (the link used to carry their ids in clear), and kept only
    as its SHA-256, so it is shown in the notification and nowhere else."""
    token = secrets.token_urlsafe(16)
    RatingLink.objects.create(case=case, token_hash=_token_hash(token))
    return token


def rating_path(case: Case) -> str:
    return f"/rate/{rating_token(case)}/"


def rating_url(case: Case) -> str:
    """The link for SMS and e-mail: absolute, on YIWANG_SITE_URL."""
    return links.absolute(rating_path(case))


def read_token(token: str) -> Case:
    """The case a rating link is for. Raises ValidationError `link_expired` after
    YIWANG_RATING_LINK_DAYS days and `link_invalid` for a token we never made."""
    link = (
        RatingLink.objects.select_related("case__applicant")
        .filter(token_hash=_token_hash(str(token or "")))
        .first()
    )
    if link is None:
        raise _invalid_link()
    if (
        link.created_at + datetime.timedelta(days=settings.YIWANG_RATING_LINK_DAYS)
        <= timezone.now()
    ):
        raise ValidationError(
            _("评价链接已过期（有效期%(n)d天）。您仍可登录后在“我的办件”中评价。")
            % {"n": settings.YIWANG_RATING_LINK_DAYS},
            code="link_expired",
        )
    return link.case


def _invalid_link() -> ValidationError:
    return ValidationError(
        _("评价链接无效。请检查短信中的链接是否完整，或登录后在“我的办件”中评价。"),
        code="link_invalid",
    )


# --- who may rate what ----------------------------------------------------------------------


def may_rate(user, case: Case) -> bool:
    """The applicant; or an agent of the case's enterprise, where the case policy lets
    them view the case."""
    if not policy.is_authenticated(user):
        return False
    if user.pk == case.applicant_id:
        return True
    if case.enterprise_id and policy.can(user, "case.view", case):
        from yiwang.identity.services import enterprises_of

        return enterprises_of(user).filter(pk=case.enterprise_id).exists()
    return False


def _require_rater(by, case: Case) -> None:
    if may_rate(by, case):
        return
    if policy.can(by, "case.view", case):
        raise PermissionDenied  # staff who may look at the case do not rate it
    raise Http404


def check_rateable(case: Case) -> None:
    """Raise unless the case may be rated now (a concluded journey, not yet rated)."""
    if case.parent_id is not None:
        raise ValidationError(_("请对整个一件事作出评价。"), code="rate_journey")
    if case.status not in RATEABLE:
        raise ValidationError(_("办件办结后才能评价。"), code="not_concluded")
    if Evaluation.objects.filter(case_id=case.pk).exists():
        raise _already_rated()


def is_rateable(user, case: Case) -> bool:
    """For pages: may `user` rate `case` now?"""
    try:
        check_rateable(case)
    except ValidationError:
        return False
    return may_rate(user, case)


def _already_rated() -> ValidationError:
    return ValidationError(_("这个办件已经评价过了，每个办件只能评价一次。"), code="already_rated")


def _score(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def clean_reasons(channel: str, level, reasons) -> list[str]:
    """The reasons of a bad rating, in the order they are offered; none for a good one."""
    offered = [key for key, _label in reasons_for(channel)]
    reasons = [str(r) for r in (reasons or [])]
    unknown = sorted(set(reasons) - set(offered))
    if unknown:
        raise ValidationError(
            _("这些原因不适用于本办件：%(keys)s。") % {"keys": "、".join(unknown)},
            code="unknown_reason",
        )
    return [key for key in offered if key in reasons] if level in BAD_LEVELS else []


def clean_rating(channel: str, level, scores, comment, reasons=()) -> tuple[int, dict, str]:
    """Validate a rating: the level, for a bad one its reasons or a comment, and (from
    clients of the former form only, optional) complete indicator scores. Return the level,
    scores and comment cleaned; clean_reasons gives the reasons."""
    try:
        level = Level(int(level))
    except (TypeError, ValueError):
        raise ValidationError(_("请选择您对这次服务的满意程度。"), code="level_required") from None
    indicators = indicators_for(channel)
    keys = {key for key, _label in indicators}
    scores = dict(scores or {})
    if not scores:
        indicators = []  # one question: the scores are no longer asked
    unknown = sorted(set(scores) - keys)
    if unknown:
        raise ValidationError(
            _("这些评价指标不适用于本办件：%(keys)s。") % {"keys": "、".join(unknown)},
            code="unknown_indicator",
        )
    cleaned, missing = {}, []
    for key, label in indicators:
        value = _score(scores.get(key))
        if value is None:
            missing.append(label)
        elif not 1 <= value <= 5:
            raise ValidationError(
                _("“%(name)s”的评分应为1到5分。") % {"name": label}, code="invalid_score"
            )
        else:
            cleaned[key] = value
    if missing:
        raise ValidationError(
            _("请为每一项指标打分，还没有打分的：%(names)s。") % {"names": "、".join(missing)},
            code="scores_incomplete",
        )
    comment = (comment or "").strip()
    if limits.has_control_chars(comment):
        raise limits.control_chars_error(_("评价内容"))
    if len(comment) > COMMENT_MAX:
        raise ValidationError(
            _("评价内容请不要超过%(n)d个字。") % {"n": COMMENT_MAX}, code="comment_too_long"
        )
    if level in BAD_LEVELS and not clean_reasons(channel, level, reasons):
        if not comment:
            raise ValidationError(
                _("选择“%(level)s”时，请选择不满意的原因或写下意见，以便责任部门整改。")
                % {"level": level.label},
                code="reason_required",
            )
        if len(comment) < BAD_COMMENT_MIN:
            raise ValidationError(
                _("没有选择原因时，请把意见写清楚一些（至少%(n)d个字），以便责任部门整改。")
                % {"n": BAD_COMMENT_MIN},
                code="comment_required",
            )
    return int(level), cleaned, comment


def _responsible(case: Case):
    """(department, item) a rating of the case counts for: the case's own; a 一件事
    journey has no item of its own and answers with its main (or first) item's."""
    if case.item_version_id:
        return case.department, case.item_version.item
    from yiwang.journey.workflow import process

    order = process.journey(case)
    first = next(iter(order.main + order.parallel), None)
    if first is None:
        return case.department, None
    return case.department or first.department, first.item_version.item


def _handled_by(case: Case) -> list[Case]:
    """The cases whose departments a rating counts for: the case itself, or each member
    item's case of a 一件事 journey (its departments all handled it)."""
    if case.item_version_id:
        return [case]
    members = list(case.children.select_related("item_version").order_by("pk"))
    return members or [case]


def _charge(evaluation: Evaluation, case: Case) -> None:
    Charge.objects.bulk_create(
        Charge(
            evaluation=evaluation,
            case=member,
            department_id=member.department_id or evaluation.department_id,
            place_id=member.place_id or evaluation.place_id,
            item_id=member.item_version.item_id if member.item_version_id else evaluation.item_id,
            level=evaluation.level,
            rated_on=evaluation.rated_on,
        )
        for member in _handled_by(case)
    )


# --- rating ---------------------------------------------------------------------------------


def _lock_case(case_id) -> Case:
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


@transaction.atomic
def rate(
    case_id,
    *,
    by,
    level,
    scores=None,
    reasons=(),
    comment: str = "",
    via_link: bool = False,
) -> Evaluation:
    """好差评: the applicant rates a concluded case once; the rating counts for every
    department that handled it. A bad rating opens a rectification in the same
    transaction."""
    case = _lock_case(case_id)
    _require_rater(by, case)
    check_rateable(case)
    level, scores, comment = clean_rating(case.channel, level, scores, comment, reasons)
    reasons = clean_reasons(case.channel, level, reasons)
    department, item = _responsible(case)
    day = today()
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                case=case,
                rater=by,
                real_name=True,  # a logged-in or linked applicant is a known person
                level=level,
                channel=case.channel,
                scores=scores,
                reasons=reasons,
                comment=comment,
                via_link=via_link,
                department=department,
                department_path=department.path if department else "",
                place_id=case.place_id,
                place_path=case.place_path,
                item=item,
                rated_on=day,
            )
    except IntegrityError:  # a concurrent rating of the same case won
        raise _already_rated() from None
    _charge(evaluation, case)
    audit.record(
        by,
        "evaluation.created",
        evaluation,
        org_path=evaluation.department_path or evaluation.place_path,
        summary={"case": case.number, "level": level, "via_link": via_link},
    )
    if evaluation.is_bad:
        evaluation.case = case
        _open_rectification(evaluation, by=by, day=day)
    return evaluation


def rate_by_token(token: str, *, level, scores=None, reasons=(), comment: str = "") -> Evaluation:
    """The rating link: no login; the token stands for the case's applicant."""
    case = read_token(token)
    return rate(
        case.pk,
        by=case.applicant,
        level=level,
        scores=scores,
        reasons=reasons,
        comment=comment,
        via_link=True,
    )


def rate_ticket(
    ticket,
    *,
    level,
    department,
    place,
    reasons=(),
    comment: str = "",
    item=None,
) -> Evaluation:
    """好差评 of a window's service: the citizen at the window's tablet, or on their phone
    with the ticket's page, rates the service of `ticket` (a halls.Ticket the caller has
    locked and found served) once. It counts for the window and its staff member (the
    ticket's `served_by`), the responsible `department` and the hall's org (`place`). The
    rater is the ticket's citizen when one took it signed in; otherwise the rating is
    anonymous (no return call is owed). A bad rating opens a rectification, as a case's
    does."""
    if Evaluation.objects.filter(ticket_id=ticket.pk).exists():
        raise _ticket_already_rated()
    channel = "window"
    level, _scores, comment = clean_rating(channel, level, {}, comment, reasons)
    reasons = clean_reasons(channel, level, reasons)
    rater = ticket.citizen if ticket.citizen_id else None
    day = today()
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                subject_kind="ticket",
                ticket=ticket,
                staff_id=ticket.served_by_id,
                rater=rater,
                real_name=rater is not None,
                level=level,
                channel=channel,
                reasons=reasons,
                comment=comment,
                department=department,
                department_path=department.path if department else "",
                place=place,
                place_path=place.path if place else "",
                item=item,
                rated_on=day,
            )
    except IntegrityError:  # the tablet and the phone at once: the first one counts
        raise _ticket_already_rated() from None
    audit.record(
        rater or "halls.rating",
        "evaluation.created",
        evaluation,
        org_path=evaluation.department_path or evaluation.place_path,
        summary={"ticket": ticket.number, "level": level},
    )
    if evaluation.is_bad:
        _open_rectification(evaluation, by=rater, day=day)
    return evaluation


def _ticket_already_rated() -> ValidationError:
    return ValidationError(_("这次服务已经评价过了，谢谢您。"), code="already_rated")


def subject_words(evaluation: Evaluation) -> dict:
    """{"number", "title"}: how notices and lists name what was rated."""
    return evaluation.subject_words()


def _open_rectification(evaluation: Evaluation, *, by, day: datetime.date) -> Rectification:
    due = calendar.add_workdays_checked(day, settings.YIWANG_RECTIFICATION_WORKDAYS)
    words = subject_words(evaluation)
    owner = evaluation.department or evaluation.place  # someone always answers for it
    rectification = Rectification.objects.create(
        evaluation=evaluation,
        department=owner,
        department_path=owner.path if owner else "",
        place_path=evaluation.place_path,
        created_on=day,
        due_on=due.date,
        due_provisional=due.provisional,
    )
    RectificationEvent.objects.create(
        rectification=rectification,
        actor=by,
        action="open",
        to_status=R.OPEN,
        note=evaluation.comment,
    )
    audit.record(
        by,
        "rectification.opened",
        rectification,
        org_path=rectification.department_path,
        summary={
            "ticket" if evaluation.ticket_id else "case": (
                evaluation.ticket.number if evaluation.ticket_id else evaluation.case.number
            ),
            "due_on": due.date.isoformat(),
        },
    )
    subject = _("差评整改：%(number)s") % {"number": words["number"]}
    body = _(
        "%(title)s（%(number)s）收到“%(level)s”评价：%(comment)s 请在%(due)s前核实情况、"
        "落实整改并反馈。"
    ) % {
        "title": words["title"],
        "number": words["number"],
        "level": evaluation.get_level_display(),
        "comment": evaluation.comment,
        "due": due.date.isoformat(),
    }
    _tell(
        {**_department(rectification), **_supervisors(rectification)}, subject, body, rectification
    )
    return rectification


# --- who is told ----------------------------------------------------------------------------


def _holders(role: str, path: str) -> dict:
    if not path:
        return {}
    from yiwang.journey.workflow.services import holders

    return {user.pk: user for user in holders(role, path)}


def _department(rectification: Rectification) -> dict:
    """The department's chiefs, and whoever answered for it."""
    people = _holders("chief", rectification.department_path)
    if rectification.responded_by_id:
        people[rectification.responded_by_id] = rectification.responded_by
    return people


def _supervisors(rectification: Rectification) -> dict:
    """Supervisors whose scope covers it: the department's or the service point's."""
    return {
        **_holders("supervisor", rectification.department_path),
        **_holders("supervisor", rectification.place_path),
    }


def _tell(people: dict, subject: str, body: str, rectification: Rectification) -> None:
    link = STAFF_LINK.format(pk=rectification.pk)
    recipients = list(people.values())

    def send():
        notify.site_many(recipients, subject, body, link=link)

    transaction.on_commit(send)


# --- the rectification machine --------------------------------------------------------------


def _lock(rectification_id) -> Rectification:
    rectification = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related(
            "evaluation__case",
            "evaluation__ticket__hall",
            "evaluation__ticket__window",
            "department",
        )
        .filter(pk=rectification_id)
        .first()
    )
    if rectification is None:
        raise Http404
    return rectification


def _move(rectification: Rectification, target: R, *, by, action: str, note: str = "") -> None:
    transitions.check(rectification, target)
    from_status = rectification.status
    transitions.RECTIFICATION.move(rectification, target)
    RectificationEvent.objects.create(
        rectification=rectification,
        actor=by if getattr(by, "pk", None) else None,
        action=action,
        from_status=from_status,
        to_status=target,
        note=note,
    )


def _text(value, label: str, field: str) -> str:
    # Refused, not cut: the department or supervisor must know what was not stored.
    return limits.clean_text(value, label=label, field=field, max_chars=TEXT_MAX)


def _case_words(rectification: Rectification) -> dict:
    return subject_words(rectification.evaluation)


@transaction.atomic
def respond(rectification_id, *, by, explanation: str, measures: str) -> Rectification:
    """The department explains what happened and what it changed (open → responded)."""
    rectification = _lock(rectification_id)
    policy.require(by, "rectification.respond", rectification)
    transitions.check(rectification, R.RESPONDED)
    explanation = _text(explanation, _("情况说明"), "explanation")
    measures = _text(measures, _("整改措施"), "measures")
    if not explanation:
        raise ValidationError(
            _("请写明核实的情况：差评反映的问题是否属实、原因是什么。"),
            code="explanation_required",
        )
    if not measures:
        raise ValidationError(_("请写明采取的整改措施。"), code="measures_required")
    _move(rectification, R.RESPONDED, by=by, action="respond", note=measures)
    rectification.explanation, rectification.measures = explanation, measures
    rectification.responded_at, rectification.responded_by = timezone.now(), by
    rectification.save()
    audit.record(
        by, "rectification.responded", rectification, org_path=rectification.department_path
    )
    _tell(
        _supervisors(rectification),
        _("差评整改待核实：%(number)s") % _case_words(rectification),
        _("%(dept)s已反馈%(title)s（%(number)s）的差评整改情况，请核实。")
        % {
            "dept": rectification.department.name if rectification.department else "",
            **_case_words(rectification),
        },
        rectification,
    )
    return rectification


@transaction.atomic
def verify(rectification_id, *, by, accept: bool, note: str = "") -> Rectification:
    """The supervisor accepts the rectification (responded → verified) or returns it to
    the department with a note (responded → open)."""
    rectification = _lock(rectification_id)
    policy.require(by, "rectification.verify", rectification)
    target = R.VERIFIED if accept else R.OPEN
    transitions.check(rectification, target)
    note = _text(note, _("核实意见"), "note")
    if not accept and not note:
        raise ValidationError(_("退回重新整改时，请写明理由。"), code="note_required")
    _move(rectification, target, by=by, action="verify" if accept else "return", note=note)
    rectification.verify_note = note
    if accept:
        rectification.verified_at, rectification.verified_by = timezone.now(), by
    else:
        rectification.returned_count += 1
    rectification.save()
    audit.record(
        by,
        "rectification.verified" if accept else "rectification.returned",
        rectification,
        org_path=rectification.department_path,
        summary={"note": note} if note else None,
    )
    if not accept:
        _tell(
            _department(rectification),
            _("差评整改被退回：%(number)s") % _case_words(rectification),
            _("%(title)s（%(number)s）的整改情况未通过核实，请重新整改：%(note)s")
            % {**_case_words(rectification), "note": note},
            rectification,
        )
    return rectification


@transaction.atomic
def record_callback(
    rectification_id, *, by, reached: bool, satisfied: bool | None = None, note: str = ""
) -> Rectification:
    """回访: the supervisor records the return call to the citizen, which closes the
    rectification (verified → closed)."""
    rectification = _lock(rectification_id)
    policy.require(by, "rectification.verify", rectification)
    transitions.check(rectification, R.CLOSED, callback_needed=False)
    note = _text(note, _("回访记录"), "note")
    if reached and satisfied is None:
        raise ValidationError(_("请记录群众对整改是否满意。"), code="satisfied_required")
    if not reached and not note:
        raise ValidationError(
            _("未联系上群众时，请记录回访经过（如拨打时间、次数）。"),
            code="callback_note_required",
        )
    if reached and satisfied is False and not note:
        raise ValidationError(
            _("群众对整改不满意时，请记录群众的意见。"), code="callback_note_required"
        )
    now = timezone.now()
    rectification.callback_at, rectification.callback_by = now, by
    rectification.callback_reached = bool(reached)
    rectification.callback_satisfied = bool(satisfied) if reached else None
    rectification.callback_note = note
    _move(rectification, R.CLOSED, by=by, action="callback", note=note)
    rectification.closed_at = now
    rectification.warning = ""
    rectification.save()
    audit.record(
        by,
        "rectification.closed",
        rectification,
        org_path=rectification.department_path,
        summary={"reached": bool(reached), "satisfied": rectification.callback_satisfied},
    )
    from yiwang.supervision.rollups import mark_dirty

    mark_dirty(rectification.created_on)  # rectifications_closed counts on the day opened
    _tell(
        _department(rectification),
        _("差评整改已办结：%(number)s") % _case_words(rectification),
        _("%(title)s（%(number)s）的差评整改已核实并回访，已办结。") % _case_words(rectification),
        rectification,
    )
    return rectification


# --- the overdue warning (run by jobs.py) ---------------------------------------------------


def mark_overdue(day: datetime.date | None = None) -> list[int]:
    """Red for rectifications the department still owes after the end of their due
    working day (Asia/Shanghai); the department is told once, when the level is raised.
    Safe to run twice: a row already red is neither raised nor told again."""
    day = day or today()
    candidates = list(
        Rectification.objects.filter(status__in=transitions.DEPARTMENT_OWES, due_on__lt=day)
        .exclude(warning="red")
        .values_list("pk", flat=True)[:1000]
    )
    raised = []
    for pk in candidates:
        with transaction.atomic():
            won = (
                Rectification.objects.filter(pk=pk, status__in=transitions.DEPARTMENT_OWES)
                .exclude(warning="red")
                .update(warning="red")
            )
            if not won:
                continue  # acted on meanwhile, or another worker raised it
            rectification = Rectification.objects.select_related(
                "evaluation__case",
                "evaluation__ticket__hall",
                "evaluation__ticket__window",
                "department",
            ).get(pk=pk)
            days = calendar.workdays_between_checked(rectification.due_on, day).days
            RectificationEvent.objects.create(
                rectification=rectification,
                action="overdue",
                from_status=rectification.status,
                to_status=rectification.status,
                note=_("已超过整改期限（%(due)s）。") % {"due": rectification.due_on.isoformat()},
            )
            _tell(
                _department(rectification),
                _("差评整改超期（红牌）：%(number)s") % _case_words(rectification),
                _("%(title)s（%(number)s）的差评整改已超期%(n)d个工作日，请尽快办理。")
                % {**_case_words(rectification), "n": max(days, 1)},
                rectification,
            )
            raised.append(pk)
    # A closed rectification shows no warning (record_callback clears it; this mends rows
    # closed by anything older).
    Rectification.objects.filter(status=R.CLOSED).exclude(warning="").update(warning="")
    return raised


def recompute_provisional_deadlines() -> int:
    """After a year's holidays are imported: deadlines counted by weekends only are
    derived again from the day the rectification was opened. Returns how many changed."""
    changed = 0
    for rectification in Rectification.objects.filter(due_provisional=True).only(
        "pk", "created_on", "due_on"
    ):
        due = calendar.add_workdays_checked(
            rectification.created_on, settings.YIWANG_RECTIFICATION_WORKDAYS
        )
        changed += Rectification.objects.filter(pk=rectification.pk).update(
            due_on=due.date, due_provisional=due.provisional
        )
    return changed

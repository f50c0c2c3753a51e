"""The 12345 line's only door (docs/hotline.md, "Appeals: the line's only door"): recording
an appeal, answering it on the spot, merging duplicates, dispatching it (派单), a unit
accepting or returning it (签收/退单), handling, replying, the dispatcher's review, the
citizen's rating, return calls (回访), extensions and the jobs that warn and close.

Each state change is one function, in one transaction: lock → authorise (policy_rules.py)
→ check the transition (transitions.py) → change → timeline entry → audit → domain event
→ notify (`_Step` writes the last four in one statement per table). Errors a person can
cause are ValidationErrors with stable codes, in the user's language; a forbidden move is
the machine's TransitionError (409 in the API). A forbidden appeal is a 404 to outsiders.

Deadlines are working days on the calendar cases use (workdays.calendar): a unit accepts
or returns by ACCEPT_DAYS working days after the dispatch day, and handles within the
subject's `days`; through a year whose holidays are not published the day is provisional
(`due_provisional`) and flagged, as cases do."""

import datetime
import difflib
import hmac
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.core import events, limits, links, rows
from yiwang.core.machines import TransitionError
from yiwang.identity import holders, policy
from yiwang.identity.models import OrgKind, OrgUnit
from yiwang.identity.roles import Role
from yiwang.identity.validators import validate_phone
from yiwang.journey.cases import uploads
from yiwang.journey.workflow import clocks
from yiwang.notify import services as notify
from yiwang.notify.models import Channel as NotifyChannel
from yiwang.workdays import calendar

from . import masking
from .models import (
    OPEN_STATUSES,
    TYPE_BY_LABEL,
    Appeal,
    AppealArticle,
    AppealEntry,
    AppealType,
    AppealUnit,
    Article,
    Attachment,
    BoardKind,
    Callback,
    Channel,
    EntryKind,
    Extension,
    Resolution,
    Satisfaction,
    Subject,
    UnitRole,
    UnitStatus,
    Warning,
)
from .models import AppealStatus as S
from .models import ExtensionStatus as E
from .policy_rules import current_units, units_of
from .transitions import APPEAL, EXTENSION, UNIT

# Duplicates: the same caller on the same subject within this many days (or while the
# earlier appeal is open), or a text this close to one of the caller's or the area's last
# DUPLICATE_WINDOW appeals (difflib's ratio).
DUPLICATE_DAYS = 7
DUPLICATE_RATIO = 0.9
DUPLICATE_WINDOW = 200
# A unit accepts or returns within 2 working days of the dispatch day.
ACCEPT_DAYS = 2
# An answered appeal nobody rated is closed this many working days after the answer.
RATING_DAYS = 5
TEXT_MIN, TEXT_MAX = 5, 4000
REASON_MIN, REASON_MAX = 2, 1000
TITLE_MAX, ADDRESS_MAX, NAME_MAX = 120, 300, 50
MAX_ATTACHMENTS = 5
MAX_ASSISTING = 5
EXTENSION_MAX_DAYS = 30
AREA_KINDS = (OrgKind.STREET, OrgKind.COMMUNITY)
# Where a board post goes when its type says what it is.
BOARD_KIND_OF_TYPE = {
    AppealType.CONSULT: BoardKind.ASK,
    AppealType.HELP: BoardKind.ASK,
    AppealType.COMPLAINT: BoardKind.COMPLAIN,
    AppealType.REPORT: BoardKind.COMPLAIN,
    AppealType.SUGGESTION: BoardKind.SUGGEST,
    AppealType.PRAISE: BoardKind.SUGGEST,
}
# The pages the messages link to (their URL names are the pages' authors'; the paths are
# the contract's: staff under /workbench/hotline/, the citizen's under /my/appeals/).
STAFF_LINK = "/workbench/hotline/appeals/{pk}/"
CITIZEN_LINK = "/my/appeals/{number}/"
TRACK_LINK = "/hotline/track/?number={number}"


def today(now: datetime.datetime | None = None) -> datetime.date:
    """The day in Asia/Shanghai (deadlines are local days)."""
    return timezone.localdate(now or timezone.now(), calendar.SHANGHAI)


def staff_link(appeal: Appeal) -> str:
    return STAFF_LINK.format(pk=appeal.pk)


def citizen_link(appeal: Appeal) -> str:
    return CITIZEN_LINK.format(number=appeal.number)


# --- checking what people type ---------------------------------------------------------------


def _text(value, *, label, field, min_chars=0, max_chars=TEXT_MAX, required=True) -> str:
    """A free text: no NUL or other control characters, `min_chars`…`max_chars` after strip."""
    text = limits.clean_text(value, label=label, field=field, max_chars=max_chars)
    if not text and not required:
        return ""
    if len(text) < max(min_chars, 1):
        message = (
            _("请填写“%(label)s”。") % {"label": label}
            if not text
            else _("“%(label)s”至少 %(min)d 个字。") % {"label": label, "min": min_chars}
        )
        raise ValidationError({field: [ValidationError(message, code="too_short")]})
    return text


def _collect(errors: dict, field: str, check):
    """Run `check()`; keep its ValidationError under `field` (all fields are checked before
    the first is reported, so a form shows every problem at once)."""
    try:
        return check()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, found in error.error_dict.items():
                errors.setdefault(name, []).extend(found)
        else:
            errors.setdefault(field, []).extend(error.error_list)
        return None


def _choice(value, choices, *, field, label):
    value = str(value or "")
    if value not in choices.values:
        raise ValidationError(
            {field: [ValidationError(_("请选择“%(label)s”。") % {"label": label}, code="invalid")]}
        )
    return choices(value)


def _leaf(subject) -> Subject:
    if not isinstance(subject, Subject) or not subject.is_leaf or not subject.is_active:
        raise ValidationError(
            {"subject": [ValidationError(_("请选择一个二级诉求分类。"), code="subject_not_leaf")]}
        )
    return subject


def _coordinate(value, low: int, high: int, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not (low <= number <= high):
        raise ValidationError(
            {field: [ValidationError(_("坐标不正确。"), code="coordinate_invalid")]}
        )
    return number.quantize(Decimal("0.000001"))


# --- writing a step --------------------------------------------------------------------------


class _Step:
    """What one command writes besides its rows: timeline entries, audit events, domain
    events and messages, each kind in one statement when `save` runs."""

    def __init__(self, appeal: Appeal, by, *, now=None, system: str = "hotline.system"):
        self.appeal, self.by = appeal, by
        self.actor = by if policy.is_authenticated(by) else system
        self.now = now or timezone.now()
        self.entries: list[AppealEntry] = []
        self.audits: list[tuple] = []
        self.events: list[tuple] = []
        self.site: list[tuple] = []
        self.texts: list[tuple] = []

    @property
    def org_path(self) -> str:
        return self.appeal.unit_path or self.appeal.area_path

    def entry(self, kind, text: str = "", *, internal: bool = False, org=None, appeal=None):
        self.entries.append(
            AppealEntry(
                appeal=appeal or self.appeal,
                at=self.now,
                kind=kind,
                actor=self.by if policy.is_authenticated(self.by) else None,
                org_id=getattr(org, "pk", org),
                text=text,
                internal=internal,
            )
        )

    def audit(self, action: str, obj=None, **summary):
        self.audits.append((action, obj or self.appeal, summary, self.org_path))

    def event(self, kind: str, appeal=None, **payload):
        appeal = appeal or self.appeal
        payload = {"status": appeal.status, **payload}
        self.events.append((kind, appeal, appeal.unit_path or appeal.area_path, payload))

    def tell(self, user_ids, subject: str, body: str = "", link: str = ""):
        actor_id = getattr(self.by, "pk", None)
        for user_id in dict.fromkeys(user_ids):
            if user_id and user_id != actor_id:
                self.site.append((user_id, subject, body, link))

    def tell_units(self, units, subject: str, body: str = ""):
        """The handlers of these units (in-site), linked to the staff page."""
        ids = [uid for unit in units for uid in holders.holder_ids(Role.HANDLER, unit.org_path)]
        self.tell(ids, subject, body, staff_link(self.appeal))

    def tell_dispatcher(self, subject: str, body: str = ""):
        if self.appeal.dispatched_by_id:
            self.tell([self.appeal.dispatched_by_id], subject, body, staff_link(self.appeal))

    def tell_citizen(self, subject: str, body: str = ""):
        """In-site when the caller has an account, otherwise a text message to their phone
        (with the tracking page's address)."""
        appeal = self.appeal
        if appeal.citizen_id:
            self.site.append((appeal.citizen_id, subject, body, citizen_link(appeal)))
        elif appeal.phone:
            link = links.absolute(TRACK_LINK.format(number=appeal.number))
            self.texts.append((appeal.phone, f"{subject} {body} {link}".strip()))

    def save(self):
        rows.insert(AppealEntry, self.entries)
        if self.audits:
            audit.record_all(self.actor, self.audits)
        if self.events:
            events.append_all(self.events, by=self.by)
        if self.site:
            notify.site_all(self.site)
        if self.texts:
            notify.send_all(
                [(NotifyChannel.SMS, None, phone, "", body, "") for phone, body in self.texts]
            )


def _lock(appeal, *related: str) -> Appeal:
    """The appeal's row, locked for the rest of the transaction (with `related` rows read
    alongside, not locked)."""
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    rows_ = (
        Appeal.objects.select_for_update(of=("self",))
        if related
        else Appeal.objects.select_for_update()
    )
    try:
        return rows_.select_related(*related).get(pk=pk)
    except Appeal.DoesNotExist:
        raise Http404 from None


def _unit(by, appeal: Appeal, *, status=None, role=None, action: str = "") -> AppealUnit:
    """The current unit of the appeal the user acts for (lead first), in `status` if given.
    A user whose units have all moved on gets the machine's refusal of that move."""
    mine = units_of(by, appeal)
    if role is not None:
        mine = [unit for unit in mine if unit.role == role]
    if not mine:
        if role == UnitRole.LEAD:
            raise ValidationError(_("只有主办单位可以办理此事项。"), code="not_lead_unit")
        if role == UnitRole.ASSIST:
            raise ValidationError(_("只有协办单位可以提交协办意见。"), code="not_assisting_unit")
        raise PermissionDenied
    ready = [unit for unit in mine if status is None or unit.status == status]
    if ready:
        return ready[0]
    UNIT.check(mine[0].status, action)  # raises: the unit is past this step
    return mine[0]  # pragma: no cover - the check above always refuses here


def _due(start: datetime.date, days: int) -> calendar.Deadline:
    return calendar.add_workdays_checked(start, days)


def warning_level(appeal: Appeal, day: datetime.date | None = None) -> str:
    """The appeal's warning on `day` (today): red when overdue, yellow when at most 20 % of
    its working days are left (at least one, YIWANG_WARNING_* as for cases), none
    otherwise or when its clock is not running."""
    if appeal.status not in (S.DISPATCHED, S.HANDLING, S.REPLIED) or appeal.due_on is None:
        return Warning.NONE
    day = day or today()
    if day > appeal.due_on:
        return Warning.RED
    start = today(appeal.dispatched_at) if appeal.dispatched_at else day
    total = max(calendar.workdays_between_checked(start, appeal.due_on).days, 0)
    begins = clocks.warning_start(appeal.due_on, total)
    return Warning.YELLOW if begins is not None and day >= begins else Warning.NONE


# --- intake ----------------------------------------------------------------------------------


def _likely_duplicate(
    *, at, phone_index: str, citizen_id, subject_id, area_id, text: str
) -> int | None:
    """The id of the appeal this one probably repeats: the same caller (phone or account)
    on the same subject, received within DUPLICATE_DAYS or still open; else a text at least
    DUPLICATE_RATIO alike among the caller's and the area's last DUPLICATE_WINDOW appeals."""
    gone = (S.MERGED, S.WITHDRAWN)
    caller = Q(pk__in=[])
    if phone_index:
        caller |= Q(phone_index=phone_index)
    if citizen_id:
        caller |= Q(citizen_id=citizen_id)
    if subject_id and (phone_index or citizen_id):
        recent = at - datetime.timedelta(days=DUPLICATE_DAYS)
        same = (
            Appeal.objects.filter(caller, subject_id=subject_id, received_at__lte=at)
            .filter(Q(received_at__gte=recent) | Q(status__in=OPEN_STATUSES))
            .exclude(status__in=gone)
            .order_by("-received_at", "-id")
            .values_list("pk", flat=True)
            .first()
        )
        if same:
            return same
    near = caller | Q(area_id=area_id) if area_id else caller
    if not (phone_index or citizen_id or area_id):
        return None
    candidates = (
        Appeal.objects.filter(near, received_at__lte=at)
        .exclude(status__in=gone)
        .order_by("-received_at", "-id")
        .values_list("pk", "text")[:DUPLICATE_WINDOW]
    )
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(text)
    for pk, other in candidates:
        matcher.set_seq1(other)
        # The cheap upper bounds first: most texts are far apart.
        if (
            matcher.real_quick_ratio() >= DUPLICATE_RATIO
            and matcher.quick_ratio() >= DUPLICATE_RATIO
            and matcher.ratio() >= DUPLICATE_RATIO
        ):
            return pk
    return None


def _checked_attachments(attachments, errors: dict) -> list:
    files = list(attachments or ())
    if len(files) > MAX_ATTACHMENTS:
        errors.setdefault("attachments", []).append(
            ValidationError(
                _("最多上传 %(n)d 个附件。") % {"n": MAX_ATTACHMENTS}, code="too_many_files"
            )
        )
        return []
    checked, seen = [], set()
    for uploaded in files:
        result = _collect(errors, "attachments", lambda f=uploaded: uploads.check(f))
        if result is None or result.sha256 in seen:
            continue
        seen.add(result.sha256)
        checked.append((uploaded, result))
    return checked


def record_appeal(
    *,
    by,
    type,
    text,
    channel,
    subject=None,
    area=None,
    address="",
    caller_name="",
    phone="",
    citizen=None,
    confidential=False,
    title="",
    board_kind="",
    lat=None,
    long=None,
    attachments=(),
    received_at=None,
) -> Appeal:
    """Record an appeal (受理登记). `by`: the agent (channel phone; any channel for an agent
    entering a letter), the citizen filing their own (web, board, app), or None (Open311,
    app clients, imports). Everything is checked first and every problem reported at once;
    then, in one transaction, the appeal, its attachments, its RECEIVED entry (and a
    FLAGGED_DUPLICATE one), audit and the `appeal.received` event. The returned appeal
    carries `token`, the tracking page's key, once."""
    staff = by is not None and policy.can(by, "hotline.record")
    errors: dict[str, list] = {}
    type = TYPE_BY_LABEL.get(str(type or ""), type)
    type = _collect(
        errors, "type", lambda: _choice(type, AppealType, field="type", label=_("诉求类型"))
    )
    channel = _collect(
        errors, "channel", lambda: _choice(channel, Channel, field="channel", label=_("渠道"))
    )
    if not staff:
        if channel == Channel.PHONE:
            raise PermissionDenied
        if policy.is_authenticated(by):
            if citizen is not None and citizen.pk != by.pk:
                raise PermissionDenied
            citizen = by
        received_at = None
    text = _collect(
        errors,
        "text",
        lambda: _text(text, label=_("诉求内容"), field="text", min_chars=TEXT_MIN),
    )
    title = _collect(
        errors,
        "title",
        lambda: _text(title, label=_("标题"), field="title", max_chars=TITLE_MAX, required=False),
    )
    address = _collect(
        errors,
        "address",
        lambda: _text(
            address, label=_("地址"), field="address", max_chars=ADDRESS_MAX, required=False
        ),
    )
    caller_name = _collect(
        errors,
        "caller_name",
        lambda: _text(
            caller_name,
            label=_("诉求人姓名"),
            field="caller_name",
            max_chars=NAME_MAX,
            required=False,
        ),
    )
    phone = str(phone or "").strip()
    if phone:
        phone = _collect(errors, "phone", lambda: validate_phone(phone))
    elif citizen is None and channel in (Channel.PHONE, Channel.WEB, Channel.BOARD):
        errors.setdefault("phone", []).append(
            ValidationError(_("请填写联系电话，以便答复。"), code="phone_required")
        )
    if subject is not None:
        _collect(errors, "subject", lambda: _leaf(subject))
    if area is not None and (not isinstance(area, OrgUnit) or area.kind not in AREA_KINDS):
        errors.setdefault("area", []).append(
            ValidationError(_("所在区域须为街道或社区。"), code="area_not_street")
        )
    if confidential and type != AppealType.REPORT:
        errors.setdefault("confidential", []).append(
            ValidationError(_("只有举报可以选择保密。"), code="confidential_only_report")
        )
    board_kind = str(board_kind or "")
    if channel == Channel.BOARD and not board_kind and type:
        board_kind = BOARD_KIND_OF_TYPE[type]
    if board_kind:
        if channel != Channel.BOARD:
            errors.setdefault("board_kind", []).append(
                ValidationError(_("只有留言板的诉求有留言类型。"), code="board_kind_channel")
            )
        else:
            board_kind = _collect(
                errors,
                "board_kind",
                lambda: _choice(board_kind, BoardKind, field="board_kind", label=_("留言类型")),
            )
    lat = _collect(errors, "lat", lambda: _coordinate(lat, -90, 90, "lat"))
    long = _collect(errors, "long", lambda: _coordinate(long, -180, 180, "long"))
    if (lat is None) != (long is None) and "lat" not in errors and "long" not in errors:
        errors.setdefault("lat", []).append(
            ValidationError(_("坐标须同时填写经度和纬度。"), code="coordinate_incomplete")
        )
    now = timezone.now()
    if received_at is not None and (
        timezone.is_naive(received_at) or received_at > now + datetime.timedelta(minutes=5)
    ):
        errors.setdefault("received_at", []).append(
            ValidationError(_("受理时间不正确。"), code="received_at_invalid")
        )
    files = _checked_attachments(attachments, errors)
    if errors:
        raise ValidationError(errors)

    at = received_at or now
    token = secrets.token_urlsafe(18)
    appeal = Appeal(
        received_at=at,
        type=type,
        subject=subject,
        title=title,
        text=text,
        channel=channel,
        area=area,
        area_path=area.path if area is not None else "",
        address=address,
        lat=lat,
        long=long,
        citizen=citizen,
        confidential=bool(confidential),
        recorded_by=by if policy.is_authenticated(by) else None,
        board_kind=board_kind,
        token_hash=Appeal.hash_token(token),
    )
    appeal.set_caller(caller_name, phone)
    with transaction.atomic():
        duplicate = _likely_duplicate(
            at=at,
            phone_index=appeal.phone_index,
            citizen_id=getattr(citizen, "pk", None),
            subject_id=getattr(subject, "pk", None),
            area_id=getattr(area, "pk", None),
            text=text,
        )
        appeal.suspected_duplicate_of_id = duplicate
        appeal.save(force_insert=True)
        if files:
            stored = []
            for uploaded, checked in files:
                uploaded.name = checked.safe_name
                stored.append(
                    Attachment(
                        appeal=appeal,
                        file=uploaded,
                        name=checked.safe_name,
                        content_type=checked.content_type,
                        size=checked.size,
                        sha256=checked.sha256,
                    )
                )
            Attachment.objects.bulk_create(stored)
        step = _Step(appeal, by, now=now, system=f"hotline.{channel}")
        step.entry(
            EntryKind.RECEIVED,
            _("通过“%(channel)s”渠道受理，编号 %(number)s。")
            % {"channel": Channel(channel).label, "number": appeal.number},
        )
        if duplicate:
            step.entry(
                EntryKind.FLAGGED_DUPLICATE,
                _("疑似与诉求 %(number)s 重复，请派单员核实是否合并。")
                % {"number": _number_of(duplicate)},
                internal=True,
            )
        step.audit(
            "appeal.recorded",
            type=type,
            channel=channel,
            subject=getattr(subject, "code", ""),
            duplicate_of=duplicate,
            attachments=len(files),
        )
        step.event(
            "appeal.received",
            type=type,
            channel=channel,
            subject=getattr(subject, "pk", None),
            area=getattr(area, "pk", None),
            duplicate_of=duplicate,
        )
        step.save()
    appeal.token = token
    return appeal


def _number_of(pk: int) -> str:
    received = Appeal.objects.values_list("received_at", flat=True).get(pk=pk)
    return Appeal(pk=pk, received_at=received).number


def answer_on_spot(appeal, *, by, answer, article=None) -> Appeal:
    """直接办结: a 咨询 answered from the knowledge base while the caller is on the line:
    pending → closed (DIRECT), the answer as its reply, the article and its version kept
    and its `uses` counted."""
    answer = _text(answer, label=_("答复内容"), field="answer", min_chars=TEXT_MIN)
    with transaction.atomic():
        appeal = _lock(appeal)
        policy.require(by, "hotline.record", appeal)
        APPEAL.check(appeal.status, S.CLOSED)
        if appeal.type != AppealType.CONSULT:
            raise ValidationError(
                _("只有咨询类诉求可以直接答复办结，其他诉求请派单。"), code="not_a_consultation"
            )
        step = _Step(appeal, by)
        appeal.status, appeal.resolution = S.CLOSED, Resolution.DIRECT
        appeal.reply = answer
        appeal.replied_at = appeal.answered_at = appeal.closed_at = step.now
        fields = ["status", "resolution", "reply", "replied_at", "answered_at", "closed_at"]
        if appeal.board_kind:
            fields += _publish(appeal, step, answer)
        appeal.save(update_fields=[*fields, "updated_at"])
        if article is not None:
            AppealArticle.objects.create(appeal=appeal, article=article, version=article.version)
            Article.objects.filter(pk=article.pk).update(uses=F("uses") + 1)
        step.entry(EntryKind.ANSWERED_ON_SPOT, answer)
        step.audit("appeal.answered_on_spot", article=getattr(article, "pk", None))
        step.event("appeal.closed", resolution=Resolution.DIRECT)
        step.save()
    return appeal


def _publish(appeal: Appeal, step: _Step, reply: str) -> list[str]:
    """A board post goes public with its answer, personal data masked (masking.mask)."""
    appeal.published_at = step.now
    appeal.public_text = masking.mask(appeal.text)
    appeal.public_reply = masking.mask(reply)
    step.entry(EntryKind.PUBLISHED, _("留言及答复已在网上留言板公开（个人信息已隐去）。"))
    return ["published_at", "public_text", "public_reply"]


def merge(appeal, *, into, by) -> Appeal:
    """A duplicate merged into the appeal it repeats: pending → merged (MERGED); its caller
    follows the other one's handling."""
    a = appeal.pk if isinstance(appeal, Appeal) else appeal
    b = into.pk if isinstance(into, Appeal) else into
    if a == b:
        raise ValidationError(_("不能把诉求合并到它自己。"), code="merge_into_itself")
    with transaction.atomic():
        locked = {
            x.pk: x for x in Appeal.objects.select_for_update().filter(pk__in=[a, b]).order_by("pk")
        }
        if a not in locked or b not in locked:
            raise Http404
        appeal, into = locked[a], locked[b]
        policy.require(by, "hotline.dispatch", appeal)
        policy.require(by, "hotline.view", into)
        APPEAL.check(appeal.status, S.MERGED)
        if into.status in (S.MERGED, S.WITHDRAWN):
            raise ValidationError(
                _("诉求 %(number)s 已合并或撤回，不能再合并到它。") % {"number": into.number},
                code="merge_target_closed",
            )
        step = _Step(appeal, by)
        appeal.status, appeal.resolution = S.MERGED, Resolution.MERGED
        appeal.merged_into, appeal.closed_at = into, step.now
        appeal.save(
            update_fields=["status", "resolution", "merged_into", "closed_at", "updated_at"]
        )
        step.entry(EntryKind.MERGED, _("与诉求 %(number)s 合并办理。") % {"number": into.number})
        step.entry(
            EntryKind.MERGED,
            _("诉求 %(number)s 已合并到本诉求。") % {"number": appeal.number},
            internal=True,
            appeal=into,
        )
        step.audit("appeal.merged", into=into.pk)
        step.event("appeal.merged", into=into.pk)
        if appeal.citizen_id:
            step.tell(
                [appeal.citizen_id],
                _("您的诉求 %(number)s 已与相同诉求合并办理") % {"number": appeal.number},
                link=citizen_link(appeal),
            )
        step.save()
    return appeal


def withdraw(appeal, *, by, reason="") -> Appeal:
    """The citizen withdraws their appeal (or an agent for a caller on the phone) while it
    is still pending, dispatched or handled; its units are told."""
    reason = _text(
        reason, label=_("撤回原因"), field="reason", max_chars=REASON_MAX, required=False
    )
    with transaction.atomic():
        appeal = _lock(appeal)
        policy.require(by, "hotline.withdraw", appeal)
        APPEAL.check(appeal.status, S.WITHDRAWN)
        step = _Step(appeal, by)
        was_dispatched = appeal.status != S.PENDING
        appeal.status, appeal.resolution = S.WITHDRAWN, Resolution.WITHDRAWN
        appeal.closed_at, appeal.warning = step.now, Warning.NONE
        appeal.save(update_fields=["status", "resolution", "closed_at", "warning", "updated_at"])
        step.entry(EntryKind.WITHDRAWN, reason or _("诉求人撤回诉求。"))
        step.audit("appeal.withdrawn")
        step.event("appeal.withdrawn")
        if was_dispatched:
            step.tell_units(
                current_units(appeal), _("诉求 %(number)s 已撤回") % {"number": appeal.number}
            )
        step.save()
    return appeal


# --- dispatch and units ----------------------------------------------------------------------


def dispatch(appeal, *, by, subject, lead, assisting=(), note="", suggestion=None) -> Appeal:
    """派单: pending → dispatched, or dispatched → dispatched when sent elsewhere (the
    earlier units' rows stay as history). Sets the subject, the lead unit and the assisting
    units, `accept_by` (ACCEPT_DAYS working days) and `due_on` (the subject's working days)
    from the dispatch day, and keeps the classifier's `suggestion` as given. The units'
    handlers are told."""
    _leaf(subject)
    assisting = list(dict.fromkeys(assisting or ()))
    for org in [lead, *assisting]:
        if not isinstance(org, OrgUnit) or not org.is_active:
            raise ValidationError(
                {"lead": [ValidationError(_("请选择承办单位。"), code="unit_invalid")]}
            )
    assisting = [org for org in assisting if org.pk != lead.pk]
    if len(assisting) > MAX_ASSISTING:
        raise ValidationError(
            {
                "assisting": [
                    ValidationError(
                        _("协办单位最多 %(n)d 个。") % {"n": MAX_ASSISTING}, code="too_many_units"
                    )
                ]
            }
        )
    note = _text(note, label=_("派单说明"), field="note", max_chars=REASON_MAX, required=False)
    if suggestion is not None and not isinstance(suggestion, dict):
        raise ValidationError(_("派单建议格式不正确。"), code="suggestion_invalid")
    with transaction.atomic():
        appeal = _lock(appeal)
        policy.require(by, "hotline.dispatch", appeal)
        APPEAL.check(appeal.status, S.DISPATCHED)
        step = _Step(appeal, by)
        day = today(step.now)
        if appeal.status == S.DISPATCHED:
            AppealUnit.objects.filter(appeal=appeal, is_current=True).update(is_current=False)
        units = rows.insert(
            AppealUnit,
            [
                AppealUnit(
                    appeal=appeal,
                    org=org,
                    org_path=org.path,
                    role=role,
                    dispatched_at=step.now,
                )
                for org, role in [(lead, UnitRole.LEAD)] + [(o, UnitRole.ASSIST) for o in assisting]
            ],
        )
        appeal._current_units = units
        due = _due(day, subject.days)
        appeal.status = S.DISPATCHED
        appeal.subject, appeal.lead_unit, appeal.unit_path = subject, lead, lead.path
        appeal.dispatched_at, appeal.dispatched_by = step.now, by
        appeal.accept_by = _due(day, ACCEPT_DAYS).date
        appeal.due_on, appeal.due_provisional = due.date, due.provisional
        appeal.warning = Warning.NONE
        fields = [
            "status",
            "subject",
            "lead_unit",
            "unit_path",
            "dispatched_at",
            "dispatched_by",
            "accept_by",
            "due_on",
            "due_provisional",
            "warning",
            "updated_at",
        ]
        if suggestion is not None:
            appeal.suggestion = suggestion
            fields.append("suggestion")
        appeal.save(update_fields=fields)
        text = _("派至%(lead)s（主办）") % {"lead": lead.name}
        if assisting:
            text += _("，%(units)s（协办）") % {"units": "、".join(o.name for o in assisting)}
        step.entry(EntryKind.DISPATCHED, text + _("，办理期限 %(due)s。") % {"due": due.date})
        if note:
            step.entry(EntryKind.NOTE, note, internal=True)
        step.audit(
            "appeal.dispatched",
            subject=subject.code,
            lead=lead.code,
            assisting=[o.code for o in assisting],
            due_on=due.date.isoformat(),
        )
        step.event(
            "appeal.dispatched",
            subject=subject.pk,
            lead=lead.pk,
            assisting=[o.pk for o in assisting],
            due_on=due.date.isoformat(),
        )
        subject_line = _("新的12345工单：%(number)s") % {"number": appeal.number}
        step.tell_units(
            units[:1], subject_line, _("请在 %(day)s 前签收或退单。") % {"day": appeal.accept_by}
        )
        if assisting:
            step.tell_units(units[1:], subject_line, _("协办，请签收后提交协办意见。"))
        step.save()
    return appeal


def accept(appeal, *, by) -> Appeal:
    """签收: the acting user's unit signs for the appeal; the lead unit's signature starts
    the handling (dispatched → handling)."""
    with transaction.atomic():
        appeal = _lock(appeal)
        policy.require(by, "hotline.handle", appeal)
        unit = _unit(by, appeal, status=UnitStatus.DISPATCHED, action=UnitStatus.ACCEPTED)
        UNIT.check(unit.status, UnitStatus.ACCEPTED)
        step = _Step(appeal, by)
        if unit.role == UnitRole.LEAD:
            APPEAL.check(appeal.status, S.HANDLING)
            appeal.status, appeal.accepted_at = S.HANDLING, step.now
            appeal.save(update_fields=["status", "accepted_at", "updated_at"])
        unit.status = UnitStatus.ACCEPTED
        unit.save(update_fields=["status"])
        step.entry(
            EntryKind.ACCEPTED,
            _("%(unit)s已签收（%(role)s）。")
            % {"unit": unit.org.name, "role": unit.get_role_display()},
            org=unit.org,
        )
        step.audit("appeal.accepted", unit=unit.org.code, role=unit.role)
        step.event("appeal.accepted", unit=unit.org_id, role=unit.role)
        step.save()
    return appeal


def return_appeal(appeal, *, by, reason) -> Appeal:
    """退单: the lead unit sends the appeal back to the dispatcher with a reason (→ pending,
    `returns` + 1, every unit of that dispatch no longer current); an assisting unit's
    return ends only its own part. The reason is internal; the dispatcher is told."""
    reason = _text(
        reason, label=_("退单理由"), field="reason", min_chars=REASON_MIN, max_chars=REASON_MAX
    )
    with transaction.atomic():
        appeal = _lock(appeal)
        policy.require(by, "hotline.handle", appeal)
        unit = _unit(by, appeal, status=UnitStatus.DISPATCHED, action=UnitStatus.RETURNED)
        UNIT.check(unit.status, UnitStatus.RETURNED)
        step = _Step(appeal, by)
        if unit.role == UnitRole.LEAD:
            APPEAL.check(appeal.status, S.PENDING)
            AppealUnit.objects.filter(appeal=appeal, is_current=True).update(is_current=False)
            AppealUnit.objects.filter(pk=unit.pk).update(
                status=UnitStatus.RETURNED, answered_at=step.now
            )
            # The event's org path is the unit's, before it is cleared.
            step.events.append(
                (
                    "appeal.returned",
                    appeal,
                    appeal.unit_path,
                    {"status": S.PENDING, "unit": unit.org_id, "role": unit.role},
                )
            )
            step.audit("appeal.returned", unit=unit.org.code, role=unit.role)
            appeal.status, appeal.returns = S.PENDING, appeal.returns + 1
            appeal.lead_unit, appeal.unit_path = None, ""
            appeal.accept_by = appeal.due_on = None
            appeal.due_provisional, appeal.warning = False, Warning.NONE
            appeal.save(
                update_fields=[
                    "status",
                    "returns",
                    "lead_unit",
                    "unit_path",
                    "accept_by",
                    "due_on",
                    "due_provisional",
                    "warning",
                    "updated_at",
                ]
            )
        else:
            unit.status, unit.is_current, unit.answered_at = UnitStatus.RETURNED, False, step.now
            unit.save(update_fields=["status", "is_current", "answered_at"])
            step.audit("appeal.returned", unit=unit.org.code, role=unit.role)
            step.event("appeal.returned", unit=unit.org_id, role=unit.role)
        step.entry(EntryKind.RETURNED, reason, internal=True, org=unit.org)
        step.tell_dispatcher(
            _("工单被退回：%(number)s") % {"number": appeal.number},
            _("%(unit)s退单：%(reason)s") % {"unit": unit.org.name, "reason": reason},
        )
        step.save()
    return appeal


def add_opinion(appeal, *, by, text) -> Appeal:
    """协办意见: an assisting unit that signed for the appeal gives its opinion to the lead
    unit (internal: the citizen sees the lead unit's reply)."""
    text = _text(text, label=_("协办意见"), field="text", min_chars=REASON_MIN)
    with transaction.atomic():
        appeal = _lock(appeal)
        policy.require(by, "hotline.handle", appeal)
        unit = _unit(
            by, appeal, status=UnitStatus.ACCEPTED, role=UnitRole.ASSIST, action=UnitStatus.REPLIED
        )
        UNIT.check(unit.status, UnitStatus.REPLIED)
        if not appeal.is_open or appeal.status == S.PENDING:
            raise APPEAL.error(appeal.status, S.HANDLING)
        step = _Step(appeal, by)
        unit.status, unit.opinion, unit.answered_at = UnitStatus.REPLIED, text, step.now
        unit.save(update_fields=["status", "opinion", "answered_at"])
        step.entry(EntryKind.OPINION, text, internal=True, org=unit.org)
        step.audit("appeal.opinion", unit=unit.org.code)
        step.event("appeal.opinion", unit=unit.org_id)
        lead = [u for u in current_units(appeal) if u.role == UnitRole.LEAD]
        step.tell_units(
            lead,
            _("协办意见：%(number)s") % {"number": appeal.number},
            _("%(unit)s已提交协办意见。") % {"unit": unit.org.name},
        )
        step.save()
    return appeal


def add_note(appeal, *, by, text) -> Appeal:
    """An internal note on the timeline (never shown to the citizen)."""
    text = _text(text, label=_("备注"), field="text", min_chars=REASON_MIN)
    with transaction.atomic():
        appeal = _lock(appeal)
        policy.require(by, "hotline.note", appeal)
        mine = units_of(by, appeal) if appeal.unit_path else []
        step = _Step(appeal, by)
        step.entry(EntryKind.NOTE, text, internal=True, org=mine[0].org if mine else None)
        step.audit("appeal.noted")
        step.save()
    return appeal


def request_extension(appeal, *, by, days, reason) -> Extension:
    """延期申请: the lead unit asks for more working days while handling; the dispatcher
    decides (decide_extension). One pending request at a time."""
    try:
        days = int(str(days).strip()) if str(days).strip().isascii() else None
    except (TypeError, ValueError):
        days = None
    if days is None or not (1 <= days <= EXTENSION_MAX_DAYS):
        raise ValidationError(
            {
                "days": [
                    ValidationError(
                        _("延期天数须为 1 至 %(n)d 个工作日。") % {"n": EXTENSION_MAX_DAYS},
                        code="days_invalid",
                    )
                ]
            }
        )
    reason = _text(
        reason, label=_("延期理由"), field="reason", min_chars=TEXT_MIN, max_chars=REASON_MAX
    )
    with transaction.atomic():
        appeal = _lock(appeal)
        policy.require(by, "hotline.handle", appeal)
        _unit(by, appeal, role=UnitRole.LEAD)
        if appeal.status != S.HANDLING:
            raise ValidationError(_("只有办理中的诉求可以申请延期。"), code="not_handling")
        if Extension.objects.filter(appeal=appeal, status=E.PENDING).exists():
            raise ValidationError(_("已有一份延期申请在等待审批。"), code="extension_pending")
        step = _Step(appeal, by)
        # Built and saved (not `objects.create`): tests/test_layering.py reads a manager
        # write on a class named like one of the journey's (workflow.Extension) as its.
        extension = Extension(
            appeal=appeal, days=days, reason=reason, requested_by=by, requested_at=step.now
        )
        extension.save(force_insert=True)
        step.entry(
            EntryKind.EXTENSION_REQUESTED,
            _("申请延期 %(days)d 个工作日：%(reason)s") % {"days": days, "reason": reason},
            internal=True,
            org=appeal.lead_unit_id,
        )
        step.audit("appeal.extension_requested", extension, days=days)
        step.event("appeal.extension_requested", extension=extension.pk, days=days)
        step.tell_dispatcher(_("延期申请待审批：%(number)s") % {"number": appeal.number})
        step.save()
    return extension


def decide_extension(extension, *, by, approve, note="") -> Extension:
    """The dispatcher approves (the due day moves by the extension's working days) or
    refuses an extension request; the lead unit is told."""
    note = _text(note, label=_("审批意见"), field="note", max_chars=REASON_MAX, required=False)
    with transaction.atomic():
        appeal_id = Extension.objects.values_list("appeal_id", flat=True).get(pk=extension.pk)
        appeal = _lock(appeal_id)
        extension = Extension.objects.select_for_update().get(pk=extension.pk)
        policy.require(by, "hotline.dispatch", appeal)
        target = E.APPROVED if approve else E.REFUSED
        EXTENSION.check(extension.status, target)
        step = _Step(appeal, by)
        extension.status, extension.decided_by, extension.decided_at = target, by, step.now
        extension.note = note
        extension.save(update_fields=["status", "decided_by", "decided_at", "note"])
        if approve and appeal.is_open and appeal.due_on is not None:
            due = _due(appeal.due_on, extension.days)
            appeal.due_on = due.date
            appeal.due_provisional = appeal.due_provisional or due.provisional
            appeal.warning = warning_level(appeal, today(step.now))
            appeal.save(update_fields=["due_on", "due_provisional", "warning", "updated_at"])
            step.entry(
                EntryKind.EXTENSION_DECIDED,
                _("办理期限延长 %(days)d 个工作日，至 %(due)s。")
                % {"days": extension.days, "due": appeal.due_on},
            )
        else:
            step.entry(
                EntryKind.EXTENSION_DECIDED,
                _("延期申请未获批准。") + (f" {note}" if note else ""),
                internal=True,
            )
        if approve and note:
            step.entry(EntryKind.NOTE, note, internal=True)
        step.audit("appeal.extension_decided", extension, approve=bool(approve))
        step.event(
            "appeal.extension_decided",
            extension=extension.pk,
            approve=bool(approve),
            due_on=appeal.due_on.isoformat() if appeal.due_on else None,
        )
        lead = [u for u in current_units(appeal) if u.role == UnitRole.LEAD]
        step.tell_units(
            lead,
            (_("延期已批准：%(number)s") if approve else _("延期未获批准：%(number)s"))
            % {"number": appeal.number},
        )
        step.save()
    return extension


# --- reply, review, rating, return call --------------------------------------------------------


def reply(appeal, *, by, text) -> Appeal:
    """答复: the lead unit replies (handling → replied); the dispatcher reviews it before the
    citizen sees it."""
    text = _text(text, label=_("答复内容"), field="text", min_chars=TEXT_MIN)
    with transaction.atomic():
        appeal = _lock(appeal)
        policy.require(by, "hotline.handle", appeal)
        unit = _unit(
            by, appeal, status=UnitStatus.ACCEPTED, role=UnitRole.LEAD, action=UnitStatus.REPLIED
        )
        UNIT.check(unit.status, UnitStatus.REPLIED)
        APPEAL.check(appeal.status, S.REPLIED)
        step = _Step(appeal, by)
        appeal.status, appeal.reply, appeal.replied_at = S.REPLIED, text, step.now
        appeal.save(update_fields=["status", "reply", "replied_at", "updated_at"])
        unit.status, unit.answered_at = UnitStatus.REPLIED, step.now
        unit.save(update_fields=["status", "answered_at"])
        step.entry(EntryKind.REPLIED, text, internal=True, org=unit.org)
        step.audit("appeal.replied", unit=unit.org.code)
        step.event("appeal.replied", unit=unit.org_id)
        step.tell_dispatcher(_("答复待审核：%(number)s") % {"number": appeal.number})
        step.save()
    return appeal


def review_reply(appeal, *, by, approve, note="", public_reply=None) -> Appeal:
    """The dispatcher's review of a reply: approved, replied → answered (the citizen sees it
    and is told — in-site, or by text message without an account; a board post is published
    with personal data masked, from `public_reply` when the dispatcher edited it); sent
    back, replied → handling with the note (required), and the lead unit is told."""
    note = _text(
        note,
        label=_("审核意见"),
        field="note",
        max_chars=REASON_MAX,
        required=not approve,
        min_chars=REASON_MIN if not approve else 0,
    )
    if public_reply is not None:
        public_reply = _text(
            public_reply, label=_("公开答复"), field="public_reply", min_chars=TEXT_MIN
        )
    with transaction.atomic():
        appeal = _lock(appeal)
        policy.require(by, "hotline.dispatch", appeal)
        step = _Step(appeal, by)
        if approve:
            APPEAL.check(appeal.status, S.ANSWERED)
            appeal.status, appeal.answered_at = S.ANSWERED, step.now
            fields = ["status", "answered_at"]
            step.entry(EntryKind.REPLY_APPROVED, appeal.reply)
            if appeal.board_kind:
                fields += _publish(appeal, step, public_reply or appeal.reply)
            if note:
                step.entry(EntryKind.NOTE, note, internal=True)
            appeal.save(update_fields=[*fields, "updated_at"])
            step.audit("appeal.reply_approved", published=bool(appeal.board_kind))
            step.event("appeal.answered", published=bool(appeal.board_kind))
            step.tell_citizen(
                _("您的诉求 %(number)s 已有答复") % {"number": appeal.number},
                _("请查看答复并评价。"),
            )
        else:
            APPEAL.check(appeal.status, S.HANDLING)
            lead = [u for u in current_units(appeal) if u.role == UnitRole.LEAD]
            for unit in lead:
                UNIT.check(unit.status, UnitStatus.ACCEPTED)
            AppealUnit.objects.filter(pk__in=[u.pk for u in lead]).update(
                status=UnitStatus.ACCEPTED
            )
            appeal.status = S.HANDLING
            appeal.save(update_fields=["status", "updated_at"])
            step.entry(EntryKind.REPLY_REJECTED, note, internal=True)
            step.audit("appeal.reply_rejected")
            step.event("appeal.reply_rejected")
            step.tell_units(lead, _("答复被退回：%(number)s") % {"number": appeal.number}, note)
        step.save()
    return appeal


def _rated(appeal: Appeal, step: _Step, satisfaction: str, note: str) -> None:
    """A rating (or a return call's answer) on an answered appeal: satisfied → closed;
    unsatisfied the first time → handled again (`reopened` + 1, the lead unit back to
    work with a fresh limit), the second time → closed. Only an answered appeal is rated:
    the machine lets a pending appeal close (answered on the spot); a rating must not."""
    if appeal.status != S.ANSWERED:
        raise TransitionError(
            APPEAL, appeal.status, S.CLOSED, "appeal_not_answered", _("诉求答复后才能评价。")
        )
    appeal.satisfaction, appeal.rated_at = satisfaction, step.now
    label = Satisfaction(satisfaction).label
    step.entry(EntryKind.RATED, f"{label}" + (f"：{note}" if note else ""))
    if satisfaction == Satisfaction.UNSATISFIED and appeal.reopened == 0:
        APPEAL.check(appeal.status, S.HANDLING)
        lead = [u for u in current_units(appeal) if u.role == UnitRole.LEAD]
        for unit in lead:
            UNIT.check(unit.status, UnitStatus.ACCEPTED)
        AppealUnit.objects.filter(pk__in=[u.pk for u in lead]).update(status=UnitStatus.ACCEPTED)
        appeal.status, appeal.reopened = S.HANDLING, appeal.reopened + 1
        if appeal.subject_id:
            due = _due(today(step.now), appeal.subject.days)
            appeal.due_on, appeal.due_provisional = due.date, due.provisional
        appeal.warning = Warning.NONE
        step.entry(EntryKind.REOPENED, _("诉求人不满意，诉求重新办理。"))
        step.event("appeal.reopened", satisfaction=satisfaction)
        step.tell_units(lead, _("工单重办：%(number)s") % {"number": appeal.number}, note)
        step.tell_dispatcher(_("工单重办：%(number)s") % {"number": appeal.number})
    else:
        APPEAL.check(appeal.status, S.CLOSED)
        appeal.status, appeal.resolution, appeal.closed_at = S.CLOSED, Resolution.HANDLED, step.now
        step.entry(EntryKind.CLOSED, _("诉求已办结。"))
        step.event("appeal.closed", resolution=Resolution.HANDLED, satisfaction=satisfaction)
    appeal.save(
        update_fields=[
            "satisfaction",
            "rated_at",
            "status",
            "reopened",
            "due_on",
            "due_provisional",
            "warning",
            "resolution",
            "closed_at",
            "updated_at",
        ]
    )


def _satisfaction(value) -> str:
    value = str(value or "")
    if value not in Satisfaction.values:
        raise ValidationError(
            {"satisfaction": [ValidationError(_("请选择满意度。"), code="satisfaction_invalid")]}
        )
    return value


def rate(appeal, *, satisfaction, by=None, token=None, note="") -> Appeal:
    """The citizen's rating of an answered appeal: its owner, or whoever holds its tracking
    token. 满意/基本满意 → closed; 不满意 the first time → handled again, the second → closed."""
    satisfaction = _satisfaction(satisfaction)
    note = _text(note, label=_("评价说明"), field="note", max_chars=REASON_MAX, required=False)
    with transaction.atomic():
        appeal = _lock(appeal, "subject")
        owner = policy.is_authenticated(by) and appeal.citizen_id == by.pk
        holder = bool(token) and hmac.compare_digest(Appeal.hash_token(token), appeal.token_hash)
        if not (owner or holder):
            raise Http404
        step = _Step(appeal, by if owner else None, system="hotline.token")
        _rated(appeal, step, satisfaction, note)
        step.audit("appeal.rated", satisfaction=satisfaction)
        step.save()
    return appeal


def record_callback(appeal, *, by, reached, satisfaction="", note="") -> Callback:
    """回访: an agent called the citizen back. A reached caller's satisfaction counts as their
    rating while the appeal is answered and unrated; on a closed appeal that was never rated
    it is kept as its satisfaction."""
    reached = bool(reached)
    satisfaction = _satisfaction(satisfaction) if (reached and satisfaction) else ""
    note = _text(note, label=_("回访记录"), field="note", max_chars=REASON_MAX, required=False)
    with transaction.atomic():
        appeal = _lock(appeal, "subject")
        policy.require(by, "hotline.callback", appeal)
        if appeal.status not in (S.ANSWERED, S.CLOSED):
            raise ValidationError(_("诉求答复后才能回访。"), code="callback_too_early")
        step = _Step(appeal, by)
        callback = Callback.objects.create(
            appeal=appeal,
            agent=by,
            at=step.now,
            reached=reached,
            satisfaction=satisfaction,
            note=note,
        )
        step.entry(
            EntryKind.CALLBACK,
            (_("已回访：%(s)s") % {"s": Satisfaction(satisfaction).label})
            if satisfaction
            else (_("已回访。") if reached else _("回访未接通。")),
        )
        if note:
            step.entry(EntryKind.NOTE, note, internal=True)
        if satisfaction and appeal.status == S.ANSWERED:
            _rated(appeal, step, satisfaction, "")
        elif satisfaction and not appeal.satisfaction:
            appeal.satisfaction, appeal.rated_at = satisfaction, step.now
            appeal.save(update_fields=["satisfaction", "rated_at", "updated_at"])
        step.audit("appeal.callback", callback, reached=reached, satisfaction=satisfaction)
        step.event(
            "appeal.callback", callback=callback.pk, reached=reached, satisfaction=satisfaction
        )
        step.save()
    return callback


# --- jobs ------------------------------------------------------------------------------------


def refresh_warnings(now=None) -> int:
    """Yellow and red on the open appeals whose clock runs (dispatched, handling, replied),
    computed on the working-day calendar; the lead unit's handlers are told of each rise.
    Returns how many changed. Safe to run twice."""
    day = today(now)
    changed: dict[str, list[int]] = {}
    rising = []
    open_ = Appeal.objects.filter(
        status__in=(S.DISPATCHED, S.HANDLING, S.REPLIED), due_on__isnull=False
    ).only("pk", "status", "due_on", "dispatched_at", "warning", "unit_path", "received_at")
    order = {Warning.NONE: 0, Warning.YELLOW: 1, Warning.RED: 2}
    for appeal in open_:
        level = warning_level(appeal, day)
        if level != appeal.warning:
            changed.setdefault(level, []).append(appeal.pk)
            if order[level] > order[Warning(appeal.warning)]:
                rising.append((appeal, level))
    with transaction.atomic():
        for level, ids in changed.items():
            Appeal.objects.filter(pk__in=ids).update(warning=level)
        messages = []
        for appeal, level in rising:
            subject = (
                _("工单已超期（红牌）：%(number)s")
                if level == Warning.RED
                else _("工单临近办理期限（黄牌）：%(number)s")
            ) % {"number": appeal.number}
            for user_id in holders.holder_ids(Role.HANDLER, appeal.unit_path):
                messages.append((user_id, subject, "", staff_link(appeal)))
        if messages:
            notify.site_all(messages)
    return sum(len(ids) for ids in changed.values())


def close_unrated(now=None) -> int:
    """Answered appeals nobody rated within RATING_DAYS working days of the answer are
    closed (承办办结, no satisfaction). Returns how many. Safe to run twice: only appeals
    still answered under the lock are closed."""
    day = today(now)
    due = [
        pk
        for pk, answered in Appeal.objects.filter(
            status=S.ANSWERED, answered_at__isnull=False
        ).values_list("pk", "answered_at")
        if _due(today(answered), RATING_DAYS).date < day
    ]
    if not due:
        return 0
    with transaction.atomic():
        locked = list(
            Appeal.objects.select_for_update().filter(pk__in=due, status=S.ANSWERED).order_by("pk")
        )
        if not locked:
            return 0
        moment = timezone.now()
        for appeal in locked:
            APPEAL.check(appeal.status, S.CLOSED)
        Appeal.objects.filter(pk__in=[a.pk for a in locked]).update(
            status=S.CLOSED, resolution=Resolution.HANDLED, closed_at=moment, updated_at=moment
        )
        entries, audits, appended = [], [], []
        for appeal in locked:
            appeal.status, appeal.resolution, appeal.closed_at = (
                S.CLOSED,
                Resolution.HANDLED,
                moment,
            )
            entries.append(
                AppealEntry(
                    appeal=appeal,
                    at=moment,
                    kind=EntryKind.CLOSED,
                    text=_("答复后 %(days)d 个工作日内未评价，诉求自动办结。")
                    % {"days": RATING_DAYS},
                )
            )
            path = appeal.unit_path or appeal.area_path
            audits.append(("appeal.closed_unrated", appeal, {}, path))
            appended.append(
                (
                    "appeal.closed",
                    appeal,
                    path,
                    {"status": S.CLOSED, "resolution": Resolution.HANDLED, "unrated": True},
                )
            )
        rows.insert(AppealEntry, entries)
        audit.record_all("hotline.jobs", audits)
        events.append_all(appended)
    return len(locked)


def deem_accepted(now=None) -> int:
    """A unit that neither signs for nor returns an appeal by its `accept_by` day (ACCEPT_DAYS
    working days after dispatch) has it: the lead unit's part is accepted and the appeal is
    handled (超时未退单视为签收), so nothing waits unseen between dispatcher and unit. Returns
    how many. Safe to run twice: only appeals still dispatched under the lock move."""
    day = today(now)
    due = list(
        Appeal.objects.filter(status=S.DISPATCHED, accept_by__lt=day).values_list("pk", flat=True)
    )
    if not due:
        return 0
    with transaction.atomic():
        locked = list(
            Appeal.objects.select_for_update()
            .filter(pk__in=due, status=S.DISPATCHED, accept_by__lt=day)
            .order_by("pk")
        )
        if not locked:
            return 0
        leads = {
            unit.appeal_id: unit
            for unit in AppealUnit.objects.select_related("org").filter(
                appeal__in=locked, role=UnitRole.LEAD, is_current=True
            )
        }
        for appeal in locked:
            APPEAL.check(appeal.status, S.HANDLING)
            UNIT.check(leads[appeal.pk].status, UnitStatus.ACCEPTED)
        moment = timezone.now()
        Appeal.objects.filter(pk__in=[a.pk for a in locked]).update(
            status=S.HANDLING, accepted_at=moment, updated_at=moment
        )
        AppealUnit.objects.filter(pk__in=[u.pk for u in leads.values()]).update(
            status=UnitStatus.ACCEPTED
        )
        entries, audits, appended = [], [], []
        for appeal in locked:
            lead = leads[appeal.pk]
            appeal.status, appeal.accepted_at = S.HANDLING, moment
            entries.append(
                AppealEntry(
                    appeal=appeal,
                    at=moment,
                    kind=EntryKind.ACCEPTED,
                    org=lead.org,
                    text=_("%(unit)s超过签收期限未退单，视为签收。") % {"unit": lead.org.name},
                )
            )
            path = appeal.unit_path or appeal.area_path
            audits.append(("appeal.deemed_accepted", appeal, {"unit": lead.org.code}, path))
            appended.append(
                (
                    "appeal.accepted",
                    appeal,
                    path,
                    {"unit": lead.org_id, "role": UnitRole.LEAD, "deemed": True},
                )
            )
        rows.insert(AppealEntry, entries)
        audit.record_all("hotline.jobs", audits)
        events.append_all(appended)
    return len(locked)


def covered_deadline(appeal: Appeal) -> str:
    """The words a page shows beside a provisional due day (workdays.calendar)."""
    return str(calendar.PROVISIONAL_NOTICE) if appeal.due_provisional else ""


__all__ = [
    "ACCEPT_DAYS",
    "DUPLICATE_DAYS",
    "RATING_DAYS",
    "accept",
    "add_note",
    "add_opinion",
    "answer_on_spot",
    "close_unrated",
    "decide_extension",
    "dispatch",
    "merge",
    "rate",
    "record_appeal",
    "record_callback",
    "refresh_warnings",
    "reply",
    "request_extension",
    "return_appeal",
    "review_reply",
    "warning_level",
    "withdraw",
]

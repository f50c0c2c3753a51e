"""The dispatcher's pages (派单员, docs/hotline.md "Dispatching and handling"): the queue
of appeals waiting for dispatch — oldest first, returned ones with the unit's reason, likely
duplicates marked — with tabs for replies to review, extensions to decide and warned
appeals; and the dispatch screen of one appeal, where the classifier's suggestion is taken
with one key and any part of it can be corrected, a duplicate merged and a 咨询 answered on
the telephone closed. Thin: selectors read, services change and check the policy again."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yiwang.identity import policy

from . import selectors, services, suggest
from .forms_workbench import AnswerForm, DecideExtensionForm, DispatchForm, MergeForm
from .models import (
    Appeal,
    AppealEntry,
    AppealStatus,
    AppealType,
    AppealUnit,
    EntryKind,
    Extension,
    ExtensionStatus,
    UnitRole,
    Warning,
)

PER_PAGE = 30

TABS = [
    ("pending", gettext_lazy("待派单")),
    ("replies", gettext_lazy("待审核答复")),
    ("extensions", gettext_lazy("待审批延期")),
    ("warned", gettext_lazy("预警与超期")),
]
WARNINGS = [
    ("", gettext_lazy("黄牌和红牌")),
    (Warning.RED, gettext_lazy("红牌（已超期）")),
    (Warning.YELLOW, gettext_lazy("黄牌（临近期限）")),
]


def problems(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def form_problems(form) -> list[str]:
    return [str(e) for errors in form.errors.values() for e in errors]


def require_dispatcher(user) -> None:
    """The dispatcher's pages are a 404 to everyone else (they do not exist for them)."""
    if not policy.can(user, "hotline.dispatch"):
        raise Http404


def returned_reasons():
    """Each appeal's return entries (退单), newest first: one query for a page of them."""
    return Prefetch(
        "entries",
        AppealEntry.objects.filter(kind=EntryKind.RETURNED)
        .select_related("org")
        .order_by("-at", "-id"),
        to_attr="return_entries",
    )


def current_units():
    return Prefetch(
        "units",
        AppealUnit.objects.filter(is_current=True).select_related("org").order_by("-role", "id"),
        to_attr="current_units",
    )


def _counts(user) -> dict:
    """The tabs' figures: one statement for the appeals, one for the extensions."""
    figures = selectors.for_dispatcher(user).aggregate(
        pending=Count("pk", filter=Q(status=AppealStatus.PENDING)),
        replies=Count("pk", filter=Q(status=AppealStatus.REPLIED)),
        warned=Count(
            "pk",
            filter=Q(
                warning__in=[Warning.YELLOW, Warning.RED],
                status__in=[AppealStatus.DISPATCHED, AppealStatus.HANDLING, AppealStatus.REPLIED],
            ),
        ),
    )
    figures["extensions"] = _pending_extensions(user).count()
    return figures


def _pending_extensions(user):
    return Extension.objects.filter(
        status=ExtensionStatus.PENDING,
        appeal__in=selectors.for_dispatcher(user).values("pk"),
    )


@never_cache
@login_required
def queue(request):
    """派单台: the appeals waiting, oldest first, and the other tabs of the dispatcher."""
    user = request.user
    require_dispatcher(user)
    tab = request.GET.get("tab", "")
    tab = tab if tab in dict(TABS) else "pending"
    warning = request.GET.get("warning", "")
    warning = warning if warning in dict(WARNINGS) else ""
    if tab == "extensions":
        rows = (
            _pending_extensions(user)
            .select_related("appeal__subject", "appeal__lead_unit", "requested_by")
            .order_by("requested_at", "pk")
        )
    elif tab == "replies":
        rows = (
            selectors.for_dispatcher(user, status=AppealStatus.REPLIED)
            .select_related("subject", "lead_unit")
            .order_by("replied_at", "pk")
        )
    elif tab == "warned":
        levels = [warning] if warning else [Warning.RED, Warning.YELLOW]
        rows = (
            selectors.for_dispatcher(user)
            .filter(
                warning__in=levels,
                status__in=[AppealStatus.DISPATCHED, AppealStatus.HANDLING, AppealStatus.REPLIED],
            )
            .select_related("subject", "lead_unit")
            .order_by("due_on", "pk")
        )
    else:
        rows = (
            selectors.for_dispatcher(user, status=AppealStatus.PENDING)
            .select_related("subject", "area", "suspected_duplicate_of")
            .prefetch_related(returned_reasons())
            .order_by("received_at", "pk")
        )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "hotline/workbench/queue.html",
        {
            "page": page,
            "tab": tab,
            "tabs": TABS,
            "counts": _counts(user),
            "warning": warning,
            "warnings": WARNINGS,
        },
    )


# --- suggestions ------------------------------------------------------------------------------


@dataclass
class Suggested:
    """What the screen offers: subjects and units with confidences, best first, and the
    one proposal the dispatcher takes with a key (subject, lead, assisting units)."""

    subjects: list = field(default_factory=list)  # [(Subject, confidence)]
    units: list = field(default_factory=list)  # [(OrgUnit, confidence)]
    subject: object = None
    lead: object = None
    assisting: list = field(default_factory=list)
    given: dict = field(default_factory=dict)  # suggest.Suggestions.as_json()

    def record(self) -> dict:
        """As kept on the appeal (`Appeal.suggestion`), to measure it against the choice."""
        return self.given


def suggestions_for(appeal) -> Suggested:
    """The suggestion for the appeal's text, place and type (suggest.suggest: the routing
    rules, the trained classifier, the subjects' default units)."""
    found = suggest.suggest(appeal.text, area=appeal.area, type=appeal.type)
    subjects = [(s.obj, s.confidence) for s in found.subjects]
    units = [(u.obj, u.confidence) for u in found.units]
    return Suggested(
        subjects=subjects,
        units=units,
        subject=subjects[0][0] if subjects else None,
        lead=units[0][0] if units else None,
        assisting=[a.obj for a in found.assisting],
        given=found.as_json(),
    )


# --- the dispatch screen ------------------------------------------------------------------------


def _next_pending(user, after: Appeal):
    """The next appeal waiting (oldest first) after this one, for "派下一件"."""
    return (
        selectors.for_dispatcher(user, status=AppealStatus.PENDING)
        .exclude(pk=after.pk)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )


def _screen(request, appeal, *, status=200, **extra):
    user = request.user
    suggested = extra.pop("suggested", None) or suggestions_for(appeal)
    units = list(appeal.units.filter(is_current=True).select_related("org"))
    if "form" not in extra:
        lead = next((u.org for u in units if u.role == UnitRole.LEAD), None)
        initial = (
            {
                "subject": appeal.subject_id,
                "lead": lead.pk,
                "assisting": [u.org_id for u in units if u.role == UnitRole.ASSIST],
            }
            if lead is not None
            else {
                "subject": suggested.subject.pk if suggested.subject else None,
                "lead": suggested.lead.pk if suggested.lead else None,
                "assisting": [o.pk for o in suggested.assisting],
            }
        )
        extra["form"] = DispatchForm(initial=initial)
    duplicate = appeal.suspected_duplicate_of
    if (
        duplicate is not None
        and not selectors.for_dispatcher(user).filter(pk=duplicate.pk).exists()
    ):
        duplicate = None
    show_caller = selectors.caller_visible_to(user, appeal)
    history = []
    if show_caller and appeal.phone:
        history = [a for a in selectors.caller_history(appeal.phone, limit=6) if a.pk != appeal.pk]
    context = {
        "appeal": appeal,
        "units": units,
        "suggested": suggested,
        "may_take_suggestion": suggested.subject is not None and suggested.lead is not None,
        "duplicate": duplicate,
        "merge_form": MergeForm(initial={"into": duplicate.number if duplicate else ""}),
        "answer_form": AnswerForm(),
        "may_answer": appeal.type == AppealType.CONSULT and appeal.status == AppealStatus.PENDING,
        "show_caller": show_caller,
        "history": history[:5],
        "returns": list(
            appeal.entries.filter(kind=EntryKind.RETURNED)
            .select_related("org")
            .order_by("-at", "-id")
        ),
        "next_pk": _next_pending(user, appeal),
        **extra,
    }
    return render(request, "hotline/workbench/dispatch.html", context, status=status)


def _dispatchable(request, pk) -> Appeal:
    require_dispatcher(request.user)
    return selectors.load_for(request.user, "hotline.dispatch", pk)


@never_cache
@login_required
def dispatch_screen(request, pk):
    """派单: one appeal, its suggestion and the form; after sending, the next one."""
    appeal = _dispatchable(request, pk)
    if request.method != "POST":
        if appeal.status not in (AppealStatus.PENDING, AppealStatus.DISPATCHED):
            return redirect("hotline_appeal", pk=appeal.pk)
        return _screen(request, appeal)
    form = DispatchForm(request.POST)
    if not form.is_valid():
        return _screen(request, appeal, status=400, form=form, errors=form_problems(form))
    data = form.cleaned_data
    suggested = suggestions_for(appeal)
    try:
        appeal = services.dispatch(
            appeal,
            by=request.user,
            subject=data["subject"],
            lead=data["lead"],
            assisting=data["assisting"],
            note=data["note"],
            suggestion=suggested.record(),
        )
    except ValidationError as exc:
        return _screen(
            request, appeal, status=400, form=form, errors=problems(exc), suggested=suggested
        )
    messages.success(
        request,
        _("已派单：%(number)s → %(unit)s") % {"number": appeal.number, "unit": data["lead"].name},
    )
    following = _next_pending(request.user, appeal)
    if following and request.POST.get("then") != "stay":
        return redirect("hotline_dispatch", pk=following)
    return redirect("hotline_dispatch_queue")


@login_required
@require_POST
def merge(request, pk):
    """合并: a duplicate goes into the appeal it repeats."""
    appeal = _dispatchable(request, pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _screen(request, appeal, status=400, merge_form=form, errors=form_problems(form))
    number = form.cleaned_data["into"]
    target_id = Appeal.id_of_number(number)
    into = selectors.for_dispatcher(request.user).filter(pk=target_id).first()
    if into is not None and into.number != number:  # the id of another day's number
        into = None
    if into is None:
        return _screen(
            request, appeal, status=400, merge_form=form, errors=[_("没有找到这个诉求编号。")]
        )
    try:
        services.merge(appeal, into=into, by=request.user)
    except ValidationError as exc:
        return _screen(request, appeal, status=400, merge_form=form, errors=problems(exc))
    messages.success(
        request, _("已将 %(a)s 合并到 %(b)s。") % {"a": appeal.number, "b": into.number}
    )
    following = _next_pending(request.user, appeal)
    return (
        redirect("hotline_dispatch", pk=following)
        if following
        else redirect("hotline_dispatch_queue")
    )


@login_required
@require_POST
def answer(request, pk):
    """直接办结: a 咨询 the dispatcher answered on the telephone is closed without dispatch."""
    appeal = _dispatchable(request, pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _screen(request, appeal, status=400, answer_form=form, errors=form_problems(form))
    try:
        services.answer_on_spot(appeal, by=request.user, answer=form.cleaned_data["answer"])
    except ValidationError as exc:
        return _screen(request, appeal, status=400, answer_form=form, errors=problems(exc))
    messages.success(request, _("已直接答复办结：%(number)s") % {"number": appeal.number})
    following = _next_pending(request.user, appeal)
    return (
        redirect("hotline_dispatch", pk=following)
        if following
        else redirect("hotline_dispatch_queue")
    )


# --- extensions ---------------------------------------------------------------------------------


def _back(request, default: str) -> str:
    back = request.POST.get("next", "")
    # A path only: redirect() would take anything else for a URL name and fail on it.
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return default


@login_required
@require_POST
def decide_extension(request, pk):
    """The dispatcher approves or refuses a unit's request for more working days."""
    require_dispatcher(request.user)
    extension = get_object_or_404(
        Extension.objects.select_related("appeal"),
        pk=pk,
        appeal__in=selectors.for_dispatcher(request.user).values("pk"),
    )
    default = reverse("hotline_dispatch_queue") + "?tab=extensions"
    form = DecideExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(form_problems(form)))
        return redirect(_back(request, default))
    approve = form.cleaned_data["approve"] == "1"
    try:
        services.decide_extension(
            extension, by=request.user, approve=approve, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, "；".join(problems(exc)))
    else:
        messages.success(
            request,
            _("已批准 %(number)s 延期%(n)d个工作日。")
            % {"number": extension.appeal.number, "n": extension.days}
            if approve
            else _("已不批准 %(number)s 的延期申请。") % {"number": extension.appeal.number},
        )
    return redirect(_back(request, default))

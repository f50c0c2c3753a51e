"""Pages of 好差评: the citizen's rating (logged in, or through the link in the conclusion
notification), and the staff's rectification and rating lists. Thin: selectors read,
services change and check the policy again."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.api.pagination import CappedPaginator
from yiwang.core.xlsx import xlsx_response
from yiwang.identity import policy
from yiwang.journey.cases.models import Case

from . import selectors, services
from .forms import CallbackForm, RatingForm, RespondForm, VerifyForm
from .models import BAD_LEVELS, Level, RectificationStatus, reasons_for

PER_PAGE = 30
EXPORT_ROWS = 10_000  # an Excel download stops here; narrow the dates for more
STATUS_FILTERS = [
    (selectors.OPEN, gettext_lazy("未办结")),
    *RectificationStatus.choices,
    (selectors.ALL, gettext_lazy("全部")),
]
WARNING_FILTERS = [("", gettext_lazy("全部")), ("red", gettext_lazy("红牌：超期"))]
LEVEL_FILTERS = [
    ("", gettext_lazy("全部")),
    ("bad", gettext_lazy("差评（不满意、非常不满意）")),
    *[(str(level.value), level.label) for level in sorted(Level, reverse=True)],
]


def _refusals(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def reason_words(evaluation) -> list[str]:
    labels = dict(reasons_for(evaluation.channel))
    return [str(labels.get(key, key)) for key in evaluation.reasons]


# --- the citizen ----------------------------------------------------------------------------


def _rating_page(request, case, *, action_url, via_link, token=""):
    """The form (GET), or the rating given (POST): the thank-you page, or the form again
    with what is missing."""
    form = RatingForm(request.POST or None, channel=case.channel)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if via_link:
                evaluation = services.rate_by_token(
                    token, level=data["level"], reasons=data["reasons"], comment=data["comment"]
                )
            else:
                evaluation = services.rate(
                    case.pk,
                    by=request.user,
                    level=data["level"],
                    reasons=data["reasons"],
                    comment=data["comment"],
                )
        except ValidationError as exc:
            if exc.code in ("already_rated", "not_concluded", "link_expired", "link_invalid"):
                return _link_problem(request, exc, case=case)
            form.add_refusal(exc)
        else:
            if via_link:
                return _thanks(request, case, evaluation, via_link=True)
            return redirect("rating_thanks", pk=case.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "case": case,
        "form": form,
        "action_url": action_url,
        "via_link": via_link,
        "workdays": settings.YIWANG_RECTIFICATION_WORKDAYS,
        "bad_levels": [int(level) for level in BAD_LEVELS],
    }
    return render(request, "feedback/rate.html", context, status=status)


def _thanks(request, case, evaluation, *, via_link):
    context = {
        "case": case,
        "evaluation": evaluation,
        "via_link": via_link,
        "rectification": getattr(evaluation, "rectification", None) if evaluation.is_bad else None,
        "workdays": settings.YIWANG_RECTIFICATION_WORKDAYS,
    }
    return render(request, "feedback/thanks.html", context)


def _link_problem(request, exc: ValidationError, *, case=None):
    status = {"link_invalid": 404, "link_expired": 410, "already_rated": 409}.get(exc.code, 409)
    context = {"problem": _refusals(exc)[0], "code": exc.code, "case": case}
    return render(request, "feedback/link_problem.html", context, status=status)


def _rateable_case(request, pk) -> Case:
    case = (
        Case.objects.select_related("place", "department", "item_version__item", "applicant")
        .filter(pk=pk)
        .first()
    )
    if case is None or not services.may_rate(request.user, case):
        raise Http404
    return case


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def rate_case(request, pk):
    """评价这次服务 from the case page."""
    case = _rateable_case(request, pk)
    if case.parent_id:
        return redirect("rate_case", pk=case.parent_id)
    if selectors.evaluation_of(case) is not None:
        return redirect("rating_thanks", pk=case.pk)
    try:
        services.check_rateable(case)
    except ValidationError as exc:
        messages.info(request, _refusals(exc)[0])
        return redirect("my_case", pk=case.pk)
    return _rating_page(request, case, action_url=request.path, via_link=False)


@never_cache
@login_required
def rating_thanks(request, pk):
    case = _rateable_case(request, pk)
    evaluation = selectors.evaluation_of(case)
    if evaluation is None:
        return redirect("rate_case", pk=case.pk)
    return _thanks(request, case, evaluation, via_link=False)


@never_cache
@require_http_methods(["GET", "POST"])
def rate_by_link(request, token):
    """The link in the conclusion SMS / e-mail: no login, single use."""
    try:
        case = services.read_token(token)
        services.check_rateable(case)
    except ValidationError as exc:
        return _link_problem(request, exc)
    return _rating_page(request, case, action_url=request.path, via_link=True, token=token)


# --- staff: rectifications ------------------------------------------------------------------


def _require_staff(request) -> None:
    if not policy.can(request.user, "rectification.view"):
        raise Http404


def _choice(value, choices) -> str:
    return value if value in {str(c) for c, _label in choices} else ""


def _rectification_rows(rectifications):
    for r in rectifications.iterator(chunk_size=500):
        evaluation = r.evaluation
        words = evaluation.subject_words()
        yield [
            words["number"],
            words["title"],
            _item_words(evaluation.item),
            r.department.name if r.department else "",
            evaluation.place.name if evaluation.place else "",
            evaluation.get_level_display(),
            evaluation.comment,
            r.created_on,
            r.due_on,
            r.get_status_display(),
            _("红牌：超期") if r.warning == "red" else "",
            r.returned_count,
            r.measures,
            _callback_words(r),
            r.closed_at.astimezone(services.calendar.SHANGHAI).replace(tzinfo=None)
            if r.closed_at
            else None,
        ]


def _item_words(item) -> str:
    if item is None:
        return ""
    return f"{item.code} {item.published.name}" if item.published_id else item.code


def _callback_words(r) -> str:
    if r.callback_at is None:
        return ""
    if not r.callback_reached:
        return _("未联系上")
    return _("满意") if r.callback_satisfied else _("不满意")


RECTIFICATION_HEADERS = [
    gettext_lazy("办件编号"),
    gettext_lazy("申请事项"),
    gettext_lazy("事项"),
    gettext_lazy("整改部门"),
    gettext_lazy("办理地点"),
    gettext_lazy("评价等级"),
    gettext_lazy("评价内容"),
    gettext_lazy("转办日期"),
    gettext_lazy("整改期限"),
    gettext_lazy("状态"),
    gettext_lazy("预警"),
    gettext_lazy("退回次数"),
    gettext_lazy("整改措施"),
    gettext_lazy("回访结果"),
    gettext_lazy("办结时间"),
]


@never_cache
@login_required
def rectification_list(request):
    """差评整改: the department's to-do, the supervisor's watch list."""
    _require_staff(request)
    status = _choice(request.GET.get("status", ""), STATUS_FILTERS)
    warning = _choice(request.GET.get("warning", ""), WARNING_FILTERS)
    rows = selectors.rectifications(request.user, status=status, red=warning == "red")
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            _("差评整改"),
            _("差评整改"),
            RECTIFICATION_HEADERS,
            _rectification_rows(rows[:EXPORT_ROWS]),
        )
    # Like the ratings: count at most a thousand rows per page view, however many there are.
    page = CappedPaginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "warning": warning,
        "status_filters": STATUS_FILTERS,
        "warning_filters": WARNING_FILTERS,
    }
    return render(request, "feedback/rectifications.html", context)


def _rectification_page(request, pk, *, status=200, **extra):
    rectification = selectors.rectification(request.user, pk)
    user = request.user
    state = rectification.status
    may_respond = state == RectificationStatus.OPEN and policy.can(
        user, "rectification.respond", rectification
    )
    may_verify = policy.can(user, "rectification.verify", rectification)
    evaluation = rectification.evaluation
    case = evaluation.case
    # Who is called back: the case's applicant, or the signed-in citizen of a window rating.
    person = case.applicant if case else evaluation.rater
    context = {
        "rectification": rectification,
        "evaluation": evaluation,
        "case": case,
        "scores": [
            (label, evaluation.scores.get(key))
            for key, label in services.indicators_for(evaluation.channel)
            if key in evaluation.scores
        ],
        "reasons": reason_words(evaluation),
        "events": list(selectors.history(rectification)),
        "may_respond": may_respond,
        "may_verify": may_verify and state == RectificationStatus.RESPONDED,
        "may_callback": may_verify and state == RectificationStatus.VERIFIED,
        "subject": evaluation.subject_words(),
        "person": person,
        # The one who calls back needs the number; the department sees it masked.
        "phone": (person.phone if may_verify else person.phone_masked) if person else "",
        "case_visible": case is not None and policy.can(user, "case.view", case),
        "respond_form": RespondForm(),
        "verify_form": VerifyForm(),
        "callback_form": CallbackForm(),
        **extra,
    }
    return render(request, "feedback/rectification.html", context, status=status)


@never_cache
@login_required
def rectification_detail(request, pk):
    _require_staff(request)
    return _rectification_page(request, pk)


def _act(request, pk, form, form_name, act, done_words):
    selectors.rectification(request.user, pk)  # 404 before telling an outsider anything
    if not form.is_valid():
        return _rectification_page(request, pk, status=400, **{form_name: form})
    try:
        act(form)
    except ValidationError as exc:
        return _rectification_page(
            request, pk, status=400, action_errors=_refusals(exc), **{form_name: form}
        )
    messages.success(request, done_words)
    return redirect("rectification_detail", pk=pk)


@login_required
@require_POST
def rectification_respond(request, pk):
    return _act(
        request,
        pk,
        RespondForm(request.POST),
        "respond_form",
        lambda form: services.respond(pk, by=request.user, **form.cleaned_data),
        _("整改情况已反馈，等待电子监察员核实。"),
    )


@login_required
@require_POST
def rectification_verify(request, pk):
    form = VerifyForm(request.POST)
    accept = request.POST.get("decision") == "accept"
    return _act(
        request,
        pk,
        form,
        "verify_form",
        lambda form: services.verify(
            pk, by=request.user, accept=accept, note=form.cleaned_data["note"]
        ),
        _("已通过核实，请回访群众。") if accept else _("已退回部门重新整改。"),
    )


@login_required
@require_POST
def rectification_callback(request, pk):
    return _act(
        request,
        pk,
        CallbackForm(request.POST),
        "callback_form",
        lambda form: services.record_callback(pk, by=request.user, **form.values()),
        _("回访已记录，整改已办结。"),
    )


# --- staff: ratings -------------------------------------------------------------------------


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


EVALUATION_HEADERS = [
    gettext_lazy("评价日期"),
    gettext_lazy("办件编号"),
    gettext_lazy("申请事项"),
    gettext_lazy("事项"),
    gettext_lazy("责任部门"),
    gettext_lazy("办理地点"),
    gettext_lazy("渠道"),
    gettext_lazy("评价等级"),
    gettext_lazy("指标评分"),
    gettext_lazy("不满意的原因"),
    gettext_lazy("评价内容"),
    gettext_lazy("通过短信链接评价"),
]


def _evaluation_rows(evaluations):
    for e in evaluations.iterator(chunk_size=500):
        labels = dict(services.indicators_for(e.channel))
        words = e.subject_words()
        yield [
            e.rated_on,
            words["number"],
            words["title"],
            _item_words(e.item),
            e.department.name if e.department else "",
            e.place.name if e.place else "",
            e.get_channel_display(),
            e.get_level_display(),
            "；".join(f"{labels.get(k, k)} {v}" for k, v in e.scores.items()),
            "、".join(reason_words(e)),
            e.comment,
            _("是") if e.via_link else _("否"),
        ]


@never_cache
@login_required
def evaluation_list(request):
    """好差评 given on the services the user may see."""
    _require_staff(request)
    level = _choice(request.GET.get("level", ""), LEVEL_FILTERS)
    date_from, date_to = _date(request.GET.get("from")), _date(request.GET.get("to"))
    rows = selectors.evaluations(
        request.user,
        level=int(level) if level.isdigit() else None,
        bad=True if level == "bad" else None,
        date_from=date_from,
        date_to=date_to,
    )
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            _("好差评"), _("好差评"), EVALUATION_HEADERS, _evaluation_rows(rows[:EXPORT_ROWS])
        )
    # Ratings grow with every case: count at most a thousand rows per page view.
    page = CappedPaginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "level": level,
        "level_filters": LEVEL_FILTERS,
        "date_from": date_from,
        "date_to": date_to,
    }
    return render(request, "feedback/evaluations.html", context)

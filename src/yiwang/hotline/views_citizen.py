"""The citizen's 12345 pages (docs/hotline.md, "Citizens and the message board"): filing an
appeal on the web (我要反映问题), "my appeals" with each appeal's public timeline, its reply
and the rating, withdrawing one not yet handled, and tracking an appeal by its number and
phone for callers without an account.

Citizens are often elderly and on phones: plain words, big targets, one thing per screen.
Thin: every change goes through services.py, every read of an appeal through selectors.py,
which check who may see it — another citizen's appeal is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.core.middleware import client_ip

from . import selectors, services, subjects
from .forms_citizen import (
    NUMBER_MAX,
    AppealForm,
    RateForm,
    TrackedRateForm,
    TrackForm,
    WithdrawForm,
    areas,
)
from .models import Appeal, AppealStatus, Channel, EntryKind, Satisfaction

APPEALS_PER_PAGE = 10

# Tracking by number and phone: a number's phone must not be found by trying (GB/T 35273
# §7: personal information only to its subject). Attempts per client address and per
# number in a fixed window, as identity's password reset counts them.
TRACK_WINDOW_SECONDS = 3600
TRACK_PER_IP = 20
TRACK_PER_NUMBER = 5
TRACKED_SESSION_KEY = "hotline_tracked"
TRACKED_KEEP = 5

# The status in the citizen's words, and the badge's tone (the case pages' colours).
STATUS_WORDS = {
    AppealStatus.PENDING: (gettext_lazy("已收到，正在分派给办理单位"), "wait"),
    AppealStatus.DISPATCHED: (gettext_lazy("已转交办理单位"), "wait"),
    AppealStatus.HANDLING: (gettext_lazy("正在办理"), "wait"),
    AppealStatus.REPLIED: (gettext_lazy("办理单位已答复，正在审核"), "wait"),
    AppealStatus.ANSWERED: (gettext_lazy("已答复，请您评价"), "act"),
    AppealStatus.CLOSED: (gettext_lazy("已办结"), "ok"),
    AppealStatus.MERGED: (gettext_lazy("已与相同的诉求合并办理"), "end"),
    AppealStatus.WITHDRAWN: (gettext_lazy("已撤回"), "end"),
}

# The timeline in the citizen's words. Only these kinds are shown, and only those in
# ENTRY_TEXT with their text: selectors.timeline(public=True) already leaves out internal
# lines; this keeps a unit's reply before review, a return's reason or a note between
# staff off the page even if a line of those kinds were ever written as public.
ENTRY_WORDS = {
    EntryKind.RECEIVED: gettext_lazy("收到您的诉求"),
    EntryKind.ANSWERED_ON_SPOT: gettext_lazy("当场答复，已办结"),
    EntryKind.MERGED: gettext_lazy("与相同的诉求合并办理"),
    EntryKind.DISPATCHED: gettext_lazy("转交办理单位"),
    EntryKind.ACCEPTED: gettext_lazy("办理单位已接收"),
    EntryKind.EXTENSION_DECIDED: gettext_lazy("办理期限调整"),
    EntryKind.REPLY_APPROVED: gettext_lazy("答复您"),
    EntryKind.RATED: gettext_lazy("您的评价"),
    EntryKind.REOPENED: gettext_lazy("重新办理"),
    EntryKind.CALLBACK: gettext_lazy("电话回访"),
    EntryKind.CLOSED: gettext_lazy("办结"),
    EntryKind.WITHDRAWN: gettext_lazy("撤回"),
    EntryKind.SUPERVISED: gettext_lazy("督促办理"),
    EntryKind.PUBLISHED: gettext_lazy("在网上留言板公开"),
}
ENTRY_TEXT = {EntryKind.REPLY_APPROVED, EntryKind.RATED, EntryKind.WITHDRAWN}

# A citizen may withdraw an appeal no unit has started on (docs/hotline.md).
WITHDRAWABLE = {AppealStatus.PENDING, AppealStatus.DISPATCHED}


def describe(appeal: Appeal) -> Appeal:
    """The status words and tone on the appeal, for the templates."""
    appeal.status_words, appeal.status_tone = STATUS_WORDS.get(
        appeal.status, (appeal.get_status_display(), "wait")
    )
    return appeal


def public_timeline(appeal: Appeal, *, shown_reply: str = "") -> list[dict]:
    """What the citizen sees of the appeal's timeline (selectors.timeline, public). An
    approved reply's text is shown, except the one the page shows as the answer already."""
    lines = []
    for entry in selectors.timeline(appeal, public=True):
        if entry.internal or entry.kind not in ENTRY_WORDS:
            continue
        lines.append(
            {
                "at": entry.at,
                "words": ENTRY_WORDS[entry.kind],
                "kind": entry.kind,
                "org": entry.org.name if entry.org_id and entry.org else "",
                "text": entry.text
                if entry.kind in ENTRY_TEXT and not (shown_reply and entry.text == shown_reply)
                else "",
            }
        )
    return lines


reply_shown = selectors.reply_shown


def errors_into(form, refused: ValidationError) -> None:
    """A service's refusal shown on the form: under the field it names when the form has
    it, else at the top."""
    if hasattr(refused, "error_dict"):
        for field, errors in refused.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                for message in error.messages:
                    form.add_error(target, message)
    else:
        for message in refused.messages:
            form.add_error(None, message)


def _leaves():
    return list(subjects.leaves())


# --- filing ---------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def new_appeal(request):
    """我要反映问题: the form; on success the confirmation page with the number."""
    leaves, units = _leaves(), areas()
    if request.method == "POST":
        form = AppealForm(request.POST, request.FILES, leaves=leaves, units=units)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appeal = services.record_appeal(
                    by=request.user,
                    citizen=request.user,
                    channel=Channel.WEB,
                    type=data["type"],
                    subject=form.chosen_subject(),
                    area=form.chosen_area(),
                    address=data["address"],
                    text=data["text"],
                    phone=data["phone"],
                    caller_name=request.user.real_name or "",
                    confidential=data["confidential"],
                    attachments=data["attachments"],
                )
            except ValidationError as refused:
                errors_into(form, refused)
            else:
                return redirect("hotline_filed", number=appeal.number)
        status = 400
    else:
        form = AppealForm(initial={"phone": request.user.phone}, leaves=leaves, units=units)
        status = 200
    return render(request, "hotline/citizen/new.html", {"form": form}, status=status)


@never_cache
@login_required
def filed(request, number):
    """The confirmation: the number to keep, and what happens next."""
    appeal = describe(selectors.appeal_for_citizen(request.user, number))
    return render(request, "hotline/citizen/filed.html", {"appeal": appeal})


# --- my appeals -----------------------------------------------------------------------------


@never_cache
@login_required
def my_appeals(request):
    appeals = (
        Appeal.objects.filter(citizen=request.user)
        .select_related("subject")
        .order_by("-received_at", "-id")
    )
    page = Paginator(appeals, APPEALS_PER_PAGE).get_page(request.GET.get("page"))
    for appeal in page.object_list:
        describe(appeal)
    return render(request, "hotline/citizen/my_appeals.html", {"page": page})


def _mine(request, appeal, *, rate_form=None, withdraw_form=None, status=200):
    describe(appeal)
    shown = reply_shown(appeal)
    context = {
        "failed_form": rate_form or withdraw_form,
        "appeal": appeal,
        "timeline": public_timeline(appeal, shown_reply=appeal.reply if shown else ""),
        "show_reply": shown,
        "attachments": list(appeal.attachments.order_by("id")),
        "may_rate": appeal.status == AppealStatus.ANSWERED,
        "rate_form": rate_form or RateForm(),
        "may_withdraw": appeal.status in WITHDRAWABLE,
        "withdraw_form": withdraw_form or WithdrawForm(),
        "handled_again": appeal.reopened > 0 and appeal.is_open,
        "rated_words": Satisfaction(appeal.satisfaction).label if appeal.satisfaction else "",
    }
    return render(request, "hotline/citizen/appeal.html", context, status=status)


@never_cache
@login_required
def my_appeal(request, number):
    return _mine(request, selectors.appeal_for_citizen(request.user, number))


def _rated_message(appeal) -> str:
    if appeal.is_open:
        return _("已收到您的评价。您不满意，诉求已重新交给办理单位办理，办好后会再答复您。")
    return _("感谢您的评价！诉求已办结。")


@login_required
@require_POST
def rate(request, number):
    appeal = selectors.appeal_for_citizen(request.user, number)
    form = RateForm(request.POST)
    if appeal.status != AppealStatus.ANSWERED:
        form.add_error(None, _("这件诉求还没有答复，答复以后才能评价。"))
    elif form.is_valid():
        try:
            rated = services.rate(
                appeal,
                satisfaction=form.cleaned_data["satisfaction"],
                by=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as refused:
            errors_into(form, refused)
        else:
            messages.success(request, _rated_message(rated))
            return redirect("hotline_my_appeal", number=number)
    appeal = selectors.appeal_for_citizen(request.user, number)
    return _mine(request, appeal, rate_form=form, status=400)


@login_required
@require_POST
def withdraw(request, number):
    appeal = selectors.appeal_for_citizen(request.user, number)
    form = WithdrawForm(request.POST)
    if appeal.status not in WITHDRAWABLE:
        form.add_error(None, _("办理单位已经开始办理，不能撤回了。如有需要请拨打12345。"))
    elif form.is_valid():
        try:
            services.withdraw(appeal, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as refused:
            errors_into(form, refused)
        else:
            messages.success(request, _("诉求已撤回。"))
            return redirect("hotline_my_appeal", number=number)
    appeal = selectors.appeal_for_citizen(request.user, number)
    return _mine(request, appeal, withdraw_form=form, status=400)


# --- tracking without an account --------------------------------------------------------------


def _over_limit(key: str, limit: int) -> bool:
    """Count one attempt in a fixed window of the cache (shared by every process when the
    cache is Redis)."""
    cache.add(key, 0, TRACK_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, TRACK_WINDOW_SECONDS)
        count = 1
    return count > limit


def _throttled(request, number: str) -> bool:
    ip = client_ip(request)
    by_ip = bool(ip) and _over_limit(f"yiwang:hotline:track:ip:{ip}", TRACK_PER_IP)
    appeal_id = Appeal.id_of_number(number)
    by_number = appeal_id is not None and _over_limit(
        f"yiwang:hotline:track:number:{appeal_id}", TRACK_PER_NUMBER
    )
    return by_ip or by_number


def _remember(request, appeal) -> None:
    tracked = [pk for pk in request.session.get(TRACKED_SESSION_KEY, []) if pk != appeal.pk]
    request.session[TRACKED_SESSION_KEY] = [appeal.pk, *tracked][:TRACKED_KEEP]


def _tracked(request, number) -> Appeal:
    """The appeal this browser proved it may follow (number and phone), else a 404."""
    appeal_id = Appeal.id_of_number(number)
    if appeal_id is None or appeal_id not in request.session.get(TRACKED_SESSION_KEY, []):
        raise Http404
    appeal = Appeal.objects.select_related("subject", "lead_unit").filter(pk=appeal_id).first()
    if appeal is None or appeal.number != number:
        raise Http404
    return appeal


@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    """查询诉求: number and phone. A wrong pair and a number that does not exist get the
    same answer, so the page tells nothing about whose number it is."""
    if request.method == "GET":
        # The text message's link names the number (services.TRACK_LINK).
        number = str(request.GET.get("number") or "")[:NUMBER_MAX]
        form = TrackForm(initial={"number": number} if number.isdigit() else {})
        return render(request, "hotline/citizen/track.html", {"form": form})
    form = TrackForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["number"].strip()
        if _throttled(request, number):
            form.add_error(None, _("查询太频繁了，请一小时后再试，或拨打12345查询。"))
        else:
            appeal = selectors.appeal_for_tracking(number, form.cleaned_data["phone"])
            if appeal is not None:
                _remember(request, appeal)
                return redirect("hotline_tracked", number=appeal.number)
            form.add_error(
                None,
                _("没有找到这个编号和手机号码对应的诉求。请核对编号和登记时留的手机号码。"),
            )
    return render(request, "hotline/citizen/track.html", {"form": form}, status=400)


def _tracked_page(request, appeal, *, rate_form=None, status=200):
    describe(appeal)
    shown = reply_shown(appeal)
    context = {
        "failed_form": rate_form,
        "appeal": appeal,
        "timeline": public_timeline(appeal, shown_reply=appeal.reply if shown else ""),
        "show_reply": shown,
        "may_rate": appeal.status == AppealStatus.ANSWERED,
        "rate_form": rate_form or TrackedRateForm(),
        "handled_again": appeal.reopened > 0 and appeal.is_open,
        "rated_words": Satisfaction(appeal.satisfaction).label if appeal.satisfaction else "",
    }
    return render(request, "hotline/citizen/tracked.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def tracked(request, number):
    """The appeal found by tracking: its public timeline and reply; the rating needs the
    tracking key (查询码) the caller was given, which proves the appeal is theirs."""
    appeal = _tracked(request, number)
    if request.method == "GET":
        return _tracked_page(request, appeal)
    form = TrackedRateForm(request.POST)
    if appeal.status != AppealStatus.ANSWERED:
        form.add_error(None, _("这件诉求还没有答复，答复以后才能评价。"))
    elif form.is_valid():
        key = form.cleaned_data["key"].strip()
        if _throttled(request, number):
            form.add_error(None, _("尝试太频繁了，请一小时后再试，或拨打12345评价。"))
        elif selectors.appeal_by_token(number, key) is None:
            form.add_error("key", _("查询码不对，请核对后再填。"))
        else:
            try:
                rated = services.rate(
                    appeal,
                    satisfaction=form.cleaned_data["satisfaction"],
                    token=key,
                    note=form.cleaned_data["note"],
                )
            except (PermissionDenied, Http404):
                form.add_error("key", _("查询码不对，请核对后再填。"))
            except ValidationError as refused:
                errors_into(form, refused)
            else:
                messages.success(request, _rated_message(rated))
                return redirect("hotline_tracked", number=number)
    return _tracked_page(request, _tracked(request, number), rate_form=form, status=400)

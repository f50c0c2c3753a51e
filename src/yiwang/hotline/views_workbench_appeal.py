"""The units' pages (承办人, docs/hotline.md "Dispatching and handling") and the staff page
of one appeal: the unit's queue — to sign for within the 签收 limit, to handle by the due
date — and the appeal with everything its viewer may see (the whole timeline with internal
entries, the units and their parts, attachments) and the actions open to them: sign for it,
return it (退单), a note, an assisting unit's opinion, an extension, the reply; for the
dispatcher the review of a reply and the decision on an extension. A confidential 举报's
caller is never shown to a handling unit (selectors.caller_visible_to)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yiwang.core import files
from yiwang.identity import policy

from . import selectors, services
from .forms_workbench import (
    ExtensionRequestForm,
    ReasonForm,
    ReviewForm,
    TextForm,
)
from .models import (
    AppealStatus,
    Attachment,
    ExtensionStatus,
    UnitRole,
    UnitStatus,
)
from .views_workbench import PER_PAGE, current_units, form_problems, problems

UNIT_TABS = [
    (AppealStatus.DISPATCHED, gettext_lazy("待签收")),
    (AppealStatus.HANDLING, gettext_lazy("办理中")),
    (AppealStatus.REPLIED, gettext_lazy("待审核")),
]
OPINION_LABEL = gettext_lazy("协办意见")
NOTE_LABEL = gettext_lazy("内部备注")
REPLY_LABEL = gettext_lazy("答复内容")


def my_parts(user, parts) -> list:
    """The current parts (AppealUnit rows) of an appeal that are the user's unit's."""
    return [part for part in parts if policy.can(user, "hotline.handle", part)]


def _require_handler(user) -> None:
    if not policy.can(user, "hotline.handle"):
        raise Http404


@never_cache
@login_required
def unit_queue(request):
    """本单位诉求: to sign for, being handled, waiting for the dispatcher's review."""
    user = request.user
    _require_handler(user)
    tab = request.GET.get("tab", "")
    tab = tab if tab in dict(UNIT_TABS) else AppealStatus.DISPATCHED
    counts = selectors.for_unit(user).aggregate(
        **{str(value): Count("pk", filter=Q(status=value)) for value, _label in UNIT_TABS}
    )
    order = ("accept_by", "pk") if tab == AppealStatus.DISPATCHED else ("due_on", "pk")
    rows = (
        selectors.for_unit(user, status=tab)
        .select_related("subject", "area")
        .prefetch_related(current_units())
        .order_by(*order)
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for appeal in page.object_list:
        appeal.my_parts = my_parts(user, appeal.current_units)
    return render(
        request,
        "hotline/workbench/unit_queue.html",
        {"page": page, "tab": tab, "tabs": UNIT_TABS, "counts": counts},
    )


# --- the appeal page ----------------------------------------------------------------------------


def _page(request, pk, *, status=200, **extra):
    user = request.user
    # "hotline.note": the staff who may see it — never the citizen who filed it, whose
    # own page (urls_citizen) leaves out the internal entries.
    appeal = selectors.load_for(user, "hotline.note", pk)
    parts = list(appeal.units.select_related("org").order_by("-is_current", "-role", "id"))
    current = [p for p in parts if p.is_current]
    mine = my_parts(user, current)
    lead_part = next((p for p in mine if p.role == UnitRole.LEAD), None)
    assist_part = next((p for p in mine if p.role == UnitRole.ASSIST), None)
    extensions = list(appeal.extensions.select_related("requested_by", "decided_by"))
    pending_extension = next((e for e in extensions if e.status == ExtensionStatus.PENDING), None)
    dispatcher = policy.can(user, "hotline.dispatch", appeal)
    handling = appeal.status == AppealStatus.HANDLING
    to_sign = [p for p in mine if p.status == UnitStatus.DISPATCHED]
    review_form = extra.pop("review_form", None)
    if review_form is None and dispatcher and appeal.status == AppealStatus.REPLIED:
        review_form = ReviewForm(initial={"public_reply": _public_reply(appeal)})
    context = {
        "appeal": appeal,
        "parts": parts,
        "current": current,
        "mine": mine,
        "timeline": selectors.timeline(appeal, public=False),
        "attachments": list(appeal.attachments.order_by("pk")),
        "show_caller": selectors.caller_visible_to(user, appeal),
        "extensions": extensions,
        "pending_extension": pending_extension,
        "dispatcher": dispatcher,
        "may_dispatch": dispatcher
        and appeal.status in (AppealStatus.PENDING, AppealStatus.DISPATCHED),
        "may_review": dispatcher and appeal.status == AppealStatus.REPLIED,
        "may_decide_extension": dispatcher and pending_extension is not None,
        "to_sign": to_sign,
        "may_reply": lead_part is not None and lead_part.status == UnitStatus.ACCEPTED and handling,
        "may_extend": lead_part is not None
        and lead_part.status == UnitStatus.ACCEPTED
        and handling
        and pending_extension is None,
        "may_opinion": assist_part is not None
        and assist_part.status in (UnitStatus.ACCEPTED, UnitStatus.REPLIED)
        and appeal.is_open,
        "may_note": appeal.is_open and (dispatcher or bool(mine)),
        "review_form": review_form,
        "return_form": extra.pop("return_form", None) or ReasonForm(),
        "note_form": extra.pop("note_form", None) or TextForm(label=NOTE_LABEL, prefix="note"),
        "opinion_form": extra.pop("opinion_form", None)
        or TextForm(label=OPINION_LABEL, prefix="opinion"),
        "reply_form": extra.pop("reply_form", None)
        or TextForm(label=REPLY_LABEL, prefix="reply", initial={"text": appeal.reply}),
        "extension_form": extra.pop("extension_form", None) or ExtensionRequestForm(),
        **extra,
    }
    return render(request, "hotline/workbench/appeal.html", context, status=status)


def _public_reply(appeal) -> str:
    """The board's public reply to start from: the one kept, or the reply masked."""
    if not appeal.board_kind:
        return ""
    if appeal.public_reply:
        return appeal.public_reply
    from . import masking

    return masking.mask(appeal.reply)


@never_cache
@login_required
def appeal_page(request, pk):
    return _page(request, pk)


def _act(request, pk, action, done, *, form_name=None, form=None):
    """Run a service for the appeal page; a refusal shows the page again, nothing changed."""
    try:
        action()
    except ValidationError as exc:
        extra = {"errors": problems(exc)}
        if form_name:
            extra[form_name] = form
        return _page(request, pk, status=400, **extra)
    messages.success(request, done)
    return redirect("hotline_appeal", pk=pk)


def _load(request, pk, action):
    """The appeal for a POST: a 404 to anyone who may not see it."""
    return selectors.load_for(request.user, action, pk)


@login_required
@require_POST
def accept(request, pk):
    appeal = _load(request, pk, "hotline.handle")
    done = _("已签收：%(number)s，请在办理期限内答复。") % {"number": appeal.number}
    response = _act(request, pk, lambda: services.accept(appeal, by=request.user), done)
    if response.status_code == 302 and request.POST.get("next") == "queue":
        return redirect("hotline_unit_queue")
    return response


@login_required
@require_POST
def return_appeal(request, pk):
    """退单: the lead unit sends it back to the dispatcher with a reason."""
    appeal = _load(request, pk, "hotline.handle")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _page(request, pk, status=400, return_form=form, errors=form_problems(form))
    response = _act(
        request,
        pk,
        lambda: services.return_appeal(appeal, by=request.user, reason=form.cleaned_data["reason"]),
        _("已退单：%(number)s 已退回派单员。") % {"number": appeal.number},
        form_name="return_form",
        form=form,
    )
    if response.status_code == 302:  # after a return the unit no longer sees the appeal
        return redirect("hotline_unit_queue")
    return response


def _text_action(request, pk, *, action, service, prefix, label, form_name, done):
    appeal = _load(request, pk, action)
    form = TextForm(request.POST, label=label, prefix=prefix)
    if not form.is_valid():
        return _page(request, pk, status=400, errors=form_problems(form), **{form_name: form})
    text = form.cleaned_data["text"]
    return _act(
        request,
        pk,
        lambda: service(appeal, by=request.user, text=text),
        done,
        form_name=form_name,
        form=form,
    )


@login_required
@require_POST
def note(request, pk):
    return _text_action(
        request,
        pk,
        action="hotline.note",
        service=services.add_note,
        prefix="note",
        label=NOTE_LABEL,
        form_name="note_form",
        done=_("已添加内部备注（诉求人看不到）。"),
    )


@login_required
@require_POST
def opinion(request, pk):
    return _text_action(
        request,
        pk,
        action="hotline.handle",
        service=services.add_opinion,
        prefix="opinion",
        label=OPINION_LABEL,
        form_name="opinion_form",
        done=_("协办意见已提交给主办单位。"),
    )


@login_required
@require_POST
def reply(request, pk):
    return _text_action(
        request,
        pk,
        action="hotline.handle",
        service=services.reply,
        prefix="reply",
        label=REPLY_LABEL,
        form_name="reply_form",
        done=_("答复已提交，派单员审核后告知诉求人。"),
    )


@login_required
@require_POST
def request_extension(request, pk):
    appeal = _load(request, pk, "hotline.handle")
    form = ExtensionRequestForm(request.POST)
    if not form.is_valid():
        return _page(request, pk, status=400, extension_form=form, errors=form_problems(form))
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda: services.request_extension(
            appeal, by=request.user, days=data["days"], reason=data["reason"]
        ),
        _("延期申请已提交，等待派单员审批。"),
        form_name="extension_form",
        form=form,
    )


@login_required
@require_POST
def review(request, pk):
    """The dispatcher approves the unit's reply (the citizen sees it) or sends it back."""
    appeal = _load(request, pk, "hotline.dispatch")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _page(request, pk, status=400, review_form=form, errors=form_problems(form))
    data = form.cleaned_data
    approve = data["decision"] == "approve"
    public_reply = data["public_reply"] if appeal.board_kind and data["public_reply"] else None
    response = _act(
        request,
        pk,
        lambda: services.review_reply(
            appeal, by=request.user, approve=approve, note=data["note"], public_reply=public_reply
        ),
        _("已审核通过，答复已告知诉求人：%(number)s") % {"number": appeal.number}
        if approve
        else _("已退回承办单位重新答复：%(number)s") % {"number": appeal.number},
        form_name="review_form",
        form=form,
    )
    if response.status_code == 302:
        return redirect(reverse("hotline_dispatch_queue") + "?tab=replies")
    return response


# --- attachments ----------------------------------------------------------------------------------


@login_required
def attachment(request, pk):
    """An appeal's file, only to those who may see the appeal; always a download, sandboxed
    (core.files), never from a public URL."""
    stored = get_object_or_404(
        Attachment.objects.only("pk", "appeal_id", "file", "name", "content_type"), pk=pk
    )
    selectors.load_for(request.user, "hotline.note", stored.appeal_id)
    try:
        handle = stored.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=stored.content_type or "application/octet-stream",
        as_attachment=True,
        filename=stored.name,
    )
    return files.sandboxed(response)

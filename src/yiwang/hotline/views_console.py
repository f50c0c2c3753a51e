"""The 12345 agent's console (话务员工作台) and the return-call list (回访) — docs/hotline.md,
"The agent's console".

One screen, keyboard first: the caller's phone, then type, subject, area or address and the
text; beside the form the caller's history (as soon as the number is a valid one) and the
knowledge base, searched as the agent types. Saving records the appeal (services.
record_appeal, channel phone) and answers with its number; a 咨询 answered from an article
is recorded and closed in one step (services.answer_on_spot), or neither.

Thin: the services validate, authorise and change; this module reads what was typed, shows
their refusals in the user's language (status 400, nothing changed) and never a 500. Without
JavaScript the page is a plain form: the "查询来电" button shows the history and the
articles for what is typed so far."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yiwang.identity import policy
from yiwang.identity.validators import validate_phone

from . import knowledge, selectors, services
from . import selectors_console as reads
from .models import Appeal, AppealType, Article, Channel, Satisfaction

PER_PAGE = 20
HISTORY_LIMIT = 10
ARTICLES = 5
QUERY_MAX = 200  # characters of the text the knowledge base is searched with


class ConsoleForm(forms.Form):
    """What the agent typed. The pickers' text is resolved to a subject and an area here;
    everything else is checked again by services.record_appeal."""

    phone = forms.CharField(label=gettext_lazy("来电号码"), max_length=40)
    caller_name = forms.CharField(
        label=gettext_lazy("来电人姓名（选填）"), max_length=50, required=False
    )
    type = forms.ChoiceField(label=gettext_lazy("诉求类型"), choices=AppealType.choices)
    subject = forms.CharField(label=gettext_lazy("诉求分类"), max_length=150, required=False)
    area = forms.CharField(label=gettext_lazy("所在街道/社区"), max_length=200, required=False)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=300, required=False)
    text = forms.CharField(label=gettext_lazy("诉求内容"), max_length=5000)
    confidential = forms.BooleanField(
        label=gettext_lazy("保密（举报人信息不向承办单位公开）"), required=False
    )

    def clean_phone(self):
        return validate_phone(self.cleaned_data["phone"])

    def clean_subject(self):
        raw = self.cleaned_data["subject"]
        if not raw:
            return None
        subject = reads.subject_from(raw)
        if subject is None:
            raise ValidationError(
                _("请从列表中选择二级诉求分类（可输入编码、名称或关键词查找）。"),
                code="unknown_subject",
            )
        return subject

    def clean_area(self):
        raw = self.cleaned_data["area"]
        if not raw:
            return None
        area = reads.area_from(raw)
        if area is None:
            raise ValidationError(
                _("请从列表中选择街道或社区，或留空并填写地址。"), code="unknown_area"
            )
        return area

    def clean(self):
        data = super().clean()
        if data.get("confidential") and data.get("type") not in (None, AppealType.REPORT):
            self.add_error(
                "confidential", _("只有举报可以保密。请把诉求类型改为“举报”或取消保密。")
            )
        return data


def _appeal_url(pk) -> str:
    """The staff appeal page (the workbench's)."""
    return reverse("hotline_appeal", args=[pk])


def _with_urls(appeals):
    appeals = list(appeals)
    for appeal in appeals:
        appeal.url = _appeal_url(appeal.pk)
    return appeals


def _phone_or_none(raw) -> str | None:
    try:
        return validate_phone(raw)
    except ValidationError:
        return None


def _history(raw_phone) -> dict:
    """The history panel's context: the caller's past appeals once the number is valid."""
    phone = _phone_or_none(raw_phone) if raw_phone else None
    history = _with_urls(selectors.caller_history(phone, limit=HISTORY_LIMIT)) if phone else None
    return {"phone": phone, "history": history, "phone_typed": bool(raw_phone)}


def _query(raw) -> str:
    """The text to search the knowledge base with: printable characters only, clipped."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(raw or "")[: QUERY_MAX * 2])
    return " ".join(text.split())[:QUERY_MAX]


def _knowledge(raw_text, raw_type="", raw_subject="") -> dict:
    """The knowledge panel's context: the articles that best answer the text (within the
    chosen subject first), and whether a 咨询 may be closed with one."""
    query = _query(raw_text)
    articles = []
    if len(query) >= 2:
        subject = reads.subject_from(_query(raw_subject)) if raw_subject else None
        if subject is not None:
            articles = list(knowledge.search(query, subject=subject, limit=ARTICLES))
        if not articles:
            articles = list(knowledge.search(query, limit=ARTICLES))
    return {
        "query": query,
        "articles": articles,
        "may_answer": raw_type == AppealType.CONSULT,
    }


def _recorded(request):
    """The appeal this agent just recorded (?recorded=<id>), to read its number out."""
    raw = request.GET.get("recorded", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        return None
    appeal = (
        Appeal.objects.select_related("subject", "suspected_duplicate_of")
        .filter(pk=int(raw), recorded_by=request.user)
        .first()
    )
    if appeal is not None:
        appeal.url = _appeal_url(appeal.pk)
        duplicate = appeal.suspected_duplicate_of
        if duplicate is not None:
            duplicate.url = _appeal_url(duplicate.pk)
    return appeal


def _context(request, form, *, lookup=False) -> dict:
    value = form["phone"].value() or ""
    text = form["text"].value() or ""
    context = {
        "form": form,
        "subjects": reads.subject_choices(),
        "areas": reads.area_choices(),
        "today_count": reads.recorded_today(request.user).count(),
        # The cursor: on the first field refused, else on the phone for the next call.
        "focus": next((name for name in form.fields if name in form.errors), "phone"),
        **_history(value),
    }
    # The panels are filled on the server when asked without JavaScript, after a refusal,
    # and when a page opens with a number (a screen pop: ?phone=…).
    if lookup or text:
        context.update(_knowledge(text, form["type"].value() or "", form["subject"].value()))
    return context


def _initial(source) -> dict:
    keys = ("phone", "caller_name", "type", "subject", "area", "address", "text")
    initial = {key: str(source.get(key, ""))[:5000] for key in keys if source.get(key)}
    initial["confidential"] = bool(source.get("confidential"))
    return initial


@never_cache
@login_required
def console(request):
    """GET: the empty form (or one prefilled with ?phone=, for a telephony screen pop), and
    the result of the last call recorded (?recorded=). POST: record, or with `lookup` only
    show the history and articles (no JavaScript)."""
    policy.require(request.user, "hotline.record")
    if request.method == "POST":
        if "lookup" in request.POST:
            form = ConsoleForm(initial=_initial(request.POST))
            return render(
                request, "hotline/console/console.html", _context(request, form, lookup=True)
            )
        return _record(request)
    form = ConsoleForm(initial=_initial({"phone": request.GET.get("phone", "")[:40]}))
    context = _context(request, form)
    context["recorded"] = _recorded(request)
    return render(request, "hotline/console/console.html", context)


def _article(raw) -> Article | None:
    raw = str(raw or "")
    if not raw:
        return None
    article = None
    if raw.isascii() and raw.isdigit() and len(raw) <= 12:
        article = Article.objects.filter(pk=int(raw), is_active=True).first()
    if article is None:
        raise ValidationError(_("没有找到这篇知识库文章，请重新选择。"), code="unknown_article")
    return article


def _refuse(form, exc: ValidationError) -> None:
    """Put a service's refusal on the field it names, or above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _record(request):
    form = ConsoleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            article = _article(request.POST.get("article"))
            if article is not None and data["type"] != AppealType.CONSULT:
                raise ValidationError(
                    _("只有咨询可以用知识库直接答复办结。"), code="answer_not_consult"
                )
            # Recorded and answered together, or neither: a refused answer leaves no appeal.
            with transaction.atomic():
                appeal = services.record_appeal(
                    by=request.user,
                    type=data["type"],
                    text=data["text"],
                    channel=Channel.PHONE,
                    subject=data["subject"],
                    area=data["area"],
                    address=data["address"],
                    caller_name=data["caller_name"],
                    phone=data["phone"],
                    confidential=data["confidential"],
                )
                if article is not None:
                    appeal = services.answer_on_spot(
                        appeal, by=request.user, answer=article.answer, article=article
                    )
        except ValidationError as exc:  # a TransitionError too
            _refuse(form, exc)
        else:
            return redirect(f"{reverse('hotline_console')}?recorded={appeal.pk}")
    return render(request, "hotline/console/console.html", _context(request, form), status=400)


@never_cache
@login_required
def history(request):
    """The caller's history panel alone (htmx, as the phone is typed)."""
    policy.require(request.user, "hotline.record")
    return render(
        request, "hotline/console/_history.html", _history(request.GET.get("phone", "")[:40])
    )


@never_cache
@login_required
def articles(request):
    """The knowledge panel alone (htmx, as the text is typed)."""
    policy.require(request.user, "hotline.record")
    get = request.GET
    return render(
        request,
        "hotline/console/_knowledge.html",
        _knowledge(get.get("text", ""), get.get("type", ""), get.get("subject", "")),
    )


@never_cache
@login_required
def mine(request):
    """今日登记: the appeals this agent recorded today."""
    policy.require(request.user, "hotline.record")
    page = Paginator(reads.recorded_today(request.user), PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _with_urls(page.object_list)
    return render(request, "hotline/console/mine.html", {"page": page})


# Return calls (回访) ----------------------------------------------------------------------


class CallbackForm(forms.Form):
    reached = forms.TypedChoiceField(
        label=gettext_lazy("是否接通"),
        choices=[("yes", gettext_lazy("已接通")), ("no", gettext_lazy("未接通"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("满意度"),
        choices=[("", gettext_lazy("（未评价）")), *Satisfaction.choices],
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("回访记录"), max_length=2000, required=False)

    def clean(self):
        data = super().clean()
        if data.get("reached") is False and data.get("satisfaction"):
            self.add_error("satisfaction", _("未接通时不能记录满意度。"))
        return data


def _callback_rows(request, page, *, failed=None, form=None):
    rows = []
    for appeal in page.object_list:
        appeal.url = _appeal_url(appeal.pk)
        appeal.may_see_caller = selectors.caller_visible_to(request.user, appeal)
        if failed is not None and appeal.pk == failed:
            rows.append((appeal, form))
        else:
            rows.append((appeal, CallbackForm(prefix=f"c{appeal.pk}")))
    return rows


def _callback_page(request, *, failed=None, form=None, status=200):
    page = Paginator(reads.awaiting_callback(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "rows": _callback_rows(request, page, failed=failed, form=form),
        # The refusal also above the list: the row may be on another page, or gone.
        "errors": [m for errors in form.errors.values() for m in errors] if form else [],
    }
    return render(request, "hotline/console/callbacks.html", context, status=status)


@never_cache
@login_required
def callbacks(request):
    """待回访: answered appeals awaiting a return call, each with its form."""
    policy.require(request.user, "hotline.callback")
    return _callback_page(request)


@login_required
@require_POST
def callback(request, pk):
    """Record one return call (services.record_callback); back to the list."""
    policy.require(request.user, "hotline.callback")
    appeal = selectors.load_for(request.user, "hotline.callback", pk)
    form = CallbackForm(request.POST, prefix=f"c{appeal.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_callback(
                appeal,
                by=request.user,
                reached=data["reached"],
                satisfaction=data["satisfaction"],
                note=data["note"],
            )
        except ValidationError as exc:  # a TransitionError too
            _refuse(form, exc)
        else:
            if data["reached"]:
                done = _("已记录对%(number)s的回访。") % {"number": appeal.number}
            else:
                done = _("已记录%(number)s回访未接通，稍后再拨。") % {"number": appeal.number}
            messages.success(request, done)
            url = reverse("hotline_callbacks")
            page = request.GET.get("page", "")
            if page.isascii() and page.isdigit() and len(page) < 6:
                url += f"?page={page}"
            return redirect(url)
    return _callback_page(request, failed=appeal.pk, form=form, status=400)

"""The knowledge base's pages (docs/hotline.md, "The knowledge base").

Staff (`hotline.knowledge_read`: agents, dispatchers, handlers, supervisors) read the list,
the articles with their versions and the as-you-type search fragment the agent console
loads; dispatchers and the owner unit's handlers (`hotline.knowledge`) write, edit, retire,
restore and mark articles reviewed. Citizens read the active articles on 常见问题
(/hotline/faq/). Thin: each form POSTs to its own view, which calls knowledge.py; a refusal
comes back as the form with its problems (400), a success as a redirect."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from yiwang.identity import policy

from . import knowledge
from .knowledge_forms import ArticleForm, FilterForm, RetireForm, ReviewedForm
from .knowledge_rules import MAINTAIN, READ
from .models import Article

PAGE_SIZE = 30
FRAGMENT_LIMIT = 8
EXCERPT_CHARS = 80


def _reader(request) -> None:
    if not policy.can(request.user, READ):
        raise PermissionDenied


def _articles():
    return Article.objects.select_related(
        "subject", "subject__parent", "item", "item__published", "owner"
    )


def _article(request, pk, action: str = READ) -> Article:
    article = get_object_or_404(_articles(), pk=pk)
    policy.require(request.user, action, article)
    return article


def _page_number(request) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 1


def excerpt(answer: str, query: str = "", size: int = EXCERPT_CHARS) -> str:
    """A piece of the answer: from a little before the first word of the query it holds,
    else its beginning."""
    start = 0
    for word in knowledge.query_words(query):
        found = answer.find(word)
        if found >= 0:
            start = max(0, found - 20)
            break
    piece = answer[start : start + size]
    return ("…" if start else "") + piece + ("…" if start + size < len(answer) else "")


def _refused(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- staff: list, detail ----------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def article_list(request):
    _reader(request)
    form = FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    query = knowledge.normalise_query(filters.get("q", ""))
    subject = filters.get("subject") or None
    rows = _articles()
    state = filters.get("state", "")
    if state == "retired":
        rows = rows.filter(is_active=False)
    elif state == "due":
        rows = knowledge.due_for_review(rows)
    elif state != "all":
        rows = rows.filter(is_active=True)
    if filters.get("owner"):
        rows = rows.filter(owner=filters["owner"])
    if query:
        ids = knowledge.search_ids(query, subject=subject, limit=knowledge.MAX_LIMIT)
        found = rows.in_bulk(ids)
        articles = [found[pk] for pk in ids if pk in found]
    else:
        if subject:
            rows = rows.filter(Q(subject__code=subject) | Q(subject__parent__code=subject))
        if state != "due":
            rows = rows.order_by("subject__position", "subject__code", "pk")
        articles = rows
    page = Paginator(articles, PAGE_SIZE).get_page(_page_number(request))
    kept = request.GET.copy()
    kept.pop("page", None)
    return render(
        request,
        "hotline/knowledge/list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "querystring": kept.urlencode(),
            "may_write": policy.can(request.user, MAINTAIN),
            "due_count": knowledge.due_for_review().count(),
        },
    )


@never_cache
@login_required
@require_GET
def due_list(request):
    """到期待复核: the active articles whose review date has come, the oldest first; the ones
    the user maintains carry the form that marks them reviewed."""
    _reader(request)
    rows = knowledge.due_for_review(_articles())
    page = Paginator(rows, PAGE_SIZE).get_page(_page_number(request))
    default_next = knowledge.today() + datetime.timedelta(days=knowledge.REVIEW_DAYS)
    entries = [
        (article, policy.can(request.user, MAINTAIN, article)) for article in page.object_list
    ]
    return render(
        request,
        "hotline/knowledge/due.html",
        {
            "page": page,
            "entries": entries,
            "default_next": default_next,
            "today": knowledge.today(),
        },
    )


def _detail(request, article, *, status=200, reviewed_form=None, retire_form=None):
    return render(
        request,
        "hotline/knowledge/detail.html",
        {
            "article": article,
            "versions": list(knowledge.versions(article)),
            "may_write": policy.can(request.user, MAINTAIN, article),
            "reviewed_form": reviewed_form
            or ReviewedForm(
                initial={
                    "next_review_on": knowledge.today()
                    + datetime.timedelta(days=knowledge.REVIEW_DAYS)
                }
            ),
            "retire_form": retire_form or RetireForm(),
            "due": article.is_active
            and (article.review_on is None or article.review_on <= knowledge.today()),
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def article_detail(request, pk):
    return _detail(request, _article(request, pk))


# --- staff: write, edit, retire, restore, reviewed ------------------------------------------


def _values(form) -> dict:
    data = form.cleaned_data
    return {
        "subject": data["subject"],
        "question": data["question"],
        "answer": data["answer"],
        "item": data["item"],
        "owner": data["owner"],
    }


@never_cache
@login_required
def article_create(request):
    if not policy.can(request.user, MAINTAIN):
        raise PermissionDenied
    form = ArticleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                article = knowledge.create_article(
                    by=request.user, review_on=form.cleaned_data["review_on"], **_values(form)
                )
            except ValidationError as exc:
                _refused(form, exc)
            except PermissionDenied:
                form.add_error("owner", _("您只能为本单位编写文章，请把负责单位选为您所在的单位。"))
            else:
                messages.success(request, _("文章已保存。"))
                return redirect("hotline_knowledge_article", pk=article.pk)
    return render(
        request, "hotline/knowledge/form.html", {"form": form, "article": None}, status=status
    )


@never_cache
@login_required
def article_edit(request, pk):
    article = _article(request, pk, MAINTAIN)
    if request.method != "POST":
        form = ArticleForm(
            initial={
                "subject": article.subject.code,
                "question": article.question,
                "answer": article.answer,
                "item": article.item.code if article.item_id else "",
                "owner": article.owner_id,
                "review_on": article.review_on,
                "version": article.version,
            }
        )
        return render(request, "hotline/knowledge/form.html", {"form": form, "article": article})
    form = ArticleForm(request.POST)
    if form.is_valid():
        review_on = form.cleaned_data["review_on"]
        if review_on is None or review_on == article.review_on:
            # Left as it was (a date already past is why the article is due).
            review_on = knowledge.UNCHANGED
        try:
            knowledge.edit_article(
                article,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                review_on=review_on,
                **_values(form),
            )
        except ValidationError as exc:
            _refused(form, exc)
        except PermissionDenied:
            form.add_error("owner", _("您不能把文章交给您无权维护的单位。"))
        else:
            messages.success(request, _("修改已保存。"))
            return redirect("hotline_knowledge_article", pk=article.pk)
    return render(
        request, "hotline/knowledge/form.html", {"form": form, "article": article}, status=400
    )


@login_required
@require_POST
def article_retire(request, pk):
    article = _article(request, pk, MAINTAIN)
    form = RetireForm(request.POST)
    if form.is_valid():
        try:
            knowledge.retire_article(article, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("文章已停用，话务员和群众不会再搜到它。"))
        return redirect("hotline_knowledge_article", pk=article.pk)
    return _detail(request, article, status=400, retire_form=form)


@login_required
@require_POST
def article_restore(request, pk):
    article = _article(request, pk, MAINTAIN)
    try:
        knowledge.restore_article(article, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("文章已重新启用。"))
    return redirect("hotline_knowledge_article", pk=article.pk)


@login_required
@require_POST
def article_reviewed(request, pk):
    article = _article(request, pk, MAINTAIN)
    form = ReviewedForm(request.POST)
    if form.is_valid():
        try:
            knowledge.mark_reviewed(
                article, by=request.user, next_review_on=form.cleaned_data["next_review_on"]
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已记录复核，下次复核日期已更新。"))
            back = request.POST.get("next", "")
            if back == "due":
                return redirect("hotline_knowledge_due")
            return redirect("hotline_knowledge_article", pk=article.pk)
    return _detail(request, article, status=400, reviewed_form=form)


# --- the search fragment the console loads ----------------------------------------------------


def _card(article: Article, query: str) -> dict:
    item = article.item
    name = item.published.name if item and item.published_id else ""
    return {
        "id": article.pk,
        "version": article.version,
        "question": article.question,
        "answer": article.answer,
        "excerpt": excerpt(article.answer, query),
        "subject": {"code": article.subject.code, "name": article.subject.name},
        "item": (
            {
                "code": item.code,
                "name": name,
                "url": reverse("item_guide", args=[item.code]) if name else "",
            }
            if item
            else None
        ),
        "url": reverse("hotline_knowledge_article", args=[article.pk]),
    }


@never_cache
@login_required
@require_GET
def search_fragment(request):
    """GET ?q=…[&subject=CODE][&format=json]: the best articles for what the agent typed,
    as an HTML fragment (for htmx) or JSON. An empty or unusable query is an empty list."""
    _reader(request)
    query = knowledge.normalise_query(request.GET.get("q", ""))
    subject = knowledge.normalise_query(request.GET.get("subject", ""))[:20] or None
    articles = knowledge.search(query, subject=subject, limit=FRAGMENT_LIMIT) if query else []
    cards = [_card(a, query) for a in articles]
    if request.GET.get("format") == "json":
        return JsonResponse({"query": query, "results": cards})
    return render(request, "hotline/knowledge/_results.html", {"cards": cards, "query": query})


# --- citizens: 常见问题 -------------------------------------------------------------------------


@require_GET
def faq(request):
    """常见问题: the active articles, searched or grouped by subject."""
    query = knowledge.normalise_query(request.GET.get("q", ""))
    if query:
        articles = knowledge.search(query, limit=20)
        groups = []
    else:
        articles = []
        groups = {}
        for article in (
            _articles()
            .filter(is_active=True)
            .order_by("subject__parent__position", "subject__position", "pk")
        ):
            groups.setdefault(article.subject.parent or article.subject, []).append(article)
        groups = list(groups.items())
    return render(
        request,
        "hotline/knowledge/faq.html",
        {"query": query, "articles": articles, "groups": groups, "searched": bool(query)},
    )


@require_GET
def faq_article(request, pk):
    article = _articles().filter(pk=pk, is_active=True).first()
    if article is None:
        raise Http404
    return render(request, "hotline/knowledge/faq_article.html", {"article": article})

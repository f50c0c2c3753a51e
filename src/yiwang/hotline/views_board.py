"""网上留言板 (docs/hotline.md, "Citizens and the message board"): the published posts,
newest first, searchable and filtered by kind and unit; one post with its reply; posting
(signed in); and each unit's average answer time and satisfaction.

Only what review published is shown: `public_text` and `public_reply`, masked by
masking.mask when the reply was approved (services.review_reply), and the title masked
here — never the raw text, the caller or the phone. A post that is not published is a 404."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from yiwang.catalog.search import text as search_text
from yiwang.core.limits import CONTROL_CHARS
from yiwang.identity.models import OrgKind, OrgUnit

from . import masking, services
from .forms_citizen import TYPE_OF_BOARD_KIND, BoardPostForm, areas
from .models import Appeal, BoardKind, Channel, Satisfaction
from .views_citizen import errors_into

POSTS_PER_PAGE = 20
LAST_PAGE = 500  # deeper than anyone reads; past it the answer is the last page's "nothing"
QUERY_MAX = 50
MAX_TERMS = 5
SNIPPET = 80
STATS_DAYS = 365
GOOD = [Satisfaction.SATISFIED, Satisfaction.BASIC]


def published():
    """The board's posts: published (the partial index appeal_board_idx), newest first."""
    return Appeal.objects.filter(published_at__isnull=False).order_by("-published_at", "-id")


def search_terms(query: str) -> list[str]:
    """The words of a query, as the catalogue's search cuts them (jieba in search mode,
    with its dictionary: 垃圾清运 → 垃圾, 清运, 垃圾清运), without question words (我要,
    怎么办 …). The shortest words are kept — a longer word holding one of them adds
    nothing, and 垃圾没有清运 should match 垃圾清运 —, single characters only when nothing
    longer is left, at most MAX_TERMS."""
    query = CONTROL_CHARS.sub(" ", str(query or ""))[:QUERY_MAX]
    stop = search_text.stopwords()
    words = {w for w in search_text.segment(query) if w and w not in stop}
    if any(len(w) > 1 for w in words):
        words = {w for w in words if len(w) > 1}
    chosen: list[str] = []
    for word in sorted(words, key=lambda w: (len(w), w)):
        if not any(shorter in word for shorter in chosen):
            chosen.append(word)
    return chosen[:MAX_TERMS]


def matching(posts, terms: list[str]):
    """Posts whose published text or reply holds every term. The raw title is not
    searched: a name or a phone number in it would be found by a search for it, though
    the page shows it masked."""
    for term in terms:
        posts = posts.filter(Q(public_text__icontains=term) | Q(public_reply__icontains=term))
    return posts


def _page_number(value) -> int:
    value = str(value or "")
    if not (value.isascii() and value.isdigit()) or len(value) > 4:
        return 1
    return min(max(int(value), 1), LAST_PAGE)


def _as_post(appeal: Appeal) -> Appeal:
    appeal.masked_title = masking.mask(appeal.title) if appeal.title else ""
    appeal.snippet = appeal.public_text[:SNIPPET] + (
        "…" if len(appeal.public_text) > SNIPPET else ""
    )
    return appeal


def _units_to_filter():
    """The units a post can be answered by: departments and street offices (a small table,
    not a scan of the posts)."""
    return list(
        OrgUnit.objects.filter(
            kind__in=[OrgKind.DEPARTMENT, OrgKind.STREET], is_active=True
        ).order_by("path")
    )


def board(request):
    """The posts, 20 a page. No total is counted: a search's count would read every
    matching post; the page asks for one more post than it shows to know there is a next."""
    query = str(request.GET.get("q") or "").strip()[:QUERY_MAX]
    kind = request.GET.get("kind") or ""
    unit_code = str(request.GET.get("unit") or "")[:64]
    posts = published().select_related("lead_unit")
    if kind in BoardKind.values:
        posts = posts.filter(board_kind=kind)
    else:
        kind = ""
    units = _units_to_filter()
    unit = next((u for u in units if u.code == unit_code), None)
    if unit is not None:
        posts = posts.filter(lead_unit=unit)
    terms = search_terms(query) if query else []
    if terms:
        posts = matching(posts, terms)
    number = _page_number(request.GET.get("page"))
    start = (number - 1) * POSTS_PER_PAGE
    rows = list(posts[start : start + POSTS_PER_PAGE + 1])
    filters = {"q": query, "kind": kind, "unit": unit.code if unit else ""}
    return render(
        request,
        "hotline/board/board.html",
        {
            "posts": [_as_post(p) for p in rows[:POSTS_PER_PAGE]],
            "page_number": number,
            "has_next": len(rows) > POSTS_PER_PAGE and number < LAST_PAGE,
            "has_previous": number > 1,
            "query": query,
            "terms": terms,
            "kind": kind,
            "kinds": BoardKind.choices,
            "units": units,
            "unit": unit,
            "filters": {k: v for k, v in filters.items() if v},
        },
    )


def post(request, number):
    """One published post: the masked question and the masked reply."""
    appeal_id = Appeal.id_of_number(number)
    appeal = (
        published().select_related("lead_unit", "area").filter(pk=appeal_id).first()
        if appeal_id is not None
        else None
    )
    if appeal is None or appeal.number != number:
        raise Http404
    return render(request, "hotline/board/post.html", {"post": _as_post(appeal)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def new_post(request):
    """我要留言: published only once the reply has been reviewed, masked (said on the form)."""
    units = areas()
    if request.method == "POST":
        form = BoardPostForm(request.POST, units=units)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appeal = services.record_appeal(
                    by=request.user,
                    citizen=request.user,
                    channel=Channel.BOARD,
                    type=TYPE_OF_BOARD_KIND[data["board_kind"]],
                    board_kind=data["board_kind"],
                    title=data["title"],
                    text=data["text"],
                    area=form.chosen_area(),
                    phone=data["phone"],
                    caller_name=request.user.real_name or "",
                )
            except ValidationError as refused:
                errors_into(form, refused)
            else:
                return redirect("hotline_filed", number=appeal.number)
        status = 400
    else:
        form = BoardPostForm(initial={"phone": request.user.phone}, units=units)
        status = 200
    return render(request, "hotline/board/new.html", {"form": form}, status=status)


def unit_figures(*, since: datetime.datetime) -> list[dict]:
    """Each lead unit's appeals answered since `since` (received then or later): how many,
    the average time from received to answered, and of those rated the share 满意 or
    基本满意. One aggregate query, grouped by unit."""
    took = ExpressionWrapper(F("answered_at") - F("received_at"), output_field=DurationField())
    rows = (
        Appeal.objects.filter(
            received_at__gte=since, answered_at__isnull=False, lead_unit__isnull=False
        )
        .values("lead_unit__code", "lead_unit__name", "lead_unit__path")
        .annotate(
            answered=Count("id"),
            took=Avg(took),
            rated=Count("id", filter=~Q(satisfaction="")),
            pleased=Count("id", filter=Q(satisfaction__in=GOOD)),
        )
        .order_by("lead_unit__path")
    )
    figures = []
    for row in rows:
        hours = row["took"].total_seconds() / 3600 if row["took"] is not None else None
        figures.append(
            {
                "code": row["lead_unit__code"],
                "name": row["lead_unit__name"],
                "answered": row["answered"],
                "hours": hours,
                "days": hours / 24 if hours is not None else None,
                "rated": row["rated"],
                "pleased": row["pleased"],
                "share": row["pleased"] * 100 / row["rated"] if row["rated"] else None,
            }
        )
    return figures


def units(request):
    """各单位答复情况: the last STATS_DAYS days."""
    since = timezone.now() - datetime.timedelta(days=STATS_DAYS)
    return render(
        request,
        "hotline/board/units.html",
        {"figures": unit_figures(since=since), "days": STATS_DAYS},
    )

"""The public pages of the frame (home, search), the page modes, and the error pages."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiwang.catalog.search import log as search_log
from yiwang.identity.models import OrgKind, OrgUnit

from .context_processors import ELDERLY_SESSION_KEY
from .forms import SearchFilterForm


def _service_points():
    # Public directory data: names, addresses, phones and hours of places citizens can visit.
    return OrgUnit.objects.filter(kind=OrgKind.SERVICE_CENTRE, is_active=True).order_by("path")


@login_required
def staff_landing(request):
    """Staff arrive here after signing in and go on to the queue they use most."""
    from . import landing

    return redirect(landing.queue_for(request.user) or "workbench")


def home(request):
    from yiwang.catalog.views import home_sections

    return render(
        request,
        "web/home.html",
        {"service_points": _service_points(), "catalogue": home_sections(request)},
    )


SEARCH_PAGE_SIZE = 20
SUGGESTIONS = 6
HOTLINE = "12345"
EXAMPLES = ["残疾证怎么办", "开饭店要什么证", "给孩子上户口", "个体户执照", "社保卡丢了"]


def _matching_orgs(query: str, limit: int):
    condition = Q()
    for term in query.split():
        condition &= Q(name__icontains=term) | Q(address__icontains=term)
    return list(
        OrgUnit.objects.filter(
            condition, kind__in=[OrgKind.DEPARTMENT, OrgKind.SERVICE_CENTRE], is_active=True
        ).order_by("path")[:limit]
    )


def search(request):
    """Item search for citizens' own words, with filters; when nothing is found, a way on:
    corrected spelling, hot items, themes, matching service points and the 12345 hotline."""
    from yiwang.catalog import selectors
    from yiwang.catalog.api import versions_in_order
    from yiwang.catalog.search.query import Filters, search

    form = SearchFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    query = (data.get("q") or "").strip()
    filters = Filters(
        theme=data.get("theme"),
        department=data.get("department") or None,
        level=data.get("level") or None,
        audience=data.get("audience") or None,
    )
    outcome = search(query, filters) if (query or filters) else None
    page = items = None
    bundles = related = more = []
    if outcome is not None:
        page = Paginator(outcome.ids, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
        items = versions_in_order(page.object_list)
        if page.number == 1:  # bundles a life event matches come before the items
            bundles = _bundles_in_order(outcome.bundles)
            related = _bundles_in_order(outcome.related_bundles)
        if not page.has_next():  # the weaker results, folded under 更多相关 after the last
            more = versions_in_order(outcome.more)
        if query and "page" not in request.GET:
            search_log.record_search(query, len(outcome.ids) + len(bundles) + len(related))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "query": query,
        "site_query": query,
        "form": form,
        "filtered": bool(filters),
        "outcome": outcome,
        "page": page,
        "items": items,
        "bundles": bundles,
        "related_bundles": related,
        "more": more,
        "via": f"{reverse('search_go')}?{urlencode({'q': query})}&" if query else "",
        "querystring": params.urlencode(),
        "orgs": _matching_orgs(query, 6) if query else [],
        "hotline": HOTLINE,
        "examples": EXAMPLES,
    }
    if not items and not bundles:
        context["hot_items"] = selectors.hot(8)
        context["themes"] = [t for t in selectors.themes_with_counts() if t.item_count]
    return render(request, "web/search.html", context)


def _bundles_in_order(ids):
    from yiwang.catalog import selectors

    by_id = {b.pk: b for b in selectors.bundles().filter(pk__in=ids)} if ids else {}
    return [by_id[pk] for pk in ids if pk in by_id]


def search_go(request):
    """A search result opened: counted for the query (no user, digits masked), then on to the
    item's guide or the bundle's page."""
    from yiwang.catalog.models import Bundle, ServiceItem

    query = request.GET.get("q", "")
    if code := request.GET.get("item"):
        if not ServiceItem.objects.filter(code=code, published__isnull=False).exists():
            raise Http404
        target = reverse("item_guide", args=[code])
    elif code := request.GET.get("bundle"):
        if not Bundle.objects.filter(code=code, is_active=True).exists():
            raise Http404
        target = reverse("bundle_detail", args=[code])
    else:
        raise Http404
    if query.strip():
        search_log.record_click(query)
    return redirect(target)


def search_suggest(request):
    """The header box's suggestions as you type (htmx fetches this fragment)."""
    from yiwang.catalog.api import versions_in_order
    from yiwang.catalog.search.query import MAX_QUERY, search

    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    items = versions_in_order(search(query).ids[:SUGGESTIONS]) if query else []
    return render(request, "web/_suggestions.html", {"query": query, "items": items})


def _back(request):
    for candidate in (request.POST.get("next"), request.headers.get("referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return "home"


@require_POST
def toggle_elderly(request):
    """适老化 mode: larger type, higher contrast, simpler layout; kept in the session."""
    request.session[ELDERLY_SESSION_KEY] = not request.session.get(ELDERLY_SESSION_KEY, False)
    return redirect(_back(request))


@require_POST
@login_required
def keepalive(request):
    # Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) restarts its clock.
    return HttpResponse(status=204)


# --- error pages --------------------------------------------------------------------------
# Under /api/ every error answers in the API's own format (problem+json), never a page.


def _api_problem(request, status: int, code: str, detail: str):
    from yiwang.api import problems

    from .middleware import is_api

    return problems.problem(status, code, detail) if is_api(request) else None


def bad_request(request, exception=None):
    return _api_problem(request, 400, "bad_request", _("请求格式有误。")) or render(
        request, "web/400.html", status=400
    )


def permission_denied(request, exception=None):
    return _api_problem(request, 403, "permission_denied", _("您没有权限执行此操作。")) or render(
        request, "web/403.html", status=403
    )


def page_not_found(request, exception=None):
    return _api_problem(request, 404, "not_found", _("请求的资源不存在。")) or render(
        request, "web/404.html", status=404
    )


def server_error(request):
    problem = _api_problem(
        request, 500, "server_error", _("系统暂时出了问题，请稍后再试，或拨打 12345。")
    )
    # No request context: the database or a context processor may be what failed.
    return problem or HttpResponseServerError(
        loader.get_template("web/500.html").render({"minimal": True})
    )


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the API's session clients get a problem, pages Django's page."""
    from django.views.csrf import csrf_failure as page

    return _api_problem(
        request, 403, "csrf_failed", _("CSRF 校验失败：请刷新页面后重试，或使用令牌认证。")
    ) or page(request, reason=reason)

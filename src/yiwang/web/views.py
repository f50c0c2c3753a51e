"""The public pages of the frame (home, search), the page modes, and the error pages."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from yiwang.identity.models import OrgKind, OrgUnit

from .context_processors import ELDERLY_SESSION_KEY

SEARCH_LIMIT = 50


def _service_points():
    # Public directory data: names, addresses, phones and hours of places citizens can visit.
    return OrgUnit.objects.filter(kind=OrgKind.SERVICE_CENTRE, is_active=True).order_by("path")


def home(request):
    return render(request, "web/home.html", {"service_points": _service_points()})


def search(request):
    query = request.GET.get("q", "").strip()[:100]
    results = []
    if query:
        terms = query.split()
        condition = Q()
        for term in terms:
            condition &= Q(name__icontains=term) | Q(address__icontains=term)
        results = list(
            OrgUnit.objects.filter(
                condition,
                kind__in=[OrgKind.DEPARTMENT, OrgKind.SERVICE_CENTRE],
                is_active=True,
            ).order_by("path")[:SEARCH_LIMIT]
        )
    return render(
        request,
        "web/search.html",
        {"query": query, "site_query": query, "results": results, "limit": SEARCH_LIMIT},
    )


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


def bad_request(request, exception=None):
    return render(request, "web/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "web/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "web/404.html", status=404)


def server_error(request):
    # No request context: the database or a context processor may be what failed.
    return HttpResponseServerError(loader.get_template("web/500.html").render({"minimal": True}))

"""The citizen-facing catalogue: the portal home's sections, item guides (page, PDF, history,
form downloads), 一件事 bundles and browsing by theme, department and level.

Every page of the published catalogue is rendered once per catalogue generation and then
served from the cache; publishing bumps the generation (catalog.cache), so a citizen never
reads a guide that is no longer in force."""

from pathlib import PurePath

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yiwang.core import files
from yiwang.identity.models import OrgKind, OrgLevel, OrgUnit

from . import cache as catalog_cache
from . import documents, selectors
from .models import Attachment, Audience, Bundle, ItemVersion, Theme, VersionStatus

PAGE_SIZE = 20
# Generations make entries stale at once; the timeout only bounds how long an orphan lives.
FRAGMENT_TIMEOUT = 60 * 60
VISIBLE_STATUSES = [VersionStatus.PUBLISHED, VersionStatus.RETIRED]


def _cached(parts, build):
    """`build()` once per catalogue generation and language; returns what it built. A build
    may return None to say "do not cache this one" (an out-of-range page, say)."""
    key = catalog_cache.key("portal", get_language(), *parts)
    entry = cache.get(key)
    if entry is None:
        entry, cacheable = build()
        if cacheable:
            cache.set(key, entry, FRAGMENT_TIMEOUT)
    return entry


def _fragment(request, template, parts, build_context):
    """A rendered page body and its title, cached. The body must not depend on who is
    looking (no csrf token, no user): it is shared by every visitor."""

    def build():
        context = build_context()
        cacheable = context.pop("cacheable", True)
        html = render_to_string(template, context, request)
        return {"title": str(context.get("title", "")), "html": str(html)}, cacheable

    return _cached(parts, build)


def _page(request, fragment, *, status=200):
    return render(
        request,
        "catalog/portal/page.html",
        # The body is our own template's output, escaped when it was rendered.
        {"title": fragment["title"], "body": mark_safe(fragment["html"])},  # noqa: S308
        status=status,
    )


# --- portal home ------------------------------------------------------------------------------

LEVELS = [OrgLevel.DISTRICT, OrgLevel.STREET, OrgLevel.COMMUNITY]


def home_sections(request) -> str:
    """The catalogue part of the portal home (web.views.home shows it with the service
    points): hot items, themes for persons and for enterprises, departments, levels and
    一件事 bundles."""

    def build():
        themes = [t for t in selectors.themes_with_counts() if t.item_count]
        counts = selectors.level_counts()
        return {
            "hot": list(selectors.hot()),
            "person_themes": [t for t in themes if t.audience == Audience.PERSON],
            "enterprise_themes": [t for t in themes if t.audience == Audience.ENTERPRISE],
            "departments": selectors.departments_with_counts(),
            "levels": [(level, counts.get(level, 0)) for level in LEVELS],
            "bundles": list(selectors.bundles()),
        }

    fragment = _fragment(request, "catalog/portal/_home_sections.html", ["home"], build)
    return mark_safe(fragment["html"])  # noqa: S308 — our own template, escaped when rendered


# --- item guide -------------------------------------------------------------------------------


def _url_or_none(name, *args):
    """A button for a page that a later issue adds shows only once that page exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _guide_context(version: ItemVersion, *, historical: bool = False) -> dict:
    code = version.item.code
    places = list(version.places.all())
    can_apply_online = version.online_depth >= 3 and not historical
    return {
        "title": version.name,
        "version": version,
        "code": code,
        "historical": historical,
        "themes": list(version.themes.all()),
        "implementing_orgs": list(version.implementing_orgs.all()),
        "places": places,
        "materials": list(version.materials.all()),
        "steps": list(version.steps.all()),
        "faqs": list(version.faqs.all()),
        "guide_steps": list(version.guide_steps.all()),
        "apply_url": _url_or_none("apply_item", code) if can_apply_online else None,
        "booking_url": (
            _url_or_none("book_appointment", code)
            if version.appointment and not historical
            else None
        ),
        "booking_phone": next((p.phone for p in places if p.phone), ""),
        "history": [v for v in selectors.history(code) if v.status in VISIBLE_STATUSES],
    }


def item_guide(request, code):
    def build():
        try:
            version = selectors.guide(code)
        except ItemVersion.DoesNotExist:
            raise Http404(_("没有找到这个事项，或它已停止办理。")) from None
        return _guide_context(version)

    return _page(request, _fragment(request, "catalog/portal/guide.html", ["guide", code], build))


def item_version(request, code, number):
    """An earlier version, read-only: what applied to cases filed while it was in force."""
    status = (
        ItemVersion.objects.filter(item__code=code, number=number)
        .values_list("status", flat=True)
        .first()
    )
    if status == VersionStatus.PUBLISHED:
        return redirect("item_guide", code=code)
    if status != VersionStatus.RETIRED:
        raise Http404  # drafts and versions under review are not public

    def build():
        return _guide_context(selectors.version_guide(code, number), historical=True)

    return _page(
        request,
        _fragment(request, "catalog/portal/guide.html", ["version", code, number], build),
    )


def item_guide_pdf(request, code):
    def build():
        try:
            version = selectors.guide(code)
        except ItemVersion.DoesNotExist:
            raise Http404 from None
        return documents.guide_pdf(version), True

    pdf = _cached(["guide-pdf", code], build)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, f"{code}-{_('办事指南')}.pdf"
    )
    return files.sandboxed(response, private=False)


def attachment_download(request, pk):
    """A blank form or sample of a public guide version, streamed through Django (no
    public media URL exists)."""
    attachment = get_object_or_404(
        Attachment.objects.select_related("material__version"),
        pk=pk,
        material__version__status__in=VISIBLE_STATUSES,
    )
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    suffix = PurePath(attachment.file.name).suffix
    response = FileResponse(handle, as_attachment=True, filename=f"{attachment.title}{suffix}")
    return files.sandboxed(response, private=False)


# --- bundles ----------------------------------------------------------------------------------


def bundle_list(request):
    def build():
        return {"title": _("一件事一次办"), "bundles": list(selectors.bundles())}

    return _page(request, _fragment(request, "catalog/portal/bundle_list.html", ["bundles"], build))


def bundle_detail(request, code):
    def build():
        try:
            view = selectors.bundle(code)
        except Bundle.DoesNotExist:
            raise Http404 from None
        return {"title": view.bundle.name, "view": view}

    return _page(
        request, _fragment(request, "catalog/portal/bundle_detail.html", ["bundle", code], build)
    )


# --- browsing ---------------------------------------------------------------------------------


def _listing(request, parts, *, title, intro, queryset_factory, crumb=""):
    raw = request.GET.get("page") or "1"
    page_key = raw if raw.isdigit() and len(raw) <= 4 else "invalid"

    def build():
        page = Paginator(queryset_factory(), PAGE_SIZE).get_page(raw)
        return {
            "title": str(title),
            "intro": intro,
            "crumb": crumb,
            "page": page,
            "items": list(page.object_list),
            # Only the page that was asked for is shared; a fallback page is not cached.
            "cacheable": str(page.number) == raw,
        }

    return _page(
        request,
        _fragment(request, "catalog/portal/listing.html", [*parts, page_key], build),
    )


def theme_items(request, pk):
    theme = get_object_or_404(Theme, pk=pk)
    return _listing(
        request,
        ["theme", theme.pk],
        title=_("主题：%(name)s") % {"name": theme.name},
        intro=(_("个人办事") if theme.audience == Audience.PERSON else _("企业和单位办事")),
        queryset_factory=lambda: selectors.for_listing(selectors.published().filter(themes=theme)),
    )


def department_items(request, code):
    department = get_object_or_404(OrgUnit, code=code, kind=OrgKind.DEPARTMENT)
    return _listing(
        request,
        ["department", code],
        title=department.name,
        intro=_("由%(name)s主管的办事事项") % {"name": department.name},
        queryset_factory=lambda: selectors.for_listing(
            selectors.published().filter(department=department)
        ),
    )


def level_items(request, level):
    if level not in OrgLevel.values:
        raise Http404
    from .templatetags.catalog_words import level_place

    label = OrgLevel(level).label
    return _listing(
        request,
        ["level", level],
        title=_("%(level)s事项") % {"level": label},
        intro=level_place(level),
        queryset_factory=lambda: selectors.for_listing(selectors.published().filter(level=level)),
    )

"""我的证照: the holder's wallet (list, detail, PDF, share links) and the page a third party
opens behind a share link. The wallet shows only the holder's side — an outsider, staff
included, gets a 404 for someone else's licence."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.core import files, links

from . import documents, selectors, services
from .forms import ShareForm
from .models import License, ShareLink
from .views import TONES, verification_context

NEW_LINK_KEY = "yiwang_new_share_link"


def _licence(request, pk) -> License:
    try:
        return selectors.wallet_licence(request.user, pk)
    except License.DoesNotExist:
        raise Http404 from None


def share_url(request, token: str) -> str:
    return links.absolute(reverse("license_share", args=[token]))


@never_cache
@login_required
def wallet(request):
    today = timezone.localdate()
    groups: dict[str, list] = {}
    for licence in selectors.wallet(request.user):
        holder = licence.holder_enterprise.name if licence.holder_enterprise_id else ""
        status = licence.status_on(today)
        groups.setdefault(holder, []).append((licence, status, TONES[status]))
    return render(
        request,
        "licenses/wallet/list.html",
        {
            "mine": groups.pop("", []),
            "enterprises": sorted(groups.items()),
            "in_making": selectors.in_making(request.user),
        },
    )


def _detail(request, licence, *, revealed=False, new_link=None, form=None, status=200):
    today = timezone.localdate()
    state = licence.status_on(today)
    links = list(selectors.share_links(licence))
    now = timezone.now()
    fields = services.holder_fields(licence, revealed=revealed)
    return render(
        request,
        "licenses/wallet/detail.html",
        {
            "licence": licence,
            "state": state,
            "tone": TONES[state],
            "fields": fields,
            "has_secret": any(secret for _name, _value, secret in fields),
            "revealed": revealed,
            "links": [(link, link.state_on(now)) for link in links],
            "new_link": new_link,
            "form": form or ShareForm(),
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def wallet_detail(request, pk):
    licence = _licence(request, pk)
    if request.method == "POST":
        # Shown once in this response, never kept in the session; each reveal is audited.
        services.reveal_for_holder(licence.pk, by=request.user)
        return _detail(request, licence, revealed=True)
    new_link = request.session.pop(NEW_LINK_KEY, None)
    if new_link:
        link = ShareLink.objects.filter(pk=new_link["link"], license=licence).first()
        new_link = {"link": link, "url": new_link["url"]} if link else None
    return _detail(request, licence, new_link=new_link)


@never_cache
@login_required
def wallet_pdf(request, pk):
    licence = _licence(request, pk)
    pdf = documents.license_pdf(licence, verify_url=services.verification_url(licence))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, f"{licence.license_type.name}-{licence.number}.pdf"
    )
    return files.sandboxed(response)


@never_cache
@login_required
@require_POST
def share_create(request, pk):
    licence = _licence(request, pk)
    form = ShareForm(request.POST)
    if not form.is_valid():
        return _detail(request, licence, form=form, status=400)
    try:
        link, token = services.create_share_link(
            licence.pk, by=request.user, valid_for=form.cleaned_data["valid_for"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _detail(request, licence, form=form, status=400)
    # Only the hash is stored in the database; the link rides in the session to the next
    # page (post/redirect/get, so reloading does not make another) and is shown once there.
    request.session[NEW_LINK_KEY] = {"link": link.pk, "url": share_url(request, token)}
    return redirect("wallet_detail", pk=licence.pk)


@login_required
@require_POST
def share_revoke(request, pk, link_pk):
    licence = _licence(request, pk)
    if not ShareLink.objects.filter(pk=link_pk, license=licence).exists():
        raise Http404
    services.revoke_share_link(link_pk, by=request.user)
    messages.success(request, _("分享链接已撤销，对方再打开会看到链接已失效。"))
    return redirect("wallet_detail", pk=licence.pk)


@never_cache
def shared(request, token):
    """What the bank or landlord sees: no login, masked data only, no caching."""
    view = services.open_share_link(token)
    context = {"view": view, "minimal": True}
    status = {"active": 200, "unknown": 404}.get(view.state, 410)
    if view.verification is not None:
        context.update(verification_context(view.verification))
    response = render(request, "licenses/shared.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response

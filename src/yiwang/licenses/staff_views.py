"""The issuing side's licence pages (工作台 › 电子证照): drafts waiting to be confirmed, search
by number, a licence with its revoke and replace forms. Every change goes through
licenses.services, which checks the policy again; a refused change is shown in words and
nothing changes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yiwang.identity import policy

from . import selectors, services
from .forms import ConfirmForm, ReplaceForm, RevokeForm
from .models import License, Status
from .views import TONES

PER_PAGE = 20


def _may_manage_or_404(user) -> None:
    if not selectors.may_manage(user):
        raise Http404


@never_cache
@login_required
def staff_licences(request):
    _may_manage_or_404(request.user)
    query = request.GET.get("q", "").strip()[:64]
    drafts = list(selectors.drafts_to_confirm(request.user)[:50])
    found = selectors.staff_licences(request.user).filter(final=True)
    if query:
        found = found.filter(number__icontains=query)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(licence, TONES[licence.status_on(today)]) for licence in page.object_list]
    return render(
        request,
        "licenses/staff/list.html",
        {"drafts": drafts, "rows": rows, "page": page, "query": query},
    )


def _licence(request, pk) -> License:
    _may_manage_or_404(request.user)
    try:
        return selectors.staff_licences(request.user).select_related("replaced_by").get(pk=pk)
    except License.DoesNotExist:
        raise Http404 from None


def _detail(request, licence, *, status=200, errors=(), **forms):
    today = timezone.localdate()
    state = licence.status_on(today)
    # Staff see the particulars, identity numbers masked (least data).
    fields = [(name, value or "—") for name, value, _secret in services.holder_fields(licence)]
    acting = licence.final and licence.status == Status.VALID
    return render(
        request,
        "licenses/staff/detail.html",
        {
            "licence": licence,
            "state": state,
            "tone": TONES[state],
            "fields": fields,
            "errors": list(errors),
            "confirm_form": forms.get("confirm_form")
            or (ConfirmForm(licence=licence) if not licence.final else None),
            "revoke_form": forms.get("revoke_form") or (RevokeForm() if acting else None),
            "replace_form": forms.get("replace_form")
            or (ReplaceForm(licence=licence) if acting else None),
            "may_confirm": not licence.final
            and policy.can(request.user, "license.confirm", licence),
            "may_revoke": acting and policy.can(request.user, "license.revoke", licence),
            "may_replace": acting and policy.can(request.user, "license.replace", licence),
            "verify_url": services.verification_url(licence) if licence.payload else "",
        },
        status=status,
    )


@never_cache
@login_required
def staff_licence(request, pk):
    return _detail(request, _licence(request, pk))


def _act(request, licence, form_name, form, act, done):
    if not form.is_valid():
        return _detail(request, licence, status=400, **{form_name: form})
    try:
        result = act(form)
    except (ValidationError, PermissionDenied) as exc:
        words = (
            exc.messages
            if isinstance(exc, ValidationError)
            else [_("您没有权限对这张证照进行此操作。")]
        )
        licence.refresh_from_db()
        return _detail(request, licence, status=400, errors=words, **{form_name: form})
    messages.success(request, done(result))
    return redirect("staff_licence", pk=result.pk)


@login_required
@require_POST
def staff_confirm(request, pk):
    licence = _licence(request, pk)
    form = ConfirmForm(request.POST, licence=licence)
    return _act(
        request,
        licence,
        "confirm_form",
        form,
        lambda f: services.confirm(licence.pk, by=request.user, data=f.data_to_fill()),
        lambda done: _("证照已确认制证并签名，已存入持证人的电子证照库。"),
    )


@login_required
@require_POST
def staff_revoke(request, pk):
    licence = _licence(request, pk)
    form = RevokeForm(request.POST)
    return _act(
        request,
        licence,
        "revoke_form",
        form,
        lambda f: services.revoke(licence.pk, by=request.user, reason=f.cleaned_data["reason"]),
        lambda done: _("证照已注销，持证人已收到通知。"),
    )


@login_required
@require_POST
def staff_replace(request, pk):
    licence = _licence(request, pk)
    form = ReplaceForm(request.POST, licence=licence)
    return _act(
        request,
        licence,
        "replace_form",
        form,
        lambda f: services.replace(
            licence.pk,
            by=request.user,
            data_changes=f.changes(),
            reason=f.cleaned_data["reason"],
        ),
        lambda new: _("已换发新证 %(number)s，原证不再使用。") % {"number": new.number},
    )

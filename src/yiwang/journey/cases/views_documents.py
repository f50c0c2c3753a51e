"""The case's papers as PDF downloads: each checks that the user may see the case (404 to
outsiders) and builds the document from the case on request; nothing is stored."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from yiwang.core import files, links
from yiwang.identity import policy

from . import documents
from .models import Case, Status


def _case(request, pk) -> Case:
    case = get_object_or_404(
        Case.objects.select_related(
            "applicant", "enterprise", "place", "department", "item_version__item", "bundle"
        ),
        pk=pk,
    )
    policy.require(request.user, "case.view", case)
    return case


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    # Personal data: never kept by a shared cache or the browser's back-forward store.
    return files.sandboxed(response)


@login_required
def receipt(request, pk):
    case = _case(request, pk)
    if not case.number:  # a draft has not been received
        raise Http404
    journey = case.parent_id or case.pk
    progress_url = links.absolute(f"/my/cases/{journey}/")
    title = documents.receipt_title(case)
    return _pdf(
        documents.receipt_pdf(case, progress_url=progress_url), f"{case.number}-{title}.pdf"
    )


@login_required
def notice(request, pk):
    case = _case(request, pk)
    journey = case.parent or case  # a bundle's notice is given on the journey
    latest = journey.notices.order_by("-issued_at", "-pk").first()
    if latest is None:
        raise Http404
    return _pdf(documents.notice_pdf(journey, latest), f"{journey.number}-{_('一次性告知书')}.pdf")


@login_required
def refusal(request, pk):
    case = _case(request, pk)
    if case.status != Status.REFUSED:
        raise Http404
    return _pdf(documents.refusal_pdf(case), f"{case.number}-{_('不予受理决定书')}.pdf")

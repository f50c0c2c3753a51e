"""Pages of the base libraries: the staff look-up (`/workbench/lookup/`) and the citizen's
"谁查看了我的数据" (`/my/data-access/`). Thin: sharing.services decides and logs."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from yiwang.identity import policy

from . import services
from .forms import LookupForm

ACCESSES_PER_PAGE = 20


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def staff_lookup(request):
    policy.require(request.user, "sharing.lookup")
    record, refusal, status = None, "", 200
    if request.method == "POST":
        form = LookupForm(request.POST)
        if form.is_valid():
            try:
                record = services.lookup(
                    request.user,
                    case_number=form.cleaned_data["case_number"],
                    purpose=form.cleaned_data["purpose"],
                    **form.subject(),
                )
            except ValidationError as exc:
                form.add_error("number", exc)
            except services.LookupRefused as exc:
                # An answer to a well-formed question (and logged), not a page forbidden.
                refusal = exc.message
        if not form.is_valid():
            status = 400
    else:
        form = LookupForm(initial={"case_number": request.GET.get("case", "")[:32]})
    return render(
        request,
        "sharing/lookup.html",
        {"form": form, "record": record, "refusal": refusal},
        status=status,
    )


@never_cache
@login_required
def my_data_access(request):
    accesses = services.accesses_of(request.user)
    page = Paginator(accesses, ACCESSES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "sharing/data_access.html", {"page": page})

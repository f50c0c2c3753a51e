"""Pages of supervision orders (督办单): the list (supervisors: orders in their scope; a
chief: orders to their department), issuing one (from a case or for a department), and an
order with its response, the supervisor's close / send back, and its history. Thin:
order_selectors read, orders (the services) change and check the policy again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yiwang.core.xlsx import xlsx_response
from yiwang.identity import policy
from yiwang.identity.models import OrgUnit
from yiwang.journey.cases.models import Case
from yiwang.workdays import calendar

from . import order_selectors as selectors
from . import orders
from .order_forms import CloseForm, IssueForm, RespondForm, SendBackForm

ORDERS_PER_PAGE = 30
EXPORT_LIMIT = 10_000


def _may_see_orders(user) -> bool:
    return policy.can(user, "supervision_order.view")


def _problems(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _local(moment, fmt="%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(calendar.SHANGHAI).strftime(fmt) if moment else ""


# --- the list -------------------------------------------------------------------------------


@never_cache
@login_required
def order_list(request):
    user = request.user
    if not _may_see_orders(user):
        raise Http404
    choices = {value for value, _label in selectors.STATUS_FILTERS}
    status = request.GET.get("status", "")
    status = status if status in choices else ""
    overdue = request.GET.get("overdue") == "1"
    queryset = selectors.orders_for(user, status=status, overdue=overdue)
    if request.GET.get("export") == "xlsx":
        return _export(queryset[:EXPORT_LIMIT])
    page = Paginator(queryset, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    export_query = request.GET.copy()
    for name in ("page", "export"):
        export_query.pop(name, None)
    return render(
        request,
        "supervision/orders/list.html",
        {
            "page": page,
            "status": status,
            "overdue": overdue,
            "status_filters": selectors.STATUS_FILTERS,
            "may_issue": policy.can(user, "supervision_order.issue"),
            "export_query": export_query.urlencode(),
        },
    )


def _export(queryset):
    headers = [
        _("督办单号"),
        _("督办部门"),
        _("相关办件"),
        _("督办事由"),
        _("督办要求"),
        _("状态"),
        _("督办人"),
        _("督办时间"),
        _("反馈期限"),
        _("期限情况"),
        _("预警"),
        _("办理情况"),
        _("反馈时间"),
        _("办结时间"),
    ]
    day = orders.today()
    rows = (
        [
            order.number,
            order.department.name,
            order.case.number if order.case_id else "",
            order.subject,
            order.requirement,
            order.get_status_display(),
            order.issued_by.display_name,
            _local(order.issued_at),
            order.due_on,
            selectors.clock(order, day)["words"],
            _("红牌：超期") if order.warning == orders.RED else "",
            order.response,
            _local(order.responded_at),
            _local(order.closed_at),
        ]
        for order in queryset
    )
    return xlsx_response(_("督办单"), _("督办单"), headers, rows)


# --- issuing --------------------------------------------------------------------------------


def _case_for(user, case_id) -> Case | None:
    """The case an order is about, if the user may see it; 404 otherwise."""
    if not case_id:
        return None
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise Http404 from None
    case = get_object_or_404(Case.objects.select_related("department", "place"), pk=pk)
    policy.require(user, "case.view", case)
    return case


@never_cache
@login_required
def order_new(request):
    """督办: `?case=<id>` about a case (department and subject filled in from it), or
    `?department=<code>` for a department-level order."""
    user = request.user
    if not policy.can(user, "supervision_order.issue"):
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    case = _case_for(user, source.get("case"))
    fixed = None
    initial = {}
    if case is not None:
        departments = OrgUnit.objects.filter(pk__in=orders.departments_of_case(case))
        fixed = case.department
        initial["department"] = (case.department or case.place).pk
        initial["subject"] = _("办件 %(number)s %(title)s") % {
            "number": case.number or "",
            "title": case.title,
        }
    else:
        departments = selectors.departments_for(user)
        code = request.GET.get("department")
        if code:
            initial["department"] = get_object_or_404(departments, code=code).pk
    form_args = {"departments": departments, "fixed_department": fixed, "initial": initial}
    status = 200
    if request.method == "POST":
        form = IssueForm(request.POST, **form_args)
        if form.is_valid():
            data = form.cleaned_data
            try:
                order = orders.issue(
                    user,
                    data["department"],
                    data["subject"],
                    data["requirement"],
                    case=case,
                    workdays=data["workdays"],
                )
            except ValidationError as exc:
                for problem in _problems(exc):
                    form.add_error(None, problem)
            else:
                messages.success(
                    request,
                    _("督办单 %(number)s 已发出，已通知%(org)s的负责人。")
                    % {"number": order.number, "org": order.department.name},
                )
                return redirect("supervision_order", pk=order.pk)
        status = 400
    else:
        form = IssueForm(**form_args)
    return render(
        request,
        "supervision/orders/new.html",
        {
            "form": form,
            "case": case,
            "fixed_department": fixed,
            "open_orders": list(selectors.orders_for(user, case=case)) if case else [],
        },
        status=status,
    )


# --- one order ------------------------------------------------------------------------------


def _detail(request, pk, *, status=200, **extra):
    user = request.user
    order = selectors.order(user, pk)
    may_respond = order.status == orders.OrderStatus.ISSUED and policy.can(
        user, "supervision_order.respond", order
    )
    may_steer = order.status == orders.OrderStatus.RESPONDED and policy.can(
        user, "supervision_order.issue", order
    )
    context = {
        "order": order,
        "clock": selectors.clock(order),
        "history": selectors.history(order),
        "may_respond": may_respond,
        "may_steer": may_steer,
        "respond_form": RespondForm(),
        "close_form": CloseForm(),
        "send_back_form": SendBackForm(),
        **extra,
    }
    return render(request, "supervision/orders/detail.html", context, status=status)


@never_cache
@login_required
def order_detail(request, pk):
    return _detail(request, pk)


def _act(request, pk, form_class, form_name, run, done_words):
    """Run a service for the order page; on a refusal show the page again, unchanged."""
    selectors.order(request.user, pk)  # 404 before telling an outsider what is wrong
    form = form_class(request.POST)
    if not form.is_valid():
        return _detail(request, pk, status=400, **{form_name: form})
    try:
        run(form.cleaned_data)
    except ValidationError as exc:
        return _detail(request, pk, status=400, action_errors=_problems(exc), **{form_name: form})
    messages.success(request, done_words)
    return redirect("supervision_order", pk=pk)


@login_required
@require_POST
def order_respond(request, pk):
    return _act(
        request,
        pk,
        RespondForm,
        "respond_form",
        lambda data: orders.respond(pk, request.user, data["response"]),
        _("已反馈，督办人审核后办结。"),
    )


@login_required
@require_POST
def order_close(request, pk):
    return _act(
        request,
        pk,
        CloseForm,
        "close_form",
        lambda data: orders.close(pk, request.user, data["note"]),
        _("督办单已办结。"),
    )


@login_required
@require_POST
def order_send_back(request, pk):
    return _act(
        request,
        pk,
        SendBackForm,
        "send_back_form",
        lambda data: orders.send_back(pk, request.user, data["note"], workdays=data["workdays"]),
        _("已退回部门重新办理。"),
    )

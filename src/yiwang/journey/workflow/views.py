"""The back office's pages (后台审批): the approver's inbox and task page, the chief's view
of the department, a case on the workbench with its process, the warned cases, the
issuer's result queue, the decision document and the applicant's choice of delivery.
Thin: selectors read, services / clocks / delivery change and check the policy again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yiwang.core import files
from yiwang.identity import policy
from yiwang.journey.cases import form_display
from yiwang.journey.cases import selectors as case_selectors
from yiwang.journey.cases.models import Case, Status, Warning

from . import clocks, delivery, documents, process, selectors, services
from .applicant_page import decision_url
from .forms import DecisionForm, DeliveryForm, ExtensionForm, HandOverForm, SuspendForm
from .models import DeliveryMethod, DeliveryStatus, Extension, HandOver, Suspension, TaskStatus

TASKS_PER_PAGE = 30
RESULTS_PER_PAGE = 30
CASES_PER_PAGE = 30

STATUS_FILTERS = [
    ("", gettext_lazy("未办结")),
    (TaskStatus.PENDING, gettext_lazy("待办")),
    (TaskStatus.ACTIVE, gettext_lazy("办理中")),
    (TaskStatus.DONE, gettext_lazy("已办")),
]
WARNING_FILTERS = [
    ("", gettext_lazy("全部")),
    (Warning.YELLOW, gettext_lazy("黄牌")),
    (Warning.RED, gettext_lazy("红牌")),
]


def _problems(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _open_pauses():
    """A case's open suspension, for the clocks shown in lists (one query per page)."""
    return Prefetch(
        "case__suspensions",
        Suspension.objects.filter(ended_on__isnull=True),
        to_attr="open_pauses",
    )


def _choice(value, choices) -> str:
    return value if value in {c for c, _label in choices} else ""


# --- inbox ----------------------------------------------------------------------------------


def _task_list(request, queryset_for, *, template, extra=None):
    status = _choice(request.GET.get("status", ""), STATUS_FILTERS)
    warning = _choice(request.GET.get("warning", ""), WARNING_FILTERS)
    query = request.GET.get("q", "").strip()[:50]
    tasks = queryset_for(status=status or None, warning=warning or None, q=query or None)
    tasks = tasks.prefetch_related(_open_pauses())
    page = Paginator(tasks, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "warning": warning,
        "query": query,
        "status_filters": STATUS_FILTERS,
        "warning_filters": WARNING_FILTERS,
        **(extra or {}),
    }
    return render(request, template, context)


@never_cache
@login_required
def inbox(request):
    """审批任务: what the user's roles may handle; the “我的任务” tab is what they claimed."""
    if not policy.can(request.user, "task.handle"):
        raise Http404
    if request.GET.get("tab") == "mine":
        page = Paginator(
            selectors.my_tasks(request.user).prefetch_related(_open_pauses()), TASKS_PER_PAGE
        ).get_page(request.GET.get("page"))
        return render(request, "workflow/inbox.html", {"page": page, "tab": "mine"})
    return _task_list(
        request,
        lambda **kw: selectors.inbox(request.user, **kw),
        template="workflow/inbox.html",
        extra={"tab": "all"},
    )


@never_cache
@login_required
def department(request):
    """The chief's view: every open task of their department, and extensions to decide."""
    if not policy.can(request.user, "task.view_department"):
        raise Http404
    extensions = list(selectors.pending_extensions(request.user).select_related("case__parent"))
    return _task_list(
        request,
        lambda **kw: selectors.department_tasks(request.user, **kw),
        template="workflow/department.html",
        extra={"extensions": extensions},
    )


# --- the task page --------------------------------------------------------------------------


def _task_page(request, pk, *, status=200, **extra):
    task = selectors.task(request.user, pk)
    case = task.case
    top = case_selectors.detail(request.user, case.parent_id or case.pk)
    user = request.user
    may_handle = policy.can(user, f"task.handle.{task.role}", task)
    open_pause = case.suspensions.filter(ended_on__isnull=True).first()
    extensions = list(case.extensions.select_related("requested_by", "decided_by"))
    pending_extension = next((e for e in extensions if e.status == "requested"), None)
    materials = [
        m
        for m in top.materials.all()
        if not case.parent_id
        or any(r.version_id == case.item_version_id for r in m.requirements.all())
    ]
    context = {
        "task": task,
        "case": case,
        "top": top,
        "materials": materials,
        # The application form as filed, by section: a bundle child's own item's part.
        "form_sections": form_display.sections(case, viewer=user),
        "opinions": list(selectors.opinions(case)),
        "diagram": process.diagram(top),
        "open_pause": open_pause,
        "extensions": extensions,
        "pending_extension": pending_extension,
        "may_handle": may_handle and task.is_open,
        "may_claim": may_handle and task.status == TaskStatus.PENDING,
        "may_release": task.status == TaskStatus.ACTIVE
        and (task.assignee_id == user.pk or policy.can(user, "task.reassign", task)),
        "may_clock": may_handle and case.status in (Status.IN_REVIEW, Status.SUSPENDED),
        "may_request_extension": may_handle
        and case.status in (Status.IN_REVIEW, Status.SUSPENDED)
        and not any(e.status in ("requested", "approved") for e in extensions),
        "may_decide_extension": pending_extension is not None
        and policy.can(user, "extension.decide", pending_extension),
        "decision_form": DecisionForm(),
        "suspend_form": SuspendForm(),
        "extension_form": ExtensionForm(),
        "decision_url": decision_url(case),
        **extra,
    }
    return render(request, "workflow/task.html", context, status=status)


@never_cache
@login_required
def task_detail(request, pk):
    return _task_page(request, pk)


def _act(request, pk, action, done_words, *, form_name=None, form=None):
    """Run a service for the task page; on a refusal show the page again, unchanged."""
    try:
        action()
    except ValidationError as exc:
        extra = {"action_errors": _problems(exc)}
        if form_name:
            extra[form_name] = form
        return _task_page(request, pk, status=400, **extra)
    messages.success(request, done_words)
    return redirect("task_detail", pk=pk)


@login_required
@require_POST
def task_claim(request, pk):
    return _act(request, pk, lambda: services.claim(pk, by=request.user), _("已签收，请办理。"))


@login_required
@require_POST
def task_release(request, pk):
    return _act(request, pk, lambda: services.release(pk, by=request.user), _("已退回待签收。"))


@login_required
@require_POST
def task_complete(request, pk):
    form = DecisionForm(request.POST)
    if not form.is_valid():
        selectors.task(request.user, pk)  # 404 before telling an outsider what is wrong
        problems = [e for errors in form.errors.values() for e in errors]
        return _task_page(request, pk, status=400, decision_form=form, decision_problems=problems)
    data = form.cleaned_data
    try:
        task = services.complete(
            pk, by=request.user, decision=data["decision"], opinion=data["opinion"]
        )
    except ValidationError as exc:
        return _task_page(request, pk, status=400, decision_form=form, action_errors=_problems(exc))
    messages.success(
        request,
        _("已办理：%(number)s %(name)s（%(decision)s）")
        % {"number": task.case.number, "name": task.name, "decision": task.get_decision_display()},
    )
    return redirect("task_inbox")


def _case_of(request, pk):
    return selectors.task(request.user, pk).case_id


@login_required
@require_POST
def task_suspend(request, pk):
    case_id = _case_of(request, pk)
    form = SuspendForm(request.POST)
    if not form.is_valid():
        return _task_page(request, pk, status=400, suspend_form=form)
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda: clocks.suspend(
            case_id,
            by=request.user,
            kind=data["kind"],
            reason=data["reason"],
            expected_workdays=data["expected_workdays"],
        ),
        _("已进入特别程序，办理期限暂停计时。"),
        form_name="suspend_form",
        form=form,
    )


@login_required
@require_POST
def task_resume(request, pk):
    case_id = _case_of(request, pk)
    try:
        pause = clocks.resume(case_id, by=request.user)
    except ValidationError as exc:
        return _task_page(request, pk, status=400, action_errors=_problems(exc))
    messages.success(
        request, _("特别程序结束，期限顺延%(n)d个工作日。") % {"n": pause.paused_workdays}
    )
    return redirect("task_detail", pk=pk)


@login_required
@require_POST
def task_extend(request, pk):
    case_id = _case_of(request, pk)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        return _task_page(request, pk, status=400, extension_form=form)
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda: clocks.request_extension(
            case_id, by=request.user, reason=data["reason"], workdays=data["workdays"]
        ),
        _("延期申请已提交，等待审批负责人审批。"),
        form_name="extension_form",
        form=form,
    )


@login_required
@require_POST
def extension_decide(request, pk):
    """The chief approves or rejects an extension (from the department page or a task)."""
    extension = get_object_or_404(
        policy.scope(request.user, Extension.objects.all(), "extension.view"), pk=pk
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    approve = request.POST.get("approve") == "1"
    try:
        clocks.decide_extension(
            extension.pk, by=request.user, approve=approve, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, "；".join(_problems(exc)))
    else:
        messages.success(
            request,
            _("已批准延期%(n)d个工作日。") % {"n": extension.workdays}
            if approve
            else _("已不批准该延期申请。"),
        )
    return redirect(back or "task_department")


# --- a case on the workbench ----------------------------------------------------------------


@never_cache
@login_required
def workbench_case(request, pk):
    """A journey with its process, tasks, clocks, timeline and delivery; 404 to anyone
    the policy does not let see it."""
    case = case_selectors.detail(request.user, pk)
    if not selectors.can_view_case(request.user, case):
        raise Http404
    if case.parent_id:
        return redirect("workbench_case", pk=case.parent_id)
    children = list(case.children.all())
    items = children or [case]
    return render(
        request,
        "workflow/case.html",
        {
            "case": case,
            "items": [(item, decision_url(item)) for item in items],
            "children": children,
            "diagram": process.diagram(case),
            "tasks": list(selectors.journey_tasks(case)),
            "progress": list(selectors.case_progress(case).select_related("actor")),
            "delivery": selectors.delivery_of(case),
        },
    )


WARNED = [
    (Warning.RED, gettext_lazy("红牌（超期）")),
    (Warning.YELLOW, gettext_lazy("黄牌（临近期限）")),
]


@never_cache
@login_required
def warned_cases(request):
    """Cases at a warning level, in the user's scope (the warning job sets the levels)."""
    if not policy.can(request.user, "case.view_warned"):
        raise Http404
    level = _choice(request.GET.get("warning", ""), WARNED) or Warning.RED
    cases = selectors.warned_cases(request.user, level).prefetch_related(
        Prefetch(
            "suspensions", Suspension.objects.filter(ended_on__isnull=True), to_attr="open_pauses"
        )
    )
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "workflow/warned.html",
        {"page": page, "warning": level, "warning_filters": WARNED},
    )


# --- the issuer's result queue --------------------------------------------------------------

RESULT_STATUS = [
    (DeliveryStatus.READY, gettext_lazy("待出件")),
    (DeliveryStatus.DELIVERED, gettext_lazy("已送达")),
]
RESULT_METHOD = [("", gettext_lazy("全部")), *DeliveryMethod.choices]


def _approved_children():
    return Prefetch(
        "case__children",
        Case.objects.filter(status__in=[Status.APPROVED, Status.APPROVED_TOLERATED])
        .only("pk", "parent_id", "number", "title", "status", "item_version_id")
        .order_by("pk"),
        to_attr="approved_children",
    )


@never_cache
@login_required
def result_queue(request):
    """统一窗口出件: results ready at the issuer's service points."""
    if not policy.can(request.user, "delivery.issue"):
        raise Http404
    status = _choice(request.GET.get("status", ""), RESULT_STATUS) or DeliveryStatus.READY
    method = _choice(request.GET.get("method", ""), RESULT_METHOD)
    deliveries = selectors.result_queue(
        request.user, status=status, method=method or None
    ).prefetch_related(_approved_children())
    page = Paginator(deliveries, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for row in page.object_list:
        items = row.case.approved_children if row.case.bundle_id else [row.case]
        rows.append((row, [(item, decision_url(item)) for item in items]))
    return render(
        request,
        "workflow/results.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "method": method,
            "status_filters": RESULT_STATUS,
            "method_filters": RESULT_METHOD,
        },
    )


def _deliver(request, pk, action, done):
    try:
        result = action(pk, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(_problems(exc)))
    else:
        messages.success(request, done(result))
    return redirect("result_queue")


def _pickup_row(request, pk):
    """The delivery of a journey in the issuer's scope; 404 to anyone else."""
    if not policy.can(request.user, "delivery.issue"):
        raise Http404
    row = (
        selectors.result_queue(request.user, status=None)
        .select_related("case__place", "hand_over_record")
        .prefetch_related(_approved_children())
        .filter(case_id=pk)
        .first()
    )
    if row is None:
        raise Http404
    return row


def _hand_over_page(request, row, form, *, status=200, problems=(), sent=None):
    items = row.case.approved_children if row.case.bundle_id else [row.case]
    return render(
        request,
        "workflow/hand_over.html",
        {
            "row": row,
            "case": row.case,
            "items": [(item, decision_url(item)) for item in items],
            "form": form,
            "problems": list(problems),
            "sent": sent,
            "phone": row.case.applicant.phone_masked,
        },
        status=status,
    )


@never_cache
@login_required
def result_hand_over(request, pk):
    """窗口领取 on one screen: the collector (the applicant, or an agent with the written
    authorisation), the identity check, and the confirmation by the code texted to the
    applicant's phone (works without JavaScript) or by a signature on the pad."""
    row = _pickup_row(request, pk)
    if request.method != "POST":
        return _hand_over_page(request, row, HandOverForm())
    form = HandOverForm(request.POST)
    if request.POST.get("action") == "send_code":
        # Keep the choices made so far, without errors: the code is what comes next.
        kept = ("collector", "agent_name", "authorisation_checked", "id_document", "confirmation")
        form = HandOverForm(initial={k: request.POST[k] for k in kept if k in request.POST})
        try:
            sent = delivery.send_hand_over_code(pk, by=request.user)
        except ValidationError as exc:
            return _hand_over_page(request, row, form, status=400, problems=_problems(exc))
        return _hand_over_page(request, row, form, sent=sent)
    if not form.is_valid():
        problems = [e for errors in form.errors.values() for e in errors]
        return _hand_over_page(request, row, form, status=400, problems=problems)
    data = form.cleaned_data
    try:
        done = delivery.hand_over(pk, by=request.user, **data)
    except ValidationError as exc:
        return _hand_over_page(request, row, form, status=400, problems=_problems(exc))
    messages.success(
        request,
        _("%(number)s 已交付，领取凭证可在办件页下载。") % {"number": done.case.number},
    )
    return redirect("workbench_case", pk=done.case_id)


@login_required
@require_POST
def result_ship(request, pk):
    return _deliver(
        request,
        pk,
        delivery.ship,
        lambda d: (
            _("%(number)s 已交%(courier)s寄出，运单号 %(tracking)s。")
            % {"number": d.case.number, "courier": d.courier, "tracking": d.tracking_number}
        ),
    )


# --- the decision document and the applicant's choice of delivery ---------------------------


@login_required
def decision_document(request, pk):
    """准予 / 不予许可决定书: to those who may see the case (the applicant: their own)."""
    case = get_object_or_404(
        Case.objects.select_related(
            "applicant", "enterprise", "place", "department", "item_version__item", "bundle"
        ),
        pk=pk,
    )
    policy.require(request.user, "case.view", case)
    if not documents.has_decision(case):
        raise Http404
    response = HttpResponse(documents.decision_pdf(case), content_type="application/pdf")
    filename = f"{case.number}-{documents.decision_title(case)}.pdf"
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return files.sandboxed(response)


@login_required
def hand_over_receipt(request, pk):
    """领取凭证 (PDF): to those who may see the case (the applicant: their own)."""
    case = get_object_or_404(
        Case.objects.select_related("applicant", "place", "item_version__item", "bundle"), pk=pk
    )
    policy.require(request.user, "case.view", case)
    if case.parent_id or not HandOver.objects.filter(delivery__case=case).exists():
        raise Http404
    response = HttpResponse(documents.hand_over_pdf(case), content_type="application/pdf")
    filename = f"{case.number}-{documents.hand_over_title()}.pdf"
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return files.sandboxed(response)


@login_required
@require_POST
def choose_delivery(request, pk):
    """The applicant chooses pickup at the window or mail, from their case page."""
    case = case_selectors.detail(request.user, pk)
    form = DeliveryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            chosen = delivery.choose_delivery(
                case.pk,
                by=request.user,
                method=data["method"],
                recipient=data["recipient"],
                phone=data["phone"],
                address=data["address"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(_problems(exc)))
        else:
            messages.success(
                request,
                _("送达方式已保存：%(how)s。") % {"how": chosen.get_method_display()},
            )
    else:
        messages.error(request, _("请选择领取方式。"))
    return redirect(f"{reverse('my_case', args=[case.pk])}#delivery-title")


@login_required
@require_POST
def urge_case(request, pk):
    """催办 from the applicant's page of an overdue case (workflow.urging)."""
    from . import urging

    try:
        urging.urge(pk, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(_problems(exc)))
    else:
        messages.success(request, _("已催办。部门和监察人员已收到，会尽快办理。"))
    return redirect(f"{reverse('my_case', args=[pk])}#next-title")

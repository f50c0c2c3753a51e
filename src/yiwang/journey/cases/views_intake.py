"""The comprehensive window (综合窗口): the intake queue, a case's checklist with previews,
the four intake actions, and filing for a walk-in applicant (代办). Thin: selectors read,
services change and check the policy again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.catalog import selectors as catalog
from yiwang.catalog.models import Bundle, ItemVersion
from yiwang.identity import policy
from yiwang.identity.models import User

from . import filling, form_display, selectors, services
from .forms import QueueSearchForm, RefuseForm, WalkInLookupForm, WalkInStartForm
from .models import Case, CaseMaterial, Status
from .templatetags.case_words import intake_time_left
from .views_applicant import document_url, messages_from

QUEUE_PER_PAGE = 50
WALK_IN_SESSION_KEY = "yiwang_walk_in_person"
OPEN = (CaseMaterial.State.MISSING, CaseMaterial.State.DEFECTIVE, CaseMaterial.State.TOLERATED)


@never_cache
@login_required
def intake_queue(request):
    policy.require(request.user, "case.intake")
    form = QueueSearchForm(request.GET or None)
    cases = selectors.intake_queue(request.user).prefetch_related(
        Prefetch("children", Case.objects.only("pk", "parent_id", "number").order_by("pk"))
    )
    query = ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip().upper()
        cases = cases.filter(Q(number=query) | Q(children__number=query)).distinct()
    page = Paginator(cases, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(case, intake_time_left(case.intake_due_on, today)) for case in page.object_list]
    return render(
        request,
        "cases/intake/queue.html",
        {"form": form, "page": page, "rows": rows, "query": query},
    )


def _checklist(request, pk, *, status=200, **extra):
    case = selectors.detail(request.user, pk)
    if case.parent_id:
        raise Http404
    policy.require(request.user, "case.intake", case)
    materials = list(case.materials.all())
    open_required = [m for m in materials if m.required and m.state in OPEN]
    notices = list(case.notices.all())
    checks = extra.pop("field_checks", {})
    form_sections = [
        (title, [(row, checks.get(row.key, {})) for row in rows])
        for title, rows in form_display.sections(case, viewer=request.user)
    ]
    context = {
        "case": case,
        "form_sections": form_sections,
        "children": list(case.children.all()),
        "materials": materials,
        "notices": notices,
        "events": list(case.events.all()),
        "time_left": intake_time_left(case.intake_due_on),
        "can_act": case.status == Status.SUBMITTED,
        "complete": not open_required,
        "can_tolerate": bool(open_required) and all(m.tolerable for m in open_required),
        "refuse_form": RefuseForm(),
        "receipt_url": document_url("case_receipt", case.pk) if case.number else None,
        "notice_url": document_url("case_notice", case.pk) if notices else None,
        "refusal_url": (
            document_url("case_refusal", case.pk) if case.status == Status.REFUSED else None
        ),
        "supplement_errors": {},
        "supplement_values": {},
        **extra,
    }
    return render(request, "cases/intake/case.html", context, status=status)


@never_cache
@login_required
def intake_case(request, pk):
    return _checklist(request, pk)


def _done(request, pk, message):
    messages.success(request, message)
    return redirect("intake_case", pk=pk)


@login_required
@require_POST
def intake_accept(request, pk):
    tolerated = request.POST.get("tolerated") == "1"
    try:
        case = services.accept(pk, by=request.user, tolerated=tolerated)
    except ValidationError as exc:  # a TransitionError too
        problems = messages_from(exc)
        return _checklist(request, pk, status=400, action_errors=problems)
    words = _("已容缺受理，请提醒申请人按时补交后补材料。") if case.tolerated else _("已受理。")
    return _done(request, pk, words)


def _field_items(request, case) -> tuple[list[dict], dict]:
    """Fields of the form the clerk asks the applicant to correct: items of the notice, and
    each field's choice, reason and error to show the page again."""
    items, checks = [], {}
    definition = filling.definition_of(case)
    for field in definition.fields:
        chosen = request.POST.get(f"field-{field.key}") == "1"
        reason = request.POST.get(f"field-reason-{field.key}", "").strip()
        if not chosen and not reason:
            continue
        error = ""
        if chosen and not reason:
            error = _("请写明“%(name)s”需要更正的原因。") % {"name": field.label}
        elif reason and not chosen:
            error = _("写了原因但没有勾选“%(name)s”。请勾选，或清空原因。") % {"name": field.label}
        else:
            items.append({"field": field.key, "reason": reason})
        checks[field.key] = {"chosen": chosen, "reason": reason, "error": error}
    return items, checks


@login_required
@require_POST
def intake_supplement(request, pk):
    case = selectors.detail(request.user, pk)
    policy.require(request.user, "case.intake", case)
    items, errors, values = [], {}, {}
    field_items, field_checks = _field_items(request, case)
    for material in case.materials.all():
        chosen = request.POST.get(f"material-{material.pk}") == "1"
        reason = request.POST.get(f"reason-{material.pk}", "").strip()
        values[material.pk] = {"chosen": chosen, "reason": reason}
        if chosen and not reason:
            errors[material.pk] = _("请写明“%(name)s”需要补正的原因。") % {"name": material.name}
        elif reason and not chosen:
            errors[material.pk] = _("写了原因但没有勾选“%(name)s”。请勾选，或清空原因。") % {
                "name": material.name
            }
        elif chosen:
            items.append({"material": material.pk, "reason": reason})
    items += field_items
    problems = list(errors.values()) + [c["error"] for c in field_checks.values() if c["error"]]
    if not items and not problems:
        problems.append(_("请勾选需要补正的每一项材料或申请表内容，并写明原因。"))
    repeat_reason = request.POST.get("repeat_reason", "").strip()
    if not problems:
        try:
            services.request_supplement(
                pk, by=request.user, items=items, repeat_reason=repeat_reason
            )
        except ValidationError as exc:  # a TransitionError too
            problems = messages_from(exc)
    if problems:
        return _checklist(
            request,
            pk,
            status=400,
            supplement_problems=problems,
            supplement_errors=errors,
            supplement_values=values,
            field_checks=field_checks,
            repeat_reason=repeat_reason,
        )
    return _done(request, pk, _("一次性告知书已发出，共%(n)d项。") % {"n": len(items)})


@login_required
@require_POST
def intake_refuse(request, pk):
    form = RefuseForm(request.POST)
    problems = []
    if form.is_valid():
        try:
            services.refuse(pk, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:  # a TransitionError too
            problems = messages_from(exc)
    else:
        selectors.detail(request.user, pk)  # 404 before telling an outsider what is wrong
        problems = [e for errors in form.errors.values() for e in errors]
    if problems:
        return _checklist(request, pk, status=400, refuse_form=form, refuse_problems=problems)
    return _done(request, pk, _("已作出不予受理决定。"))


# --- 代办: filing for a walk-in applicant -------------------------------------------------


def _place_in_scope(user, places):
    """The service point of this item where the clerk works."""
    return next((p for p in places if policy.can(user, "case.file_for_walk_in", p)), None)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def walk_in(request):
    from yiwang.sharing import services as sharing  # the base library's door; it imports cases

    policy.require(request.user, "case.file_for_walk_in")
    lookup = WalkInLookupForm(request.POST if "id_number" in request.POST else None)
    person = None
    person_pk = request.session.get(WALK_IN_SESSION_KEY)
    if person_pk:
        person = User.objects.filter(pk=person_pk).first()
    start = WalkInStartForm(bundles=catalog.bundles())
    status = 200
    if request.method == "POST" and "id_number" in request.POST:
        person = None
        request.session.pop(WALK_IN_SESSION_KEY, None)
        if lookup.is_valid():
            try:
                # Through the base library's door: logged as “窗口代办身份核验”.
                person = sharing.identify_walk_in(lookup.cleaned_data["id_number"], by=request.user)
            except ValidationError as exc:
                lookup.add_error("id_number", exc)
            else:
                if person is None:
                    lookup.add_error(
                        "id_number", _("没有找到该身份证号码的注册用户，请群众先注册。")
                    )
                else:
                    request.session[WALK_IN_SESSION_KEY] = person.pk
        if person is None:
            status = 400
    elif request.method == "POST" and person is not None:
        start = WalkInStartForm(request.POST, bundles=catalog.bundles())
        case = _start_walk_in(request, start, person) if start.is_valid() else None
        if case is not None:
            request.session.pop(WALK_IN_SESSION_KEY, None)
            messages.success(
                request, _("已为%(name)s创建申请草稿。") % {"name": person.display_name}
            )
            return redirect("case_form", pk=case.pk)
        status = 400
    return render(
        request,
        "cases/intake/walk_in.html",
        {"lookup": lookup, "start": start, "person": person},
        status=status,
    )


def _start_walk_in(request, form, person):
    code = form.cleaned_data["item_code"].strip().upper()
    try:
        if code:
            try:
                version = catalog.guide(code)
            except ItemVersion.DoesNotExist:
                form.add_error("item_code", _("没有这个事项编码，或该事项未发布。"))
                return None
            places = list(version.places.all())
            start = lambda place: services.start_case(  # noqa: E731
                version.pk, by=request.user, applicant=person, place=place
            )
        else:
            try:
                view = catalog.bundle(form.cleaned_data["bundle_code"])
            except Bundle.DoesNotExist:
                form.add_error("bundle_code", _("没有这个一件事。"))
                return None
            places = list(view.versions[0].places.all()) if view.versions else []
            start = lambda place: services.start_bundle_case(  # noqa: E731
                view.bundle.code, by=request.user, applicant=person, place=place
            )
        place = _place_in_scope(request.user, places)
        if place is None:
            form.add_error(None, _("该事项不在您所在的服务网点办理，请引导群众到办理地点。"))
            return None
        return start(place)
    except ValidationError as exc:
        for message in messages_from(exc):
            form.add_error(None, message)
        return None

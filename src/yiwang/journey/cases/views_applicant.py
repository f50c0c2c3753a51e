"""The applicant's pages: start from an item or a bundle, the one form, materials, review,
submit, receipt, my cases and a case's journey. Thin: reads through selectors, every change
through services, which check the policy again. A window clerk filing for a walk-in
applicant (代办) uses the same pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.catalog import selectors as catalog
from yiwang.catalog.models import Bundle, ItemVersion
from yiwang.core import files
from yiwang.core.machines import TransitionError
from yiwang.forms import web
from yiwang.identity import policy
from yiwang.identity.services import enterprises_of
from yiwang.identity.validators import mask_id_number

from . import filling, form_display, selectors, services, transitions, uploads
from .forms import StartForm, WithdrawForm
from .models import CaseFile, CaseMaterial, Status

CASES_PER_PAGE = 20
EDITABLE = {Status.DRAFT, Status.SUPPLEMENT}
PREVIEWABLE = {"application/pdf", "image/jpeg", "image/png"}
ONLINE_DEPTH_TO_APPLY = 3


def document_url(name: str, pk) -> str | None:
    """A link to a PDF another part of the system renders, once that part exists."""
    try:
        return reverse(name, kwargs={"pk": pk})
    except NoReverseMatch:
        return None


def messages_from(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


# --- start --------------------------------------------------------------------------------


def _drafts_of(user, **lookup):
    return selectors.my_cases(user).filter(status=Status.DRAFT, **lookup)[:1]


def _start(request, *, title, places, start, drafts, back_url, can_apply=True):
    form = StartForm(
        request.POST or None,
        user=request.user,
        enterprises=list(enterprises_of(request.user)),
        places=places,
    )
    status = 200
    if request.method == "POST" and can_apply:
        if form.is_valid():
            try:
                case = start(enterprise=form.chosen_enterprise(), place=form.chosen_place())
            except ValidationError as exc:
                for message in messages_from(exc):
                    form.add_error(None, message)
            else:
                messages.success(request, _("已创建申请草稿，填写的内容会自动保存。"))
                return redirect("case_form", pk=case.pk)
        status = 400
    return render(
        request,
        "cases/applicant/start.html",
        {
            "form": form,
            "title": title,
            "places": places,
            "drafts": list(drafts),
            "back_url": back_url,
            "can_apply": can_apply,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def apply_item(request, code):
    try:
        version = catalog.guide(code)
    except ItemVersion.DoesNotExist:
        raise Http404 from None
    return _start(
        request,
        title=version.name,
        places=list(version.places.all()),
        start=lambda **kw: services.start_case(version.pk, by=request.user, **kw),
        drafts=_drafts_of(request.user, item_version__item__code=code, bundle__isnull=True),
        back_url=reverse("item_guide", args=[code]),
        can_apply=version.online_depth >= ONLINE_DEPTH_TO_APPLY,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def apply_bundle(request, code):
    try:
        view = catalog.bundle(code)
    except Bundle.DoesNotExist:
        raise Http404 from None
    places = list(view.versions[0].places.all()) if view.versions else []
    return _start(
        request,
        title=view.bundle.name,
        places=places,
        start=lambda **kw: services.start_bundle_case(code, by=request.user, **kw),
        drafts=_drafts_of(request.user, bundle__code=code),
        back_url=reverse("bundle_detail", args=[code]),
        can_apply=bool(view.versions),
    )


# --- my cases -----------------------------------------------------------------------------


@never_cache
@login_required
def my_cases(request):
    # For next_step: the delivery, and who handles an overdue case.
    journeys = selectors.my_cases(request.user).select_related("delivery", "department")
    page = Paginator(journeys, CASES_PER_PAGE).get_page(request.GET.get("page"))
    from yiwang.journey.workflow import position  # where each journey stands: 3 queries a page

    where = position.of_journeys(page.object_list)
    rows = [(case, where[case.pk]) for case in page.object_list]
    return render(request, "cases/applicant/my_cases.html", {"page": page, "rows": rows})


def _journey(request, pk):
    """The case as the current user may see it; a child case shows as its journey."""
    case = selectors.detail(request.user, pk)
    if case.parent_id:
        return None, redirect("my_case", pk=case.parent_id)
    return case, None


def _may_edit(user, case) -> bool:
    return case.status in EDITABLE and user.pk in {case.applicant_id, case.filed_by_id}


def _editable_or_redirect(request, pk):
    case, elsewhere = _journey(request, pk)
    if elsewhere:
        return None, elsewhere
    if not _may_edit(request.user, case):
        if case.status in EDITABLE:
            raise Http404  # staff who may look at the case but did not file it
        messages.info(request, _("申请已提交，不能再修改。"))
        return None, redirect("my_case", pk=case.pk)
    return case, None


def _context(request, case, **extra) -> dict:
    notices = list(case.notices.all())
    open_notice = notices[-1] if notices and case.status == Status.SUPPLEMENT else None
    may_withdraw = case.applicant_id == request.user.pk and transitions.CASE.allows(
        case.status, Status.WITHDRAWN
    )
    return {
        "case": case,
        "children": list(case.children.all()),
        "materials": list(case.materials.all()),
        "notices": notices,
        "open_notice": open_notice,
        "may_edit": _may_edit(request.user, case),
        "may_withdraw": may_withdraw,
        "for_someone_else": case.applicant_id != request.user.pk,
        "receipt_url": document_url("case_receipt", case.pk) if case.number else None,
        "notice_url": document_url("case_notice", case.pk) if notices else None,
        "refusal_url": (
            document_url("case_refusal", case.pk) if case.status == Status.REFUSED else None
        ),
        **extra,
    }


# A visit to a window is still useful: to hand in originals, to be heard, to collect a result.
VISITABLE = {
    Status.SUBMITTED,
    Status.SUPPLEMENT,
    Status.ACCEPTED,
    Status.IN_REVIEW,
    Status.SUSPENDED,
    Status.APPROVED,
    Status.APPROVED_TOLERATED,
}


def _booking_url(request, case) -> str | None:
    """ "预约到窗口" for the applicant's case whose item supports appointments: the hall's
    booking page (a page another app adds), with the item and the case filled in."""
    version = case.item_version
    if (
        version is None
        or not version.appointment
        or case.status not in VISITABLE
        or case.applicant_id != request.user.pk
    ):
        return None
    try:
        url = reverse("book_appointment", args=[version.item.code])
    except NoReverseMatch:
        return None
    return f"{url}?case={case.pk}"


@never_cache
@login_required
def my_case(request, pk):
    case, elsewhere = _journey(request, pk)
    if elsewhere:
        return elsewhere
    from yiwang.journey.workflow.applicant_page import delivery_context  # decisions, delivery

    return render(
        request,
        "cases/applicant/case.html",
        _context(
            request,
            case,
            withdraw_form=WithdrawForm(),
            booking_url=_booking_url(request, case),
            form_sections=form_display.sections(case, viewer=request.user),
            **delivery_context(case, request.user),
        ),
    )


# --- the form -----------------------------------------------------------------------------


CONFIRM = "_confirm"  # a field the window asked to correct, checked and left as it is


def _form_page(request, case, *, definition, data=None, errors=(), extra_rows=None, status=200):
    data = case.form_data if data is None else data
    form = web.bound_fields(
        definition,
        data,
        errors,
        case.form_sources,
        notes=case.field_notes,
        extra_rows=extra_rows,
    )
    for section in form:
        for bound in section.fields:
            if bound.readonly and form_display.id_masked(bound.field):
                # Shown, not asked: masked as the applicant's ID number is on every page.
                bound.readonly_text = mask_id_number(str(bound.value or ""))
    noted = [
        (key, filling.label_of(definition, key), note) for key, note in case.field_notes.items()
    ]
    return render(
        request,
        "cases/applicant/form.html",
        _context(request, case, form=form, step="form", noted=noted, definition=definition),
        status=status,
    )


def _posted(request, definition):
    data, added = web.data_from_post(definition, request.POST)
    confirmed = [k for k in request.POST.getlist(CONFIRM) if k in definition.keys]
    return data, added, confirmed


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def case_form(request, pk):
    """The item's own form. A POST saves what is valid (nothing typed is lost) and moves on
    when the whole form is complete; otherwise the page comes back with each problem next
    to its field. "添加一行" without JavaScript is a POST too: saved, then one more row."""
    case, elsewhere = _editable_or_redirect(request, pk)
    if elsewhere:
        return elsewhere
    definition = filling.definition_of(case)
    if request.method == "GET":
        return _form_page(request, case, definition=definition)
    data, added, confirmed = _posted(request, definition)
    try:
        refused = services.save_form(case.pk, by=request.user, data=data, confirmed=confirmed)
    except ValidationError as exc:  # submitted meanwhile, in another tab
        messages.error(request, "；".join(messages_from(exc)))
        return redirect("my_case", pk=case.pk)
    case = selectors.detail(request.user, pk)
    shown = {**case.form_data, **{k: v for k, v in data.items() if k in {e.key for e in refused}}}
    if added or web.row_action(definition, request.POST):
        extra = {added: 1} if added else None
        return _form_page(
            request, case, definition=definition, data=shown, errors=refused, extra_rows=extra
        )
    errors = refused + [
        e for e in filling.problems(case, definition) if e.key not in {r.key for r in refused}
    ]
    if errors:
        return _form_page(
            request, case, definition=definition, data=shown, errors=errors, status=400
        )
    messages.success(request, _("申请表已保存。"))
    return redirect("case_materials", pk=case.pk)


@login_required
@require_POST
def case_form_autosave(request, pk):
    """htmx: each field is saved as it is left. Answers one sentence for the status line."""
    case, elsewhere = _editable_or_redirect(request, pk)
    if elsewhere:
        return HttpResponse(_("申请已提交，不能再修改。"))
    definition = filling.definition_of(case)
    data, _added, confirmed = _posted(request, definition)
    try:
        refused = services.save_form(case.pk, by=request.user, data=data, confirmed=confirmed)
    except ValidationError as exc:
        return HttpResponse("；".join(messages_from(exc)))
    saved_at = timezone.localtime().strftime("%H:%M")
    words = _("已自动保存 %(time)s") % {"time": saved_at}
    if refused:
        words += _("。这些还没有保存，请修改：%(problems)s") % {
            "problems": filling.sentences(definition, refused)
        }
    return HttpResponse(words)


# --- materials ----------------------------------------------------------------------------


# After an upload, a removal or "at the window" the page comes back with the keyboard on the
# material just handled and a line saying what happened there (WCAG 2.2, 2.4.3 focus order):
# a bundle asks for many materials, and nobody should tab through the header for each one.
HANDLED = "cases.material_handled"


def _back_to(request, case, material, done: str, warning: str = ""):
    request.session[HANDLED] = {"material": material.pk, "done": done, "warning": warning}
    return redirect(f"{reverse('case_materials', args=[case.pk])}#material-{material.pk}")


def _materials_page(request, case, errors=None, status=200):
    handled = request.session.pop(HANDLED, None) if not errors else None
    focus = next(iter(errors), None) if errors else (handled or {}).get("material")
    return render(
        request,
        "cases/applicant/materials.html",
        _context(
            request,
            case,
            step="materials",
            upload_errors=errors or {},
            handled=handled or {},
            focus=focus,
            accept=",".join(f".{e}" for e in sorted(set(uploads.EXTENSIONS.values())))
            + ",.jpeg,"
            + ",".join(sorted(uploads.SIGNATURES)),
            max_mb=uploads.max_bytes() // (1024 * 1024),
        ),
        status=status,
    )


@never_cache
@login_required
def case_materials(request, pk):
    case, elsewhere = _editable_or_redirect(request, pk)
    if elsewhere:
        return elsewhere
    return _materials_page(request, case)


def _material_of(case, material_pk) -> CaseMaterial:
    for material in case.materials.all():
        if material.pk == material_pk:
            return material
    raise Http404


@login_required
@require_POST
def material_upload(request, pk, material_pk):
    case, elsewhere = _editable_or_redirect(request, pk)
    if elsewhere:
        return elsewhere
    material = _material_of(case, material_pk)
    files = request.FILES.getlist("files")
    problems = []
    if not files:
        problems.append(_("请先选择要上传的文件。"))
    seen = {stored.sha256: stored.original_name for stored in material.files.all()}
    for uploaded in files:  # check all first, so one bad file adds none of them
        try:
            checked = uploads.check(uploaded)
        except ValidationError as exc:
            problems.append(f"{uploaded.name}：{'；'.join(messages_from(exc))}")
            continue
        if checked.sha256 in seen:
            problems.append(
                _("%(file)s：这个文件已经上传过了（和“%(earlier)s”内容相同），不用再传。")
                % {"file": uploaded.name, "earlier": seen[checked.sha256]}
            )
        seen[checked.sha256] = uploaded.name
    if problems:
        return _materials_page(request, case, errors={material.pk: problems}, status=400)
    elsewhere = []
    try:
        for uploaded in files:
            stored = services.attach_file(material.pk, by=request.user, uploaded=uploaded)
            elsewhere += [(stored.original_name, name) for name in stored.same_file_on]
    except ValidationError as exc:
        return _materials_page(request, case, errors={material.pk: messages_from(exc)}, status=400)
    warning = "；".join(
        _("“%(file)s”和“%(other)s”里的文件完全相同，请确认没有传错。")
        % {"file": file, "other": other}
        for file, other in elsewhere
    )
    done = _("已上传：%(files)s") % {"files": "、".join(f.name for f in files)}
    return _back_to(request, case, material, done, warning)


@login_required
@require_POST
def material_at_window(request, pk, material_pk):
    case, elsewhere = _editable_or_redirect(request, pk)
    if elsewhere:
        return elsewhere
    material = _material_of(case, material_pk)
    try:
        if request.POST.get("at_window") == "0":
            services.provide_online(material.pk, by=request.user)
            done = _("“%(name)s”改为网上上传。") % {"name": material.name}
        else:
            services.provide_at_window(material.pk, by=request.user)
            done = _("“%(name)s”将到窗口提交。") % {"name": material.name}
    except ValidationError as exc:  # e.g. the online form itself, or an earlier item's result
        return _back_to(request, case, material, "", "；".join(messages_from(exc)))
    return _back_to(request, case, material, done)


@login_required
@require_POST
def material_file_remove(request, pk, material_pk, file_pk):
    case, elsewhere = _editable_or_redirect(request, pk)
    if elsewhere:
        return elsewhere
    material = _material_of(case, material_pk)
    stored = get_object_or_404(CaseFile, pk=file_pk, material=material)
    try:
        services.remove_file(stored.pk, by=request.user)
    except CaseFile.DoesNotExist:
        pass  # removed meanwhile, in another tab: what the applicant wanted
    except ValidationError as exc:  # submitted meanwhile
        messages.error(request, "；".join(messages_from(exc)))
    else:
        return _back_to(
            request, case, material, _("已删除“%(name)s”。") % {"name": stored.original_name}
        )
    return redirect(f"{reverse('case_materials', args=[case.pk])}#material-{material.pk}")


# --- review, submit, receipt, withdraw ----------------------------------------------------


def _review_page(request, case, *, problems=(), form_incomplete=False, status=200):
    return render(
        request,
        "cases/applicant/review.html",
        _context(
            request,
            case,
            step="review",
            form_sections=form_display.sections(case, viewer=request.user),
            problems=problems,
            form_incomplete=form_incomplete,
        ),
        status=status,
    )


@never_cache
@login_required
def case_review(request, pk):
    case, elsewhere = _editable_or_redirect(request, pk)
    if elsewhere:
        return elsewhere
    return _review_page(request, case)


@login_required
@require_POST
def case_submit(request, pk):
    case, elsewhere = _journey(request, pk)
    if elsewhere:
        return elsewhere
    if case.status == Status.SUBMITTED:
        return redirect("case_receipt_page", pk=case.pk)  # a second click: already done
    if not _may_edit(request.user, case):
        raise Http404
    problems, form_incomplete = [], False
    try:
        services.submit(case.pk, by=request.user)
    except TransitionError as exc:
        problems = [str(exc)]
    except ValidationError as exc:
        problems = messages_from(exc)
        form_incomplete = any(
            getattr(e, "code", "") in ("form_invalid", "fields_to_correct") for e in exc.error_list
        )
    if problems:
        case = selectors.detail(request.user, pk)
        return _review_page(
            request, case, problems=problems, form_incomplete=form_incomplete, status=400
        )
    return redirect("case_receipt_page", pk=case.pk)


@never_cache
@login_required
def case_receipt_page(request, pk):
    case, elsewhere = _journey(request, pk)
    if elsewhere:
        return elsewhere
    if not case.number:
        return redirect("my_case", pk=case.pk)
    return render(request, "cases/applicant/receipt.html", _context(request, case))


@login_required
@require_POST
def case_withdraw(request, pk):
    case, elsewhere = _journey(request, pk)
    if elsewhere:
        return elsewhere
    form = WithdrawForm(request.POST)
    if not form.is_valid():  # a reason over the limit withdraws nothing and says why
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("my_case", pk=case.pk)
    try:
        services.withdraw(case.pk, by=request.user, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as exc:  # a TransitionError too
        messages.error(request, "；".join(messages_from(exc)))
    else:
        messages.success(request, _("申请已撤回。"))
    return redirect("my_case", pk=case.pk)


# --- files --------------------------------------------------------------------------------


def _serve(request, pk, *, preview: bool):
    stored = get_object_or_404(CaseFile.objects.select_related("material__case"), pk=pk)
    policy.require(request.user, "case.view", stored.material.case)
    if preview and stored.content_type not in PREVIEWABLE:
        raise Http404
    response = FileResponse(
        stored.file.open("rb"),
        content_type=stored.content_type,
        as_attachment=not preview,
        filename=stored.original_name,
    )
    return files.sandboxed(response, framed=preview)


@login_required
def case_file(request, pk):
    """A material's file, only to those who may see its case; never from a public URL.
    Always a download: it is the applicant's file, served from the site's own origin."""
    return _serve(request, pk, preview=False)


@login_required
def case_file_preview(request, pk):
    """The same file shown in the checklist (an image or a PDF frame): inline, but
    sandboxed, so nothing in it runs with the site's origin."""
    return _serve(request, pk, preview=True)

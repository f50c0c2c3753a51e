"""The catalogue workbench (事项管理): one place to manage (admins edit drafts and submit them),
one place to publish (reviewers publish or return them). Thin: every change goes through
catalog.services, every permission through identity.policy."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.core import files
from yiwang.core.machines import TransitionError
from yiwang.identity import policy

from . import diff, exchange, preview, services, tasks
from .forms import (
    AttachmentForm,
    DraftForm,
    FaqFormSet,
    FormFieldsFormSet,
    GuideStepFormSet,
    ImportForm,
    ItemFilterForm,
    MaterialFormSet,
    ReturnForm,
    StepFormSet,
    faq_initial,
    form_field_initial,
    guide_step_initial,
    material_initial,
    step_initial,
)
from .models import (
    CatalogImport,
    ItemVersion,
    MaterialRequirement,
    ServiceItem,
    VersionStatus,
)

ITEMS_PER_PAGE = 50
OPEN = [VersionStatus.DRAFT, VersionStatus.IN_REVIEW]
CURRENT = [VersionStatus.PUBLISHED, *OPEN]


# --- helpers ----------------------------------------------------------------------------------


def _item_and_base(user, code) -> tuple[ServiceItem, ItemVersion]:
    """The item and the version that decides who may see it (published, else the latest)."""
    item = get_object_or_404(ServiceItem.objects.select_related("published__department"), code=code)
    base = item.published or (
        item.versions.select_related("department").order_by("-number").first()
    )
    if base is None:
        raise Http404
    policy.require(user, "catalog.view_drafts", base)
    return item, base


def _version(user, code, number, *, action="catalog.view_drafts") -> ItemVersion:
    version = get_object_or_404(
        ItemVersion.objects.select_related(
            "item", "department", "result_license_type", "created_by", "reviewed_by"
        ),
        item__code=code,
        number=number,
    )
    policy.require(user, "catalog.view_drafts", version)
    if action != "catalog.view_drafts":
        policy.require(user, action, version)
    return version


def _rows_for_display(version: ItemVersion) -> dict:
    """A version as the exchange file spells it: what reviewers and the diff compare."""
    tables = []
    for sheet, rows in [
        (exchange.MATERIALS, exchange.material_rows(version)),
        (exchange.STEPS, exchange.step_rows(version)),
        (exchange.FORMS, exchange.form_rows(version)),
    ]:
        columns = [c for c in exchange.COLUMNS[sheet] if c != "事项编码"]
        tables.append(
            {"title": sheet, "columns": columns, "rows": [[r[c] for c in columns] for r in rows]}
        )
    return {"fields": list(exchange.item_row(version).items()), "tables": tables}


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- lists ------------------------------------------------------------------------------------


def _filtered_items(user, form: ItemFilterForm):
    visible = policy.scope(user, ItemVersion.objects.all())
    items = ServiceItem.objects.filter(pk__in=visible.values("item_id"))
    if form.is_valid():
        data = form.cleaned_data
        current = ItemVersion.objects.filter(status__in=CURRENT)
        if data["q"]:
            items = items.filter(
                Q(code__icontains=data["q"])
                | Q(pk__in=current.filter(name__icontains=data["q"]).values("item_id"))
            )
        if data["department"]:
            items = items.filter(
                pk__in=current.filter(department=data["department"]).values("item_id")
            )
        if data["level"]:
            items = items.filter(pk__in=current.filter(level=data["level"]).values("item_id"))
        status = data["status"]
        if status in OPEN:
            items = items.filter(pk__in=ItemVersion.objects.filter(status=status).values("item_id"))
        elif status == VersionStatus.PUBLISHED:
            items = items.filter(published__isnull=False).exclude(
                pk__in=ItemVersion.objects.filter(status__in=OPEN).values("item_id")
            )
    return (
        items.select_related("published__department")
        .prefetch_related(
            Prefetch(
                "versions",
                ItemVersion.objects.filter(status__in=OPEN)
                .select_related("department")
                .order_by("-number"),
                to_attr="open_versions",
            )
        )
        .order_by("code")
    )


def _nav(request) -> dict:
    return {
        "can_edit": policy.can(request.user, "catalog.edit"),
        "can_review": policy.can(request.user, "catalog.review"),
        "can_import": policy.can(request.user, "catalog.import"),
    }


@login_required
@require_GET
def item_list(request):
    policy.require(request.user, "catalog.view_drafts")
    form = ItemFilterForm(request.GET or None)
    page = Paginator(_filtered_items(request.user, form), ITEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for item in page.object_list:  # what the row shows: the portal's version, else the draft
        item.current = item.published or item.open_versions[0]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalog/workbench/item_list.html",
        {"form": form, "page": page, "querystring": query.urlencode(), **_nav(request)},
    )


@login_required
@require_GET
def review_queue(request):
    policy.require(request.user, "catalog.view_drafts")
    versions = (
        policy.scope(request.user, ItemVersion.objects.filter(status=VersionStatus.IN_REVIEW))
        .select_related("item", "department", "created_by")
        .order_by("submitted_at", "item__code")
    )
    page = Paginator(versions, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "catalog/workbench/review_queue.html", {"page": page, **_nav(request)})


# --- one item ---------------------------------------------------------------------------------


@login_required
@require_GET
def item_detail(request, code):
    item, base = _item_and_base(request.user, code)
    versions = list(item.versions.select_related("created_by", "reviewed_by").order_by("-number"))
    open_version = next((v for v in versions if v.status in OPEN and v.source == "editor"), None)
    return render(
        request,
        "catalog/workbench/item_detail.html",
        {
            "item": item,
            "base": base,
            "versions": versions,
            "open_version": open_version,
            "may_edit": policy.can(request.user, "catalog.edit", base),
            "may_review": open_version is not None
            and policy.can(request.user, "catalog.review", open_version),
            **_nav(request),
        },
    )


@login_required
@require_POST
def start_draft(request, code):
    item, _base = _item_and_base(request.user, code)
    try:
        draft = services.start_draft(item.pk, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("catalog_wb_item", code=code)
    if draft.status != VersionStatus.DRAFT:
        messages.warning(request, _("该事项已有一个版本正在审核，审核结束后才能再编辑。"))
        return redirect("catalog_wb_item", code=code)
    return redirect("catalog_wb_edit", code=code, number=draft.number)


@login_required
@require_GET
def version_detail(request, code, number):
    version = _version(request.user, code, number)
    return render(
        request,
        "catalog/workbench/version_detail.html",
        {
            "version": version,
            "item": version.item,
            "rows": _rows_for_display(version),
            **_nav(request),
        },
    )


def _editor_context(request, version, **forms) -> dict:
    version = ItemVersion.objects.prefetch_related(
        Prefetch(
            "materials",
            MaterialRequirement.objects.select_related("license_type").prefetch_related(
                "attachments"
            ),
        ),
        "steps",
        "faqs",
        "guide_steps",
        "implementing_orgs",
        "places",
        "themes",
    ).get(pk=version.pk)
    context = {
        "version": version,
        "item": version.item,
        "form": DraftForm(initial=DraftForm.initial_for(version)),
        "materials_formset": MaterialFormSet(initial=material_initial(version), prefix="materials"),
        "steps_formset": StepFormSet(initial=step_initial(version), prefix="steps"),
        "faqs_formset": FaqFormSet(initial=faq_initial(version), prefix="faqs"),
        "guide_formset": GuideStepFormSet(initial=guide_step_initial(version), prefix="guide"),
        "form_fields_formset": FormFieldsFormSet(
            initial=form_field_initial(version), prefix="form"
        ),
        "attachment_form": AttachmentForm(version=version),
        **_nav(request),
    }
    context.update(forms)
    return context


def _editable(request, code, number) -> ItemVersion:
    version = _version(request.user, code, number, action="catalog.edit")
    if version.status != VersionStatus.DRAFT:
        raise Http404  # the editor exists for drafts only; other states have their own pages
    return version


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def edit_draft(request, code, number):
    version = _version(request.user, code, number, action="catalog.edit")
    if version.status != VersionStatus.DRAFT:
        return redirect("catalog_wb_version", code=code, number=number)
    if request.method == "POST":
        form = DraftForm(request.POST)
        if form.is_valid():
            try:
                services.update_draft(
                    version.pk,
                    by=request.user,
                    fields=form.field_values(),
                    m2m=form.changed_m2m(version),
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("事项信息已保存。"))
                return redirect("catalog_wb_edit", code=code, number=number)
        return render(
            request,
            "catalog/workbench/edit.html",
            _editor_context(request, version, form=form),
            status=400,
        )
    return render(request, "catalog/workbench/edit.html", _editor_context(request, version))


def _edit_rows(request, code, number, *, formset_class, prefix, context_name, save, saved, anchor):
    version = _editable(request, code, number)
    formset = formset_class(request.POST, prefix=prefix)
    if formset.is_valid():
        try:
            save(version.pk, by=request.user, rows=formset.rows())
        except ValidationError as exc:
            formset._non_form_errors = formset.error_class(exc.messages)
        else:
            messages.success(request, saved)
            return redirect(reverse("catalog_wb_edit", args=[code, number]) + anchor)
    return render(
        request,
        "catalog/workbench/edit.html",
        _editor_context(request, version, **{context_name: formset}),
        status=400,
    )


@login_required
@require_POST
def edit_materials(request, code, number):
    return _edit_rows(
        request,
        code,
        number,
        formset_class=MaterialFormSet,
        prefix="materials",
        context_name="materials_formset",
        anchor="#materials",
        saved=_("申请材料已保存。"),
        save=lambda pk, by, rows: services.replace_materials(pk, by=by, materials=rows),
    )


@login_required
@require_POST
def edit_steps(request, code, number):
    return _edit_rows(
        request,
        code,
        number,
        formset_class=StepFormSet,
        prefix="steps",
        context_name="steps_formset",
        anchor="#steps",
        saved=_("办理流程已保存。"),
        save=lambda pk, by, rows: services.replace_steps(pk, by=by, steps=rows),
    )


@login_required
@require_POST
def edit_faqs(request, code, number):
    return _edit_rows(
        request,
        code,
        number,
        formset_class=FaqFormSet,
        prefix="faqs",
        context_name="faqs_formset",
        anchor="#faqs",
        saved=_("常见问题已保存。"),
        save=lambda pk, by, rows: services.replace_faqs(pk, by=by, faqs=rows),
    )


@login_required
@require_POST
def edit_guide_steps(request, code, number):
    return _edit_rows(
        request,
        code,
        number,
        formset_class=GuideStepFormSet,
        prefix="guide",
        context_name="guide_formset",
        anchor="#guide",
        saved=_("办事攻略已保存。"),
        save=lambda pk, by, rows: services.replace_guide_steps(pk, by=by, steps=rows),
    )


@login_required
@require_POST
def edit_form(request, code, number):
    """The draft's application form, saved whole; a broken rule is shown on its row."""
    version = _editable(request, code, number)
    formset = FormFieldsFormSet(request.POST, prefix="form")
    if formset.is_valid():
        try:
            services.replace_form(version.pk, by=request.user, rows=formset.rows())
        except ValidationError as exc:
            formset.show_problems(exc)
        else:
            messages.success(request, _("申请表已保存。"))
            return redirect(reverse("catalog_wb_edit", args=[code, number]) + "#form")
    return render(
        request,
        "catalog/workbench/edit.html",
        _editor_context(request, version, form_fields_formset=formset),
        status=400,
    )


@never_cache
@login_required
@require_GET
def form_preview(request, code, number):
    """The version's form as the applicant will see it (nothing can be submitted)."""
    version = _version(request.user, code, number)
    return render(
        request,
        "catalog/workbench/form_preview.html",
        {"version": version, "item": version.item, **preview.context(version), **_nav(request)},
    )


@login_required
@require_POST
def add_attachment(request, code, number):
    version = _editable(request, code, number)
    form = AttachmentForm(request.POST, request.FILES, version=version)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_attachment(
                data["material"],
                by=request.user,
                kind=data["kind"],
                title=data["title"],
                uploaded=data["file"],
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("附件已上传。"))
            return redirect(reverse("catalog_wb_edit", args=[code, number]) + "#attachments")
    return render(
        request,
        "catalog/workbench/edit.html",
        _editor_context(request, version, attachment_form=form),
        status=400,
    )


@login_required
@require_POST
def submit(request, code, number):
    version = _version(request.user, code, number, action="catalog.edit")
    try:
        services.submit(version.pk, by=request.user)
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已提交审核。审核员发布后，新版本在门户生效。"))
    return redirect("catalog_wb_item", code=code)


# --- review -----------------------------------------------------------------------------------


def _changes(old: ItemVersion | None, new: ItemVersion) -> list[diff.Change]:
    return diff.diff(old, new) if old is not None else []


@never_cache
@login_required
@require_GET
def review(request, code, number):
    return _render_review(request, _version(request.user, code, number))


def _render_review(request, version, return_form=None):
    published = version.item.published
    old = published if published is not None and published.pk != version.pk else None
    return render(
        request,
        "catalog/workbench/review.html",
        {
            "version": version,
            "item": version.item,
            "published": old,
            "changes": _changes(old, version),
            "rows": _rows_for_display(version) if old is None else None,
            "may_review": version.status == VersionStatus.IN_REVIEW
            and policy.can(request.user, "catalog.review", version),
            "return_form": return_form or ReturnForm(),
            **_nav(request),
        },
        status=400 if return_form is not None else 200,
    )


@login_required
@require_POST
def publish(request, code, number):
    version = _version(request.user, code, number, action="catalog.review")
    try:
        services.publish(version.pk, by=request.user)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect("catalog_wb_item", code=code)
    messages.success(
        request, _("第%(number)d版已发布，门户即时显示新版本。") % {"number": version.number}
    )
    return redirect("catalog_wb_item", code=code)


@login_required
@require_POST
def return_to_draft(request, code, number):
    version = _version(request.user, code, number, action="catalog.review")
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.return_to_draft(
                version.pk, by=request.user, comment=form.cleaned_data["comment"]
            )
        except TransitionError as exc:  # before ValidationError: it is one
            messages.error(request, str(exc))
            return redirect("catalog_wb_item", code=code)
        except ValidationError as exc:
            form.add_error("comment", exc)
        else:
            messages.success(request, _("已退回修改，事项管理员会看到您的意见。"))
            return redirect("catalog_wb_item", code=code)
    return _render_review(request, version, return_form=form)


@login_required
@require_GET
def compare(request, code):
    item, _base = _item_and_base(request.user, code)
    versions = list(item.versions.order_by("-number"))
    numbers = [v.number for v in versions]

    def pick(name, default):
        try:
            value = int(request.GET.get(name, ""))
        except ValueError:
            return default
        return value if value in numbers else default

    default_b = numbers[0]
    default_a = item.published.number if item.published else numbers[-1]
    if default_a == default_b and len(numbers) > 1:
        default_a = numbers[1]
    a, b = pick("a", default_a), pick("b", default_b)
    old = _version(request.user, code, a)
    new = _version(request.user, code, b)
    return render(
        request,
        "catalog/workbench/compare.html",
        {
            "item": item,
            "versions": versions,
            "old": old,
            "new": new,
            "changes": diff.diff(old, new),
            **_nav(request),
        },
    )


# --- import and export ------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    policy.require(request.user, "catalog.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        record = CatalogImport.objects.create(
            file=uploaded, filename=uploaded.name[:255], created_by=request.user
        )
        # The worker must find the row: enqueue only once it is committed.
        transaction.on_commit(lambda: tasks.run_import.enqueue(record.pk))
        return redirect("catalog_import_detail", pk=record.pk)
    recent = CatalogImport.objects.filter(created_by=request.user)[:10]
    return render(
        request,
        "catalog/workbench/import.html",
        {"form": form, "recent": recent, **_nav(request)},
        status=400 if form.errors else 200,
    )


def _import_record(request, pk) -> CatalogImport:
    policy.require(request.user, "catalog.import")
    record = get_object_or_404(CatalogImport, pk=pk)
    if record.created_by_id != request.user.pk and not request.user.is_superuser:
        raise Http404
    return record


def _import_context(record) -> dict:
    return {
        "record": record,
        "finished": record.status
        in {CatalogImport.Status.DONE, CatalogImport.Status.REJECTED, CatalogImport.Status.FAILED},
    }


@never_cache
@login_required
@require_GET
def import_detail(request, pk):
    record = _import_record(request, pk)
    return render(
        request,
        "catalog/workbench/import_detail.html",
        {**_import_context(record), **_nav(request)},
    )


@never_cache
@login_required
@require_GET
def import_progress(request, pk):
    """The status block alone, polled by htmx every second until the import has finished."""
    record = _import_record(request, pk)
    return render(request, "catalog/workbench/_import_status.html", _import_context(record))


@login_required
@require_GET
def export(request):
    policy.require(request.user, "catalog.view_drafts")
    buffer = io.BytesIO()
    exchange.export_workbook(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"catalog-{exchange.exported_at()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return files.sandboxed(response)


# --- the search log ---------------------------------------------------------------------------

SEARCH_REVIEW_DAYS = (7, 30, 90)
SEARCH_REVIEW_PER_PAGE = 50


@login_required
@require_GET
@never_cache
def search_review(request):
    """Citizens' searches that found nothing, or found results nobody opened: the words to
    add as keywords (catalog admins)."""
    from .search import log, query

    policy.require(request.user, "catalog.edit")
    kind = "no_click" if request.GET.get("kind") == "no_click" else "zero"
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    days = days if days in SEARCH_REVIEW_DAYS else 30
    page = Paginator(log.misses(days, kind=kind), SEARCH_REVIEW_PER_PAGE).get_page(
        request.GET.get("page")
    )
    if kind == "no_click":  # what the citizen saw first: the likely item to add the words to
        rows = list(page.object_list)
        first = {row["query"]: (query.search(row["query"]).ids or [None])[0] for row in rows}
        codes = dict(
            ItemVersion.objects.filter(pk__in=[pk for pk in first.values() if pk]).values_list(
                "pk", "item__code"
            )
        )
        for row in rows:
            row["suggested"] = codes.get(first[row["query"]], "")
        page.object_list = rows
    return render(
        request,
        "catalog/workbench/search_review.html",
        {
            "page": page,
            "kind": kind,
            "days": days,
            "day_choices": SEARCH_REVIEW_DAYS,
            **_nav(request),
        },
    )


@login_required
@require_POST
def search_add_keyword(request):
    """One click: the query becomes a keyword of the item (on its draft, for review)."""
    policy.require(request.user, "catalog.edit")
    keyword = request.POST.get("query", "")
    code = request.POST.get("code", "").strip().upper()
    item = ServiceItem.objects.filter(code=code).first()
    back = reverse("catalog_search_review") + "?" + request.POST.get("back", "")
    if item is None:
        messages.error(request, _("没有编码为“%(code)s”的事项。") % {"code": code})
        return redirect(back)
    try:
        draft = services.add_search_keyword(item.pk, keyword, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(
        request,
        _("已把“%(keyword)s”加入事项“%(name)s”第%(number)s版草稿的关键词，提交审核并发布后生效。")
        % {"keyword": keyword.strip(), "name": draft.name, "number": draft.number},
    )
    return redirect(back)

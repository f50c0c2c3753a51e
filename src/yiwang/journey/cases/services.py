"""The only door for changing a case (办件) before approval: drafts, materials, submit, and
the comprehensive window's four intake actions. Each function: lock → authorise → check
the transition → change → timeline + audit + domain event → notify after commit. The apps
that react to a journey (feedback, …) subscribe to its events (docs/events.md)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.catalog.models import ItemVersion, MaterialRequirement
from yiwang.catalog.selectors import bundle as bundle_view
from yiwang.core import events, limits, links, rows
from yiwang.core.machines import TransitionError
from yiwang.identity import policy
from yiwang.journey.workflow import aggregate, decide_case
from yiwang.notify import services as notify
from yiwang.workdays import calendar

from . import filling, numbering, planning, reuse, transitions, uploads
from .models import Case, CaseEvent, CaseFile, CaseMaterial, Status, SupplementNotice

# A material in one of these states is there for the window to check.
PROVIDED = (
    CaseMaterial.State.UPLOADED,
    CaseMaterial.State.AT_WINDOW,
    CaseMaterial.State.FROM_LICENSE,
    CaseMaterial.State.FROM_FORM,
    CaseMaterial.State.FROM_EARLIER_ITEM,
)
# Nothing to upload: the online form is the document, or an earlier item produces it.
NOT_ASKED = (CaseMaterial.State.FROM_FORM, CaseMaterial.State.FROM_EARLIER_ITEM)

# 行政许可法 第三十二条: a supplement notice is due within 5 working days of receipt.
INTAKE_WORKDAYS = 5
# A withdrawal's reason, and each reason of a supplement notice (a material's note), are
# short texts; other reasons are free texts up to the site's limit (core.limits).
WITHDRAW_REASON_MAX = 300
SUPPLEMENT_REASON_MAX = 300


def _lock(case_id, *related) -> Case:
    if related:  # joined rows are read, not locked (PostgreSQL: no FOR UPDATE on an outer join)
        return Case.objects.select_for_update(of=("self",)).select_related(*related).get(pk=case_id)
    return Case.objects.select_for_update().get(pk=case_id)


def _bulk_update(model, changed: list, fields: list[str]) -> None:
    """One UPDATE of `fields` on every row (and `updated_at` where the model keeps it),
    after the checks a save would have made."""
    if not changed:
        return
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        now = timezone.now()
        for row in changed:
            row.updated_at = now
        fields = [*fields, "updated_at"]
    for row in changed:
        limits.check_stored_text(model, row, update_fields=fields)
    rows.update(model, changed, fields)


def _email_text(case: Case, body: str, url: str) -> str:
    """Plain text: mail clients and old phones show it as written."""
    return _(
        "%(name)s，您好：\n\n%(body)s\n\n查看办件进度：%(url)s\n\n"
        "此邮件由一网通办系统自动发送，请勿直接回复。"
    ) % {
        "name": case.applicant.real_name or case.applicant.get_username(),
        "body": body,
        "url": url,
    }


def announce(kind: str, case: Case, *, by, **payload) -> None:
    """Append the domain event `kind` of the case (docs/events.md) in the caller's
    transaction, with its status and its journey's parent; the payload is ids and codes."""
    events.append(
        kind,
        case,
        by=by,
        org_path=case.place_path,
        status=str(case.status),
        parent=case.parent_id,
        **payload,
    )


def _notify_applicant(case: Case, subject: str, body: str) -> None:
    link = f"/my/cases/{case.pk}/"
    url = links.absolute(link)
    applicant = case.applicant
    mail = _email_text(case, body, url) if applicant.email else ""

    def send():
        # On site, by SMS and by e-mail: one insert, and one transaction to queue them.
        messages = [(notify.Channel.SITE, applicant, "", subject, body, link)]
        if applicant.phone:
            sms = f"【一网】{subject}：{body}"
            messages.append((notify.Channel.SMS, applicant, applicant.phone, "", sms, ""))
        if applicant.email:
            messages.append(
                (notify.Channel.EMAIL, applicant, applicant.email, f"【一网】{subject}", mail, link)
            )
        notify.send_all(messages)

    transaction.on_commit(send)


# --- drafts ---------------------------------------------------------------------------------


def _check_applicant(by, applicant, enterprise) -> None:
    if by.pk != applicant.pk:
        policy.require(by, "case.file_for_walk_in")
    if enterprise is not None:
        from yiwang.identity.services import enterprises_of

        if not enterprises_of(applicant).filter(pk=enterprise.pk).exists():
            raise ValidationError(_("您没有代该企业办事的有效授权。"), code="not_authorised")


def _place_for(version: ItemVersion, place=None):
    places = list(version.places.all())
    if place is not None:
        if place not in places:
            raise ValidationError(_("该事项不在这个地点办理。"), code="wrong_place")
        return place
    if not places:
        raise ValidationError(_("该事项没有办理地点。"), code="no_place")
    return places[0]


def _fill_from_request(case: Case, definition, form) -> None:
    """The form an app sends with a new draft, checked as update_form checks a save: all
    or nothing (FormInvalid, and the draft is not created)."""
    keys = set(form) if isinstance(form, dict) else set()
    change = filling.change(case, definition, form, keep_valid=False, confirmed=keys)
    if change.errors:
        raise FormInvalid(change.errors, _invalid_words(definition, change.errors))
    case.form_data, case.form_sources, case.field_notes = (
        change.data,
        change.sources,
        change.notes,
    )


@transaction.atomic
def start_case(version_id, *, by, applicant=None, enterprise=None, place=None, form=None) -> Case:
    """A draft case for one published item version (its pk, or the version read with its
    item and department). `form`: values of the form to save with it (see update_form)."""
    applicant = applicant or by
    _check_applicant(by, applicant, enterprise)
    if isinstance(version_id, ItemVersion):
        version = version_id
    else:
        version = ItemVersion.objects.select_related("item", "department").get(pk=version_id)
    if version.status != "published":
        raise ValidationError(_("该事项当前不能申请。"), code="not_published")
    where = _place_for(version, place)
    case = Case.objects.create(
        item_version=version,
        title=version.name,
        applicant=applicant,
        enterprise=enterprise,
        filed_by=by if by.pk != applicant.pk else None,
        place=where,
        place_path=where.path,
        department=version.department,
        channel="window" if by.pk != applicant.pk else "online",
    )
    # The case first: a licence read to prefill its form is recorded against it.
    definition = filling.definition_of(case)
    filling.start(case, definition)
    if form is not None:
        _fill_from_request(case, definition, form)
    case.save(update_fields=["form_data", "form_sources", "field_notes"])
    _add_materials(case, [version])
    CaseEvent.objects.create(case=case, actor=by, action="draft", to_status=Status.DRAFT)
    audit.record(by, "case.draft_started", case, org_path=case.place_path)
    return case


@transaction.atomic
def start_bundle_case(
    bundle_code: str, *, by, applicant=None, enterprise=None, place=None, form=None
) -> Case:
    """A 一件事 application: a parent case and one child case per item, each pinning the
    item version published now; the materials are asked once for the whole journey.
    `form`: values of the merged form to save with it (see update_form)."""
    applicant = applicant or by
    _check_applicant(by, applicant, enterprise)
    view = bundle_view(bundle_code)
    if not view.versions:
        raise ValidationError(_("该一件事当前不能申请。"), code="not_published")
    where = _place_for(view.versions[0], place)
    common = {
        "applicant": applicant,
        "enterprise": enterprise,
        "place": where,
        "place_path": where.path,
        "filed_by": by if by.pk != applicant.pk else None,
        "channel": "window" if by.pk != applicant.pk else "online",
    }
    parent = Case.objects.create(bundle=view.bundle, title=view.bundle.name, **common)
    children = [
        Case(
            parent=parent,
            bundle=view.bundle,
            item_version=version,
            title=version.name,
            department=version.department,
            **common,
        )
        for version in view.versions
    ]
    # 一表申请: one merged form on the journey, each child its own item's part.
    definition = filling.definition_of(parent, children)
    filling.start(parent, definition)
    if form is not None:
        _fill_from_request(parent, definition, form)
    parent.save(update_fields=["form_data", "form_sources", "field_notes"])
    filling.parts(parent, definition, children)
    children = Case.objects.bulk_create(children)
    _add_materials(
        parent,
        view.versions,
        mains=view.main,
        children={child.item_version_id: child for child in children},
    )
    CaseEvent.objects.create(case=parent, actor=by, action="draft", to_status=Status.DRAFT)
    audit.record(
        by,
        "case.draft_started",
        parent,
        org_path=parent.place_path,
        summary={"bundle": bundle_code},
    )
    return parent


def _add_materials(
    case: Case, versions: list[ItemVersion], *, mains=(), children: dict | None = None
) -> None:
    """One row per document (cases.planning), each linked to the requirements it answers:
    a few queries whatever the number of documents (a bundle asks for a dozen or more).
    `children` maps an item version's pk to its child case, for documents an earlier main
    item of the bundle produces."""
    prefetch_related_objects(
        list(versions),
        Prefetch("materials", MaterialRequirement.objects.select_related("license_type")),
    )
    prefetch_related_objects([m for m in mains], "result_license_type")
    planned = planning.plan(list(versions), mains=list(mains))
    children = children or {}
    materials = CaseMaterial.objects.bulk_create(
        [
            CaseMaterial(
                case=case,
                name=entry.name,
                required=entry.required,
                tolerable=entry.tolerable,
                state=entry.state,
                note=entry.note,
                produced_by=children.get(entry.produced_by.pk) if entry.produced_by else None,
                position=position,
            )
            for position, entry in enumerate(planned)
        ]
    )
    links = CaseMaterial.requirements.through
    links.objects.bulk_create(
        [
            links(casematerial_id=material.pk, materialrequirement_id=requirement.pk)
            for material, entry in zip(materials, planned, strict=True)
            for requirement in entry.requirements
        ]
    )
    for material, entry in zip(materials, planned, strict=True):
        # What a prefetch of the links just written would read back, in the model's order.
        answered = material.requirements.all()
        answered._result_cache = sorted(entry.requirements, key=lambda r: (r.version_id, r.seq))
        answered._prefetch_done = True
        material._prefetched_objects_cache = {"requirements": answered}
    # 电子证照库: a valid licence of the linked type satisfies it without upload.
    changed = [material for material in materials if reuse.apply(material, case)]
    _bulk_update(CaseMaterial, changed, ["state", "license", "note"])
    for material in changed:
        if material.license_id:
            _record_license_use(case, material)


def _record_license_use(case: Case, material: CaseMaterial) -> None:
    audit.record(
        "cases.reuse",
        "case.material_from_license",
        case,
        org_path=case.place_path,
        summary={"material": material.name, "license": material.license.number},
    )


def _askable(material: CaseMaterial) -> None:
    if material.state in NOT_ASKED:
        raise ValidationError(
            _("“%(name)s”不需要提交：%(why)s")
            % {"name": material.name, "why": material.get_state_display()},
            code="material_not_asked",
        )


def _editable(case_id, by, *related) -> Case:
    case = _lock(case_id, *related)
    _check_editable(case, by)
    return case


def _check_editable(case: Case, by) -> None:
    if by.pk not in {case.applicant_id, case.filed_by_id}:
        policy.require(by, "case.edit", case)  # 404 to outsiders, 403 to staff who see it
    if case.status not in {Status.DRAFT, Status.SUPPLEMENT}:
        raise ValidationError(_("办件已提交，不能再修改。"), code="not_editable")


class FormInvalid(ValidationError):
    """A save or a submit the form's rules refuse. `field_errors` lists each problem
    (forms.validation.FieldError: pointer, key, message, code); nothing was saved."""

    def __init__(self, field_errors: list, message: str = ""):
        self.field_errors = list(field_errors)
        super().__init__(message or _("申请表有需要修改的地方。"), code="form_invalid")


def _save_form(case: Case, definition, change, children) -> None:
    case.form_data, case.form_sources, case.field_notes = (
        change.data,
        change.sources,
        change.notes,
    )
    case.save(update_fields=["form_data", "form_sources", "field_notes", "updated_at"])
    if case.is_bundle:
        _write_parts(case, definition, children)


def _write_parts(case: Case, definition, children) -> None:
    """Every save writes each child the part its item asks: one statement for them all."""
    filling.parts(case, definition, children)
    now = timezone.now()
    for child in children:
        child.updated_at = now
    Case.objects.bulk_update(children, ["form_data", "form_sources", "updated_at"])


def _form_case(case_id, by):
    case = _editable(case_id, by, "item_version")  # the version names the form
    if case.parent_id:
        raise ValidationError(_("请在一件事申请上填写申请表。"), code="use_parent")
    children = filling.children_of(case) if case.is_bundle else []
    return case, filling.definition_of(case, children), children


@transaction.atomic
def update_form(case_id, *, by, data: dict) -> Case:
    """Save values of the form (the API's PATCH): all or nothing. An unknown field, a value
    the form's rules refuse, or a change to a prefilled value the item does not let the
    applicant change raises FormInvalid and saves nothing. Sending a field the window
    asked to correct answers that note. Required fields are checked at submit."""
    case, definition, children = _form_case(case_id, by)
    keys = set(data) if isinstance(data, dict) else set()
    change = filling.change(case, definition, data, keep_valid=False, confirmed=keys)
    if change.errors:
        raise FormInvalid(change.errors, _invalid_words(definition, change.errors))
    _save_form(case, definition, change, children)
    return case


@transaction.atomic
def save_form(case_id, *, by, data: dict, confirmed=()) -> list:
    """Save what is valid of the form (the pages and their autosave) and return the
    problems of the rest (FieldError), which stay as they were for the applicant to fix.
    `confirmed`: fields the window asked to correct that the applicant checked unchanged."""
    case, definition, children = _form_case(case_id, by)
    change = filling.change(case, definition, data, keep_valid=True, confirmed=confirmed)
    if change.changed or change.notes != case.field_notes:
        _save_form(case, definition, change, children)
    return change.errors


def _invalid_words(definition, errors) -> str:
    return _("申请表有%(n)d处需要修改，什么也没有保存：%(list)s") % {
        "n": len(errors),
        "list": filling.sentences(definition, errors),
    }


@transaction.atomic
def attach_file(material_id, *, by, uploaded, case_id=None) -> CaseFile:
    """A file for a material. `case_id`: the case the caller says the material belongs to
    (the API's URL names both): it is locked first and the material read under its lock;
    a material of another case does not exist (CaseMaterial.DoesNotExist)."""
    if case_id is None:
        case_id = CaseMaterial.objects.values_list("case_id", flat=True).get(pk=material_id)
    case = _lock(case_id)
    material = CaseMaterial.objects.get(pk=material_id, case_id=case.pk)  # under the lock
    material.case = case
    _check_editable(case, by)
    _askable(material)
    transitions.MATERIAL.check(material.state, CaseMaterial.State.UPLOADED)
    checked = uploads.check(uploaded)
    # The same bytes twice on one material add nothing but noise for the clerk: refused.
    # On another material of the case it may be right (one scan for two documents) or a
    # mix-up: saved, and the applicant is told where else it is (stored.same_file_on).
    same_file_on = dict(
        CaseFile.objects.filter(material__case_id=material.case_id, sha256=checked.sha256)
        .values_list("material_id", "material__name")
        .order_by("material__position")
    )
    if material.pk in same_file_on:
        raise ValidationError(_("这个文件已经上传过了，不用再传。"), code="upload_duplicate")
    uploaded.name = checked.safe_name
    stored = CaseFile.objects.create(
        material=material,
        file=uploaded,
        original_name=checked.safe_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by,
    )
    # An upload is the applicant's choice: it replaces a licence taken from the library.
    unchanged = material.state == CaseMaterial.State.UPLOADED and material.license_id is None
    transitions.MATERIAL.move(material, CaseMaterial.State.UPLOADED)
    material.license = None
    if not unchanged:  # a second file for a material: nothing to write
        material.save(update_fields=["state", "license"])
    audit.record(
        by,
        "case.file_attached",
        case,
        org_path=case.place_path,
        summary={"material": material.name, "sha256": checked.sha256},
    )
    stored.same_file_on = list(same_file_on.values())
    return stored


@transaction.atomic
def provide_at_window(material_id, *, by) -> CaseMaterial:
    material = CaseMaterial.objects.select_related("case").get(pk=material_id)
    _editable(material.case_id, by)
    material.refresh_from_db(fields=["state"])
    _askable(material)
    transitions.MATERIAL.move(material, CaseMaterial.State.AT_WINDOW)
    material.save(update_fields=["state"])
    return material


@transaction.atomic
def provide_online(material_id, *, by) -> CaseMaterial:
    """Undo "at the window": the material counts as uploaded if it has files."""
    material = CaseMaterial.objects.select_related("case").get(pk=material_id)
    _editable(material.case_id, by)
    if material.state == CaseMaterial.State.AT_WINDOW:
        has_files = material.files.exists()
        transitions.MATERIAL.move(
            material, CaseMaterial.State.UPLOADED if has_files else CaseMaterial.State.MISSING
        )
        reuse.apply(material, material.case)
        material.save(update_fields=["state", "license", "note"])
    return material


@transaction.atomic
def remove_file(file_id, *, by) -> CaseMaterial:
    """Take back a file uploaded by mistake while the application can still be changed.
    The stored copy is deleted only once the removal is committed."""
    case_id = CaseFile.objects.values_list("material__case_id", flat=True).get(pk=file_id)
    case = _editable(case_id, by)
    # Read again under the case's lock: a concurrent removal may have taken it already.
    stored = CaseFile.objects.select_related("material").get(pk=file_id)
    material = stored.material
    storage, name = stored.file.storage, stored.file.name
    stored.delete()
    if material.state != CaseMaterial.State.AT_WINDOW and not material.files.exists():
        transitions.MATERIAL.move(material, CaseMaterial.State.MISSING)
        reuse.apply(material, case)  # back to the library's licence, if there is one
        material.save(update_fields=["state", "license", "note"])
    audit.record(
        by,
        "case.file_removed",
        case,
        org_path=case.place_path,
        summary={
            "material": material.name,
            "file": stored.original_name,
            "sha256": stored.sha256,
        },
    )
    # robust: a storage hiccup leaves an orphaned blob, never a failed request after commit.
    transaction.on_commit(lambda: storage.delete(name), robust=True)
    return material


# --- submit ---------------------------------------------------------------------------------


def _refresh_library(case: Case, materials: list[CaseMaterial], today=None) -> list:
    """Check the materials taken from the e-licence library again (see
    refresh_library_materials) among `materials`, the case's missing and library ones;
    save and return the changed ones."""
    if case.status not in {Status.DRAFT, Status.SUPPLEMENT}:
        return []
    changed = []
    today = today or timezone.localdate()
    prefetch_related_objects(materials, "requirements__license_type")
    for material in materials:
        if reuse.apply(material, case, today):
            material.save(update_fields=["state", "license", "note"])
            if material.license_id:
                _record_license_use(case, material)
            changed.append(material)
    return changed


def _missing_or_library(case: Case) -> list[CaseMaterial]:
    return list(
        case.materials.filter(
            state__in=[CaseMaterial.State.MISSING, CaseMaterial.State.FROM_LICENSE]
        )
    )


@transaction.atomic
def refresh_library_materials(case_id, *, by) -> list[CaseMaterial]:
    """Check every material taken from the e-licence library again (a licence may have
    expired or been revoked since the draft was started, or been issued meanwhile); a lost
    one falls back to an upload with the reason in its note. Returns the changed ones."""
    case = _lock(case_id)
    policy.require(by, "case.view", case)
    if case.status not in {Status.DRAFT, Status.SUPPLEMENT}:
        return []
    return _refresh_library(case, _missing_or_library(case))


# Read with the journey's lock: a bundle's merged form names each item and the licence its
# result gives (forms.for_versions); the applicant is told.
SUBMIT_RELATED = (
    "item_version__item",
    "item_version__result_license_type",
    "applicant",
)


def submit(case_id, *, by) -> Case:
    """File the application: every case of the journey gets its number, the receipt day is
    today and the window has 5 working days to answer (Art. 32). The journey is loaded
    locked in one statement (aggregate.for_case), the filing decided on its values
    (decide_case.submission) and written in one statement per table. Licences taken from
    the library are checked again first, under the same lock; when that changed a material
    and the submit then fails, the change is kept (committed without the submit), so an
    applicant whose licence was revoked meanwhile keeps the explanation."""
    with transaction.atomic():
        journey = aggregate.for_case(case_id, related=SUBMIT_RELATED)
        case = journey.case
        policy.require(by, "case.view", case)
        materials = _missing_or_library(case)
        if not _refresh_library(case, materials):
            return _submit(journey, by=by, materials=materials)
        try:
            with transaction.atomic():  # a savepoint: the refresh stays if the submit fails
                return _submit(journey, by=by, materials=materials)
        except Exception as error:  # noqa: BLE001 - raised again once the refresh is kept
            refused = error
    raise refused


def _submit(journey: "aggregate.CaseJourney", *, by, materials: list[CaseMaterial]) -> Case:
    """The submit itself, on the locked journey; `materials`: the case's missing and
    library ones, as the refresh left them."""
    from yiwang.journey.workflow import services as workflow  # lazily: the workflow imports cases

    case = journey.case
    family = journey.family if case is journey.top else [case]
    children = journey.children if case.is_bundle and case is journey.top else []
    # An item of a 一件事 is not filed alone (submit_parent): it has no form of its own.
    definition = None if case.parent_id else filling.definition_of(case, children)
    problems = _submit_problems(case, definition, materials) if definition else []
    decided = decide_case.submission(
        [m.status for m in family],
        is_item=bool(case.parent_id),
        problems=problems,
        today=timezone.localdate(),
        add=calendar.add_workdays_checked,
    )
    # Filed as the form's rules keep it (a hidden field's value is not kept).
    case.form_data = filling.cleaned(case, definition)
    case.form_sources = {k: v for k, v in case.form_sources.items() if k in case.form_data}
    filling.parts(case, definition, children)
    writes = workflow._Writes(by)
    if not decided.first:  # the notice is answered by this filing
        case.notices.filter(answered_at__isnull=True).update(answered_at=writes.now)
    # The numbers now, so that the journey's one UPDATE carries them: the day's counter
    # row stays locked from here to the commit, a few inserts later.
    numbering.assign(family, decided.received_on, save=False)
    first = {"submitted_at": writes.now} if decided.first else {}
    for member in family:
        writes.move(
            member,
            Status.SUBMITTED,
            action=decided.action,
            number=member.number,
            form_data=member.form_data,
            form_sources=member.form_sources,
            received_on=decided.received_on,
            intake_due_on=decided.intake_due_on,
            **first,
        )
    kind = "case.resubmitted" if not decided.first else "case.submitted"
    writes.audits.append((kind, case, {}, case.place_path))
    writes.announce(kind, case)
    writes.save()
    _notify_applicant(
        case,
        _("办件已提交"),
        _("%(title)s（%(number)s）已提交，窗口将在5个工作日内处理。")
        % {"title": case.title, "number": case.number},
    )
    return case


def _submit_problems(case: Case, definition, materials) -> list[ValidationError]:
    """Everything that stops the application being filed, each a sentence: the form, the
    fields the window asked to correct, the materials (`materials`: the case's missing and
    library ones, read under the lock)."""
    problems = []
    errors = filling.problems(case, definition)
    if errors:
        problems.append(
            FormInvalid(
                errors,
                _("申请表还没有填好：%(list)s 请回到申请表修改。")
                % {"list": filling.sentences(definition, errors)},
            )
        )
    if case.field_notes:
        problems.append(
            ValidationError(
                _("窗口要求更正的这些项还没有修改或确认：%(names)s。")
                % {"names": "、".join(filling.label_of(definition, k) for k in case.field_notes)},
                code="fields_to_correct",
            )
        )
    missing = [
        f"{m.name}（{m.note}）" if m.note else m.name
        for m in materials
        if m.required and not m.tolerable and m.state == CaseMaterial.State.MISSING
    ]
    if missing:
        problems.append(
            ValidationError(
                _("还缺少这些材料：%(names)s。请上传，或选择到窗口提交。")
                % {"names": "、".join(missing)},
                code="materials_missing",
            )
        )
    return problems


@transaction.atomic
def withdraw(case_id, *, by, reason: str = "") -> Case:
    """撤回: the applicant withdraws the application — the journey's cases not decided yet
    end as withdrawn, their open tasks are cancelled and a pending delivery is dropped.
    Loaded locked (aggregate.for_case), decided (decide_case.withdrawal), written in bulk."""
    from yiwang.journey.workflow import services as workflow  # lazily: the workflow imports cases
    from yiwang.journey.workflow.models import ApprovalTask, ResultDelivery, TaskStatus
    from yiwang.journey.workflow.transitions import TASK

    journey = aggregate.for_case(case_id, "delivery")
    case = journey.case
    policy.require(by, "case.view", case)
    # Withdrawing the journey's parent withdraws its items; an item alone, itself.
    members = journey.family if case is journey.top else [case]
    moving, reason = decide_case.withdrawal(
        [(m.pk, m.status) for m in members],
        by_applicant=case.applicant_id == by.pk,
        reason=reason,
        max_chars=WITHDRAW_REASON_MAX,
    )
    writes = workflow._Writes(by)
    for member in members:
        if member.pk in moving:
            writes.move(member, Status.WITHDRAWN, action="withdraw", note=reason)
    TASK.update(
        ApprovalTask.objects.filter(case_id__in=[m.pk for m in members]),
        TaskStatus.CANCELLED,
        completed_at=writes.now,
    )
    if case.delivery_status == "pending":  # read with the lock: only then a DELETE
        ResultDelivery.objects.filter(pk=case.delivery_pk).delete()
    writes.audits.append(("case.withdrawn", case, {}, case.place_path))
    writes.announce("case.withdrawn", case)
    writes.save()
    return case


# --- intake at the comprehensive window ----------------------------------------------------


def _intake_journey(case_id, by, *needs, related=()) -> "aggregate.CaseJourney":
    """The window's command on a journey: every case of it locked in one statement, the
    clerk's right checked on the parent (none for the worker's deemed acceptance, by=None)."""
    journey = aggregate.for_case(case_id, *needs, related=related)
    if by is None:
        return journey
    policy.require(by, "case.intake", journey.case)
    if journey.case.parent_id:
        raise ValidationError(_("请在一件事主办件上操作。"), code="use_parent")
    return journey


CLOCK_FIELDS = ["promised_due_on", "statutory_due_on", "due_provisional", "warning_on"]


def _start_clock(case: Case, start: datetime.date) -> None:
    """Deadlines in working days from acceptance, from the item version's time limits,
    and the day the yellow warning begins."""
    from yiwang.journey.workflow.clocks import warning_start  # lazily: clocks imports cases

    version = case.item_version
    promised = calendar.add_workdays_checked(start, version.promised_days)
    statutory = calendar.add_workdays_checked(start, version.statutory_days)
    case.promised_due_on, case.statutory_due_on = promised.date, statutory.date
    case.due_provisional = promised.provisional or statutory.provisional
    case.warning_on = warning_start(case.promised_due_on, version.promised_days)


@transaction.atomic
def accept(case_id, *, by, tolerated: bool = False, deemed: bool = False) -> Case:
    """受理: starts every clock of the journey. With tolerance (容缺), materials that may
    come later are tracked until provided; a deemed acceptance (Art. 32, by the worker:
    `by` None) counts from the day of receipt. The journey is loaded locked in one
    statement with its items' versions and the applicant, decided by
    decide_case.acceptance, and written — accepted (3), then in review (8) with the first
    stage pushed — in one statement per table."""
    from yiwang.journey.workflow import services as workflow  # lazily: the workflow imports cases
    from yiwang.journey.workflow.clocks import yellow_threshold

    journey = _intake_journey(case_id, by, related=("item_version", "applicant"))
    case = journey.case
    family = journey.family
    open_materials = list(case.materials.filter(required=True).exclude(state__in=PROVIDED))
    start = case.received_on if deemed else timezone.localdate()
    decided = decide_case.acceptance(
        [m.status for m in family],
        owed=[decide_case.Owed(m.pk, m.name, m.tolerable, m.state) for m in open_materials],
        tolerated=tolerated,
        deemed=deemed,
        start=start,
        days={
            m.pk: (m.item_version.promised_days, m.item_version.statutory_days)
            for m in family
            if m.item_version_id
        },
        add=calendar.add_workdays_checked,
        yellow=yellow_threshold,
    )
    writes = workflow._Writes(by)
    owed = bool(decided.tolerated)
    for member in family:
        clock = decided.clocks.get(member.pk)
        clock_fields = {name: getattr(clock, name) for name in CLOCK_FIELDS} if clock else {}
        writes.move(
            member,
            Status.ACCEPTED,
            action=decided.action,
            accepted_at=writes.now,
            tolerated=owed,
            deemed_accepted=deemed,
            **clock_fields,
        )
    if decided.tolerated:
        CaseMaterial.objects.filter(pk__in=decided.tolerated).update(
            state=CaseMaterial.State.TOLERATED
        )
    # accepted → in_review (8), first tasks pushed, with the acceptance's writes
    workflow.start_approval(case, by=by, children=family[1:], writes=writes)
    kind = "case.deemed_accepted" if deemed else "case.accepted"
    writes.audits.append((kind, case, {"tolerated": owed}, case.place_path))
    writes.announce("case.accepted", case, deemed=deemed, tolerated=owed)
    writes.save()
    _notify_applicant(
        case,
        _("办件已受理"),
        _("%(title)s（%(number)s）已受理。") % {"title": case.title, "number": case.number},
    )
    return case


def _notice_items(case: Case, items, materials: dict) -> list[dict]:
    """The notice's entries as stored: a material ({"material", "name", "reason"}) or a
    field of the form ({"field", "name", "reason"}), each with a reason; one entry per
    material or field."""
    definition = None
    entries, seen = [], set()
    for entry in items:
        if not isinstance(entry, dict):
            raise ValidationError(_("每一项都要选择材料并写明原因。"), code="item_incomplete")
        # The reason is also the material's (or field's) note, a column of this size.
        reason = limits.clean_text(
            entry.get("reason"), label=_("补正原因"), max_chars=SUPPLEMENT_REASON_MAX
        )
        if not reason:
            raise ValidationError(_("每一项都要选择材料并写明原因。"), code="item_incomplete")
        if entry.get("field") not in (None, ""):
            if definition is None:
                definition = filling.definition_of(case)
            key = str(entry["field"])
            if definition.field(key) is None:
                raise ValidationError(
                    _("申请表没有“%(key)s”这一项。") % {"key": key[:40]}, code="unknown_field"
                )
            name = _("申请表：%(label)s") % {"label": definition.field(key).label}
            item = {"field": key, "name": name, "reason": reason}
        elif entry.get("material") in materials:
            material = materials[entry["material"]]
            item = {"material": material.pk, "name": material.name, "reason": reason}
        else:
            raise ValidationError(_("每一项都要选择材料并写明原因。"), code="item_incomplete")
        marker = ("field", item["field"]) if "field" in item else ("material", item["material"])
        if marker in seen:
            raise ValidationError(
                _("“%(name)s”列了两次，请合并为一项。") % {"name": item["name"]},
                code="item_twice",
            )
        seen.add(marker)
        entries.append(item)
    return entries


@transaction.atomic
def request_supplement(case_id, *, by, items: list[dict], repeat_reason: str = "") -> Case:
    """一次性告知: ONE complete list of what is missing or defective — materials and fields
    of the form — each with a reason. A field's reason is shown to the applicant beside it
    (Case.field_notes) until they change or confirm it; the window never changes what the
    applicant declared. A second notice on the same case needs a reason, which is audited.
    The journey is loaded locked with whether a notice was given before, the rule decided
    by decide_case.supplement, the journey's cases written in bulk."""
    from yiwang.journey.workflow import services as workflow  # lazily: the workflow imports cases

    journey = _intake_journey(case_id, by, "notice")
    case = journey.case
    if not items:
        raise ValidationError(_("请列出需要补正的每一项材料及原因。"), code="no_items")
    materials = {m.pk: m for m in case.materials.all()}
    entries = _notice_items(case, items, materials)
    field_notes, repeat_reason = decide_case.supplement(
        [m.status for m in journey.family],
        entries=entries,
        material_states={pk: m.state for pk, m in materials.items()},
        repeat_reason=repeat_reason,
        noticed_before=case.has_notice,
    )
    writes = workflow._Writes(by)
    for member in journey.family:
        writes.move(member, Status.SUPPLEMENT, action="supplement")
    writes.change(case, field_notes=field_notes)
    notice = SupplementNotice.objects.create(
        case=case, issued_by=by, repeat_reason=repeat_reason, items=entries
    )
    defective = []
    for entry in entries:
        if "material" in entry:
            material = materials[entry["material"]]
            transitions.MATERIAL.move(material, CaseMaterial.State.DEFECTIVE)
            material.note = entry["reason"]
            defective.append(material)
    _bulk_update(CaseMaterial, defective, ["state", "note"])  # one UPDATE for the notice
    summary = {"items": len(entries), "fields": sorted(field_notes), "repeat_reason": repeat_reason}
    writes.audits.append(("case.supplement_requested", case, summary, case.place_path))
    writes.announce("case.supplement_requested", case, notice=notice.pk, items=len(entries))
    writes.save()
    _notify_applicant(
        case,
        _("请补正材料"),
        _("%(title)s需要补正%(n)d项内容，请查看一次性告知书。")
        % {"title": case.title, "n": len(entries)},
    )
    return case


@transaction.atomic
def refuse(case_id, *, by, reason: str) -> Case:
    """不予受理, with a reason the applicant reads in the decision letter: every case of the
    journey, loaded locked and written in bulk."""
    from yiwang.journey.workflow import services as workflow  # lazily: the workflow imports cases

    journey = _intake_journey(case_id, by)
    case = journey.case
    reason = decide_case.refusal([m.status for m in journey.family], reason=reason)
    writes = workflow._Writes(by)
    for member in journey.family:
        writes.move(
            member,
            Status.REFUSED,
            action="refuse",
            note=reason,
            refusal_reason=reason,
            concluded_at=writes.now,
        )
    writes.audits.append(("case.refused", case, {}, case.place_path))
    # The applicant's notice carries the invitation to rate (好差评: refusals are rated
    # too): feedback's subscriber sends it with the words of decision_notice.
    writes.announce("case.refused", case)
    writes.save()
    return case


def notify_applicant(case: Case, subject: str, body: str) -> None:
    """Tell the applicant in the site, by SMS and by e-mail, once the transaction commits
    (for the subscribers that send a journey's notices)."""
    _notify_applicant(case, subject, body)


def decision_notice(case: Case, status: str) -> tuple[str, str]:
    """(subject, body) of the applicant's notice of a refusal or of a journey's conclusion
    (`status`: refused, or the outcome). Sent by the subscriber of case.refused /
    case.concluded that adds the invitation to rate (feedback.handlers), in one message."""
    if status == Status.REFUSED:
        return _("办件不予受理"), _("%(title)s不予受理，理由见不予受理决定书。") % {
            "title": case.title
        }
    words = (
        _("%(title)s（%(number)s）不予许可，理由见不予许可决定书。")
        if status == Status.DENIED
        else _("%(title)s（%(number)s）已办结，准予许可。")
    )
    return _("办件已办结"), words % {"title": case.title, "number": case.number}


def deem_overdue_accepted(today: datetime.date | None = None) -> list[int]:
    """行政许可法 第三十二条: no notice or decision within 5 working days of receipt means
    accepted as of the receipt day. Run by the worker; safe to run twice."""
    today = today or timezone.localdate()
    overdue = Case.objects.filter(
        status=Status.SUBMITTED, parent__isnull=True, intake_due_on__lt=today
    ).values_list("pk", flat=True)
    done = []
    for case_id in list(overdue[:500]):
        try:
            accept(case_id, by=None, deemed=True)
        except TransitionError:
            continue  # acted on meanwhile
        done.append(case_id)
    return done


def recompute_provisional_deadlines() -> int:
    """Recompute every provisional deadline from its acceptance day; return how many are
    now final. Called when a year's holiday schedule is imported."""
    fixed = 0
    pending = Case.objects.filter(
        due_provisional=True, accepted_at__isnull=False, item_version__isnull=False
    ).select_related("item_version")
    for case in pending.iterator(chunk_size=500):
        with transaction.atomic():
            locked = _lock(case.pk)
            start = (
                locked.received_on
                if locked.deemed_accepted
                else timezone.localdate(locked.accepted_at)
            )
            _start_clock(locked, start)
            locked.save(
                update_fields=[
                    "promised_due_on",
                    "statutory_due_on",
                    "due_provisional",
                    "updated_at",
                ]
            )
            fixed += not locked.due_provisional
    return fixed


# --- the timeline's lines without a move -------------------------------------------------------
# The journey's commands load the journey locked (workflow.aggregate), decide
# (workflow.decide, workflow.decide_case) and write in bulk (workflow.services._Writes); what
# is left here is the line a licence produced for a later item of a 一件事 adds to the
# journey's timeline (cases.produced), written under the caller's lock.

CONCLUDED = frozenset({Status.APPROVED, Status.APPROVED_TOLERATED, Status.DENIED})


def record_event(case: Case, *, by, action: str, note: str = "") -> CaseEvent:
    """A timeline entry without a status change (a task pushed or done, a delivery)."""
    return CaseEvent.objects.create(
        case=case,
        actor=by if getattr(by, "pk", None) else None,
        action=action,
        from_status=case.status,
        to_status=case.status,
        note=note,
    )


# --- overdue: the applicant is told once ------------------------------------------------------

RUNNING = (Status.ACCEPTED, Status.IN_REVIEW)  # clocks that run (a suspended one does not)


def _overdue_on(day: datetime.date):
    return Case.objects.filter(
        status__in=RUNNING, promised_due_on__lt=day, overdue_told_at__isnull=True
    )


def tell_overdue(day: datetime.date | None = None, *, limit: int = 500) -> list[int]:
    """Tell each applicant whose case passed its promised deadline, once: with an apology,
    the department that handles it, its phone number and the page where to urge (催办).
    Each case is claimed by a conditional UPDATE of `overdue_told_at` (from NULL): of two
    workers, or two runs, only the one whose update changed the row tells. Returns the ids
    told."""
    from .templatetags.case_words import overdue_words

    day = day or timezone.localdate()
    told = []
    for case_id in list(_overdue_on(day).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            if not _overdue_on(day).filter(pk=case_id).update(overdue_told_at=timezone.now()):
                continue  # told by another run meanwhile, concluded, or paused
            case = Case.objects.select_related("applicant", "department", "place").get(pk=case_id)
            record_event(
                case,
                by=None,
                action="overdue_told",
                note=_("已超过承诺的办结期限，已向申请人致歉并告知联系方式。"),
            )
            _notify_applicant(case, _("办件已超期"), overdue_words(case))
        told.append(case_id)
    return told


def set_warning(case_ids, level: str) -> int:
    """Bulk: the warning job's result (no timeline entry; the job notifies)."""
    return Case.objects.filter(pk__in=list(case_ids)).update(warning=level)

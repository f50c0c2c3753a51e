"""The only door for changing the catalogue: drafts, review, publishing, and the diff that
reviewers read. One place to manage (catalogue admins), one place to publish (reviewers)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.core import limits
from yiwang.forms import services as forms
from yiwang.identity import policy

from . import cache, signals, transitions
from .models import (
    Attachment,
    Faq,
    GuideStep,
    ItemVersion,
    MaterialRequirement,
    ProcessStep,
    ServiceItem,
    VersionStatus,
)

# Guide fields an admin may edit on a draft (the item code and version bookkeeping are not).
# The long texts of a guide: a statute's articles or a list of conditions, not a book.
GUIDE_TEXT_MAX = 10000
GUIDE_TEXT_FIELDS = ["legal_basis", "conditions"]
EDITABLE_FIELDS = [
    "name",
    "name_en",
    "item_type",
    "department",
    "level",
    "audience",
    "legal_basis",
    "conditions",
    "statutory_days",
    "promised_days",
    "fee",
    "online_depth",
    "max_visits",
    "result_name",
    "result_type",
    "result_license_type",
    "appointment",
    "courier",
    "hot",
    "keywords",
]
EDITABLE_M2M = ["implementing_orgs", "places", "themes"]


def _lock(version_id) -> ItemVersion:
    return (
        ItemVersion.objects.select_for_update()
        .select_related("item", "department")
        .get(pk=version_id)
    )


def open_version(item: ServiceItem) -> ItemVersion | None:
    return item.versions.filter(
        status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW], source="editor"
    ).first()


@transaction.atomic
def start_draft(item_id, *, by) -> ItemVersion:
    """Editing a published item makes a new draft: a full copy of the published version.
    If a draft is already open it is returned instead of a second one."""
    item = ServiceItem.objects.select_for_update().get(pk=item_id)
    base = item.published or item.versions.order_by("-number").first()
    if base is None:
        raise ValidationError(_("该事项还没有任何版本。"), code="no_version")
    policy.require(by, "catalog.edit", base)
    existing = open_version(item)
    if existing is not None:
        return existing
    draft = copy_version(base, status=VersionStatus.DRAFT, by=by)
    audit.record(by, "catalog.draft_started", draft, summary={"from": base.number})
    return draft


def copy_version(base: ItemVersion, *, status, by) -> ItemVersion:
    number = base.item.versions.order_by("-number").values_list("number", flat=True).first()
    draft = ItemVersion.objects.create(
        item=base.item,
        number=number + 1,
        status=status,
        source="editor",
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **{f: getattr(base, f) for f in EDITABLE_FIELDS},
    )
    draft.implementing_orgs.set(base.implementing_orgs.all())
    draft.places.set(base.places.all())
    for theme in _themes_in_order(base):
        draft.themes.add(theme)
    for material in base.materials.prefetch_related("attachments"):
        attachments = list(material.attachments.all())
        material.pk, material.version = None, draft
        material.save()
        for attachment in attachments:  # the same stored file, a new row for the new version
            attachment.pk, attachment.material = None, material
            attachment.save()
    ProcessStep.objects.bulk_create(
        [
            ProcessStep(version=draft, seq=s.seq, name=s.name, role=s.role, days=s.days)
            for s in base.steps.all()
        ]
    )
    Faq.objects.bulk_create(
        [
            Faq(version=draft, seq=f.seq, question=f.question, answer=f.answer)
            for f in base.faqs.all()
        ]
    )
    GuideStep.objects.bulk_create(
        [
            GuideStep(version=draft, seq=g.seq, title=g.title, detail=g.detail)
            for g in base.guide_steps.all()
        ]
    )
    forms.copy_fields(base, draft)  # the form is part of the version (docs/forms.md)
    return draft


def _themes_in_order(version):
    through = ItemVersion.themes.through
    return [
        row.theme
        for row in through.objects.filter(itemversion=version)
        .select_related("theme")
        .order_by("id")
    ]


def _require_draft(version, by):
    policy.require(by, "catalog.edit", version)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(_("只有草稿可以修改。"), code="not_a_draft")


def guide_text(value, *, label: str, field: str = "") -> str:
    """A guide's long text (legal basis, conditions, notes, answers): bounded and clean."""
    return limits.clean_text(value, label=label, field=field, max_chars=GUIDE_TEXT_MAX)


def validate_fields(values: dict) -> None:
    errors = {}
    for name in GUIDE_TEXT_FIELDS:
        if isinstance(values.get(name), str):
            try:
                guide_text(values[name], label=str(ItemVersion._meta.get_field(name).verbose_name))
            except ValidationError as exc:
                errors[name] = exc.messages[0]
    statutory, promised = values.get("statutory_days"), values.get("promised_days")
    if statutory is not None and promised is not None and promised > statutory:
        errors["promised_days"] = _("承诺时限不能超过法定时限。")
    if values.get("result_type") == "证照" and not values.get("result_license_type"):
        errors["result_license_type"] = _("结果类型为证照时，应选择证照类型。")
    if not values.get("name", "x"):
        errors["name"] = _("事项名称不能为空。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def update_draft(version_id, *, by, fields: dict, m2m: dict | None = None) -> ItemVersion:
    version = _lock(version_id)
    _require_draft(version, by)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    merged = {f: getattr(version, f) for f in EDITABLE_FIELDS} | fields
    validate_fields(merged)
    before = {f: getattr(version, f) for f in fields}
    for name, value in fields.items():
        setattr(version, name, value)
    version.save()
    for name, objects in (m2m or {}).items():
        if name not in EDITABLE_M2M:
            raise ValidationError(_("不能修改这些字段：%(f)s") % {"f": name})
        if name == "themes":
            version.themes.clear()
            for theme in objects:
                version.themes.add(theme)
        else:
            getattr(version, name).set(objects)
    changed = {k: [str(before[k]), str(fields[k])] for k in fields if before[k] != fields[k]}
    audit.record(
        by, "catalog.draft_updated", version, summary={"changed": changed, "m2m": sorted(m2m or {})}
    )
    return version


@transaction.atomic
def replace_materials(version_id, *, by, materials: list[dict]) -> ItemVersion:
    """The draft's materials table as the editor submitted it (seq renumbered 1..n)."""
    version = _lock(version_id)
    _require_draft(version, by)
    kept = {m.pk: m for m in version.materials.all()}
    seen = set()
    for seq, data in enumerate(materials, start=1):
        if not (data.get("name") or "").strip():
            raise ValidationError(_("第%(n)d项材料缺少名称。") % {"n": seq})
        if "notes" in data:
            data = {**data, "notes": guide_text(data["notes"], label=_("填报须知"))}
        # Same rule as the exchange file, so whatever is published exports and re-imports.
        from_library = data.get("source") == "电子证照库"
        if from_library and not data.get("license_type"):
            raise ValidationError(_("第%(n)d项材料来自电子证照库，请选择证照类型。") % {"n": seq})
        if not from_library and data.get("license_type"):
            raise ValidationError(
                _("第%(n)d项材料不是来自电子证照库，不应关联证照类型。") % {"n": seq}
            )
        material = kept.get(data.get("id")) or MaterialRequirement(version=version)
        material.seq = 1000 + seq  # park above the range while renumbering (unique seq)
        for key in [
            "name",
            "kind",
            "copies",
            "medium",
            "source",
            "license_type",
            "necessity",
            "notes",
        ]:
            if key in data:
                setattr(material, key, data[key])
        material.save()
        seen.add(material.pk)
    version.materials.exclude(pk__in=seen).delete()
    for material in version.materials.order_by("seq"):
        material.seq -= 1000
        material.save(update_fields=["seq"])
    audit.record(by, "catalog.materials_replaced", version, summary={"count": len(seen)})
    return version


@transaction.atomic
def replace_steps(version_id, *, by, steps: list[dict]) -> ItemVersion:
    version = _lock(version_id)
    _require_draft(version, by)
    version.steps.all().delete()
    ProcessStep.objects.bulk_create(
        [
            ProcessStep(
                version=version,
                seq=seq,
                name=s["name"],
                role=s["role"],
                days=int(s.get("days") or 0),
            )
            for seq, s in enumerate(steps, start=1)
        ]
    )
    audit.record(by, "catalog.steps_replaced", version, summary={"count": len(steps)})
    return version


@transaction.atomic
def replace_form(version_id, *, by, rows: list[dict]) -> ItemVersion:
    """The draft's application form (申请表) as the editor submitted it, in order.

    Rows are forms.services dicts; seq is renumbered 1..n in the order given. A row with an
    `id` of a stored row keeps what the editor does not show (prefill, narrowing rules)."""
    version = _lock(version_id)
    _require_draft(version, by)
    stored = {
        f.pk: forms.row_of(f) for f in version.form_fields.select_related("element", "code_list")
    }
    complete = []
    for seq, row in enumerate(rows, start=1):
        kept = stored.get(row.get("id"), {})
        complete.append({**kept, **{k: v for k, v in row.items() if k != "id"}, "seq": seq})
    forms.replace_fields(version.pk, rows=complete, by=by)
    return version


@transaction.atomic
def submit(version_id, *, by) -> ItemVersion:
    version = _lock(version_id)
    policy.require(by, "catalog.edit", version)
    transitions.VERSION.move(version, VersionStatus.IN_REVIEW)
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at", "updated_at"])
    audit.record(by, "catalog.submitted", version)
    return version


@transaction.atomic
def return_to_draft(version_id, *, by, comment: str) -> ItemVersion:
    version = _lock(version_id)
    policy.require(by, "catalog.review", version)
    comment = limits.clean_text(comment, label=_("修改意见"), field="comment")
    if not comment:
        raise ValidationError(_("退回时请写明修改意见。"), code="comment_required")
    transitions.VERSION.move(version, VersionStatus.DRAFT)
    version.review_comment = comment.strip()
    version.reviewed_by = by
    version.save(update_fields=["status", "review_comment", "reviewed_by", "updated_at"])
    audit.record(by, "catalog.returned", version, summary={"comment": comment.strip()})
    return version


@transaction.atomic
def publish(version_id, *, by) -> ItemVersion:
    version = _lock(version_id)
    policy.require(by, "catalog.review", version)
    transitions.VERSION.check(version.status, VersionStatus.PUBLISHED)
    version.reviewed_by = by
    _make_published(version)
    audit.record(by, "catalog.published", version, summary={"number": version.number})
    return version


def publish_imported(version: ItemVersion) -> None:
    """Publishing from an authorised import (the import itself is checked and audited)."""
    _make_published(version)


def _make_published(version: ItemVersion) -> None:
    item = ServiceItem.objects.select_for_update().get(pk=version.item_id)
    previous = item.published
    now = timezone.now()
    if previous is not None and previous.pk != version.pk:
        transitions.VERSION.move(previous, VersionStatus.RETIRED)
        previous.retired_at = now
        previous.save(update_fields=["status", "retired_at", "updated_at"])
    transitions.VERSION.move(version, VersionStatus.PUBLISHED)
    version.published_at = now
    version.save()
    item.published = version
    item.save(update_fields=["published"])
    signals.version_published.send(sender=ItemVersion, version=version, previous=previous)
    cache.invalidate()


def add_attachment(material_id, *, by, kind: str, title: str, uploaded) -> Attachment:
    import hashlib

    material = MaterialRequirement.objects.select_related("version__department").get(pk=material_id)
    _require_draft(material.version, by)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    attachment = Attachment.objects.create(
        material=material, kind=kind, title=title, file=uploaded, sha256=digest.hexdigest()
    )
    audit.record(
        by,
        "catalog.attachment_added",
        material.version,
        summary={"material": material.name, "title": title},
    )
    return attachment


@transaction.atomic
def replace_faqs(version_id, *, by, faqs: list[dict]) -> ItemVersion:
    """The draft's FAQs as the editor submitted them: [{"question", "answer"}, …]."""
    version = _lock(version_id)
    _require_draft(version, by)
    rows = [
        {**f, "answer": guide_text(f.get("answer"), label=_("解答"))}
        for f in faqs
        if (f.get("question") or "").strip()
    ]
    if any(not f["answer"] for f in rows):
        raise ValidationError(_("每个常见问题都需要填写解答。"), code="answer_required")
    version.faqs.all().delete()
    Faq.objects.bulk_create(
        [
            Faq(version=version, seq=n, question=f["question"].strip(), answer=f["answer"].strip())
            for n, f in enumerate(rows, start=1)
        ]
    )
    audit.record(by, "catalog.faqs_replaced", version, summary={"count": len(rows)})
    return version


@transaction.atomic
def replace_guide_steps(version_id, *, by, steps: list[dict]) -> ItemVersion:
    """The draft's 攻略 as the editor submitted it: [{"title", "detail"}, …]."""
    version = _lock(version_id)
    _require_draft(version, by)
    rows = [
        {**s, "detail": guide_text(s.get("detail"), label=_("说明"))}
        for s in steps
        if (s.get("title") or "").strip()
    ]
    version.guide_steps.all().delete()
    GuideStep.objects.bulk_create(
        [
            GuideStep(
                version=version,
                seq=n,
                title=s["title"].strip(),
                detail=(s.get("detail") or "").strip(),
            )
            for n, s in enumerate(rows, start=1)
        ]
    )
    audit.record(by, "catalog.guide_steps_replaced", version, summary={"count": len(rows)})
    return version


KEYWORD_MAX = 50


@transaction.atomic
def add_search_keyword(item_id, keyword: str, *, by) -> ItemVersion:
    """A citizen's words that found nothing, added to an item's keywords from the search
    review: on the item's open draft, started from the published version if none is open.
    Like every keyword it reaches the portal when a reviewer publishes the draft; publishing
    reindexes the item and invalidates cached search results (cache.invalidate)."""
    keyword = " ".join((keyword or "").split())
    if not keyword or len(keyword) > KEYWORD_MAX or "#" in keyword:
        raise ValidationError(
            _("关键词应为 1 至 %(n)s 个字，且不能含有已隐去的号码（#）。") % {"n": KEYWORD_MAX},
            code="bad_keyword",
        )
    draft = start_draft(item_id, by=by)
    if draft.status != VersionStatus.DRAFT:
        raise ValidationError(
            _("该事项的新版本正在审核中，请审核完成后再添加关键词。"), code="in_review"
        )
    if keyword in draft.keywords:
        return draft
    return update_draft(draft.pk, by=by, fields={"keywords": [*draft.keywords, keyword]})

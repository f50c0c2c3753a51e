"""The search documents: one per published item, rebuilt when a version is published
(catalog.signals.version_published) and in bulk by `yiwang reindex-search`."""

from django.db import transaction
from django.db.models import Prefetch

from ..models import ItemVersion, MaterialRequirement, SearchDocument, VersionStatus
from . import memory, text


def document_for(version: ItemVersion) -> SearchDocument:
    """The document of a version (its themes, materials and department are read; prefetch
    them when building many)."""
    keywords = [k for k in version.keywords if k]
    themes = [t.name for t in version.themes.all()]
    result = [version.result_name] if version.result_name else []
    colloquial = text.colloquial_for([version.name, *keywords, *result])
    materials = [m.name for m in version.materials.all()]
    body = [version.conditions, *materials, version.department.name]
    pinyin = []
    for phrase in [version.name, *keywords, *colloquial]:
        pinyin.extend(text.pinyin_forms(phrase))
    # The English names' words sit with the pinyin: Latin queries match both as prefixes
    # (docs/i18n.md): "business license" finds 营业执照 items.
    licence = version.result_license_type
    english = text.english_words(f"{version.name_en} {licence.name_en if licence else ''}")
    pinyin.extend(english)
    return SearchDocument(
        item_id=version.item_id,
        version=version,
        title=version.name,
        phrases="\n".join(dict.fromkeys([*keywords, *result, *colloquial])),
        title_pinyin=" ".join([text.title_pinyin(version.name), *english])[:400],
        # The whole name is a token too: typing the exact name ranks it first.
        name=" ".join([text.tokens(version.name), text.normalise(version.name)]),
        keywords=" ".join(text.tokens(p) for p in [*keywords, *result, *colloquial, *themes]),
        body=" ".join(text.tokens(p) for p in body if p),
        pinyin=" ".join(dict.fromkeys(pinyin)),
        hot=version.hot,
    )


def _versions():
    return ItemVersion.objects.select_related("department", "result_license_type").prefetch_related(
        "themes", Prefetch("materials", MaterialRequirement.objects.only("version_id", "name"))
    )


def index_version(version: ItemVersion) -> SearchDocument:
    """(Re)index a newly published version; the item's previous document goes."""
    version = _versions().get(pk=version.pk)
    document = document_for(version)
    SearchDocument.objects.filter(item_id=version.item_id).delete()
    document.save()
    memory.changed()
    return document


def remove_item(item_id) -> None:
    SearchDocument.objects.filter(item_id=item_id).delete()
    memory.changed()


@transaction.atomic
def rebuild(batch_size: int = 500) -> int:
    """Every published version, indexed afresh."""
    SearchDocument.objects.all().delete()
    ids = list(
        ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    count = 0
    for start in range(0, len(ids), batch_size):
        versions = _versions().filter(pk__in=ids[start : start + batch_size])
        SearchDocument.objects.bulk_create([document_for(v) for v in versions])
        count += len(versions)
    memory.changed()
    return count


def on_version_published(sender, version, previous=None, **kwargs):
    """Receiver of catalog.signals.version_published (inside the publishing transaction)."""
    index_version(version)

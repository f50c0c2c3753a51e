"""Read queries of the published catalogue, shared by pages, API and search. Every function
prefetches what its callers show, so a page costs a fixed number of queries."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from yiwang.identity.models import OrgKind, OrgUnit

from .models import (
    Bundle,
    BundleItem,
    ItemVersion,
    MaterialRequirement,
    Theme,
    VersionStatus,
)


def published():
    return ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)


def for_listing(queryset=None):
    """Versions with what a result card shows (name, department, depth, visits, days)."""
    return (
        (queryset if queryset is not None else published())
        .select_related("item", "department")
        .order_by("item__code")
    )


def guide(code: str) -> ItemVersion:
    """The published version of an item with everything its guide page shows."""
    return (
        published()
        .select_related("item", "department", "result_license_type")
        .prefetch_related(
            "implementing_orgs",
            "places",
            "themes",
            Prefetch(
                "materials",
                MaterialRequirement.objects.select_related("license_type").prefetch_related(
                    "attachments"
                ),
            ),
            "steps",
            "faqs",
            "guide_steps",
        )
        .get(item__code=code)
    )


def version_guide(code: str, number: int) -> ItemVersion:
    """Any version (history), with the same prefetches as the guide."""
    return (
        ItemVersion.objects.select_related("item", "department", "result_license_type")
        .prefetch_related(
            "implementing_orgs",
            "places",
            "themes",
            "materials__license_type",
            "materials__attachments",
            "steps",
            "faqs",
            "guide_steps",
        )
        .get(item__code=code, number=number)
    )


def history(code: str):
    return (
        ItemVersion.objects.filter(item__code=code)
        .exclude(status=VersionStatus.DRAFT)
        .order_by("-number")
    )


def hot(limit: int = 12):
    return for_listing(published().filter(hot=True))[:limit]


def themes_with_counts():
    return Theme.objects.annotate(
        item_count=Count("versions", filter=Q(versions__status=VersionStatus.PUBLISHED))
    ).order_by("audience", "position")


def departments_with_counts():
    counts = dict(published().values_list("department").annotate(n=Count("id")))
    departments = list(
        OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT, pk__in=counts).order_by("code")
    )
    for department in departments:
        department.item_count = counts[department.pk]
    return departments


def level_counts() -> dict[str, int]:
    return dict(published().values_list("level").annotate(n=Count("id")))


@dataclass
class MergedMaterial:
    """One document of a bundle, asked once however many items need it."""

    name: str
    items: list[str] = field(default_factory=list)
    requirements: list[MaterialRequirement] = field(default_factory=list)

    @property
    def first(self) -> MaterialRequirement:
        return self.requirements[0]


@dataclass
class BundleView:
    bundle: Bundle
    main: list[ItemVersion]
    parallel: list[ItemVersion]
    materials: list[MergedMaterial]

    @property
    def versions(self) -> list[ItemVersion]:
        return self.main + self.parallel

    @property
    def total_promised_days(self) -> int:
        """Main items one after another, then the parallel ones together (the longest)."""
        return sum(v.promised_days for v in self.main) + max(
            (v.promised_days for v in self.parallel), default=0
        )

    @property
    def total_statutory_days(self) -> int:
        return sum(v.statutory_days for v in self.main) + max(
            (v.statutory_days for v in self.parallel), default=0
        )


def bundles():
    return Bundle.objects.filter(is_active=True).prefetch_related(
        Prefetch("members", BundleItem.objects.select_related("item__published"))
    )


def main_items(bundle_id) -> frozenset[int]:
    """The ids of a bundle's main items (done one after another, before the parallel ones)."""
    return frozenset(
        BundleItem.objects.filter(bundle_id=bundle_id, role=BundleItem.Role.MAIN).values_list(
            "item_id", flat=True
        )
    )


def bundle(code: str) -> BundleView:
    bundle = Bundle.objects.get(code=code, is_active=True)
    members = list(bundle.members.select_related("item").order_by("role", "position"))
    versions = {
        v.item_id: v
        for v in published()
        .filter(item__in=[m.item_id for m in members])
        .select_related("item", "department", "result_license_type")
        .prefetch_related(
            Prefetch(
                "materials",
                MaterialRequirement.objects.select_related("license_type").prefetch_related(
                    "attachments"
                ),
            )
        )
    }
    main = [versions[m.item_id] for m in members if m.role == "main" and m.item_id in versions]
    parallel = [
        versions[m.item_id] for m in members if m.role == "parallel" and m.item_id in versions
    ]
    merged: dict[str, MergedMaterial] = {}
    for version in main + parallel:
        for material in version.materials.all():
            entry = merged.setdefault(material.name, MergedMaterial(material.name))
            entry.items.append(version.name)
            entry.requirements.append(material)
    return BundleView(bundle, main, parallel, list(merged.values()))

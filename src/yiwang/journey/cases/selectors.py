"""Read queries of cases, scoped by the policy and shaped for their pages: each returns a
queryset with what its page shows joined in, ordered by an indexed column."""

from django.db.models import Prefetch

from yiwang.identity import policy

from .models import Case, CaseMaterial, Status


def my_cases(user):
    """An applicant's journeys: single cases and bundle parents, newest first."""
    return (
        Case.objects.filter(applicant=user, parent__isnull=True)
        .select_related("item_version__item", "bundle", "place")
        .order_by("-created_at")
    )


def intake_queue(user):
    """Submitted journeys at service points in the clerk's scope, oldest first (Art. 32
    counts from receipt)."""
    queryset = Case.objects.filter(status=Status.SUBMITTED, parent__isnull=True)
    return (
        policy.scope(user, queryset, "case.intake")
        .select_related("applicant", "enterprise", "place", "item_version__item", "bundle")
        .order_by("submitted_at", "pk")
    )


def visible(user):
    return policy.scope(user, Case.objects.all())


def detail(user, case_id) -> Case:
    """One journey with its children, materials and files, notices and timeline; 404 to
    anyone outside its scope.

    The case row joins only what every page shows (its item, applicant and place); the
    rest comes in small keyed queries. PostgreSQL plans a join of eight tables several
    times slower than one of four, and the detail is read after every change a user
    makes, so the wide join cost more than the extra round trips."""
    from django.db.models import prefetch_related_objects
    from django.shortcuts import get_object_or_404

    case = get_object_or_404(
        visible(user).select_related("item_version__item", "applicant", "place"), pk=case_id
    )
    lookups = [
        "enterprise",  # no query when the case has none; likewise department and bundle
        "department",
        "bundle",
        Prefetch(
            "materials",
            CaseMaterial.objects.select_related(
                "license__license_type", "license__issuer"
            ).prefetch_related("files", "requirements__version"),
        ),
        "notices",
        "events__actor",
    ]
    if case.bundle_id and case.parent_id is None:
        lookups.append(
            Prefetch(
                "children",
                Case.objects.select_related("item_version__item", "department").order_by("pk"),
            )
        )
    else:  # only a bundle's parent has children: skip the query
        case._prefetched_objects_cache = {"children": Case.objects.none()}
    prefetch_related_objects([case], *lookups)
    return case

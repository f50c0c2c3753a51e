"""Read queries of cases, scoped by the policy and shaped for their pages: each returns a
queryset with what its page shows joined in, ordered by an indexed column."""

from django.db.models import Prefetch

from yiwang.identity import policy

from .models import Case, CaseMaterial, Status, SupplementNotice


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


def detail(user, case_id, *, for_api: bool = False) -> Case:
    """One journey with its children, materials and files, notices and timeline; 404 to
    anyone outside its scope.

    The case row joins only what every page shows (its item, applicant and place); the
    rest comes in small keyed queries. PostgreSQL plans a join of eight tables several
    times slower than one of four, and the detail is read after every change a user
    makes, so the wide join cost more than the extra round trips.

    Who may see it is `policy.can` on the row read (the per-object twin of `visible`): the
    applicant's own case needs no read of role grants. `for_api` leaves out what only the
    pages show: who made each timeline entry and which requirements a material answers."""
    from django.db.models import prefetch_related_objects
    from django.http import Http404

    case = (
        Case.objects.select_related("item_version__item", "applicant", "place")
        .filter(pk=case_id)
        .first()
    )
    if case is None or not policy.can(user, "case.view", case):
        raise Http404
    materials = CaseMaterial.objects.select_related("license__license_type", "license__issuer")
    lookups = [
        "enterprise",  # no query when the case has none; likewise department and bundle
        "department",
        "bundle",
        Prefetch(
            "materials",
            materials.prefetch_related("files")
            if for_api
            else materials.prefetch_related("files", "requirements__version"),
        ),
        "events" if for_api else "events__actor",
    ]
    if case.status == Status.DRAFT:  # never filed: no window has written a notice yet
        case._prefetched_objects_cache = {"notices": SupplementNotice.objects.none()}
    else:
        lookups.append("notices")
    if case.bundle_id and case.parent_id is None:
        lookups.append(
            Prefetch(
                "children",
                Case.objects.select_related("item_version__item", "department").order_by("pk"),
            )
        )
    else:  # only a bundle's parent has children: skip the query
        case._prefetched_objects_cache = {
            **getattr(case, "_prefetched_objects_cache", {}),
            "children": Case.objects.none(),
        }
    prefetch_related_objects([case], *lookups)
    return case

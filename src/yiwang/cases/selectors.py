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
    anyone outside its scope."""
    from django.shortcuts import get_object_or_404

    case = get_object_or_404(
        visible(user)
        .select_related(
            "applicant", "enterprise", "place", "department", "item_version__item", "bundle"
        )
        .prefetch_related(
            Prefetch(
                "materials",
                CaseMaterial.objects.select_related(
                    "license__license_type", "license__issuer"
                ).prefetch_related("files", "requirements__version"),
            ),
            Prefetch(
                "children",
                Case.objects.select_related("item_version__item", "department").order_by("pk"),
            ),
            "notices",
            "events__actor",
        ),
        pk=case_id,
    )
    return case

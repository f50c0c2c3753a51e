"""Moving a branch of the org tree (services.move_org): the branch's paths and every row that
copies one of them follow in one UPDATE per column, so scopes stay right."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from tests.statements import exactly, fresh
from yiwang.audit.models import AuditEvent
from yiwang.identity import policy, services
from yiwang.identity.models import OrgKind, OrgLevel, OrgUnit, User
from yiwang.identity.roles import Role
from yiwang.journey.cases.models import Case

# Columns that keep the path an org had when something happened, on purpose: the audit log
# is hash-chained history and the domain events are append-only (the database refuses an
# UPDATE); neither is rewritten (identity.tree).
HISTORY = {("audit.auditevent", "org_path"), ("core.domainevent", "org_path")}


@pytest.fixture
def neighbour(demo):
    """A second district with its own supervisor."""
    district = OrgUnit.objects.create(
        code="990102", name="邻区", kind=OrgKind.DISTRICT, level=OrgLevel.DISTRICT
    )
    watcher = User.objects.create_user("t-neighbour", password="x" * 12, kind=User.Kind.STAFF)
    services.grant_role(watcher, Role.SUPERVISOR, district)
    return district, watcher


@pytest.fixture
def street_case(demo, user_named):
    centre = OrgUnit.objects.get(code="990101001-BMZX")
    return Case.objects.create(
        title="街道办件", applicant=user_named("citizen"), place=centre, place_path=centre.path
    )


def visible_to(user):
    return set(policy.scope(user, Case.objects.all()).values_list("pk", flat=True))


def test_after_a_move_the_new_parents_supervisor_sees_the_streets_cases(
    neighbour, street_case, user_named
):
    district, watcher = neighbour
    old_supervisor = user_named("supervisor")
    assert street_case.pk in visible_to(old_supervisor)
    assert street_case.pk not in visible_to(watcher)

    street = OrgUnit.objects.get(code="990101001")
    services.move_org(street, district, by=user_named("admin"))

    assert street_case.pk in visible_to(watcher)
    assert street_case.pk not in visible_to(old_supervisor)
    street_case.refresh_from_db()
    assert street_case.place_path == "990102/990101001/990101001-BMZX/"
    centre = OrgUnit.objects.get(code="990101001-BMZX")
    assert (centre.path, centre.depth) == ("990102/990101001/990101001-BMZX/", 2)
    # Those granted inside the branch keep their reach.
    assert street_case.pk in visible_to(user_named("street-supervisor"))
    event = AuditEvent.objects.get(action="identity.org_moved")
    assert event.summary["from"] == "990101" and event.summary["to"] == "990102"


def test_no_copied_path_is_left_behind(neighbour, street_case, user_named):
    """One UPDATE per column whatever the number of rows: no loop over cases."""
    district, _ = neighbour
    old = OrgUnit.objects.get(code="990101001").path
    admin = user_named("admin")
    with CaptureQueriesContext(connection) as queries:
        services.move_org(OrgUnit.objects.get(code="990101001"), district, by=admin)
    rewrites = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith("UPDATE") and " LIKE " in q["sql"].upper()
    ]
    assert len(rewrites) == 1 + len(policy.copied_paths())  # the tree, then each copy
    assert not OrgUnit.objects.filter(path__startswith=old).exists()
    for model, field in policy.copied_paths():
        assert not model._base_manager.filter(**{f"{field}__startswith": old}).exists()


def test_moving_an_org_costs_a_fixed_number_of_statements(neighbour, street_case, user_named):
    district, _ = neighbour
    street, admin = OrgUnit.objects.get(code="990101001"), user_named("admin")
    fresh(admin)
    # Savepoint, the org locked, the new parent, the old parent; the parent and the tree's
    # paths (two UPDATEs), then ONE UPDATE per column that copies a path, however many
    # rows; the org read back, the audit event, release.
    with exactly(9 + len(policy.copied_paths()), "move_org"):
        services.move_org(street, district, by=admin)


def test_every_copied_org_path_is_registered():
    """A new column that copies an org path must be a policy lookup (then moves rewrite
    it) or be history on purpose."""
    from django.apps import apps

    copied = {(m._meta.label_lower, f) for m, f in policy.copied_paths()}
    for model in apps.get_models():
        if not model.__module__.startswith("yiwang."):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField) and field.name.endswith("_path"):
                key = (model._meta.label_lower, field.name)
                assert key in copied or key in HISTORY, key


def test_a_move_is_for_user_administrators_and_never_into_the_branch_itself(neighbour, user_named):
    district, _ = neighbour
    street = OrgUnit.objects.get(code="990101001")
    with pytest.raises((PermissionDenied, Http404)):
        services.move_org(street, district, by=user_named("supervisor"))
    centre = OrgUnit.objects.get(code="990101001-BMZX")
    with pytest.raises(ValidationError):
        services.move_org(street, centre, by=user_named("admin"))
    assert OrgUnit.objects.get(code="990101001").parent.code == "990101"


def test_a_new_parent_in_the_admin_moves_the_branch(neighbour, street_case, user_named, client):
    district, watcher = neighbour
    client.force_login(user_named("admin"))
    street = OrgUnit.objects.get(code="990101001")
    fields = ["code", "name", "name_en", "kind", "level", "division_code"]
    form = {name: getattr(street, name) for name in fields}
    form.update(parent=district.pk, address="", phone="", hours="", is_active="on")
    response = client.post(f"/admin/identity/orgunit/{street.pk}/change/", form)
    assert response.status_code == 302
    assert street_case.pk in visible_to(watcher)
    assert street_case.pk not in visible_to(user_named("supervisor"))
    assert AuditEvent.objects.filter(action="identity.org_moved").exists()

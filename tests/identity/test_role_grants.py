"""Who holds a role changes only through the audited services: a user administrator (运维)
or a superuser grants and revokes, nobody raises their own rights, and the admin's user
page shows grants read-only."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.statements import exactly, fresh
from yiwang.audit.models import AuditEvent
from yiwang.identity import policy, services
from yiwang.identity.models import OrgUnit, RoleGrant
from yiwang.identity.roles import Role


@pytest.fixture
def operator(demo, user_named):
    user = user_named("hall-manager")
    services.grant_role(user, Role.OPERATOR, OrgUnit.objects.get(code="990101"))
    return user


def test_an_operator_grants_and_revokes_and_each_change_is_audited(operator, user_named):
    clerk = user_named("street-clerk")
    scj = OrgUnit.objects.get(code="990101-SCJ")

    grant = services.grant_role(clerk, Role.APPROVER, scj, by=operator)
    assert policy.can(clerk, "task.handle")
    granted = AuditEvent.objects.get(action="identity.role_granted", object_id=str(grant.pk))
    assert granted.actor == operator
    assert granted.summary == {"user": "street-clerk", "role": "approver", "org": scj.code}

    grant_id = grant.pk
    services.revoke_role(grant, by=operator)
    assert not policy.can(clerk, "task.handle")
    revoked = AuditEvent.objects.get(action="identity.role_revoked", object_id=str(grant_id))
    assert revoked.actor == operator


def test_someone_who_is_no_user_administrator_cannot_grant_or_revoke(demo, user_named):
    chief, clerk = user_named("chief"), user_named("street-clerk")
    scj = OrgUnit.objects.get(code="990101-SCJ")
    with pytest.raises((PermissionDenied, Http404)):
        services.grant_role(clerk, Role.APPROVER, scj, by=chief)
    assert not RoleGrant.objects.filter(user=clerk, role=Role.APPROVER).exists()

    grant = RoleGrant.objects.get(user=user_named("approver"))
    with pytest.raises((PermissionDenied, Http404)):
        services.revoke_role(grant, by=chief)
    assert RoleGrant.objects.filter(pk=grant.pk).exists()
    assert not AuditEvent.objects.filter(action__startswith="identity.role_", actor=chief)


def test_an_operator_reaches_only_their_subtree_and_not_their_own_rights(demo, user_named):
    street_operator = user_named("street-clerk")
    services.grant_role(street_operator, Role.OPERATOR, OrgUnit.objects.get(code="990101001"))
    district = OrgUnit.objects.get(code="990101")
    with pytest.raises(Http404):
        services.grant_role(user_named("clerk"), Role.SUPERVISOR, district, by=street_operator)
    street = OrgUnit.objects.get(code="990101001")
    with pytest.raises(PermissionDenied):
        services.grant_role(street_operator, Role.SUPERVISOR, street, by=street_operator)


def test_a_citizen_account_gets_no_staff_role(operator, user_named):
    with pytest.raises(ValidationError):
        services.grant_role(
            user_named("citizen"), Role.CLERK, OrgUnit.objects.get(code="990101"), by=operator
        )


def test_the_admin_shows_a_users_grants_read_only(demo, user_named, client):
    client.force_login(user_named("admin"))
    approver = user_named("approver")
    page = client.get(f"/admin/identity/user/{approver.pk}/change/").content.decode()
    assert "市场监督管理局" in page or "990101-SCJ" in page or "SCJ" in page
    assert 'name="grants-0-role"' not in page
    assert 'name="grants-0-DELETE"' not in page
    assert 'name="grants-__prefix__-role"' not in page


def test_the_admin_grants_through_the_service(demo, user_named, client):
    admin = user_named("admin")
    client.force_login(admin)
    clerk = user_named("street-clerk")
    street = OrgUnit.objects.get(code="990101001")
    response = client.post(
        "/admin/identity/rolegrant/add/",
        {"user": clerk.pk, "role": Role.SUPERVISOR, "org": street.pk, "valid_until": ""},
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=clerk, role=Role.SUPERVISOR)
    assert AuditEvent.objects.filter(
        action="identity.role_granted", object_id=str(grant.pk), actor=admin
    ).exists()
    # A grant is not edited in place: revoke it and grant anew.
    district = OrgUnit.objects.get(code="990101")
    client.post(
        f"/admin/identity/rolegrant/{grant.pk}/change/",
        {"user": clerk.pk, "role": Role.SUPERVISOR, "org": district.pk, "valid_until": ""},
    )
    grant.refresh_from_db()
    assert grant.org == street


def test_granting_and_revoking_cost_a_fixed_number_of_statements(operator, user_named):
    clerk, scj = user_named("street-clerk"), OrgUnit.objects.get(code="990101-SCJ")
    fresh(operator)
    # Savepoint, the operator's grants, held already? (get_or_create: SELECT, then the
    # INSERT in a savepoint), the audit event, release.
    with exactly(8, "grant_role"):
        grant = services.grant_role(clerk, Role.APPROVER, scj, by=operator)
    grant = RoleGrant.objects.get(pk=grant.pk)  # as the admin page loads it
    fresh(operator)
    # Savepoint, the grant's org and user, the operator's grants, the audit event, DELETE.
    with exactly(7, "revoke_role"):
        services.revoke_role(grant, by=operator)

"""Every role against objects inside and outside its scope."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from yiwang.identity import policy, services
from yiwang.identity.models import OrgUnit, User
from yiwang.identity.roles import Role

INSIDE = "990101001-BMZX"  # 和平街道便民服务中心, under the street where roles are granted
OUTSIDE = "990101-ZWZX"  # 示范区政务服务中心, a district-level unit
GRANTED_AT = "990101001"  # 和平街道

ACTIONS = ["org.view", "org.manage_staff", "person.lookup", "workbench.use"]


@pytest.fixture
def orgs(demo):
    return {o.code: o for o in OrgUnit.objects.all()}


def staff_with(role, org):
    user = User.objects.create_user(f"t-{role}", password="x" * 12, kind=User.Kind.STAFF)
    services.grant_role(user, role, org)
    return user


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", ACTIONS)
def test_role_reaches_its_subtree_and_nothing_else(orgs, role, action):
    user = staff_with(role, orgs[GRANTED_AT])
    allowed = role in policy.action(action).roles
    if action in {"org.view", "org.manage_staff"}:
        assert policy.can(user, action, orgs[INSIDE]) is allowed
        assert policy.can(user, action, orgs[OUTSIDE]) is False
    else:
        assert policy.can(user, action) is allowed


@pytest.mark.parametrize("role", list(Role))
def test_outsiders_get_404_not_403(orgs, role):
    user = staff_with(role, orgs[GRANTED_AT])
    with pytest.raises(Http404):
        policy.require(user, "org.view", orgs[OUTSIDE])


def test_insider_without_the_right_gets_403(orgs):
    clerk = staff_with(Role.CLERK, orgs[GRANTED_AT])
    with pytest.raises(PermissionDenied):
        policy.require(clerk, "org.manage_staff", orgs[INSIDE])


@pytest.mark.parametrize("role", list(Role))
def test_scope_lists_only_the_subtree(orgs, role):
    user = staff_with(role, orgs[GRANTED_AT])
    codes = set(policy.scope(user, OrgUnit.objects.all()).values_list("code", flat=True))
    assert codes == {c for c in orgs if c.startswith(GRANTED_AT)}


def test_district_supervisor_sees_every_street(orgs, user_named):
    visible = policy.scope(user_named("supervisor"), OrgUnit.objects.all())
    assert visible.count() == OrgUnit.objects.count()


def test_street_clerk_gets_404_for_what_the_district_clerk_sees(orgs, user_named):
    district_unit = orgs["990101-ZWZX"]
    assert policy.can(user_named("clerk"), "org.view", district_unit)
    with pytest.raises(Http404):
        policy.require(user_named("street-clerk"), "org.view", district_unit)


def test_citizens_reach_no_org_and_only_their_own_record(orgs, user_named):
    citizen, other = user_named("citizen"), user_named("citizen2")
    assert policy.scope(citizen, OrgUnit.objects.all()).count() == 0
    assert policy.can(citizen, "person.view", citizen)
    assert not policy.can(citizen, "person.view", other)
    assert list(policy.scope(citizen, User.objects.all())) == [citizen]


def test_anonymous_can_do_nothing(orgs):
    from django.contrib.auth.models import AnonymousUser

    assert not policy.can(AnonymousUser(), "org.view", orgs[INSIDE])
    assert policy.scope(AnonymousUser(), OrgUnit.objects.all()).count() == 0


def test_superuser_can_everything(orgs, user_named):
    assert policy.can(user_named("admin"), "org.manage_staff", orgs[OUTSIDE])


def test_an_expired_grant_gives_nothing(orgs):
    import datetime

    from django.utils import timezone

    user = staff_with(Role.CLERK, orgs[GRANTED_AT])
    user.grants.update(valid_until=timezone.now() - datetime.timedelta(days=1))
    policy.forget_grants(user)
    assert not policy.can(user, "org.view", orgs[INSIDE])

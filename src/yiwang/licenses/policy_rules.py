"""Who may see and act on licences. The issuing department's issuers and heads act on its
licences (its org subtree); the holder sees their own; an enterprise's authorised agents
see the enterprise's; the issuer who hands out a case's result (统一窗口出件) may also
confirm the licence drafted from that case."""

from django.db.models import Q

from yiwang.identity import policy
from yiwang.identity.roles import Role
from yiwang.journey.cases.models import Case

from .models import License

ISSUING = {Role.ISSUER, Role.CHIEF}

policy.define("license.view", {*ISSUING, Role.SUPERVISOR}, owner=True)
policy.define("license.issue", ISSUING)
policy.define("license.confirm", ISSUING)
policy.define("license.revoke", ISSUING)
policy.define("license.replace", ISSUING)
policy.register(
    License,
    policy.Subject(
        org_path=lambda licence: licence.issuer_path or licence.issuer.path,
        org_path_lookup="issuer_path",
        owner_id=lambda licence: licence.holder_person_id,
        owner_lookup="holder_person_id",
        view_action="license.view",
    ),
)


def _agent_of_holder(user, licence) -> bool:
    if not licence.holder_enterprise_id or not policy.is_authenticated(user):
        return False
    from yiwang.identity.services import enterprises_of

    return enterprises_of(user).filter(pk=licence.holder_enterprise_id).exists()


def _agent_licences(user) -> Q:
    from yiwang.identity.services import enterprises_of

    return Q(holder_enterprise__in=enterprises_of(user).values("pk"))


policy.allow("license.view", policy.Rule(check=_agent_of_holder, condition=_agent_licences))


def _issues_result_of_case(user, licence) -> bool:
    if not licence.case_id or not policy.is_authenticated(user):
        return False
    if not policy.has_role(user, Role.ISSUER):
        return False
    return policy.can(user, "case.view", licence.case)


def _licences_of_cases_issued(user) -> Q:
    if not policy.has_role(user, Role.ISSUER):
        return Q(pk__in=[])
    cases = policy.scope(user, Case.objects.all(), "case.view")
    return Q(case__in=cases.values("pk"))


for _action in ("license.view", "license.confirm"):
    policy.allow(
        _action, policy.Rule(check=_issues_result_of_case, condition=_licences_of_cases_issued)
    )

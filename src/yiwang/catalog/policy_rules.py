from yiwang.identity import policy
from yiwang.identity.roles import Role

from .models import ItemVersion

# One place to manage, one place to publish: admins edit and submit, reviewers publish.
policy.define("catalog.view_drafts", {Role.CATALOG_ADMIN, Role.CATALOG_REVIEWER})
policy.define("catalog.edit", {Role.CATALOG_ADMIN})
policy.define("catalog.review", {Role.CATALOG_REVIEWER})
policy.define("catalog.import", {Role.CATALOG_ADMIN, Role.OPERATOR})
policy.register(
    ItemVersion,
    policy.Subject(
        org_path=lambda v: v.department.path,
        org_path_lookup="department__path",
        view_action="catalog.view_drafts",
    ),
)

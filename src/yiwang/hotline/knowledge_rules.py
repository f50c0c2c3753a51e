"""Who may read and maintain the knowledge base (docs/hotline.md, "The knowledge base").

- `hotline.knowledge` (maintain: write, edit, retire, restore, mark reviewed) is the line's
  action, defined in policy_rules.py: a dispatcher (派单员) anywhere on the line, a handler
  (承办人) for the articles their own unit owns (`Article.owner`).
- `hotline.knowledge_read` (the staff pages and the as-you-type search), defined here:
  whoever holds a role of the line anywhere — agents, dispatchers, handlers, supervisors.
  The articles are the line's standard answers, the same text the citizens' 常见问题 page
  shows; reading them is not scoped by unit. It is the articles' view action, so someone
  who may read an article but not maintain it is told 403, not 404."""

from django.db.models import Q

from yiwang.identity import policy
from yiwang.identity.roles import Role

from . import policy_rules  # noqa: F401 - the line's own rules first: this one amends them
from .models import Article

MAINTAIN = "hotline.knowledge"
READ = "hotline.knowledge_read"
READERS = {Role.HOTLINE_AGENT, Role.DISPATCHER, Role.HANDLER, Role.SUPERVISOR}

policy.define(READ, READERS)

policy.register(
    Article,
    policy.Subject(
        org_path=lambda article: article.owner.path if article.owner_id else "",
        org_path_lookup="owner__path",
        view_action=READ,
    ),
)


def _reader(user, article=None) -> bool:
    return policy.can(user, READ)


def _reader_rows(user) -> Q:
    # Q() would vanish when OR-ed with the other ways in: a condition true on every row.
    return Q(pk__isnull=False) if policy.can(user, READ) else Q(pk__in=[])


policy.allow(READ, policy.Rule(check=_reader, condition=_reader_rows))

"""Who may read and maintain the knowledge base (docs/hotline.md, "The knowledge base").

- `hotline.knowledge` (maintain: write, edit, retire, restore, mark reviewed): a dispatcher
  (派单员) for the articles of the units their grant reaches, and for the articles no unit
  owns; a handler (承办人) for the articles their own unit owns. The action is the one the
  contract names; it is defined here unless the line's policy_rules.py defines it first.
- `hotline.knowledge_read` (the staff pages and the as-you-type search): whoever holds a
  role of the line anywhere — agents, dispatchers, handlers, supervisors. The articles are
  the line's standard answers, the same text the citizens' 常见问题 page shows; reading
  them is not scoped by unit.

An article's org is its owner unit (`Article.owner`, reached through `owner__path`)."""

from django.db.models import Q

from yiwang.identity import policy
from yiwang.identity.roles import Role

from . import policy_rules  # noqa: F401 - the line's own rules first: they may define MAINTAIN
from .models import Article

MAINTAIN = "hotline.knowledge"
READ = "hotline.knowledge_read"
READERS = {Role.HOTLINE_AGENT, Role.DISPATCHER, Role.HANDLER, Role.SUPERVISOR}

try:
    policy.action(MAINTAIN)
except LookupError:
    policy.define(MAINTAIN, {Role.DISPATCHER, Role.HANDLER})
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
    return Q(pk__isnull=False) if policy.can(user, READ) else Q(pk__in=[])


def _dispatcher_unowned(user, article) -> bool:
    return (
        article is not None
        and not article.owner_id
        and policy.can(user, MAINTAIN, roles={Role.DISPATCHER})
    )


def _dispatcher_unowned_rows(user) -> Q:
    if policy.can(user, MAINTAIN, roles={Role.DISPATCHER}):
        return Q(owner__isnull=True)
    return Q(pk__in=[])


# Every line role reads every article; a dispatcher also maintains the unowned ones.
policy.allow(READ, policy.Rule(check=_reader, condition=_reader_rows))
policy.allow(MAINTAIN, policy.Rule(check=_dispatcher_unowned, condition=_dispatcher_unowned_rows))

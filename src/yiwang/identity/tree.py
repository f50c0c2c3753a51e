"""Moving a branch of the org tree. An org's `path` is materialised ("990101/990101001/"),
and many rows copy the path of their org so that a scope is one indexed prefix filter
(identity.policy): a case its service point's (`place_path`), a task its department's
(`org_path`), a figure both. Every such column is registered once with the policy, as a
`Subject` lookup in its app's policy_rules.py; when a branch moves, `repath` rewrites the
branch's own paths and every copy in one UPDATE per column, whatever the number of rows.

The audit log keeps the path an event had when it happened: it is history, hash-chained,
and never rewritten (docs/security.md)."""

from django.db.models import CharField, F, Value
from django.db.models.functions import Concat, Substr

from . import policy
from .models import OrgUnit


def _moved(field: str, old: str, new: str):
    """`new` + what follows `old` in the column (Substr counts from 1)."""
    return Concat(Value(new), Substr(field, len(old) + 1), output_field=CharField())


def repath(old: str, new: str) -> dict[str, int]:
    """Rewrite every org path under `old` to sit under `new` instead: the tree's own rows
    (with their depth) and every registered copy. Returns the rows changed per column."""
    if old == new:
        return {}
    changed = {}
    changed["identity.orgunit.path"] = OrgUnit.objects.filter(path__startswith=old).update(
        path=_moved("path", old, new), depth=F("depth") + (new.count("/") - old.count("/"))
    )
    for model, field in policy.copied_paths():
        rows = model._base_manager.filter(**{f"{field}__startswith": old})
        changed[f"{model._meta.label_lower}.{field}"] = rows.update(
            **{field: _moved(field, old, new)}
        )
    return changed

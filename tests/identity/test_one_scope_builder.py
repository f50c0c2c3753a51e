"""identity.policy is the only builder of org-scope filters (docs/security.md, "Who sees
what"): a page that filtered by org path by hand would show a list the policy does not
agree with. This reads the source of every module and fails on a hand-built one."""

import ast
from pathlib import Path

import yiwang

SRC = Path(yiwang.__file__).parent

# Modules that may compare org paths, and why. Keep this short.
ALLOWED = {
    "identity/policy.py": "the scope builder itself",
    "identity/models.py": "the org tree's own subtree query (OrgUnit.subtree_of, is_within)",
    "identity/tree.py": "moving a subtree rewrites every copied path (services.move_org)",
    "feedback/demo.py": "demo data: picks the cases of one street to rate",
}


def _is_path_lookup(text: str) -> bool:
    return "path__startswith" in text or "path__istartswith" in text


def hand_built(tree: ast.AST) -> list[int]:
    """Lines with a prefix filter on an org path: a lookup such as
    `Q(place_path__startswith=...)`, a lookup built at run time (`f"{x}__startswith"`), or
    a `.startswith()` on an object's path (`case.place_path.startswith(...)`)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg and _is_path_lookup(node.arg):
            lines.append(node.value.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _is_path_lookup(node.value):
                lines.append(node.lineno)
        elif isinstance(node, ast.JoinedStr):
            text = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
            if "__startswith" in text or "__istartswith" in text:
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "startswith"
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr.endswith("path")
            and not (
                isinstance(node.func.value.value, ast.Name)
                and node.func.value.value.id == "request"
            )
        ):
            lines.append(node.lineno)
    return sorted(set(lines))


def test_no_org_scope_filter_is_built_outside_the_policy():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if "/migrations/" in relative or relative in ALLOWED:
            continue
        for line in hand_built(ast.parse(path.read_text(encoding="utf-8"))):
            found.append(f"{relative}:{line}")
    assert found == [], (
        "org-scope filters built by hand; use identity.policy.scope()/can() and declare "
        "the model's org path in its app's policy_rules.py: " + ", ".join(found)
    )


def test_the_check_catches_each_way_of_building_one():
    samples = [
        "Case.objects.filter(place_path__startswith=p)",
        "Q(case__department__path__startswith=p)",
        'Q(**{"org_path__startswith": p})',
        'Q(**{f"{lookup}__startswith": p})',
        "any(place.path.startswith(p) for p in paths)",
        "case.place_path.startswith(street)",
    ]
    for sample in samples:
        assert hand_built(ast.parse(sample)) == [1], sample
    harmless = [
        "User.objects.filter(username__startswith=prefix)",
        "request.path.startswith('/api/')",
        "Q(case__number__startswith=q)",
    ]
    for sample in harmless:
        assert hand_built(ast.parse(sample)) == [], sample

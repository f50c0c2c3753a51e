"""The apps form layers and import only downward (docs/architecture.md, "Layers").

Every `import` in src/yiwang is read — module-level and the "lazy" ones inside functions —
and an import of a module in a higher layer fails this test, unless it is one of the known
exceptions listed in UPWARD below, each with the reason it still exists. That list may only
shrink: an exception that is no longer needed fails the test too, so it is removed with the
import it excused."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "yiwang"

# Bottom to top. An app may import its own layer and the layers below it.
LAYERS = (
    ("kernel", {"core", "identity", "audit", "notify", "workdays", "formats", "api.toolkit"}),
    ("reference", {"catalog", "forms", "licenses", "sharing"}),
    ("journey", {"journey"}),
    ("reactions", {"feedback", "supervision", "halls", "hotline"}),
    ("edges", {"api", "web", "demo", "cli", "urls", "settings", "wsgi", "asgi"}),
)
LEVEL = {unit: level for level, (_, units) in enumerate(LAYERS) for unit in units}

# The API's toolkit (error documents, pagination, idempotency, parsers, token
# authentication) is used by every app's own api.py; the API root (urls, schema, the index
# and the benchmark baselines) sits on top with the pages.
API_EDGE_MODULES = {"urls", "schema", "views", "bench"}

# (importing module, imported app): why it is still there. Remove an entry with its import.
UPWARD = {
    ("licenses.policy_rules", "journey"): "who may see a licence is read from its case",
    ("sharing.services", "journey"): "a data request names the case and the task it serves",
    ("identity.views", "sharing"): "the citizen's page lists who read their data",
}


def unit_of(dotted: str) -> str:
    """`yiwang.api.problems` → "api.toolkit"; `yiwang.journey.cases.models` → "journey"."""
    parts = dotted.split(".")
    app = parts[1]
    if app == "api" and (len(parts) < 3 or parts[2] not in API_EDGE_MODULES):
        return "api.toolkit"
    return app


def imports_of(path: Path, module: str):
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target
            # `from yiwang.x import services` imports the submodule yiwang.x.services.
            yield from (f"{target}.{alias.name}" for alias in node.names)


def modules():
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC.parent).with_suffix("")
        if "migrations" in relative.parts:
            continue
        yield path, ".".join(relative.parts).removesuffix(".__init__")


def upward_imports() -> dict[tuple[str, str], str]:
    found = {}
    for path, module in modules():
        if module == "yiwang":
            continue
        source = unit_of(module)
        for target in imports_of(path, module):
            if not target.startswith("yiwang.") or target.count(".") < 1:
                continue
            imported = unit_of(target)
            if imported == source or imported not in LEVEL or source not in LEVEL:
                continue
            if LEVEL[imported] > LEVEL[source]:
                importer = module.removeprefix("yiwang.")
                found[(importer, imported.split(".")[0])] = target
    return found


def test_every_app_is_placed_in_a_layer():
    apps = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    apps |= {p.stem for p in SRC.glob("*.py") if p.stem != "__init__"}
    assert apps - {"locale"} <= set(LEVEL) | {"api"}, apps - set(LEVEL)


def test_no_app_imports_an_app_above_it():
    found = upward_imports()
    new = {edge: target for edge, target in found.items() if edge not in UPWARD}
    assert not new, (
        "these imports point up the layers (docs/architecture.md): "
        + "; ".join(f"{importer} imports {target}" for (importer, _), target in new.items())
        + " — raise a domain event and subscribe to it instead"
    )


def test_the_list_of_exceptions_only_shrinks():
    stale = set(UPWARD) - set(upward_imports())
    assert not stale, f"no longer needed, remove from UPWARD: {sorted(stale)}"


def test_the_scan_sees_lazy_and_relative_imports(tmp_path):
    """An import written inside a function (the usual way round a cycle) and a relative
    import are both seen."""
    source = tmp_path / "services.py"
    source.write_text(
        "from . import models\n"
        "def conclude():\n"
        "    from yiwang.feedback.services import rating_url\n"
        "    return rating_url\n"
    )
    seen = set(imports_of(source, "yiwang.journey.cases.services"))
    assert {"yiwang.journey.cases.models", "yiwang.feedback.services.rating_url"} <= seen


def test_the_code_cites_only_what_the_repository_holds():
    """Comments cite the law, a standard or the project's own docs: a design file kept
    outside the repository is not there for the next reader."""
    root = SRC.parents[1]
    citing = [
        str(path.relative_to(root))
        for folder in ("src", "tests", "docs", "bench", "deploy")
        for path in (root / folder).rglob("*")
        if path.suffix in {".py", ".md", ".html", ".txt", ".js", ".css"}
        and "DESIGN.md" in path.read_text(encoding="utf-8", errors="ignore")
        and path != Path(__file__)
    ]
    assert not citing, citing


WRITES = {"create", "update", "delete", "bulk_create", "bulk_update", "get_or_create"}
WRITES |= {"update_or_create", "raw"}


def _chain_root(node):
    names = []
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        else:
            node = node.func
    return (node.id if isinstance(node, ast.Name) else ""), names


def test_nothing_outside_the_journey_writes_its_rows():
    """One door (docs/architecture.md, "The journey"): the journey's rows — cases, their
    materials and timeline, tasks, clocks, deliveries — change only through the journey's
    commands. A module elsewhere that writes them through a manager fails this test."""
    from django.apps import apps

    journey_models = {
        model.__name__
        for label in ("cases", "workflow")
        for model in apps.get_app_config(label).get_models()
    }
    found = []
    for path, module in modules():
        if module.startswith("yiwang.journey") or module == "yiwang":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # The names this module binds to a journey model (another app may have a model of
        # the same name: the hotline's Extension is not the workflow's).
        bound = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("yiwang.journey")
            for alias in node.names
            if alias.name in journey_models
        }
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in WRITES:
                continue
            root, names = _chain_root(node.func.value)
            if root in bound and "objects" in names + [node.func.attr]:
                found.append(f"{module}:{node.lineno} {root}….{node.func.attr}()")
    assert not found, found


def test_the_door_check_sees_a_write_through_a_manager(tmp_path):
    source = "Case.objects.filter(pk=1).update(status='approved')\n"
    call = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call))
    assert call.func.attr == "update" and _chain_root(call.func.value)[0] == "Case"

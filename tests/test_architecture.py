"""The shape of the code, read from its imports (see docs/architecture.md).

Like the authorization matrix, which fails on a route without a row, this fails the day
an area takes another shape, a view imports another area's views, the kernel reaches
into an area, or a view builds SQL.
"""

import ast
from pathlib import Path

import pytest

from goalmap import AREAS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "goalmap"
SHAPE = {"__init__.py", "routes.py", "forms.py", "service.py", "queries.py"}
KERNEL = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
# What each kind of module of an area may use of another area.
MAY_USE = {
    "routes": {"service", "queries", "forms"},
    "forms": {"forms", "queries"},
    "service": {"service", "queries"},
    "queries": {"service", "queries"},
    "__init__": set(),
}
# What a domain function or a statement never touches: the request and who is signed in.
REQUEST_BOUND = {
    ("flask", "request"),
    ("flask", "session"),
    ("flask", "g"),
    ("flask", "render_template"),
    ("flask", "flash"),
    ("flask", "redirect"),
    ("flask", "abort"),
    ("flask_login", "current_user"),
}


def imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, name) for every import in ``path``; name is None for ``import module``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
    return found


def goalmap_modules(path: Path) -> set[str]:
    """The goalmap modules ``path`` imports, dotted (``goalmap.board.queries``)."""
    modules = set()
    for module, name in imports(path):
        if not module.startswith("goalmap"):
            continue
        candidate = f"{module}.{name}" if name else module
        parts = candidate.split(".")
        # "from goalmap.board import queries" names a module; "... import bp" does not.
        exists = PACKAGE.joinpath(*parts[1:]).with_suffix(".py").exists()
        modules.add(candidate if exists or PACKAGE.joinpath(*parts[1:]).is_dir() else module)
    return modules


def area_modules(*kinds: str):
    """(area, kind, path) of each module of every area, as test parameters."""
    for area in AREAS:
        for path in sorted((PACKAGE / area).glob("*.py")):
            if not kinds or path.stem in kinds:
                yield pytest.param(area, path.stem, path, id=f"{area}.{path.stem}")


def test_every_package_under_goalmap_is_an_area_or_the_models():
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert packages == {*AREAS, "models"}


@pytest.mark.parametrize("area", AREAS)
def test_every_area_has_the_one_shape(area):
    assert {path.name for path in (PACKAGE / area).glob("*.py")} == SHAPE


@pytest.mark.parametrize("area, kind, path", list(area_modules()))
def test_an_area_uses_other_areas_only_through_their_service_queries_or_forms(area, kind, path):
    for module in goalmap_modules(path):
        parts = module.split(".")
        if len(parts) < 2 or parts[1] not in AREAS or parts[1] == area:
            continue
        used = parts[2] if len(parts) > 2 else "__init__"
        assert used in MAY_USE[kind], f"{path.relative_to(ROOT)} imports {module}"


@pytest.mark.parametrize("area, kind, path", list(area_modules()))
def test_only_create_app_imports_routes(area, kind, path):
    for module in goalmap_modules(path):
        assert not module.endswith(".routes"), f"{path.relative_to(ROOT)} imports {module}"


@pytest.mark.parametrize("name", sorted(KERNEL))
def test_the_kernel_never_imports_an_area(name):
    for module in goalmap_modules(PACKAGE / f"{name}.py"):
        parts = module.split(".")
        assert len(parts) < 2 or parts[1] not in AREAS, f"goalmap/{name}.py imports {module}"


@pytest.mark.parametrize("path", sorted((PACKAGE / "models").glob("*.py")), ids=lambda p: p.name)
def test_models_import_only_the_extensions_and_each_other(path):
    for module in goalmap_modules(path):
        assert module == "goalmap.extensions" or module.startswith("goalmap.models"), (
            f"models/{path.name} imports {module}"
        )


@pytest.mark.parametrize(
    "area, kind, path",
    list(area_modules("service", "queries")),
)
def test_domain_functions_and_statements_never_touch_the_request(area, kind, path):
    used = set(imports(path))
    assert not used & REQUEST_BOUND, f"{path.relative_to(ROOT)} uses {used & REQUEST_BOUND}"


@pytest.mark.parametrize("area, kind, path", list(area_modules("routes")))
def test_views_build_no_sql(area, kind, path):
    for module, name in imports(path):
        assert not module.startswith("sqlalchemy"), f"{path.relative_to(ROOT)} imports {module}"
        if module == "goalmap.scoping":
            assert name == "get_or_404", f"{path.relative_to(ROOT)} imports scoping.{name}"
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        # db.session.execute / scalar / scalars: a query run from a view.
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"execute", "scalar", "scalars", "query", "get"}
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "session"
        ):
            pytest.fail(f"{path.relative_to(ROOT)}:{node.lineno} runs a query itself")


def test_areas_call_each_others_services_one_way():
    """The areas' service and queries modules form no cycle: effects flow one way."""
    edges: dict[str, set[str]] = {area: set() for area in AREAS}
    for param in area_modules("service", "queries"):
        area, _kind, path = param.values
        for module in goalmap_modules(path):
            parts = module.split(".")
            if len(parts) > 1 and parts[1] in AREAS and parts[1] != area:
                edges[area].add(parts[1])

    def reaches(start: str, target: str, seen: set) -> bool:
        return any(
            nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt}))
            for nxt in edges[start]
        )

    cycles = [area for area in AREAS if reaches(area, area, {area})]
    assert cycles == [], f"areas in a cycle: {cycles} ({edges})"


# Areas the others call and that call no other area back: their effects end there.
# Only their views may read other areas (the notifications' reminder command reads what
# falls due from contracts, flexibility and weekly); nothing else of them may.
LEAVES = {"notifications", "wins"}


@pytest.mark.parametrize("leaf", sorted(LEAVES))
def test_a_leaf_area_uses_no_other_area(leaf):
    used = set()
    for path in (PACKAGE / leaf).glob("*.py"):
        if path.stem == "routes":
            continue
        for module in goalmap_modules(path):
            parts = module.split(".")
            if len(parts) > 1 and parts[1] in AREAS and parts[1] != leaf:
                used.add(module)
    assert used == set(), f"{leaf} is a leaf: it may not use {sorted(used)}"


def test_no_two_modules_share_a_name():
    """Besides the five files of the area shape, each module name is used once, and no
    module is named like an area."""
    names: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name not in SHAPE:
            names.setdefault(path.stem, []).append(str(path.relative_to(ROOT)))
    shared = {name: paths for name, paths in names.items() if len(paths) > 1}
    assert shared == {}
    assert not set(names) & set(AREAS), set(names) & set(AREAS)


def test_templates_mirror_the_areas():
    """templates/<area>/ for each area's pages; errors/ belongs to the kernel."""
    folders = {path.name for path in (ROOT / "templates").iterdir() if path.is_dir()}
    assert folders <= {*AREAS, "errors"}, folders - {*AREAS, "errors"}


def test_the_rules_catch_a_view_importing_another_areas_views(tmp_path):
    """The walker sees what it must: a routes module importing another area's routes."""
    bad = tmp_path / "routes.py"
    bad.write_text("from goalmap.board.routes import show\nfrom goalmap.goals import routes\n")
    assert {"goalmap.board.routes", "goalmap.goals.routes"} <= goalmap_modules(bad)

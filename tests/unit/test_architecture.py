"""The house rules of the code, computed from the code's own imports (AST),
not from a hand-kept list of files:

- no import cycle among the project's modules (imports inside functions count);
- no import of the project's own modules inside a function body, except the
  CLI's lazy loading (a handful at most);
- ``socialgraph/`` top level holds at most a dozen modules;
- packages depend on each other only downwards, in the order written in
  :data:`PACKAGE_ORDER` (the README's architecture sketch);
- ``socialgraph`` never imports ``api`` or ``jobs`` (see
  ``test_errors_config_catalog``).
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("socialgraph", "api", "jobs")

#: bottom first. A module may import its own package and anything listed
#: before its package; ``socialgraph`` top-level modules (app, cli, ...) sit
#: above every package, ``api`` and ``jobs`` above all of ``socialgraph``.
PACKAGE_ORDER = (
    "socialgraph.core", "socialgraph.stores",
    "socialgraph.graph", "socialgraph.accounts", "socialgraph.content", "socialgraph.groups",
    "socialgraph.stories", "socialgraph.messaging", "socialgraph.feeds", "socialgraph.moderation",
    "socialgraph.portability", "socialgraph.importers", "socialgraph.operations",
    "socialgraph.http", "socialgraph.mastodon",  # the Mastodon client API, beside our own
    "socialgraph",  # top-level glue: app factory, CLI, commands, domains
    "jobs", "api",
)
#: lazy imports allowed inside functions (module -> at most this many)
DEFERRED_ALLOWED = {"socialgraph.cli": 5}
MAX_TOP_LEVEL_MODULES = 12


def _modules() -> dict[str, Path]:
    mods = {}
    for top in PROJECT:
        for path in (ROOT / top).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            mods[name.removesuffix(".__init__")] = path
    return mods


MODULES = _modules()


def _targets(module: str, node: ast.AST) -> list[str]:
    """Project modules that one import statement of ``module`` loads."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            parts = module.split(".")
            is_pkg = MODULES[module].name == "__init__.py"
            up = node.level - (1 if is_pkg else 0)
            parts = parts[: len(parts) - up] if up else parts
            base = ".".join(parts + ([base] if base else []))
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    out = []
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name != module:
            out.append(name)
    return out


def _imports() -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """``(edges, deferred)``: module -> imported project modules (all), and
    module -> project imports written inside function bodies."""
    edges: dict[str, set[str]] = defaultdict(set)
    deferred: dict[str, list[str]] = defaultdict(list)
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        inside = set()
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inside.update(id(n) for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom)))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                targets = _targets(module, node)
                edges[module].update(targets)
                if id(node) in inside and targets:
                    deferred[module].extend(targets)
    return edges, deferred


EDGES, DEFERRED = _imports()


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan 1972)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(set(edges) | {w for ws in edges.values() for w in ws}):
        if v not in index:
            visit(v)
    return out


def _package(module: str) -> str:
    """The entry of :data:`PACKAGE_ORDER` that ``module`` belongs to (longest prefix)."""
    best = ""
    for pkg in PACKAGE_ORDER:
        if (module == pkg or module.startswith(pkg + ".")) and len(pkg) > len(best):
            best = pkg
    assert best, f"{module} is in no package of PACKAGE_ORDER"
    return best


def test_the_checker_sees_the_project():
    assert len(MODULES) > 80 and "socialgraph.app" in MODULES and "api" in MODULES
    assert EDGES["socialgraph.app"], "the app factory imports something"


def test_no_import_cycle():
    assert _cycles(EDGES) == []


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_project_import_inside_a_function():
    offenders = {m: t for m, t in DEFERRED.items() if len(t) > DEFERRED_ALLOWED.get(m, 0)}
    assert offenders == {}


def test_top_level_holds_at_most_a_dozen_modules():
    top = sorted(p.stem for p in (ROOT / "socialgraph").glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_every_package_is_in_the_written_order():
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "socialgraph").glob("*/__init__.py")}
    assert packages <= set(PACKAGE_ORDER)


@pytest.mark.parametrize("low", ["socialgraph.core", "socialgraph.stores"])
def test_core_and_stores_import_nothing_above_them(low):
    allowed = PACKAGE_ORDER[: PACKAGE_ORDER.index(low) + 1]
    bad = {(m, t) for m, ts in EDGES.items() if _package(m) == low for t in ts if _package(t) not in allowed}
    assert bad == set()


def test_packages_depend_only_downwards():
    rank = {pkg: i for i, pkg in enumerate(PACKAGE_ORDER)}
    upward = sorted((m, t) for m, ts in EDGES.items() for t in ts if rank[_package(t)] > rank[_package(m)])
    assert upward == []


def test_cypher_folders_mirror_the_packages_and_every_named_query_exists():
    """``cypher/<package>/...`` for the domain packages (plus ``schema`` for the
    store schema and ``analytics`` for analysts); every string literal in the
    code shaped like a catalog name that starts with a catalog folder names an
    existing file."""
    import re

    from socialgraph.stores.graphdb import DEFAULT_DIR, CypherCatalog

    catalog = CypherCatalog.load()
    folders = {p.name for p in Path(DEFAULT_DIR).iterdir() if p.is_dir()}
    packages = {p.name for p in (ROOT / "socialgraph").iterdir() if (p / "__init__.py").exists()}
    assert folders - packages <= {"schema", "analytics"}, folders - packages
    shaped = re.compile(r"^(%s)(/[a-z][a-z0-9_]*){1,2}$" % "|".join(sorted(folders)))
    missing = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and shaped.match(node.value):
                if node.value not in catalog and not any(n.startswith(node.value + "/") for n in catalog.names()):
                    missing.append((module, node.value))
    assert missing == []


def test_every_endpoint_an_unverified_account_may_call_exists():
    """``api.security.UNVERIFIED_ALLOWED`` names real endpoints (a renamed view
    would silently lock unverified accounts out of it)."""
    from api.security import UNVERIFIED_ALLOWED
    from socialgraph.app import create_app

    endpoints = {rule.endpoint for rule in create_app({}).url_map.iter_rules()}
    assert sorted(UNVERIFIED_ALLOWED - endpoints) == []

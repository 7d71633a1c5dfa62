"""Imports go one way: no package cycle, and none against the order declared in xgm/layers.py.

Every module of xgm, tenants, printables and chinatime is parsed (no import runs): module-level and
function-level `import x` and `from x import y` (including `from xgm import foo`) each make an
edge from the importing module's package to the imported one's.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from xgm.layers import PROGRAMS, ROOT_PACKAGE, ordered

ROOT = Path(__file__).resolve().parent.parent
#: Top-level libraries beside xgm (folders, or a single module such as chinatime.py).
LIBRARIES = ("chinatime", "tenants", "printables")


@dataclass(frozen=True)
class Edge:
    """One import of another package: where it is and what it names."""

    source: str
    target: str
    path: str
    line: int
    imported: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.source} -> {self.target} (imports {self.imported})"


def packages_on_disk() -> set[str]:
    """Every package of xgm (a folder holding Python, or a top-level module), and the libraries."""
    found = set(LIBRARIES)
    for entry in (ROOT / "xgm").iterdir():
        if entry.is_dir() and any(entry.rglob("*.py")):
            found.add(entry.name)
        elif entry.suffix == ".py" and entry.name != "__init__.py":
            found.add(entry.stem)
    return found


def package_of_file(path: Path) -> str:
    """The package a source file belongs to (`xgm` for xgm/__init__.py)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[0] != "xgm":
        return parts[0]
    if len(parts) == 1 or parts[1] == "__init__":
        return ROOT_PACKAGE
    return parts[1]


def package_of_module(name: str) -> str | None:
    """The package a dotted module name belongs to; None outside xgm and its libraries."""
    parts = name.split(".")
    if parts[0] in LIBRARIES:
        return parts[0]
    if parts[0] != "xgm":
        return None
    return parts[1] if len(parts) > 1 else ROOT_PACKAGE


def _is_submodule(name: str) -> bool:
    return (ROOT / "xgm" / name).is_dir() or (ROOT / "xgm" / f"{name}.py").is_file()


def imported_modules(node: ast.AST, module: str) -> list[str]:
    """The dotted modules an import statement in `module` (dotted name) brings in."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:  # relative: resolve against the importing module's package
        anchor = module.split(".")[: -node.level]
        base = ".".join([*anchor, base] if base else anchor)
    if base == "xgm":  # from xgm import passes, ROOT: a submodule each, or xgm itself
        return [f"xgm.{a.name}" if _is_submodule(a.name) else "xgm" for a in node.names]
    return [base]


def source_files() -> list[Path]:
    """Every Python file of xgm and of the libraries beside it."""
    files = []
    for top in ("xgm", *LIBRARIES):
        if (ROOT / f"{top}.py").is_file():
            files.append(ROOT / f"{top}.py")
        files.extend(p for p in (ROOT / top).rglob("*.py") if "__pycache__" not in p.parts)
    return sorted(files)


def import_edges() -> list[Edge]:
    """Every import from one package into another, module-level or inside a function."""
    edges = []
    for path in source_files():
        source = package_of_file(path)
        rel = path.relative_to(ROOT)
        module = ".".join(rel.with_suffix("").parts)  # xgm.passes.__init__ for a package
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))
        for node in ast.walk(tree):
            for name in imported_modules(node, module):
                target = package_of_module(name)
                if target is not None and target != source:
                    edges.append(Edge(source, target, str(rel), node.lineno, name))
    return edges


def cycles(edges: list[Edge]) -> list[list[str]]:
    """The strongly connected components of more than one package (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _goes_up(edge: Edge, rank: dict[str, int]) -> bool:
    if edge.source in PROGRAMS:  # a separate program may use any layer, not the app root
        return edge.target == ROOT_PACKAGE
    if edge.source == ROOT_PACKAGE:  # the composition root uses every layer, no program
        return edge.target in PROGRAMS
    if edge.target == ROOT_PACKAGE or edge.target in PROGRAMS:
        return True
    # A package missing from LAYERS fails test_every_package_is_placed instead.
    return rank.get(edge.target, -1) > rank.get(edge.source, len(rank))


def against_order(edges: list[Edge]) -> list[Edge]:
    """The imports that go up the declared order, into a program, or into the composition root."""
    rank = {name: i for i, name in enumerate(ordered())}
    return [edge for edge in edges if _goes_up(edge, rank)]


def test_every_package_is_placed():
    """A new package (folder or top-level module) must be placed in LAYERS or PROGRAMS."""
    declared = set(ordered()) | set(PROGRAMS)
    assert packages_on_disk() - declared == set()


def test_each_package_declared_once():
    """No package is listed twice (its place would be ambiguous)."""
    names = [*ordered(), *PROGRAMS]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []


def test_no_package_cycle():
    """No two packages import each other, directly or through others."""
    edges = import_edges()
    found = cycles(edges)
    lines = []
    for component in found:
        members = set(component)
        lines.append(f"cycle {component}:")
        lines.extend(
            f"  {edge}" for edge in edges if edge.source in members and edge.target in members
        )
    assert found == [], "\n".join(lines)


def test_imports_follow_the_declared_order():
    """Every import goes down LAYERS (or sideways to an earlier package of the same layer)."""
    bad = against_order(import_edges())
    assert bad == [], "imports against xgm/layers.py:\n" + "\n".join(f"  {e}" for e in bad)


def test_the_parser_sees_every_kind_of_import():
    """The edge finder counts function-level, `from xgm import x` and relative imports."""
    tree = ast.parse(
        "import xgm.passes.models\n"
        "from xgm import compounds, ROOT\n"
        "def f():\n"
        "    from xgm.alerts import raise_event\n"
        "from . import sibling\n"
        "from ..guards import models\n"
    )
    found = [
        package_of_module(name)
        for node in ast.walk(tree)
        for name in imported_modules(node, "xgm.presence.views")
    ]
    assert sorted(found) == ["alerts", "compounds", "guards", "passes", "presence", "xgm"]


def test_the_order_check_names_an_upward_import():
    """An import up the layers, into a program or into xgm itself is reported; down is not."""
    edges = [
        Edge("tenants", "passes", "tenants/x.py", 3, "xgm.passes"),
        Edge("passes", "citysim", "xgm/passes/x.py", 4, "xgm.citysim"),
        Edge("probes", "xgm", "xgm/probes/x.py", 5, "xgm"),
        Edge("passes", "tenants", "xgm/passes/y.py", 6, "tenants"),
        Edge("citysim", "city", "xgm/citysim/x.py", 7, "xgm.city"),
    ]
    assert [e.line for e in against_order(edges)] == [3, 4, 5]
    assert str(edges[0]) == "tenants/x.py:3: tenants -> passes (imports xgm.passes)"

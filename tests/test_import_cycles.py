"""No import cycles inside searchtui, counting the imports made inside functions.

Every module under ``searchtui/`` is parsed with ``ast``; each ``import`` and
``from … import`` statement, wherever it stands, adds an edge to the module it
loads (relative imports resolved; ``from package import name`` goes to the
submodule when ``name`` is one, else to the package itself). Importing a
submodule runs its package's ``__init__`` first, but that is not counted as an
edge: a submodule importing a sibling does not depend on what the package
re-exports. Imports under ``if TYPE_CHECKING:`` are never run, and are left out:
they name types for the checker only.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import searchtui

PACKAGE = Path(searchtui.__file__).resolve().parent

#: (importing module, imported module) -> line of the first such import
Graph = dict[str, dict[str, int]]


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> source file, for every module of the package at ``root``."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement run at some point: in functions too, not under TYPE_CHECKING."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def import_graph(root: Path, package: str) -> Graph:
    modules = module_names(root, package)

    def known(name: str) -> str | None:
        """The module of ours that importing ``name`` loads (its nearest known parent)."""
        while name not in modules and "." in name:
            name = name.rsplit(".", 1)[0]
        return name if name in modules else None

    graph: Graph = {name: {} for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        here = name if is_package else name.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _imports(tree):
            targets: list[str | None] = []
            if isinstance(node, ast.Import):
                targets = [known(alias.name) for alias in node.names]
            else:
                if node.level:
                    base = ".".join(here.split(".")[: len(here.split(".")) - node.level + 1])
                    base = f"{base}.{node.module}" if node.module else base
                else:
                    base = node.module or ""
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else known(base))
            for target in targets:
                if target is not None and target != name:
                    graph[name].setdefault(target, node.lineno)
    return graph


def cycle_groups(graph: Graph) -> list[list[str]]:
    """The groups of modules that import each other, directly or not (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, {})):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def find_cycles(graph: Graph) -> list[list[str]]:
    """One cycle through each group of modules that import each other."""
    return [_cycle_in(graph, group) for group in cycle_groups(graph)]


def _cycle_in(graph: Graph, group: list[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = group[0]
    members = set(group)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for succ in sorted(graph[node]):
                if succ not in members:
                    continue
                if succ == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if succ not in previous:
                    previous[succ] = node
                    following.append(succ)
        frontier = following
    raise AssertionError(f"no cycle through {group}")  # a group always has one


def describe(graph: Graph, cycle: list[str]) -> str:
    steps = [f"{a} (line {graph[a][b]}) -> {b}" for a, b in pairwise(cycle)]
    return "\n  ".join(steps)


def test_searchtui_has_no_import_cycles():
    graph = import_graph(PACKAGE, "searchtui")
    groups = cycle_groups(graph)
    assert not groups, "import cycles:\n" + "\n".join(
        f"- among {', '.join(group)}, e.g.\n  {describe(graph, _cycle_in(graph, group))}"
        for group in groups
    )


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph(PACKAGE, "searchtui")
    assert "searchtui.tui.app" in graph["searchtui.cli"]  # imported by the command opening it
    assert "searchtui.ner.spacy_backend" in graph["searchtui.entities"]


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / "pkg" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_a_cycle_through_a_lazy_relative_import_is_found(tmp_path):
    root = _write(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from .sub import b\n",
            "sub/__init__.py": "",
            "sub/b.py": "def f():\n    from ..c import thing\n",
            "c.py": "import pkg.a\nthing = 1\n",
        },
    )
    graph = import_graph(root, "pkg")
    assert find_cycles(graph) == [["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]]
    assert describe(graph, find_cycles(graph)[0]).splitlines()[0] == "pkg.a (line 1) -> pkg.sub.b"


def test_package_reexports_and_type_only_imports_are_not_cycles(tmp_path):
    root = _write(
        tmp_path,
        {
            "__init__.py": "from .a import A\nfrom .b import B\n",
            "a.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from .b import B\n"
                "A = 1\n"
            ),
            "b.py": "from .a import A\nB = A\n",
        },
    )
    graph = import_graph(root, "pkg")
    assert graph["pkg"] == {"pkg.a": 1, "pkg.b": 2}
    assert graph["pkg.a"] == {}
    assert find_cycles(graph) == []

"""The layers ARCHITECTURE.md draws stay true: imports only go down, and no module imports itself
back through others.

Every module of the package is parsed (ast, so imports inside functions and under TYPE_CHECKING
count too: a lazy import is still a dependency, only a cheaper one). A module may import its own
layer and the layers listed for it below; nothing imports the emulator but the commands that serve
it, and the emulator imports nothing of the rest. Any circle between modules fails, whatever the
layers: a circle hidden by a lazy import still ties two modules into one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "baseten_logs"

# Each layer (a folder of the package), and the layers it may import besides its own.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "cli": frozenset(
        {
            "browse",
            "completion",
            "reading",
            "sources",
            "access",
            "api",
            "output",
            "base",
            "emulator",
        }
    ),
    "browse": frozenset({"reading", "sources", "access", "api", "output", "base"}),
    "completion": frozenset({"sources", "access", "api", "output", "base"}),
    "reading": frozenset({"sources", "access", "api", "output", "base"}),
    "sources": frozenset({"access", "api", "base"}),
    "access": frozenset({"api", "base"}),
    "api": frozenset({"base"}),
    "output": frozenset({"base"}),
    "base": frozenset(),
    "emulator": frozenset(),
}
# The package itself is the library's front door (its names are imported on first use) and
# `__main__` the program's: both may import any layer, and no layer imports them (the version
# is base/version.py's).
FRONT_DOORS = {"baseten_logs", "baseten_logs.__main__"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> Iterator[tuple[int, str]]:
    """(line, module imported) for every import of the package in `module`, wherever it is."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "baseten_logs":
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != "baseten_logs":
                continue
            for alias in node.names:
                name = f"{target}.{alias.name}"
                if name in MODULES:  # `from baseten_logs.output import messages`
                    yield node.lineno, name
                else:
                    yield node.lineno, target


GRAPH = {
    module: {target for _, target in _imports(module, path) if target != module}
    for module, path in MODULES.items()
}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in MAY_IMPORT else None


def test_every_module_is_in_a_layer() -> None:
    assert {m for m in MODULES if _layer(m) is None} == FRONT_DOORS


def test_imports_go_only_down() -> None:
    wrong = []
    for module, path in MODULES.items():
        layer = _layer(module)
        if layer is None:
            continue
        for line, target in _imports(module, path):
            other = _layer(target)
            if other is None:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports the package")
            elif other != layer and other not in MAY_IMPORT[layer]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} {layer} -> {target}")
    assert wrong == []


def test_only_the_emulator_commands_import_the_emulator() -> None:
    importers = {
        module
        for module, targets in GRAPH.items()
        if _layer(module) != "emulator" and any(_layer(t) == "emulator" for t in targets)
    }
    assert importers == {"baseten_logs.cli.demo", "baseten_logs.cli.emulator"}


def test_log_command_bodies_share_code_from_below_not_from_a_sibling() -> None:
    """chain, training and request once imported get's helpers from cli/get.py: what they share
    is the pipeline (reading/run.py), its outcome and sinks, and the signatures' shared plan
    (cli/log_commands.py), never another command's body."""
    bodies = {f"baseten_logs.cli.{name}" for name in ("get", "chain", "training", "request")}
    bodies |= {"baseten_logs.cli.stats", "baseten_logs.cli.view"}
    assert {(m, t) for m in bodies for t in GRAPH[m] if t in bodies} == set()


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_module_imports_itself_back() -> None:
    # The front doors import everything and nothing imports them (bar the version): leave them
    # out, or the library's lazily offered names would count as a circle through client.py.
    inner = {m: t - FRONT_DOORS for m, t in GRAPH.items() if m not in FRONT_DOORS}
    assert _circles(inner) == []


@pytest.mark.parametrize(
    ("graph", "circles"),
    [
        ({"a": {"b"}, "b": {"a"}, "c": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ],
)
def test_circles_are_found(graph: dict[str, set[str]], circles: list[list[str]]) -> None:
    assert _circles(graph) == circles


def _private_imports(module: str, path: Path) -> Iterator[str]:
    """`file:line name` for each `_name` that `module` imports from another module of ours."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("baseten_logs"):
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private and node.module != module:
                    yield f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {alias.name}"


def test_no_private_name_crosses_a_cli_module() -> None:
    """A name one cli/ module shares with another is public there (listings.py once took
    catalog.py's `_emit`, `_text`...): a private one can change under its importer unseen."""
    found = [
        hit
        for module, path in MODULES.items()
        if _layer(module) == "cli"
        for hit in _private_imports(module, path)
    ]
    assert found == []

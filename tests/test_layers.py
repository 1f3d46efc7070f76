"""The layers point one way: dsl <- compiler <- engine <- (cli, playground).

Read from the source with `ast`, every import counted, at the top of a module or inside a
function: a lazy import is still a dependency. Imports under `if TYPE_CHECKING:` are left
out: they name a type for the checker and never run, so they cannot make a cycle. A module may import from its own layer or
a lower one, never a higher one; no two modules import each other, directly or round a
loop; and no module takes another module's private (`_name`) names.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest

from helpers import ROOT

# Folder -> import name, as pyproject's package-dir maps them.
PACKAGES = {
    "dsl": "lawcode.dsl",
    "compiler": "lawcode.compiler",
    "engine": "lawcode.engine",
    "rulesets": "lawcode.rulesets",
    "playground": "lawcode.playground",
    "src/lawcode": "lawcode",
}

# Higher layers may import lower ones. The application (`lawcode.*` outside the four
# library packages: the API, the CLI) and the playground are one layer, the top.
RANKS = {"lawcode.dsl": 0, "lawcode.compiler": 1, "lawcode.engine": 2, "lawcode.rulesets": 3, "lawcode.playground": 3, "lawcode": 3}


@dataclass(frozen=True, slots=True)
class Edge:
    importer: str
    imported: str
    name: str
    line: int


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def type_checking_only(tree: ast.Module) -> set[ast.AST]:
    """The nodes inside `if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`) blocks."""
    skipped: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}:
            skipped.update(inner for stmt in node.body for inner in ast.walk(stmt))
    return skipped


def edges(found: dict[str, Path]) -> list[Edge]:
    result: list[Edge] = []
    for module, path in found.items():
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = type_checking_only(tree)
        for node in ast.walk(tree):
            if node in skipped:
                continue
            if isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                target = ".".join([*base, *([node.module] if node.module else [])])
                for alias in node.names:
                    submodule = f"{target}.{alias.name}"
                    result.append(Edge(module, submodule if submodule in found else target, alias.name, node.lineno))
            elif isinstance(node, ast.Import):
                result += [Edge(module, alias.name, "", node.lineno) for alias in node.names]
    return [e for e in result if e.imported == "lawcode" or e.imported.startswith("lawcode.")]


def layer(module: str) -> str:
    return next((p for p in RANKS if p != "lawcode" and (module == p or module.startswith(p + "."))), "lawcode")


FOUND = modules()
EDGES = edges(FOUND)


def test_the_scan_sees_the_whole_package() -> None:
    assert {"lawcode.dsl.parser", "lawcode.compiler.lower", "lawcode.engine.evaluate", "lawcode.api"} <= FOUND.keys()
    assert len(EDGES) > 100


@pytest.mark.parametrize("package", ["lawcode.dsl", "lawcode.compiler", "lawcode.engine"])
def test_no_library_layer_imports_a_higher_one(package: str) -> None:
    upward = sorted({
        f"{FOUND[e.importer].relative_to(ROOT)}:{e.line}: {e.importer} imports {e.imported}"
        for e in EDGES
        if layer(e.importer) == package and RANKS[layer(e.imported)] > RANKS[package]
    })
    assert not upward, "\n".join(upward)


def test_the_playground_does_not_import_the_command_line() -> None:
    cli = [e for e in EDGES if layer(e.importer) == "lawcode.playground" and (e.imported.startswith("lawcode.cli") or e.imported.startswith("lawcode.cmd"))]
    assert not cli, cli


def test_no_import_cycles() -> None:
    graph = nx.DiGraph((e.importer, e.imported) for e in EDGES if e.imported in FOUND and e.importer != e.imported)
    # A package's __init__ re-exporting its own submodules is not a cycle of meaning.
    graph.remove_edges_from([(a, b) for a, b in list(graph.edges) if b.startswith(a + ".")])
    cycles = sorted((" -> ".join(c) for c in nx.simple_cycles(graph)), key=len)
    assert not cycles, "\n".join(cycles[:20])


def test_no_private_names_cross_modules() -> None:
    private = [
        f"{FOUND[e.importer].relative_to(ROOT)}:{e.line}: {e.importer} takes {e.imported}.{e.name}"
        for e in EDGES
        if e.name.startswith("_") and not e.name.startswith("__")
    ]
    assert not private, "\n".join(private)

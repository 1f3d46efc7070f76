"""The language server is a library of the application layer: the command line starts it
(`lawcode.cli.lsp`), and it imports neither the command line nor the playground."""

from __future__ import annotations

import ast
from pathlib import Path

LSP = Path(__file__).resolve().parents[2] / "src" / "lawcode" / "lsp"


def test_the_server_imports_neither_the_cli_nor_the_playground() -> None:
    found = []
    for path in sorted(LSP.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names] if isinstance(node, ast.Import) else []
            found += [f"{path.name}: {n}" for n in names if n.startswith(("lawcode.cli", "lawcode.playground", "click"))]
    assert not found, found
    assert len(list(LSP.glob("*.py"))) >= 10

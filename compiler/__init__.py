"""Compile lawcode modules into a checked, backend-neutral `Program`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lawcode.compiler.modules import load
from lawcode.compiler.program import Compiler, Program

__all__ = ["Program", "compile_paths", "compile_text"]


def compile_paths(paths: Sequence[Path]) -> Program:
    return Compiler(load(entries=paths)).compile()


def compile_text(text: str, name: str = "<input>", base_dir: Path | None = None) -> Program:
    return Compiler(load(texts=[(name, text, base_dir or Path.cwd())])).compile()

"""Report renderers, one module per output format; each is `render(report, program) -> str`."""

from __future__ import annotations

from collections.abc import Callable

from lawcode.compiler import Program
from lawcode.engine.formats import json_format, junit, markdown, sarif, text
from lawcode.engine.report import Report

Renderer = Callable[[Report, Program], str]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "markdown": markdown.render,
}


def render(fmt: str, report: Report, program: Program, *, terminal: bool = False) -> str:
    """The report in `fmt`; `terminal`: the text goes to a terminal (colour it)."""
    if fmt == "text":
        return text.render(report, program, color=True if terminal else None)
    return FORMATS[fmt](report, program)


__all__ = ["FORMATS", "Renderer", "render"]

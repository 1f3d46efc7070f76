"""Report renderers, one module per output format; each is `render(report, program) -> str`."""

from __future__ import annotations

from collections.abc import Callable

from lawcode.compiler import Program
from lawcode.engine.formats import json_format, text
from lawcode.engine.report import Report

Renderer = Callable[[Report, Program], str]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_format.render,
}

__all__ = ["FORMATS", "Renderer"]

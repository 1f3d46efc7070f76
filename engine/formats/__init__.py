"""Report renderers, one module per output format; each is `render(report, program) -> str`.

`json` and `jsonl` also write as they go (`pieces(stream, program)`, bytes): `pieces`
uses that for them, so a report with a million violations is never one string or one
tuple of objects; the other formats need the whole report and collect the stream first.

A renderer's module is imported when its format is first used: the HTML page needs
Jinja2, OSCAL its schemas and the cycle's waivers, and a `--format json` run (or an
embedding service) should not pay for them at start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from lawcode.compiler import Program
from lawcode.engine.formats.view import View
from lawcode.engine.report import Report, ReportStream

Renderer = Callable[[Report, Program], str]
Streamer = Callable[[ReportStream, Program], Iterator[bytes]]



class _Lazy(Mapping[str, Callable[..., object]]):
    """Format name -> a function of its module, the module imported on first use."""

    __slots__ = ("_where",)

    def __init__(self, where: dict[str, tuple[str, str]]) -> None:
        self._where = where

    def __getitem__(self, name: str) -> Callable[..., object]:
        module, function = self._where[name]
        found: Callable[..., object] = getattr(importlib.import_module(f"lawcode.engine.formats.{module}"), function)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


FORMATS: Mapping[str, Renderer] = _Lazy(  # type: ignore[assignment]
    {
        "text": ("text", "render"),
        "json": ("json_format", "render"),
        "jsonl": ("jsonl", "render"),
        "sarif": ("sarif", "render"),
        "junit": ("junit", "render"),
        "markdown": ("markdown", "render"),
        "oscal": ("oscal", "render"),
        "oscal-poam": ("oscal", "render_poam"),
        "html": ("html", "render"),
    }
)


def render(fmt: str, report: Report, program: Program, *, terminal: bool = False, view: View | None = None) -> str:
    """The report in `fmt`; `view`: how text and markdown are shown (default: `View.for_output(terminal=…)`)."""
    view = view or View.for_output(terminal=terminal)
    if fmt == "text":
        from lawcode.engine.formats import text

        return text.render(report, program, color=view.color, width=view.width, evidence=view.evidence)
    if fmt == "markdown":
        from lawcode.engine.formats import markdown

        return markdown.render(report, program, max_bytes=view.max_bytes, full_report=view.full_report)
    return FORMATS[fmt](report, program)


STREAMED: Mapping[str, Streamer] = _Lazy({"json": ("json_format", "pieces"), "jsonl": ("jsonl", "pieces")})  # type: ignore[assignment]


def pieces(fmt: str, stream: ReportStream, program: Program, *, terminal: bool = False, view: View | None = None) -> Iterator[bytes]:
    """The report in `fmt` as bytes, written as produced where the format allows."""
    streamer = STREAMED.get(fmt)
    if streamer is not None:
        return streamer(stream, program)
    return iter([render(fmt, stream.collect(), program, terminal=terminal, view=view).encode("utf-8")])


__all__ = ["FORMATS", "STREAMED", "Renderer", "Streamer", "View", "pieces", "render"]

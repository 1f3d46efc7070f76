"""Report renderers, one module per output format; each is `render(report, program) -> str`.

`json` and `jsonl` also write as they go (`pieces(stream, program)`, bytes): `pieces`
uses that for them, so a report with a million violations is never one string or one
tuple of objects; the other formats need the whole report and collect the stream first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lawcode.compiler import Program
from lawcode.engine.formats import html, json_format, jsonl, junit, markdown, oscal, sarif, text
from lawcode.engine.formats.view import View
from lawcode.engine.report import Report, ReportStream

Renderer = Callable[[Report, Program], str]
Streamer = Callable[[ReportStream, Program], Iterator[bytes]]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_format.render,
    "jsonl": jsonl.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "markdown": markdown.render,
    "oscal": oscal.render,
    "oscal-poam": oscal.render_poam,
    "html": html.render,
}


def render(fmt: str, report: Report, program: Program, *, terminal: bool = False, view: View | None = None) -> str:
    """The report in `fmt`; `view`: how text and markdown are shown (default: `View.for_output(terminal=…)`)."""
    view = view or View.for_output(terminal=terminal)
    if fmt == "text":
        return text.render(report, program, color=view.color, width=view.width, evidence=view.evidence)
    if fmt == "markdown":
        return markdown.render(report, program, max_bytes=view.max_bytes, full_report=view.full_report)
    return FORMATS[fmt](report, program)


STREAMED: dict[str, Streamer] = {
    "json": json_format.pieces,
    "jsonl": jsonl.pieces,
}


def pieces(fmt: str, stream: ReportStream, program: Program, *, terminal: bool = False, view: View | None = None) -> Iterator[bytes]:
    """The report in `fmt` as bytes, written as produced where the format allows."""
    streamer = STREAMED.get(fmt)
    if streamer is not None:
        return streamer(stream, program)
    return iter([render(fmt, stream.collect(), program, terminal=terminal, view=view).encode("utf-8")])


__all__ = ["FORMATS", "STREAMED", "Renderer", "Streamer", "View", "pieces", "render"]

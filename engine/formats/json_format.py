"""The JSON report: the stable contract (docs/api.md), written as it is produced.

`pieces` yields the bytes of `Report.to_json() + "\\n"` exactly, one violation at a time:
orjson's two-space indentation of a nested value is the value's own, shifted right, so
each item is dumped alone and indented by its depth. The whole report is never one string.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from lawcode.compiler import Program
from lawcode.engine.report import Report, ReportStream, Tally, Violation

_INDENT = orjson.OPT_INDENT_2


def _value(value: Any, depth: int) -> bytes:
    """`value` as orjson writes it `depth` levels deep in an indented document."""
    return orjson.dumps(value, option=_INDENT).replace(b"\n", b"\n" + b"  " * depth)


def _member(key: str, value: Any) -> bytes:
    return b"  " + orjson.dumps(key) + b": " + _value(value, 1)


def _array(key: str, items: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """A top-level member holding a list, its items dumped one by one."""
    return _written(key, (_value(item, 2) for item in items))


def _written(key: str, texts: Iterable[bytes]) -> Iterator[bytes]:
    """A top-level member holding a list, from its items' texts (or runs of items, joined)."""
    opened = False
    for item in texts:
        yield (b",\n    " if opened else b"  " + orjson.dumps(key) + b": [\n    ") + item
        opened = True
    yield b"\n  ]" if opened else b"  " + orjson.dumps(key) + b": []"


def pieces(stream: ReportStream, program: Program | None = None) -> Iterator[bytes]:
    """The JSON report in pieces of about one violation each; their concatenation is
    byte-identical to `render(stream.collect(), program)`."""
    tally = Tally()

    def violations() -> Iterator[bytes]:
        for part in stream.violation_parts():
            if isinstance(part, Violation):
                tally.violation(part)
                yield _value(part.to_json(), 2)
                continue
            for text, count in part.chunks("json"):  # written by the engine: copied through
                tally.written(part, count)
                yield text

    def undetermined() -> Iterator[dict[str, Any]]:
        for u in stream.undetermined():
            tally.undetermined += 1
            yield u.to_json()

    yield b"{\n" + b",\n".join(_member(k, v) for k, v in stream.header().items()) + b",\n"
    yield from _written("violations", violations())
    yield b",\n"
    yield from _array("undetermined", undetermined())
    yield b",\n"
    yield from _array("not_in_force", (n.to_json() for n in stream.not_in_force))
    yield b",\n" + _member("summary", tally.summary(len(stream.rules), len(stream.not_in_force), stream.subjects_checked)) + b"\n}\n"


def render(report: Report, program: Program) -> str:
    return report.to_json() + "\n"

"""Where a snapshot's JSON Lines are not JSON: S002 at the line and column the python backend gives.

The lines are cut from a document by `stream.split_document` (each at a known offset of
the document) or are a JSON Lines file of a snapshot folder. These run only once
something is wrong: DuckDB could not read a part, or read fewer rows than it has; orjson
(the python backend's parser) then says where and why, and `stream.position` turns the
document offset into a line and a column.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import orjson

from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.jsontext import json_syntax_error
from lawcode.engine.snapshot import json_reason
from lawcode.engine.sql.stream import WHITESPACE, Part, error_bytes, syntax_error


def first_error(source: str | os.PathLike[str] | bytes, parts: Iterable[Part], label: str, found: Iterable[tuple[int, str]] = ()) -> LawcodeError | None:
    """The document's first syntax error, as the python backend reports it: S002 at its line:column.

    `found` are errors already known (offset, reason): from the skeleton, or a line break
    inside a string. Each part's lines are parsed by orjson for theirs; the first in the
    document wins, as it does when orjson parses the whole document. Only called once
    something is wrong (DuckDB could not read a part, or read fewer rows than it has).
    """
    candidates = list(found)
    for part in parts:
        bad = _bad_line(part)
        if bad is not None:
            candidates.append(bad)
    if not candidates:
        return None
    offset, reason = min(candidates, key=lambda c: c[0])
    return syntax_error(source, offset, reason, label)


def _bad_line(part: Part) -> tuple[int, str] | None:
    """(document offset, orjson's reason) of the first line of `part` that is not one JSON value."""
    if part.offset is None:
        return None
    count = part.count if part.count is not None else 1
    at = 0
    for index, line in enumerate(_lines(part.paths)):
        if index >= count:
            break
        if not line.strip(WHITESPACE):
            if part.count is None:
                break  # `[ ]`: no element
            if index == count - 1 and index:
                return part.offset + at - 1, "trailing comma is not allowed"
            return part.offset + at + len(line), "unexpected character, expected a JSON value"
        try:
            orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            reason = json_reason(exc)
            if reason == "unexpected content after document":  # in the document: another value, no comma
                reason = "unexpected character, expected ',' or ']'"
            return part.offset + at + error_bytes(line, exc), reason
        at += len(line) + 1
    return None


def _lines(paths: Iterable[str]) -> Iterator[bytes]:
    """The lines of files read one after the other, without their newlines, one line at a time."""
    for path in paths:
        with open(path, "rb") as handle:
            for line in handle:
                yield line[:-1] if line.endswith(b"\n") else line


def jsonl_error(part: Part) -> LawcodeError | None:
    """The first line of a JSON Lines file that is not one JSON value: S002 at its own line
    and column (DuckDB names the line where it noticed, often the next one)."""
    for path in part.paths:
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, 1):
                text = line.rstrip(b"\r\n")
                if not text.strip(WHITESPACE):
                    continue  # DuckDB skips blank lines
                try:
                    orjson.loads(text)
                except orjson.JSONDecodeError as exc:
                    at = error_bytes(text, exc)
                    column = len(text[:at].decode("utf-8", "replace")) + 1
                    return json_syntax_error(path, number, column, json_reason(exc))
    return None

"""Keys repeated in one object of a snapshot's JSON Lines (S040), found at C speed.

DuckDB reads an element through its column spec and never sees a key written twice; the
python backend refuses such a snapshot (JSON readers disagree on which value wins). So
every line must be checked, and a Python pass over a million lines (`json` with a pairs
hook) ran at about 50 MB/s. `none_repeated` instead counts:

- orjson parses a block of lines as one array and keeps the last of repeated keys; the
  tree it gives back has exactly one `key: value` pair fewer for each pair it dropped,
  counting the pairs inside the dropped values too;
- every pair is one colon outside strings, in the text read and in orjson's own
  serialisation of the tree: numpy counts both (`_pairs`);
- equal counts for every block: no object repeats a key. Anything else (a repeat, a
  block orjson refuses, lines that do not split into one value each) sends the parts to
  the exact line-by-line pass, which finds the first repeat and its position, or leaves a
  syntax error to the caller, as before.

A block is about BLOCK bytes of whole lines: its Python objects exist only while it is
counted.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np
import orjson

from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine import jsontext
from lawcode.engine.sql.stream import WHITESPACE, Part, position

BLOCK = 2 << 20  # bytes of lines parsed at once: a few times that in Python objects, briefly
_QUOTE, _BACKSLASH, _COLON = b'"\\:'


def none_repeated(part: Part) -> bool:
    """True when no object in the part's lines repeats a key (False: perhaps one does)."""
    for path in part.paths:
        with open(path, "rb") as handle:
            tail = b""
            while True:
                chunk = handle.read(BLOCK)
                if not chunk:
                    break
                data = tail + chunk
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    tail = data
                    continue
                tail = data[cut:]
                if not _block_clear(data[:cut]):
                    return False
            if tail and not _block_clear(tail):
                return False
    return True


def _block_clear(data: bytes) -> bool:
    """Whether these whole lines hold one JSON value each and no object repeats a key.

    The lines become one array by turning their newlines into commas (a blank line then
    makes `,,`, which orjson refuses: such a block goes to the exact pass)."""
    body = data[:-1] if data.endswith(b"\n") else data
    if not body.strip(WHITESPACE):
        return True
    joined = b"[" + body.replace(b"\n", b",") + b"]"
    try:
        tree = orjson.loads(joined)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(tree, list) or len(tree) != body.count(b"\n") + 1:
        return False  # a line that is not one value (`1,2`, or a string cut by a line break)
    try:
        again = orjson.dumps(tree)
    except orjson.JSONEncodeError:  # nested past orjson's 254 levels for writing (it reads 1,024)
        return False
    return _pairs(joined) == _pairs(again)


def _pairs(text: bytes) -> int:
    """The colons outside strings: one per `key: value` pair of JSON `text`.

    A quote starts or ends a string unless an odd run of backslashes precedes it; a
    colon is outside strings when an even number of such quotes precede it."""
    data = np.frombuffer(text, dtype=np.uint8)
    colons = np.flatnonzero(data == _COLON)
    if not colons.size:
        return 0
    quotes = np.flatnonzero(data == _QUOTE)
    after_backslash = quotes[(quotes > 0) & (data[np.maximum(quotes - 1, 0)] == _BACKSLASH)]
    if after_backslash.size:  # rare: an escaped quote; look at each
        escaped = [q for q in after_backslash.tolist() if _escaped(text, q)]
        quotes = np.setdiff1d(quotes, np.array(escaped, dtype=quotes.dtype), assume_unique=True)
    before = np.searchsorted(quotes, colons)
    return int(np.count_nonzero(before % 2 == 0))


def _escaped(text: bytes, at: int) -> bool:
    run = 0
    while at - run - 1 >= 0 and text[at - run - 1] == _BACKSLASH:
        run += 1
    return run % 2 == 1


def repeated_keys(parts: Iterable[Part], source: str | os.PathLike[str] | bytes | None, label: str, before: tuple[int, tuple[str | int, ...], int] | None = None) -> LawcodeError | None:
    """S040 for the first key repeated in an object, in the document order: `before` (one
    found outside the arrays) or in the lines of `parts`. None when there is none, or when
    a line does not parse (its syntax error comes first: the caller's).

    `none_repeated` clears the parts at C speed; only when it cannot are the lines parsed
    once more, one by one, to find and place the first repeat (`_repeated_in`)."""
    parts = list(parts)
    found: list[tuple[int, LawcodeError]] = []
    for part in parts if not all(none_repeated(part) for part in parts) else ():
        key = _repeated_in(part)
        if key is _UNREADABLE:
            return None
        if key is not None:
            assert isinstance(key, tuple)
            index, number, line, found_key = key
            text = line.decode("utf-8")
            at, first = (len(text[:k].encode()) for k in (found_key.offset, found_key.first))
            where = (part.name, index, *found_key.pointer)
            if part.offset is None:  # a JSON Lines file: its own line
                path = part.paths[number[0]]
                columns = [len(text[: k]) + 1 for k in (found_key.offset, found_key.first)]
                found.append((-1, jsontext.repeated_key_at(path, where, (number[1], columns[0]), (number[1], columns[1]))))
                continue
            start = part.offset + number[1]
            assert source is not None
            found.append((start + at, jsontext.repeated_key_at(label, where, position(source, start + at), position(source, start + first))))
    if before is not None:
        assert source is not None
        offset, where, first = before
        found.append((offset, jsontext.repeated_key_at(label, where, position(source, offset), position(source, first))))
    return min(found, key=lambda f: f[0])[1] if found else None


_UNREADABLE = object()


def _repeated_in(part: Part) -> object:
    """(element index, (file index, line number or document offset), line, RepeatedKey) of the
    part's first repeated key; None if none; _UNREADABLE if some line is not JSON."""
    at = 0
    index = 0
    for file_index, path in enumerate(part.paths):
        with open(path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                line = raw[:-1] if raw.endswith(b"\n") else raw
                here = at
                at += len(raw)
                if not line.strip(WHITESPACE):
                    continue
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError:
                    return _UNREADABLE
                try:
                    jsontext.check_keys(text)
                except jsontext.Repeated:
                    key = jsontext.locate(text)
                    if key is not None:
                        return index, (file_index, number if part.offset is None else here), line, key
                except ValueError:
                    return _UNREADABLE
                index += 1
    return None

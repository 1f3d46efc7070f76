"""Split a JSON snapshot into JSON Lines per collection, in bounded memory (DuckDB backend).

Why: DuckDB's `read_json` reads a snapshot document as one row, each collection one LIST
of STRUCTs, and unnesting it kept the document, a raw table and the typed tables in memory
at once: 6.5× the file at 1M users. JSON Lines, by contrast, DuckDB reads as a stream. So
each collection's array is cut into JSON Lines files, `<collection>.00000.jsonl`, … of
about PIECE bytes each (DuckDB's read buffer for a file grows with the file, up to 32 MB),
and DuckDB reads those.

How, and why this way: the document is scanned in chunks with numpy, never as Python
objects (a million elements would cost seconds and hundreds of MB as dicts). A quote not
escaped by an odd run of backslashes opens or closes a string; outside strings, brackets
give the depth. The interior of each collection's array is copied byte for byte, with the
commas that separate elements turned into newlines and line breaks between tokens into
spaces. So line k of the files is element k, at the same byte offsets as in the document:
an error found in a line maps back to a line and column of the document
(`jsonl_syntax.first_error`).
A line break inside a string is an error: it is left as it is, so that line does not parse.

Everything else is the *skeleton*: the top level (`as_of`, `policy`, …) with each streamed
array left as `[]` (`[0]` if it has elements), small, and parsed by orjson, the python
backend's own parser. So the scalar values, repeated keys (the last wins) and every syntax
error outside the arrays come out as the python backend reports them. Elements are parsed
by DuckDB when it reads the lines (strictly: a line holding two values, a bad literal or an
unterminated string is an error); an empty element (`[1,,2]`) becomes a blank line, which
DuckDB skips, so the loader compares the number of rows with `Part.count`.

In-memory snapshots (a mapping) are written the same way, one `orjson.dumps` per element.

What DuckDB does not check, the scan and one pass over the lines do, so every backend
gives the python backend's verdict (`jsontext`): a UTF-8 BOM is skipped (`_Chunks`); the
nesting depth is orjson's limit (S046 where it is passed, found by the scan); a key
repeated in an object (DuckDB sees only the keys of its column spec) is S040, found by
`jsonl_keys.repeated_keys`, at C speed (orjson and numpy count key-value pairs); a JSON Lines file's
syntax errors are placed at their own line, not at the line where DuckDB noticed them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.engine import jsontext
from lawcode.engine.jsontext import MAX_DEPTH, json_syntax_error
from lawcode.engine.snapshot import json_reason, not_an_object

CHUNK = 1 << 20  # bytes scanned at a time: numpy's temporaries are a few times this
PIECE = 4 << 20  # bytes per file of a collection: DuckDB reads a file through a buffer of up to 32 MB
SMALL = 1 << 20  # a document not starting with `{` is parsed whole (for the exact error) up to this size
WHITESPACE = b" \t\n\r"

_QUOTE, _BACKSLASH, _COMMA, _NL, _CR, _SPACE, _BRACE, _BRACKET = b'"\\,\n\r {['
_CLOSE = frozenset(b"}]")
_DEPTH = np.zeros(256, dtype=np.int64)
_DEPTH[list(b"{[")] = 1
_DEPTH[list(b"}]")] = -1
_CLOSER = np.zeros(256, dtype=bool)
_CLOSER[list(b"}]")] = True
_LINE_BREAK = np.zeros(256, dtype=bool)
_LINE_BREAK[[_NL, _CR]] = True
_Bytes = np.ndarray[Any, np.dtype[np.uint8]]
_Positions = np.ndarray[Any, np.dtype[np.intp]]
_NUMBER = re.compile(rb"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


@dataclass(frozen=True, slots=True)
class Part:
    """One collection's array, as JSON Lines: line k of the files, in order, is element k."""

    name: str
    paths: tuple[str, ...]  # pieces of about PIECE bytes, cut after a line (DuckDB's read buffers stay that small)
    count: int | None  # elements the document has (None: 0 or 1, whichever DuckDB reads)
    widest: int  # bytes of the longest line (DuckDB's `maximum_object_size`)
    offset: int | None  # the document's byte offset of the file's first byte (None: written from values)


@dataclass(frozen=True, slots=True)
class Split:
    """A snapshot as JSON Lines files and the values that stay in Python."""

    root: dict[str, Any]  # the scalar parts (as_of, policy, …) the layout reads
    parts: dict[str, Part]  # collections whose value is an array
    other: dict[str, Any] = field(default_factory=dict)  # collections whose value is not an array
    repeated: tuple[int, tuple[str | int, ...], int] | None = None  # a key repeated outside the arrays: (offset, pointer, first's offset)


class Broken(Exception):
    """The document is not JSON. `found`: the errors the scan saw (offset, reason); `parts`:
    the lines written so far, where `jsonl_syntax.first_error` looks for an earlier one
    and places the first, as orjson would (the caller does: that module reads this one's)."""

    def __init__(self, found: list[tuple[int, str]], parts: list[Part]) -> None:
        super().__init__(found)
        self.found = found
        self.parts = parts


# ---------------------------------------------------------------- documents


def split_document(
    source: str | os.PathLike[str] | bytes, directory: str, collections: Collection[str], scalars: Collection[str], label: str
) -> Split:
    """Cut a JSON document (a file or its bytes) into `directory`; S001/S003 as the python
    backend, `Broken` where it is not JSON (the caller's S002: `jsonl_syntax.first_error`)."""
    splitter = _Splitter(directory, frozenset(collections))
    try:
        with _open(source) as chunks:
            _first_value(chunks, source, label)
            try:
                for base, chunk in chunks:
                    if not splitter.feed(base, chunk):
                        break
            finally:
                splitter.close_file()
    except OSError as exc:
        raise LawcodeError([Diagnostic("S001", f"cannot read the snapshot: {exc.strerror or exc}", where=label)]) from None
    found = [] if splitter.broken is None else [(splitter.broken, "unexpected control character in string")]
    if splitter.deep is not None:
        found.append((splitter.deep, "depth limit exceeded"))
    skeleton = bytes(splitter.skeleton)  # a document cut short leaves it open: orjson says where
    try:
        parsed = orjson.loads(skeleton)
    except orjson.JSONDecodeError as exc:
        found.append((splitter.document_offset(error_bytes(skeleton, exc)), json_reason(exc)))
    if found:
        raise Broken(found, splitter.written())
    text = skeleton.decode("utf-8")
    key = jsontext.repeated_key(text)
    repeated = None
    if key is not None:
        offset, first = (splitter.document_offset(len(text[:k].encode())) for k in (key.offset, key.first))
        repeated = (offset, key.pointer, first)
    root = {k: v for k, v in parsed.items() if k in scalars}
    parts: dict[str, Part] = {}
    other: dict[str, Any] = {}
    for name in collections:
        if name not in parsed:
            continue
        value = parsed[name]
        if not isinstance(value, list):
            other[name] = value
        elif name in splitter.parts:  # the skeleton holds `[]`, or `[0]` for an array with elements
            parts[name] = splitter.parts[name]
        else:  # an array the scan did not stream (cannot happen for a key orjson reads the same): write it
            parts[name] = _write_values(directory, name, value)
    return Split(root, parts, other, repeated)


_BEFORE, _MEMBER, _ARRAY, _END = range(4)  # before the `{`, in the object, in a collection's array, after the `}`


class _Splitter:
    """The scan: state carried from chunk to chunk, the skeleton, and the open array's file."""

    def __init__(self, directory: str, collections: frozenset[str]) -> None:
        self.directory = directory
        self.collections = collections
        self.skeleton = bytearray()
        self.removed: list[tuple[int, int]] = []  # (skeleton offset, document bytes left out there)
        self.parts: dict[str, Part] = {}
        self.state = _BEFORE
        self.depth = 0
        self.quotes = 0  # parity of the unescaped quotes so far: 1 inside a string
        self.escape = 0  # 1 if the previous chunk ended in an odd run of backslashes
        # this chunk's marks, by kind (positions in the chunk)
        empty: _Positions = np.zeros(0, dtype=np.intp)
        self._separators = empty  # commas between a collection's elements (depth 2)
        self._breaks = empty  # line breaks between tokens
        self._breaks_in_strings = empty  # line breaks inside strings: errors
        self.broken: int | None = None  # document offset of the first line break inside a string of an array
        self.deep: int | None = None  # document offset where nesting first passes MAX_DEPTH (as orjson places it)
        self.member = 0  # skeleton offset where the current member (`"key": value`) starts
        # the array being written
        self.file: _Pieces | None = None
        self.name = ""
        self.start = 0  # document offset of the array's interior
        self.separators = 0
        self.widest = 0
        self.last = 0  # document offset of the last line boundary
        self.content = False  # the array has a byte other than whitespace

    def document_offset(self, at: int) -> int:
        """The document offset of skeleton offset `at`."""
        return at + sum(n for where, n in self.removed if where <= at)

    # ------------------------------------------------------------ scanning
    def feed(self, base: int, chunk: bytes | memoryview) -> bool:
        """Scan one chunk; False once the rest of the document cannot matter (content after it)."""
        data = np.frombuffer(chunk, dtype=np.uint8)
        quotes = np.flatnonzero(data == _QUOTE)
        escaped = self._escaped(data)
        if escaped.size and quotes.size:
            quotes = quotes[~np.isin(quotes, escaped)]
        wanted = data == _COMMA  # comparisons: a lookup table (`table[data]`) is several times slower
        for char in b"{}[]\n\r":
            wanted |= data == char
        marks = np.flatnonzero(wanted)
        inside = ((np.searchsorted(quotes, marks) + self.quotes) & 1).astype(bool)
        self.quotes = (self.quotes + quotes.size) & 1
        chars = data[marks]
        breaks = _LINE_BREAK[chars]
        self._breaks_in_strings = marks[inside & breaks]
        self._breaks = marks[~inside & breaks]
        outside = ~inside & ~breaks
        marks, chars = marks[outside], chars[outside]
        step = _DEPTH[chars]
        after = self.depth + np.cumsum(step)
        before = after - step
        if after.size:
            self.depth = int(after[-1])
            if self.deep is None and int(after.max()) > MAX_DEPTH:
                self.deep = base + int(marks[np.flatnonzero(after > MAX_DEPTH)[0]]) + 1
        self._separators = marks[(chars == _COMMA) & (before == 2)]
        top = (before <= 1) | (_CLOSER[chars] & (before == 2))
        cursor = 0
        for at, char, depth in zip(marks[top].tolist(), chars[top].tolist(), before[top].tolist(), strict=True):
            if not self._segment(data, base, cursor, at):
                return False
            if not self._event(data, base, at, char, depth):
                return False
            cursor = at + 1
        return self._segment(data, base, cursor, data.size)

    def _escaped(self, data: _Bytes) -> _Positions:
        """Positions of the characters escaped by a backslash (the one after an odd run)."""
        slashes = np.flatnonzero(data == _BACKSLASH)
        carried = self.escape
        self.escape = 0
        if not slashes.size:
            return np.array([0], dtype=np.intp) if carried else slashes
        cuts = np.flatnonzero(np.diff(slashes) != 1)
        starts = slashes[np.concatenate(([0], cuts + 1))]
        ends = slashes[np.concatenate((cuts, [slashes.size - 1]))]
        lengths = ends - starts + 1
        if carried and starts[0] == 0:
            lengths[0] += 1
        escaped: _Positions = ends[(lengths & 1) == 1] + 1
        if carried and starts[0] != 0:
            escaped = np.concatenate(([0], escaped))
        if escaped.size and escaped[-1] == data.size:
            self.escape = 1
            escaped = escaped[:-1]
        return escaped

    def _segment(self, data: _Bytes, base: int, a: int, b: int) -> bool:
        """Bytes [a, b) of the chunk, between two top-level marks: the skeleton's or the array's."""
        if a >= b:
            return True
        if self.state == _ARRAY:
            self._write(data, base, a, b)
            return True
        if self.state == _END:
            text = data[a:b].tobytes()
            stripped = text.lstrip(WHITESPACE)
            if not stripped:
                self.removed.append((len(self.skeleton), b - a))
                return True
            self.removed.append((len(self.skeleton), len(text) - len(stripped)))
            self.skeleton += stripped[:1]  # orjson: "unexpected content after document", there
            return False
        self.skeleton += data[a:b].tobytes()
        return True

    def _event(self, data: _Bytes, base: int, at: int, char: int, depth: int) -> bool:
        """A bracket or comma at the top level, or a bracket closing a top-level value."""
        if self.state == _END or depth < 0 or (depth == 0 and char != _BRACE):
            self.state = _END
            return self._segment(data, base, at, at + 1)
        if self.state == _ARRAY:  # the array's closing bracket (a `}` here is orjson's error in the skeleton)
            if self.content:  # `[0]`, so that orjson's words for what follows are those for the document
                where, removed = self.removed[-1]
                self.removed[-1] = (where + 1, removed - 1)
                self.skeleton.append(ord("0"))
            self.skeleton.append(char)
            self._finish(base + at)
            self.state = _MEMBER
            return True
        self.skeleton.append(char)
        if depth == 0:  # the document's `{`
            self.state = _MEMBER
            self.member = len(self.skeleton)
        elif depth == 1 and char == _COMMA:
            self.member = len(self.skeleton)
        elif depth == 1 and char in _CLOSE:
            self.state = _END
        elif depth == 1 and char == _BRACKET:
            name = _member_key(bytes(self.skeleton[self.member : -1]))
            if name in self.collections:
                self._begin(name, base + at + 1)
        return True

    # ------------------------------------------------------------ the array's file
    def _begin(self, name: str, start: int) -> None:
        self.close_file()
        self.file = _Pieces(self.directory, name)
        self.name = name
        self.start = start
        self.separators = 0
        self.widest = 0
        self.last = start - 1
        self.content = False
        self.removed.append((len(self.skeleton), 0))
        self.state = _ARRAY

    def _write(self, data: _Bytes, base: int, a: int, b: int) -> None:
        assert self.file is not None
        bad = _within(self._breaks_in_strings, a, b)
        if bad.size and self.broken is None:  # left as it is: the line breaks there, and does not parse
            self.broken = base + int(bad[0])
        if not self.content:
            self.content = bool(data[a:b].tobytes().strip(WHITESPACE))
        separators = _within(self._separators, a, b)
        breaks = _within(self._breaks, a, b)
        out = data[a:b]
        if separators.size or breaks.size:
            out = out.copy()
            out[separators - a] = _NL
            out[breaks - a] = _SPACE
        self.file.write(out, separators - a)
        if separators.size:
            bounds = separators + base
            self.widest = max(self.widest, int(bounds[0]) - self.last, int(np.diff(bounds).max()) if bounds.size > 1 else 0)
            self.last = int(bounds[-1])
            self.separators += separators.size
        where, _ = self.removed[-1]
        self.removed[-1] = (where, base + b - self.start)

    def _finish(self, end: int) -> None:
        self.widest = max(self.widest, end - self.last)
        self.parts[self.name] = self._part(self.close_file())

    def _part(self, paths: tuple[str, ...]) -> Part:
        count = self.separators + 1 if self.separators or self.content else None
        if count == 1:
            count = None  # `[x]` or `[ ]`: whatever DuckDB reads
        return Part(self.name, paths, count, self.widest, self.start)

    def written(self) -> list[Part]:
        """The parts written so far, with the one the document stopped in (for its errors)."""
        out = list(self.parts.values())
        if self.state == _ARRAY and self.file is not None:
            out.append(self._part(self.file.paths))
        return out

    def close_file(self) -> tuple[str, ...]:
        if self.file is None:
            return ()
        self.file.close()
        return self.file.paths


class _Pieces:
    """A collection's JSON Lines, written into files of about PIECE bytes, each ending after a line."""

    def __init__(self, directory: str, name: str) -> None:
        self.directory = directory
        self.name = name
        self.paths: tuple[str, ...] = ()
        self.handle: IO[bytes] | None = None
        self.size = 0
        self._next()

    def _next(self) -> None:
        self.close()
        path = os.path.join(self.directory, f"{self.name}.{len(self.paths):05d}.jsonl")
        self.handle = open(path, "wb")  # noqa: SIM115  (closed by close)
        self.paths = (*self.paths, path)
        self.size = 0

    def write(self, data: _Bytes, newlines: _Positions) -> None:
        """Bytes whose line ends are at `newlines`: a new file starts after one once this one is full."""
        assert self.handle is not None
        start = 0
        while data.size - start > PIECE - self.size:
            k = int(np.searchsorted(newlines, start + PIECE - self.size - 1))
            if k == newlines.size:
                break
            cut = int(newlines[k]) + 1
            self.handle.write(data[start:cut].data)
            self._next()
            start = cut
        self.handle.write(data[start:].data)
        self.size += data.size - start

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def _within(positions: _Positions, a: int, b: int) -> _Positions:
    """The sorted `positions` in [a, b)."""
    if not positions.size:
        return positions
    lo, hi = np.searchsorted(positions, (a, b))
    return positions[lo:hi]


def _member_key(text: bytes) -> str | None:
    """The key of a member's text so far (`"users" :`), if that is all it is."""
    text = text.rstrip(WHITESPACE)
    if not text.endswith(b":"):
        return None
    try:
        key = orjson.loads(text[:-1])
    except orjson.JSONDecodeError:
        return None  # the skeleton's parse reports it
    return key if isinstance(key, str) else None


def _first_value(chunks: _Chunks, source: str | os.PathLike[str] | bytes, label: str) -> None:
    """A document that is not an object: S003 as the python backend says it (S002 if not JSON)."""
    head = chunks.peek()
    start = head.lstrip(WHITESPACE)
    if start[:1] == b"{":
        return
    if not start:
        jsontext.text_of(head, label)  # S043: empty
    if chunks.size <= SMALL or not start[:1] or start[:1] not in b'["-0123456789tfn':
        raw = chunks.read_all() if chunks.size <= SMALL else head
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise syntax_error(source, error_bytes(raw, exc), json_reason(exc), label) from None
        raise LawcodeError([not_an_object(label, data)])
    kinds = {b"[": [], b'"': "", b"t": True, b"f": False, b"n": None}
    raise LawcodeError([not_an_object(label, kinds.get(start[:1], 0))])


# ---------------------------------------------------------------- in-memory snapshots


def split_data(data: Mapping[str, Any], directory: str, collections: Collection[str], scalars: Collection[str]) -> Split:
    """A mapping's collections as JSON Lines (each element through orjson, as the document would be)."""
    root = {k: orjson.loads(orjson.dumps(data[k])) for k in scalars if k in data}
    parts: dict[str, Part] = {}
    other: dict[str, Any] = {}
    for name in collections:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, list | tuple):
            parts[name] = _write_values(directory, name, value)
        else:
            other[name] = orjson.loads(orjson.dumps(value))
    return Split(root, parts, other)


def _dumps(value: Any) -> bytes:
    """One element as a line of JSON; `json` writes what orjson refuses (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _write_values(directory: str, name: str, values: list[Any] | tuple[Any, ...]) -> Part:
    pieces = _Pieces(directory, name)
    widest = 0
    try:
        for start in range(0, len(values), 4096):
            lines = [_dumps(value) for value in values[start : start + 4096]]
            widest = max([widest, *map(len, lines)])
            text = np.frombuffer(b"\n".join(lines) + b"\n", dtype=np.uint8)
            pieces.write(text, np.flatnonzero(text == _NL))
    finally:
        pieces.close()
    return Part(name, pieces.paths, len(values), widest + 1, None)


def widest_line(path: str) -> int:
    """Bytes of the longest line of a JSON Lines file (DuckDB sizes its read buffers by it)."""
    widest = 0
    last = -1
    with _open(path) as chunks:
        for base, chunk in chunks:
            newlines = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == _NL) + base
            if newlines.size:
                widest = max(widest, int(newlines[0]) - last, int(np.diff(newlines).max()) if newlines.size > 1 else 0)
                last = int(newlines[-1])
        widest = max(widest, chunks.size - last)
    return widest


# ---------------------------------------------------------------- errors with a place


def position(source: str | os.PathLike[str] | bytes, offset: int) -> tuple[int, int]:
    """(line, column) of byte `offset`, both from 1, the column in characters (as orjson counts)."""
    line = 1
    column = 1
    with _open(source) as chunks:
        for base, chunk in chunks:
            if base >= offset:
                break
            data = np.frombuffer(chunk, dtype=np.uint8)[: offset - base]
            newlines = np.flatnonzero(data == _NL)
            if newlines.size:
                line += newlines.size
                column = 1
                data = data[int(newlines[-1]) + 1 :]
            column += int(np.count_nonzero((data & 0xC0) != 0x80))
    return line, column



def syntax_error(source: str | os.PathLike[str] | bytes, offset: int, reason: str, label: str) -> LawcodeError:
    """S002 at the document's line:column of byte `offset`, worded as the python backend words it."""
    return json_syntax_error(label, *position(source, offset), reason)


def error_bytes(text: bytes, exc: orjson.JSONDecodeError) -> int:
    """The byte offset of orjson's error in `text`: its position counts characters, and for
    bytes that are not UTF-8 it is not where they are."""
    if "UTF-8" in str(exc):
        try:
            text.decode("utf-8")
        except UnicodeDecodeError as bad:
            return bad.start
    return len(_chars_prefix(text, exc.pos))


def _chars_prefix(text: bytes, chars: int) -> bytes:
    """The first `chars` characters of UTF-8 `text`, as bytes (orjson's positions count characters)."""
    return text.decode("utf-8", "surrogateescape")[:chars].encode("utf-8", "surrogateescape")


# ---------------------------------------------------------------- reading


class _Chunks:
    """A document's bytes in chunks, from a file or from memory; `peek` the first without losing it."""

    def __init__(self, source: str | os.PathLike[str] | bytes) -> None:
        self.data: memoryview | None = None
        self.handle: IO[bytes] | None = None
        self.skip = 0  # a UTF-8 BOM: skipped, every offset counts from after it
        if isinstance(source, bytes):
            self.skip = len(jsontext.BOM) if source.startswith(jsontext.BOM) else 0
            self.data = memoryview(source)[self.skip :]
            self.size = len(self.data)
        else:
            self.handle = open(source, "rb")  # noqa: SIM115  (closed by __exit__)
            self.skip = len(jsontext.BOM) if self.handle.read(len(jsontext.BOM)) == jsontext.BOM else 0
            self.size = os.fstat(self.handle.fileno()).st_size - self.skip
        self._head: bytes | None = None

    def __enter__(self) -> _Chunks:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()

    def peek(self) -> bytes:
        if self._head is None:
            self._head = self._read(0)
        return self._head

    def read_all(self) -> bytes:
        if self.data is not None:
            return bytes(self.data)
        assert self.handle is not None
        self.handle.seek(self.skip)
        return self.handle.read()

    def _read(self, base: int) -> bytes:
        if self.data is not None:
            return bytes(self.data[base : base + CHUNK])
        assert self.handle is not None
        self.handle.seek(base + self.skip)
        return self.handle.read(CHUNK)

    def __iter__(self) -> Iterator[tuple[int, bytes | memoryview]]:
        base = 0
        while base < self.size or base == 0:
            chunk: bytes | memoryview = self.data[base : base + CHUNK] if self.data is not None else self._read(base)
            if not chunk:
                return
            yield base, chunk
            base += len(chunk)


def _open(source: str | os.PathLike[str] | bytes) -> _Chunks:
    return _Chunks(source if isinstance(source, bytes) else Path(source))


__all__ = ["Broken", "Part", "Split", "error_bytes", "position", "split_data", "split_document", "syntax_error", "widest_line"]

"""Snapshot bytes before they are JSON values: reading them, their encoding, their keys.

Every backend reads a snapshot's bytes through here, so a careless or hostile input gets
one verdict and one message whatever evaluates it:

- reading is bounded by the bytes actually read, not by what `stat` says (`/dev/zero`
  says 0): at most the limit plus one byte. A path `-` is standard input; a FIFO or a
  device is read as a stream; bytes that cannot start a JSON document stop the read at
  once (`/dev/zero` costs one chunk). Nothing read is an empty snapshot (S043);
- a snapshot is UTF-8 (RFC 8259 §8.1): other bytes are S042 at their line and column, not
  a codec error at a byte offset; a leading UTF-8 byte order mark is skipped, as editors
  write one and RFC 8259 lets a parser ignore it;
- a key repeated in one object is S040 at its JSON pointer and line:column. orjson (the
  parser every backend uses) keeps the last value silently, so two `as_of` keys made a
  2024 snapshot run as of 2099. The check is a second parse by the standard library's
  C scanner with a hook on every object (about as fast as orjson); only when it finds a
  repeated key is the text walked again, in Python, to say where.

Messages speak JSON: `null`, `true`, `object` (`shown`, `kind_of`), never Python's `None`,
`True` or `NoneType`.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.dsl.spans import Span

BOM = b"\xef\xbb\xbf"
CHUNK = 1 << 20
JSON_STARTS = frozenset(b'{["-0123456789tfn \t\r\n')
STDIN = "-"


# ---------------------------------------------------------------- reading


def pointer(*parts: str | int) -> str:
    """RFC 6901: `~` → `~0`, `/` → `~1`."""
    out = []
    for part in parts:
        text = str(part)
        if "~" in text or "/" in text:  # rare: escaping every part made reports slower
            text = text.replace("~", "~0").replace("/", "~1")
        out.append(text)
    return "/" + "/".join(out) if out else ""


MAX_DEPTH = 1024  # orjson's limit on nested arrays and objects; the SQL backends check the same


def json_syntax_error(label: str, line: int, column: int, reason: str) -> LawcodeError:
    """S002 at a snapshot's line:column: every backend words a JSON syntax error this way
    (S042 for bytes that are not UTF-8, S046 for nesting beyond MAX_DEPTH)."""
    span = Span(label, line, column, line, column + 1)
    if "UTF-8" in reason:
        return LawcodeError([Diagnostic("S042", "the snapshot is not UTF-8 text", span, "save it as UTF-8 (JSON is UTF-8: RFC 8259)")])
    if reason.startswith("depth limit"):
        return LawcodeError([Diagnostic("S046", f"the snapshot nests arrays and objects more than {MAX_DEPTH} deep", span, "no platform record needs this depth: flatten it")])
    hint = "check for a missing comma or quote near this place"
    if label.lower().endswith((".yaml", ".yml")):  # a test file's snapshot, say, given where a snapshot goes
        hint = "snapshots are read as JSON, JSON Lines or Parquet, not YAML: convert the file (`yq -o=json`), or write it as JSON"
    return LawcodeError([Diagnostic("S002", f"the snapshot is not valid JSON: {reason}", span, hint)])


def is_stdin(source: object) -> bool:
    return isinstance(source, str | os.PathLike) and os.fspath(source) == STDIN


def read_bounded(source: str | os.PathLike[str], label: str, max_bytes: int) -> bytes:
    """A snapshot file's bytes (`-`: standard input), at most `max_bytes` of them (S005 beyond)."""
    with open_stream(source, label) as handle:
        raw = bytearray()
        for chunk in _chunks(handle, max_bytes + 1):
            raw += chunk
        if len(raw) > max_bytes:
            raise LawcodeError([too_big(label, max_bytes)])
    return bytes(raw)


def spool(source: str | os.PathLike[str], directory: str, label: str) -> str:
    """A path to the snapshot as a regular file: itself if it is one, else a copy in `directory`
    (standard input, a FIFO or a device: the SQL backends seek in what they read)."""
    if not is_stdin(source):
        try:
            if stat.S_ISREG(os.stat(source).st_mode):
                return os.fspath(source)
        except OSError:
            return os.fspath(source)  # the reader says why it cannot be read
    path = os.path.join(directory, "stdin.json")
    with open_stream(source, label) as handle, open(path, "wb") as out:
        for chunk in _chunks(handle, None):
            out.write(chunk)
    return path


def open_stream(source: str | os.PathLike[str], label: str) -> IO[bytes]:
    """The snapshot opened for reading; S001 for a folder or what cannot be opened."""
    if is_stdin(source):
        return os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    try:
        handle = open(source, "rb")  # noqa: SIM115  (the caller closes it)
    except IsADirectoryError:
        raise LawcodeError([Diagnostic("S001", "the snapshot is a folder: the python backend reads one JSON file", where=label, hint="folders of JSON Lines or Parquet files are read by --backend duckdb (or auto)")]) from None
    except OSError as exc:
        raise LawcodeError([Diagnostic("S001", f"cannot read the snapshot: {exc.strerror or exc}", where=label)]) from None
    mode = os.fstat(handle.fileno()).st_mode
    if stat.S_ISDIR(mode):
        handle.close()
        raise LawcodeError([Diagnostic("S001", "the snapshot is a folder: the python backend reads one JSON file", where=label, hint="folders of JSON Lines or Parquet files are read by --backend duckdb (or auto)")])
    if stat.S_ISSOCK(mode) or stat.S_ISBLK(mode):
        handle.close()
        raise LawcodeError([Diagnostic("S044", "the snapshot is not a file (a socket or a disk)", where=label, hint="name a JSON file, or `-` to read standard input")])
    return handle


def _chunks(handle: IO[bytes], limit: int | None) -> Iterator[bytes]:
    """The stream's bytes, up to `limit`; stops after the first chunk if it cannot start JSON."""
    read = 0
    first = True
    while limit is None or read < limit:
        try:
            chunk = handle.read(CHUNK if limit is None else min(CHUNK, limit - read))
        except OSError as exc:
            raise LawcodeError([Diagnostic("S001", f"cannot read the snapshot: {exc.strerror or exc}")]) from None
        if not chunk:
            return
        read += len(chunk)
        yield chunk
        if first and chunk.removeprefix(BOM)[:1] not in (b"", *(bytes([c]) for c in JSON_STARTS)):
            return  # `/dev/zero`, a binary file: the parser's error comes from this chunk
        first = False


def too_big(label: str, limit: int, size: int | None = None) -> Diagnostic:
    what = f"is {size / 1e6:.1f} MB, over" if size is not None else "is over"
    return Diagnostic("S005", f"the snapshot {what} the limit of {limit / 1e6:.0f} MB", where=label, hint="raise the limit with --max-snapshot-mb, or split the snapshot")


# ---------------------------------------------------------------- text


def text_of(raw: bytes, label: str) -> bytes:
    """The document's bytes without a UTF-8 BOM; S043 if empty, S042 if not UTF-8."""
    raw = raw.removeprefix(BOM)
    if not raw.strip():
        raise LawcodeError([Diagnostic("S043", "the snapshot is empty", where=label, hint='a snapshot is a JSON object: {"as_of": "YYYY-MM-DD", …}')])
    check_utf8(raw, label)
    return raw


def check_utf8(raw: bytes, label: str, base_line: int = 1) -> None:
    """S042 at the line:column of the first byte that is not UTF-8."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(label, raw, exc.start, base_line) from None


def not_utf8(label: str, raw: bytes, offset: int, base_line: int = 1) -> LawcodeError:
    line, column = line_column(raw, offset)
    return json_syntax_error(label, base_line + line - 1, column, "not valid UTF-8")


def line_column(raw: bytes, offset: int) -> tuple[int, int]:
    """(line, column) of byte `offset`, from 1, the column in characters."""
    before = raw[:offset]
    start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, len(before[start:].decode("utf-8", "replace")) + 1


# ---------------------------------------------------------------- repeated keys


class Repeated(Exception):
    pass


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise Repeated
    return found


CHECKER = json.JSONDecoder(object_pairs_hook=_unique)


@dataclass(frozen=True, slots=True)
class RepeatedKey:
    """A key written twice in one object: the pointer of the second, and where it starts."""

    pointer: tuple[str | int, ...]
    offset: int  # characters into the text
    first: int  # characters into the text: the first occurrence


def check_keys(text: str) -> None:
    """Parse `text` with `CHECKER`, raising `Repeated` at a repeated key.

    The standard library's scanner recurses once per level, within Python's recursion
    limit; a snapshot may nest `MAX_DEPTH` (1,024) levels, more than the default limit
    leaves room for, so the limit is raised around the parse. Text nested deeper than
    that is refused by the parser that reads it (S046) before this check matters, and
    here raises ValueError, like any text that is not JSON.
    """
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + MAX_DEPTH + 100)
    try:
        CHECKER.decode(text)
    except RecursionError:
        raise ValueError("nested too deep to check") from None
    finally:
        sys.setrecursionlimit(limit)


def repeated_key(text: str) -> RepeatedKey | None:
    """The first key repeated in an object of a valid JSON text, if any."""
    try:
        check_keys(text)
    except Repeated:
        return locate(text)
    except ValueError:
        return None  # not this check's business: the parser reports it
    return None


_TOKEN = re.compile(r'[ \t\r\n]*(?:(")|([{}\[\],:])|(-?[0-9][0-9eE.+-]*|true|false|null))')


def locate(text: str) -> RepeatedKey | None:
    """Walk a valid JSON text, keeping the path, until a key comes twice in one object."""
    scan = json.decoder.scanstring  # type: ignore[attr-defined]
    stack: list[tuple[str, dict[str, int] | list[int]]] = []  # ("{", keys seen) / ("[", [index])
    path: list[str | int] = []
    at = 0
    expect_key = False
    while True:
        match = _TOKEN.match(text, at)
        if match is None:
            return None
        start = match.end() - 1 if match.group(1) or match.group(2) else match.start(3)
        at = match.end()
        if match.group(1):
            value, at = scan(text, at)
            if expect_key:
                kind, seen = stack[-1]
                assert isinstance(seen, dict)
                if value in seen:
                    return RepeatedKey((*path, value), start, seen[value])
                seen[value] = start
                path.append(value)
                expect_key = False
            continue
        symbol = match.group(2)
        if symbol == "{":
            stack.append(("{", {}))
            expect_key = True
        elif symbol == "[":
            stack.append(("[", [0]))
            path.append(0)
        elif symbol in ("}", "]"):
            if symbol == "]" or not expect_key:  # `{}` put no key on the path
                path.pop()
            stack.pop()
            expect_key = False
            if not stack:
                return None
        elif symbol == ",":
            kind, seen = stack[-1]
            if kind == "{":
                path.pop()
                expect_key = True
            else:
                assert isinstance(seen, list)
                seen[0] += 1
                path[-1] = seen[0]


def repeated_key_error(label: str, text: str, found: RepeatedKey) -> LawcodeError:
    """S040 at a repeated key of a whole document's text."""
    return repeated_key_at(label, found.pointer, _text_position(text, found.offset), _text_position(text, found.first))


def repeated_key_at(label: str, where: tuple[str | int, ...], at: tuple[int, int], first: tuple[int, int]) -> LawcodeError:
    """S040: the repeated key's pointer, its line:column (`at`) and the first one's, alike on every backend."""
    path = pointer(*where)
    span = Span(label, at[0], at[1], at[0], at[1] + 1)
    message = f"the key {json.dumps(where[-1], ensure_ascii=False)} appears twice in one object ({path}; first at {first[0]}:{first[1]})"
    return LawcodeError([Diagnostic("S040", message, span, "keep one: JSON readers disagree on which value wins", where=f"{label} {path}")])


def _text_position(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


# ---------------------------------------------------------------- JSON words


SHOWN_DEPTH = 8  # levels of a value a message shows; deeper ones are `…`


def shown(value: Any, depth: int = 0) -> str:
    """A value in a message: strings quoted as jsonschema quotes them, the rest as JSON
    (`null`, `true`, `{'a': null}`), never Python's `None` or `True`. Nesting past
    `SHOWN_DEPTH` is cut: a message quotes a value to point at it, and a value nested
    a thousand deep would otherwise recurse a thousand deep."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple) and depth >= SHOWN_DEPTH:
        return "{…}" if isinstance(value, dict) else "[…]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{shown(k)}: {shown(v, depth + 1)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(shown(v, depth + 1) for v in value) + "]"
    return repr(value)


def kind_of(value: Any) -> str:
    """A JSON value's type in JSON's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    return "a number"


__all__ = ["RepeatedKey", "check_utf8", "kind_of", "line_column", "not_utf8", "read_bounded", "repeated_key", "repeated_key_at", "repeated_key_error", "shown", "spool", "text_of", "too_big"]

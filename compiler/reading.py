"""Reading the files a ruleset names: the right kind, bounded, UTF-8, never echoed.

A ruleset names files to read (`import "…"`, `schema "…"`, the entries of a command),
and a ruleset may come from someone else: a pull request, a page of the playground. So
every such file is checked before a byte of it is read, by one mechanism for all of them:

- its name, as written and once symlinks are resolved, ends in the kind's extension
  (`.law` for rulesets, `.json` for schemas): `import "/proc/self/environ"` or a
  `notes.law` linking to `~/.aws/credentials` is refused, unread, so no diagnostic can
  quote a file that is not a ruleset;
- the name can name a file at all (no NUL byte, no component or path longer than file
  systems take), which Python would otherwise report as a ValueError or an OSError;
- it is a regular file: a device, FIFO, socket or folder is named for what it is
  (`/dev/zero` would fill memory, a FIFO would block forever on open, so the file is
  opened non-blocking and checked with `fstat` on the open descriptor, not by path);
- at most `limit + 1` bytes are read, so a file that grows, or a `/proc` file whose
  `stat` says 0 bytes, cannot get past the limit;
- the text is UTF-8, with or without a byte-order mark (stripped, so columns stay those
  an editor shows); otherwise the line and column of the first bad byte are given, not
  the byte.

Problems are raised as `FileRefused`, a `ValueError` carrying a code (E060–E064) and a
hint, so that callers catching `ValueError` for a bad file keep working.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from lawcode.dsl.diagnostics import Diagnostic
from lawcode.dsl.spans import Span

MAX_NAME_BYTES = 255  # NAME_MAX of every common file system
MAX_PATH_BYTES = 4096  # PATH_MAX on Linux
BOM = "\ufeff"
SHOWN_CHARS = 80

CODE_KIND = "E060"  # not a `.law` / `.json` name
CODE_NAME = "E061"  # cannot name a file: NUL byte, too long
CODE_NOT_REGULAR = "E062"  # a device, FIFO, socket or folder
CODE_TOO_LARGE = "E063"
CODE_ENCODING = "E064"


@dataclass(frozen=True, slots=True)
class FileKind:
    """What a named file must be: its extension, how large it may be, how to call it."""

    noun: str  # "ruleset file", "snapshot schema"
    extension: str
    max_bytes: int
    example: str


RULESET = FileKind("ruleset file", ".law", 8 * 1024 * 1024, "rules.law")
SCHEMA = FileKind("snapshot schema", ".json", 8 * 1024 * 1024, "snapshot.schema.json")


class FileRefused(ValueError):
    """A named file lawcode will not read, or could not make sense of, and why."""

    def __init__(self, code: str, message: str, hint: str | None = None, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.line = line
        self.column = column

    def diagnostic(self, span: Span | None = None, file: str | None = None) -> Diagnostic:
        """At `span` (the `import` naming the file) or, for a position inside the file, there."""
        if self.line is not None and self.column is not None and file is not None:
            span = Span(file, self.line, self.column, self.line, self.column + 1)
        return Diagnostic(self.code, self.message, span, self.hint)


def _subject(written: str | None) -> str:
    """How a message names the file: as written, or `it` when the caller's message names it."""
    return "it" if written is None else f"`{shown(written)}`"


def shown(path: str | Path) -> str:
    """A path as a message shows it: a NUL byte made visible, a long one cut in the middle.

    The middle goes, not the end: the file's own name is what tells the reader which file.
    """
    text = str(path).replace("\0", "\\0")
    if len(text) <= SHOWN_CHARS:
        return text
    head = SHOWN_CHARS // 3
    return text[:head] + "…" + text[len(text) - (SHOWN_CHARS - head - 1) :]


def check_name(written: str, kind: FileKind) -> None:
    """Refuse a path, as written, that cannot name a file of this kind (before touching it)."""
    check_path(written)
    if Path(written).suffix != kind.extension:
        raise _wrong_kind(written, kind)


def check_path(written: str) -> None:
    """Refuse a path that cannot name any file: a NUL byte, a name longer than file systems take."""
    if "\0" in written:
        raise FileRefused(CODE_NAME, f"`{shown(written)}` cannot name a file: it holds a NUL byte", "remove the NUL byte from the path")
    encoded = written.encode("utf-8", "surrogateescape")
    longest = max(len(part) for part in encoded.split(b"/"))
    if longest > MAX_NAME_BYTES or len(encoded) > MAX_PATH_BYTES:
        raise too_long(written)


def too_long(written: str) -> FileRefused:
    return FileRefused(
        CODE_NAME,
        f"`{shown(written)}` cannot name a file: it is too long",
        f"file systems take names of at most {MAX_NAME_BYTES} bytes and paths of at most {MAX_PATH_BYTES}",
    )


def check_target(resolved: Path, written: str | None, kind: FileKind) -> None:
    """Refuse a file whose real name (symlinks resolved) or type is not of this kind.

    Only `stat` is used: the file is not opened (opening a device can have effects).
    A file that cannot be looked at is left for the reader to report.
    """
    try:
        mode: int | None = os.stat(resolved).st_mode
    except (OSError, ValueError):
        mode = None
    regular = mode is None or stat.S_ISREG(mode)
    if regular and resolved.suffix == kind.extension:
        return
    linked = written is not None and Path(written).suffix == kind.extension and Path(written).name != resolved.name
    if linked and mode is not None and not regular:
        raise FileRefused(CODE_NOT_REGULAR, f"`{shown(written or '')}` links to `{shown(resolved)}`, {describe(mode)}, not a {kind.noun}", _hint(kind))
    if mode is not None and not regular:
        raise _not_regular(written, mode, kind)
    if linked:
        raise FileRefused(
            CODE_KIND,
            f"`{shown(written or '')}` links to `{shown(resolved)}`, which is not a `{kind.extension}` file",
            f"a {kind.noun} is read only from a `{kind.extension}` file: link to one, or copy the file",
        )
    raise _wrong_kind(written, kind)


def _hint(kind: FileKind) -> str:
    return f"name a regular `{kind.extension}` file, e.g. `{kind.example}`"


def _wrong_kind(written: str | None, kind: FileKind) -> FileRefused:
    return FileRefused(
        CODE_KIND,
        f"{_subject(written)} is not a {kind.noun}: only `{kind.extension}` files are read",
        f"name a `{kind.extension}` file, e.g. `{kind.example}`",
    )


def read_bytes(path: Path, written: str | None, kind: FileKind) -> bytes:
    """At most `kind.max_bytes` of a regular file of this kind; `FileRefused` or `OSError` otherwise.

    `written` is the path as the user wrote it, for messages (None: the caller's message
    names the file, these say `it`). The type is checked by `check_target`, then again on
    the open descriptor, so a file swapped in between is caught too.
    """
    check_path(str(path) if written is None else written)
    resolved = path.resolve()
    check_target(resolved, written, kind)
    try:
        fd = os.open(resolved, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise too_long(str(path) if written is None else written) from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(written, mode, kind)
        chunks: list[bytes] = []
        left = kind.max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > kind.max_bytes:
        raise FileRefused(
            CODE_TOO_LARGE,
            f"{_subject(written)} is larger than {kind.max_bytes // (1024 * 1024)} MiB, too large for a {kind.noun}",
            "split it into modules joined with `import`" if kind is RULESET else "a snapshot schema describes the data; it does not hold it",
        )
    return data


# Non-blocking so that opening a FIFO swapped in after `stat` cannot hang; no symlink
# at the last step, since the path was resolved.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _not_regular(written: str | None, mode: int, kind: FileKind) -> FileRefused:
    return FileRefused(
        CODE_NOT_REGULAR,
        f"{_subject(written)} is {describe(mode)}, not a {kind.noun}",
        _hint(kind),
    )


def decode(data: bytes, kind: FileKind) -> str:
    """UTF-8 text without its byte-order mark; the first bad byte's line and column otherwise."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8").removeprefix(BOM)
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        raise FileRefused(
            CODE_ENCODING,
            f"the file is not UTF-8 text: its first byte that is not UTF-8 is at line {line}, column {column}",
            f"a {kind.noun} must be UTF-8: convert it, e.g. `iconv -f GB18030 -t UTF-8` for a Chinese Windows file",
            line,
            column,
        ) from None
    return text.removeprefix(BOM)


def read_text(path: Path, written: str | None, kind: FileKind) -> str:
    """`read_bytes` then `decode`: the checked text of a named file."""
    return decode(read_bytes(path, written, kind), kind)


def describe(mode: int) -> str:
    """What a file that is not a regular file is, in words: `a character device`."""
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


__all__ = [
    "RULESET",
    "SCHEMA",
    "FileKind",
    "FileRefused",
    "check_name",
    "check_path",
    "check_target",
    "decode",
    "describe",
    "read_bytes",
    "read_text",
    "shown",
    "too_long",
]

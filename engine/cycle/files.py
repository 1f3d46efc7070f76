"""The cycle's own files (waivers, saved reports, history sources), read one way.

Each is read as every named file is (`compiler/reading.py`: its kind by name and by
target, a regular file, bounded). What differs between them is only the diagnostic code
and the words of a refusal, so those are all a caller gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lawcode.compiler.reading import CODE_TOO_LARGE, FileKind, FileRefused, read_bytes
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError

__all__ = ["CycleFile", "read_cycle_file"]


@dataclass(frozen=True, slots=True)
class CycleFile:
    """How one kind of cycle file is read and how its refusals are worded."""

    kind: FileKind
    code: str  # every refusal's diagnostic code (E080 reports, E081 waivers, E088 history)
    too_large: str  # the message when the file is over the kind's limit
    too_large_hint: str
    unreadable: str  # the message's start when the system cannot read it: "…: <reason>"
    unreadable_hint: str
    refused_hint: str | None = None  # when the refusal itself brings no hint


def read_cycle_file(path: Path, file: CycleFile, kind: FileKind | None = None) -> bytes:
    """The file's bytes; LawcodeError under `file.code`, saying why not. `kind` overrides
    `file.kind` where the name picks among several (`.yaml` or `.yml`)."""
    where = str(path)
    try:
        return read_bytes(path, where, kind or file.kind)
    except FileRefused as exc:
        if exc.code == CODE_TOO_LARGE:
            raise _refusal(file, file.too_large, file.too_large_hint, where) from None
        raise _refusal(file, exc.message, exc.hint or file.refused_hint, where) from None
    except OSError as exc:
        raise _refusal(file, f"{file.unreadable}: {exc.strerror or exc}", file.unreadable_hint, where) from None


def _refusal(file: CycleFile, message: str, hint: str | None, where: str) -> LawcodeError:
    return LawcodeError([Diagnostic(file.code, message, None, hint, where=where)])

"""Where lawcode writes: one writer for every report, formatted ruleset and converted snapshot.

It lives in the engine, beside what it writes, so that `engine.sql.convert` can build a
snapshot folder through it without importing the application; the command line
(`check -o`, `graph -o`, `fmt`, `snapshot convert`) writes through the same functions.

Nothing of the user's is lost or replaced by mistake, whatever the destination:

- a destination is checked before any work (`destination`, `folder_destination`): a
  missing folder, a folder where a file is wanted, an input of the run (the snapshot, a
  ruleset or schema file, the same inode under any name), a read-only file or a place
  that cannot be written are refused with a diagnostic (O001–O019), exit 2, before an
  evaluation or a conversion has cost anything;
- a regular file (or a new one) is written atomically: a sibling temp file, flushed to
  disk, given the old file's mode and owner (a new one the umask's mode, not 0600), then
  renamed over it. Through a symlink the link's target is written and the link stays;
- anything else (a device such as /dev/null or /dev/stdout, a FIFO) is written through,
  as a shell redirection would: it is never replaced by a file;
- a folder (`snapshot convert`) is built in a hidden sibling and renamed into place once
  complete; an existing one is replaced whole only then, and only when asked (`--force`);
- every failure, a full disk or Ctrl-C included, removes the temp file or folder and
  leaves the destination as it was.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lawcode.dsl.diagnostics import Diagnostic, LawcodeError

TEMP_MARK = ".lawcode-"  # in every temp sibling's name: `.report.sarif.lawcode-1a2b3c4d.tmp`


@dataclass(frozen=True, slots=True)
class Destination:
    """A checked place to write one file.

    `path` is what the user named (for messages); `target` is the file written, symlinks
    followed; `through` is true for a device or FIFO, written in place.
    """

    path: Path
    target: Path
    through: bool


def _refuse(code: str, message: str, path: Path, hint: str | None = None) -> LawcodeError:
    return LawcodeError([Diagnostic(code, message, where=str(path), hint=hint)])


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino)


def _refuse_inputs(path: Path, target: Path, inputs: Iterable[str | os.PathLike[str]]) -> None:
    """O003: the output is one of the run's inputs, or would land inside an input folder."""
    mine = _identity(target)
    for item in inputs:
        source = Path(item)
        same = _identity(source)
        if same is None:
            continue
        if mine is not None and same == mine:
            raise _refuse("O003", f"the output is an input of this run ({source})", path, hint="write the output to another file")
        if source.is_dir() and _identity(target.parent) == same:
            raise _refuse("O003", f"the output would be written into the snapshot folder {source}", path, hint="write the output outside the snapshot folder")


def _writable_folder(path: Path, folder: Path) -> None:
    """O001 when `folder` does not exist or is not a folder, O004 when files cannot be created in it."""
    if folder.exists() and not folder.is_dir():
        raise _refuse("O001", f"{folder} is a file, not a folder, so nothing can be written inside it", path, hint="write to a path whose folders exist, or move the file away")
    if not folder.is_dir():
        raise _refuse("O001", f"the folder {folder} does not exist", path, hint=f"create it first (mkdir -p {folder}) or write elsewhere")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _refuse("O004", f"cannot create files in {folder} (permission denied or a read-only file system)", path, hint="write the output elsewhere")


def _read_only(target: Path, info: os.stat_result) -> bool:
    """A file nobody may write, even for root, who `os.access` always lets write."""
    return not os.access(target, os.W_OK) or not info.st_mode & 0o222


def destination(path: Path, *, inputs: Iterable[str | os.PathLike[str]] = ()) -> Destination:
    """Check where one file will be written, before any work is done (exit 2 on a problem)."""
    try:
        info: os.stat_result | None = os.stat(path)  # through symlinks: /dev/stdout is the pipe or terminal it names
    except FileNotFoundError:
        info = None
    except NotADirectoryError:
        raise _refuse("O001", "a folder on the output's path is a file, so the output cannot be written", path, hint="name a path whose folders exist, or move that file away") from None
    except OSError as exc:
        raise _refuse("O004", f"cannot write the output: {exc.strerror or exc}", path) from None
    except ValueError:  # a NUL byte in the name
        raise _refuse("O004", "the output's name is not a valid file name", path) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise _refuse("O002", "the output is a folder, not a file", path, hint="name a file (it may be in this folder)")
    if info is not None and not stat.S_ISREG(info.st_mode):
        _refuse_inputs(path, path, inputs)
        if not os.access(path, os.W_OK):
            raise _refuse("O004", "the output cannot be written (permission denied)", path)
        return Destination(path, path, through=True)
    target = Path(os.path.realpath(path))  # a regular file is replaced where it is, not where a link is
    _refuse_inputs(path, target, inputs)
    if info is not None and _read_only(target, info):
        raise _refuse("O004", "the file is read-only: it is left as it is", path, hint="make it writable (chmod u+w) to write it")
    _writable_folder(path, target.parent)
    return Destination(path, target, through=False)


def _failed(dest: Path, exc: OSError, kept: str) -> LawcodeError:
    return _refuse("O005", f"cannot write the output: {exc.strerror or exc}; {kept}", dest, hint="free some space or write elsewhere" if exc.errno == 28 else None)


def _temp_sibling(target: Path, suffix: str) -> Path:
    return target.with_name(f".{target.name}{TEMP_MARK}{secrets.token_hex(4)}{suffix}")


@contextlib.contextmanager
def opened(dest: Destination) -> Iterator[IO[bytes]]:
    """A binary handle on the destination: the whole file is in place when the block ends.

    A regular file is replaced atomically on success only; a device or FIFO receives the
    bytes as they come. Any failure (OSError → O005, or Ctrl-C) removes the temp file.
    """
    if dest.through:
        try:
            with open(dest.target, "wb") as handle:
                yield handle
        except OSError as exc:
            raise _failed(dest.path, exc, "the output is incomplete") from None
        return
    kept = f"{dest.path} is unchanged" if dest.target.exists() else "nothing was written"
    temp = _temp_sibling(dest.target, ".tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask's mode
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _keep_mode_and_owner(dest.target, temp)
        os.replace(temp, dest.target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise _failed(dest.path, exc, kept) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _keep_mode_and_owner(old: Path, new: Path) -> None:
    """The replacement keeps the old file's permissions, and its owner where we may set it."""
    try:
        info = old.stat()
    except FileNotFoundError:
        return
    os.chmod(new, stat.S_IMODE(info.st_mode))
    for uid in (info.st_uid, -1):  # the group alone when the owner cannot be given away
        with contextlib.suppress(PermissionError):
            os.chown(new, uid, info.st_gid)
            return


def write_text(dest: Destination | Path, text: str) -> None:
    """Write `text` as UTF-8 to a destination (checked now if given as a path)."""
    checked = dest if isinstance(dest, Destination) else destination(dest)
    with opened(checked) as handle:
        handle.write(text.encode("utf-8"))


def write_pieces(dest: Destination | Path, pieces: Iterable[bytes]) -> None:
    """Write bytes as they are produced (a streamed report): a regular file still appears
    whole or not at all, since the pieces go to the temp sibling; a device or a pipe gets
    each piece as it comes. If producing a piece fails, the temp file goes with it."""
    checked = dest if isinstance(dest, Destination) else destination(dest)
    with opened(checked) as handle:
        for piece in pieces:
            handle.write(piece)


def stream_to(handle: IO[bytes], pieces: Iterable[bytes]) -> None:
    """Write pieces to an open handle (standard output) as they come, flushed at the end."""
    for piece in pieces:
        handle.write(piece)
    handle.flush()


# ---------------------------------------------------------------- folders


def folder_destination(path: Path, *, force: bool, inputs: Iterable[str | os.PathLike[str]] = (), not_empty_hint: str | None = None) -> Path:
    """Check a folder to build (`snapshot convert`, `check`'s Spark parts) before any work;
    returns the folder written.

    A folder that holds anything is refused (O006) unless `force`, and even then it is
    only replaced once the new one is complete (`staged_folder`). `not_empty_hint`: the
    hint of that refusal, for a command without `--force`.
    """
    target = Path(os.path.realpath(path))
    if target.exists() and not target.is_dir():
        raise _refuse("O007", "the output exists and is not a folder", path, hint="remove it, or name a new folder")
    _refuse_inputs(path, target, inputs)
    if target.is_dir() and not force and any(target.iterdir()):
        raise _refuse("O006", "the output folder is not empty", path, hint=not_empty_hint or "name a new folder, or pass --force to replace it whole once the new snapshot is complete")
    ancestor = target.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    _writable_folder(path, ancestor)
    return target


def file_destination(path: Path, *, force: bool, inputs: Iterable[str | os.PathLike[str]] = ()) -> Destination:
    """Check a file to build (`snapshot convert --to json`): an existing file only with `force`."""
    checked = destination(path, inputs=inputs)
    if not checked.through and checked.target.exists() and not force:
        raise _refuse("O006", "the output file exists", path, hint="name a new file, or pass --force to replace it (only once the new one is complete)")
    return checked


@contextlib.contextmanager
def staged_folder(target: Path, label: Path | None = None) -> Iterator[Path]:
    """A hidden sibling to fill; renamed to `target` (replacing it whole) when the block ends.

    On any failure, Ctrl-C included, the sibling is removed and `target` is untouched.
    """
    shown = label or target
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = _temp_sibling(target, ".partial")
    old: Path | None = None
    try:
        stage.mkdir(0o777)  # the umask's mode
        yield stage
        if target.exists():
            shutil.copymode(target, stage)
            old = _temp_sibling(target, ".old")
            os.rename(target, old)
        try:
            os.rename(stage, target)
        except BaseException:
            if old is not None:
                os.rename(old, target)
                old = None
            raise
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise _failed(shown, exc, f"{shown} is unchanged" if target.exists() else "nothing was written") from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

"""Parsed modules, kept by content hash so that an unchanged file is parsed once.

Parsing is most of the cost of compiling a ruleset (the CAC rulesets: ~90 KB of text,
about 80 % of the compile time is Lark and the tree transform), and most runs compile
files that have not changed since the last run, as Python does with `.pyc` files. Two
layers:

- in the process, the last modules parsed (tests, the playground and long-lived services
  load the same rulesets again and again);
- on disk, under `$LAWCODE_CACHE_DIR/trees` (default `$XDG_CACHE_HOME/lawcode/trees`, or
  `~/.cache/lawcode/trees`), one JSON file per module. Set `LAWCODE_CACHE_DIR` to an
  empty string to keep nothing on disk.

The disk layer must not let anyone else run code as you, or feed you trees: the folder is
used only if it is a real folder (not a symlink), owned by you and closed to everyone
else (mode 0700); otherwise it is ignored with a one-line warning. It is opened once as a
descriptor, checked with `fstat`, and every entry is opened relative to it, so nothing can
be swapped in between. Entries are JSON (tagged lists of the tree's dataclasses, built by
calling their constructors), which cannot execute code as a pickle can. The folder is
kept under `MAX_DISK_BYTES`: the least recently used entries go first.

The key is a SHA-256 of the module's name and text and of the parser itself (the
grammar and the modules that build and store the tree), so a changed file or a changed
lawcode never reads a stale tree. Only modules that parsed without a problem are kept:
diagnostics are always produced afresh. The cache is an optimisation only: a directory
that cannot be created or written, or an entry that cannot be read, means parsing again,
never an error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import hashlib
import logging
import os
import secrets
import stat
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from lawcode.dsl import ast, spans
from lawcode.dsl.parser import parse_module

MEMORY_ENTRIES = 128
MAX_DISK_BYTES = 64 * 1024 * 1024  # about 700 modules the size of the CAC's largest
MAX_ENTRY_BYTES = 16 * 1024 * 1024
FOLDER = "trees"  # not `ast`, where lawcode once kept pickles: those are never read
STALE_TEMPORARY_SECONDS = 3600  # a writer that died left its temporary file

log = logging.getLogger("lawcode")

_memory: OrderedDict[str, ast.Module] = OrderedDict()
_warned: set[str] = set()


def parse_file(text: str, name: str) -> ast.Module:
    """`parse_module(text, name)`, through the in-process and on-disk caches."""
    key = _key(text, name)
    module = _memory.get(key)
    if module is None:
        module = _read(key, text, name)
        if module is None:
            module = parse_module(text, name)  # raises LawcodeError: nothing is kept
            _write(key, module)
        _memory[key] = module
        if len(_memory) > MEMORY_ENTRIES:
            _memory.popitem(last=False)
    else:
        _memory.move_to_end(key)
    return module


def cache_dir() -> Path | None:
    """Where parsed modules are kept on disk, or None when the user turned it off."""
    configured = os.environ.get("LAWCODE_CACHE_DIR")
    if configured is not None:
        return Path(configured) / FOLDER if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lawcode" / FOLDER


# ---------------------------------------------------------------- the folder


@contextmanager
def _folder(create: bool) -> Iterator[int | None]:
    """A descriptor of the cache folder if it is safe to use, else None (and a warning)."""
    folder = cache_dir()
    if folder is None or not _SUPPORTED:
        yield None
        return
    try:
        if create:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        yield None
        return
    except OSError as exc:
        _warn(folder, "it is a symbolic link" if exc.errno == errno.ELOOP else f"it cannot be used ({exc.strerror})")
        yield None
        return
    try:
        info = os.fstat(fd)
        if info.st_uid != os.getuid():
            _warn(folder, f"it belongs to another user (uid {info.st_uid})")
            yield None
        elif info.st_mode & 0o077:
            _warn(folder, f"others may use it (mode {stat.S_IMODE(info.st_mode):04o}; `chmod 700` it)")
            yield None
        else:
            yield fd
    finally:
        os.close(fd)


def _warn(folder: Path, why: str) -> None:
    if str(folder) not in _warned:
        _warned.add(str(folder))
        log.warning("lawcode: not using the parse cache %s: %s", folder, why)


_SUPPORTED = all(hasattr(os, name) for name in ("getuid", "O_DIRECTORY", "O_NOFOLLOW")) and os.open in os.supports_dir_fd


def _read(key: str, text: str, name: str) -> ast.Module | None:
    with _folder(create=False) as fd:
        if fd is None:
            return None
        try:
            entry = os.open(f"{key}.json", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=fd)
        except OSError:
            return None
        try:
            info = os.fstat(entry)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_size > MAX_ENTRY_BYTES:
                return None
            data = os.read(entry, info.st_size + 1)
            module = _decode_module(orjson.loads(data), text)
        except Exception:  # truncated, damaged, from another layout, too deep: parse again
            return None
        finally:
            os.close(entry)
        with suppress(OSError):
            os.utime(f"{key}.json", dir_fd=fd)  # recently used: evicted last
    if module.path != name:
        return None
    return module


def _write(key: str, module: ast.Module) -> None:
    try:
        payload = orjson.dumps(_encode_module(module))
    except (KeyError, TypeError, RecursionError, orjson.JSONEncodeError):  # a tree too deep for JSON: not kept
        return
    if len(payload) > MAX_ENTRY_BYTES:
        return
    with _folder(create=True) as fd:
        if fd is None:
            return
        temporary = f".{key}.{secrets.token_hex(6)}.tmp"
        try:
            out = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=fd)
            try:
                view = memoryview(payload)
                while view:
                    view = view[os.write(out, view) :]
            finally:
                os.close(out)
            os.replace(temporary, f"{key}.json", src_dir_fd=fd, dst_dir_fd=fd)  # readers see all or nothing
        except OSError:
            with suppress(OSError):
                os.unlink(temporary, dir_fd=fd)
            return
        _evict(fd)


def _evict(fd: int) -> None:
    """Least recently used entries out until the folder is under `MAX_DISK_BYTES`."""
    entries: list[tuple[int, str, int]] = []
    total = 0
    now = time.time()
    try:
        with os.scandir(fd) as listing:
            for item in listing:
                info = item.stat(follow_symlinks=False)
                if item.name.endswith(".tmp") and now - info.st_mtime > STALE_TEMPORARY_SECONDS:
                    with suppress(OSError):
                        os.unlink(item.name, dir_fd=fd)
                elif item.name.endswith(".json") and stat.S_ISREG(info.st_mode):
                    entries.append((info.st_mtime_ns, item.name, info.st_size))
                    total += info.st_size
    except OSError:
        return
    entries.sort()
    for _, entry, size in entries:
        if total <= MAX_DISK_BYTES:
            break
        with suppress(OSError):
            os.unlink(entry, dir_fd=fd)
            total -= size


# ---------------------------------------------------------------- the format
#
# A node is [class number, field values…] (the fields its constructor takes), a tuple is
# [-1, items…], a date [-2, "2017-10-08"], a date-time [-3, ISO text]; str, int, bool
# and None are themselves. A module is {path, declarations, comments}: its text is the
# one the key was made of, not stored twice.

_TUPLE, _DATE, _DATETIME = -1, -2, -3


@cache
def _classes() -> tuple[type, ...]:
    found = {
        cls
        for module in (ast, spans)
        for cls in vars(module).values()
        if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__
    }
    return tuple(sorted(found, key=lambda cls: (cls.__module__, cls.__qualname__)))


@cache
def _numbers() -> dict[type, tuple[int, tuple[str, ...]]]:
    return {cls: (n, tuple(f.name for f in dataclasses.fields(cls) if f.init)) for n, cls in enumerate(_classes())}


def _encode_module(module: ast.Module) -> dict[str, Any]:
    return {"path": module.path, "declarations": _encode(module.declarations), "comments": _encode(module.comments)}


def _decode_module(data: Any, text: str) -> ast.Module:
    declarations, comments = _decode(data["declarations"]), _decode(data["comments"])
    if type(declarations) is not tuple or type(comments) is not tuple:
        raise ValueError("not a module")
    return ast.Module(data["path"], declarations, comments, text)


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, tuple):
        return [_TUPLE, *map(_encode, value)]
    if isinstance(value, dt.datetime):
        return [_DATETIME, value.isoformat()]
    if isinstance(value, dt.date):
        return [_DATE, value.isoformat()]
    number, names = _numbers()[type(value)]  # KeyError → TypeError below: not kept
    return [number, *(_encode(getattr(value, name)) for name in names)]


def _decode(value: list[Any]) -> Any:
    """The tree back from its JSON, through the classes' constructors only: an entry,
    however made, can build tree nodes but never run code. Only lists are passed in
    (plain values are taken as they are without a call: this runs once per node)."""
    tag = value[0]
    if tag == _SPAN:  # half of all nodes, and all their fields are plain values
        return spans.Span(value[1], value[2], value[3], value[4], value[5])
    if tag >= 0:
        return _CLASSES[tag](*[_decode(item) if type(item) is list else item for item in value[1:]])
    if tag == _TUPLE:
        return tuple([_decode(item) if type(item) is list else item for item in value[1:]])
    if tag == _DATE:
        return dt.date.fromisoformat(value[1])
    if tag == _DATETIME:
        return dt.datetime.fromisoformat(value[1])
    raise ValueError(f"unknown tag {tag}")


_CLASSES = _classes()
_SPAN = _CLASSES.index(spans.Span)


@cache
def _fingerprint() -> bytes:
    """The parser's identity: any change to the grammar or the tree classes changes it."""
    from lawcode.dsl import parser

    digest = hashlib.sha256()
    digest.update(resources.files("lawcode.dsl").joinpath("grammar.lark").read_bytes())
    for module_file in (*parser.TREE_MODULES, ast.__file__, spans.__file__, __file__):
        digest.update(Path(module_file).read_bytes() if module_file else b"")
    return digest.digest()


def _key(text: str, name: str) -> str:
    digest = hashlib.sha256(_fingerprint())
    digest.update(name.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def clear_memory() -> None:
    """Forget the in-process layer (tests that count parses use this)."""
    _memory.clear()


__all__ = ["cache_dir", "clear_memory", "parse_file"]

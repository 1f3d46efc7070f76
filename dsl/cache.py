"""Parsed modules, kept by content hash so that an unchanged file is parsed once.

Parsing is most of the cost of compiling a ruleset (the CAC rulesets: ~90 KB of text,
about 80 % of the compile time is Lark and the tree transform), and most runs compile
files that have not changed since the last run, as Python does with `.pyc` files. Two
layers:

- in the process, the last modules parsed (tests, the playground and long-lived services
  load the same rulesets again and again);
- on disk, under `$LAWCODE_CACHE_DIR` (default `$XDG_CACHE_HOME/lawcode`, or
  `~/.cache/lawcode`), one pickle per module. Set `LAWCODE_CACHE_DIR` to an empty string
  to keep nothing on disk.

The key is a SHA-256 of the module's name and text and of the parser itself (the
grammar and the modules that build and store the tree), so a changed file or a changed
lawcode never reads a stale tree. Only modules that parsed without a problem are kept:
diagnostics are always produced afresh. The cache is an optimisation only: a directory
that cannot be created or written, or an entry that cannot be read, means parsing again,
never an error.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import tempfile
from collections import OrderedDict
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from lawcode.dsl import ast, spans
from lawcode.dsl.parser import parse_module

MEMORY_ENTRIES = 128


_memory: OrderedDict[str, ast.Module] = OrderedDict()


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
        return Path(configured) / "ast" if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lawcode" / "ast"


@cache
def _fingerprint() -> bytes:
    """The parser's identity: any change to the grammar or the tree classes changes it."""
    from lawcode.dsl import parser

    digest = hashlib.sha256()
    digest.update(resources.files("lawcode.dsl").joinpath("grammar.lark").read_bytes())
    for module_file in (parser.__file__, ast.__file__, spans.__file__, __file__):
        digest.update(Path(module_file).read_bytes() if module_file else b"")
    digest.update(str(pickle.HIGHEST_PROTOCOL).encode())
    return digest.digest()


def _key(text: str, name: str) -> str:
    digest = hashlib.sha256(_fingerprint())
    digest.update(name.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _path(key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / key[:2] / f"{key}.pickle"


def _read(key: str, text: str, name: str) -> ast.Module | None:
    path = _path(key)
    if path is None:
        return None
    try:
        with path.open("rb") as handle:
            module = pickle.load(handle)
    except Exception:  # absent, unreadable, truncated or from another Python: parse again
        return None
    if not isinstance(module, ast.Module) or module.path != name or module.source != text:
        return None
    return module


def _write(key: str, module: ast.Module) -> None:
    path = _path(key)
    if path is None:
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                _Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL).dump(module)
            os.replace(temporary, path)  # whole or not at all: readers never see half a file
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, RecursionError):
        return


class _Pickler(pickle.Pickler):
    """Tree nodes as (class, field values): loading calls the constructor.

    The default for frozen dataclasses with slots restores each node through
    `dataclasses._dataclass_setstate`, which looks up the fields again for every node
    and made loading a tree a third of the cost of parsing it.
    """

    def reducer_override(self, obj: object) -> Any:
        cls = type(obj)
        if cls.__module__ in _TREE_MODULES and dataclasses.is_dataclass(cls):
            return cls, tuple(getattr(obj, name) for name in _field_names(cls))
        return NotImplemented


_TREE_MODULES = frozenset({ast.__name__, spans.__name__})


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


def clear_memory() -> None:
    """Forget the in-process layer (tests that count parses use this)."""
    _memory.clear()


__all__ = ["cache_dir", "clear_memory", "parse_file"]

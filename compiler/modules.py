"""Find and parse every file a ruleset consists of.

The entry points are files or folders (a folder means every `.law` file below it);
`import "x.law"` pulls in more, relative to the importing file. Parse errors of all
files are gathered before anything is raised, so `lawcode lint` shows them together.

Every file is read through `lawcode.compiler.reading`: only `.law` files (as named and
once symlinks are resolved), regular, bounded, UTF-8. The paths of `import` and `schema`
are checked here, at their declaration's span, before anything touches the disk, so a
ruleset cannot make lawcode read, let alone quote, a file that is not a ruleset.
"""

from __future__ import annotations

import errno
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lawcode.compiler import reading
from lawcode.compiler.reading import RULESET, SCHEMA, FileRefused
from lawcode.dsl import ast, parse_module
from lawcode.dsl.cache import parse_file
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError, error
from lawcode.dsl.spans import Span

EXTENSION = ".law"


@dataclass(frozen=True, slots=True)
class Loaded:
    modules: dict[str, ast.Module]  # display path → module, in load order
    imports: dict[str, tuple[str, ...]]  # display path → display paths it imports
    base_dirs: dict[str, Path]  # display path → folder its relative paths start from
    sources: dict[str, str]


def display(path: Path) -> str:
    """Paths in messages are relative to the working directory when they can be."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def expand(paths: Sequence[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """The ruleset files of the entries (files, or folders of `.law` files), and what is wrong with the others."""
    files: list[Path] = []
    problems: list[Diagnostic] = []
    for path in paths:
        try:
            reading.check_path(str(path))
            mode = path.stat().st_mode
        except FileRefused as refused:
            problems.append(refused.diagnostic())
            continue
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                problems.append(reading.too_long(str(path)).diagnostic())
            elif exc.errno in (errno.ENOENT, errno.ENOTDIR):
                problems.append(error("E010", f"no such file or folder: `{reading.shown(path)}`", hint=f"check the path; a ruleset is `{EXTENSION}` files or folders holding them"))
            else:
                problems.append(error("E010", f"cannot read `{reading.shown(path)}`: {exc.strerror}"))
            continue
        if stat.S_ISDIR(mode):
            found = sorted(p for p in path.rglob(f"*{EXTENSION}") if p.is_file())
            if not found:
                problems.append(error("E010", f"no `{EXTENSION}` files in folder `{path}`", hint="point at a ruleset file or a folder holding some"))
            candidates = found
        else:
            candidates = [path]
        for candidate in candidates:
            try:
                reading.check_target(candidate.resolve(), str(candidate), RULESET)
            except FileRefused as refused:
                problems.append(refused.diagnostic())
                continue
            files.append(candidate)
    return files, problems


@dataclass(frozen=True, slots=True)
class _Pending:
    """A module to load: its display name, its text when given inline, its folder, and the
    `import` that named it (where problems reading it are shown)."""

    name: str
    text: str | None
    base: Path
    named_at: Span | None = None


def load(
    entries: Sequence[Path] = (),
    texts: Sequence[tuple[str, str, Path]] = (),
    *,
    parse_text: Callable[[str, str], ast.Module] = parse_module,
) -> Loaded:
    """Parse the entry files and texts (name, text, base folder), then their imports.

    `parse_text(text, name)` parses the texts given inline: the language server passes
    one that keeps each open file's tree until its text changes, so a keystroke re-parses
    one file, not the ruleset."""
    files, problems = expand(entries)
    modules: dict[str, ast.Module] = {}
    imports: dict[str, tuple[str, ...]] = {}
    base_dirs: dict[str, Path] = {}
    sources: dict[str, str] = {}
    queue = [_Pending(display(f), None, f.parent) for f in files]
    queue += [_Pending(name, text, base) for name, text, base in texts]
    real: dict[str, tuple[Path, str]] = {display(f): (f, str(f)) for f in files}
    while queue:
        pending = queue.pop(0)
        name, text, base = pending.name, pending.text, pending.base
        if name in modules or name in sources:
            continue
        parse = parse_text  # texts given inline (the playground, the API) are not kept
        if text is None:
            path, written = real[name]
            try:
                text = reading.read_text(path, written, RULESET)
            except FileRefused as refused:
                problems.append(refused.diagnostic(pending.named_at, name))
                continue
            except OSError as exc:
                problems.append(error("E010", f"cannot read `{reading.shown(name)}`: {exc.strerror}", pending.named_at))
                continue
            parse = parse_file
        sources[name] = text
        try:
            module = parse(text, name)
        except LawcodeError as exc:
            problems.extend(exc.diagnostics)
            continue
        modules[name] = module
        base_dirs[name] = base
        targets: list[str] = []
        for decl in module.declarations:
            if not isinstance(decl, ast.Import | ast.SchemaDecl):
                continue
            kind = RULESET if isinstance(decl, ast.Import) else SCHEMA
            try:
                reading.check_name(decl.path, kind)
                target = (base / decl.path).resolve()
                reading.check_target(target, decl.path, kind)
            except FileRefused as refused:
                problems.append(refused.diagnostic(decl.span))
                continue
            if isinstance(decl, ast.SchemaDecl):
                continue  # read by the compiler (`SnapshotSchema.load`), through the same checks
            try:
                exists = target.exists()
            except OSError as exc:  # the folder's path and this one together are too long
                problems.append(error("E010", f"cannot read `{reading.shown(decl.path)}`: {exc.strerror}", decl.span))
                continue
            if not exists:
                problems.append(
                    error("E011", f"imported file `{decl.path}` does not exist", decl.span, f"paths are relative to `{base}`")
                )
                continue
            key = display(target)
            real.setdefault(key, (target, decl.path))
            targets.append(key)
            queue.append(_Pending(key, None, target.parent, decl.span))
        imports[name] = tuple(targets)
    if problems:
        raise LawcodeError(problems, sources)
    return Loaded(modules, imports, base_dirs, sources)

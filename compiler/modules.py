"""Find and parse every file a ruleset consists of.

The entry points are files or folders (a folder means every `.law` file below it);
`import "x.law"` pulls in more, relative to the importing file. Parse errors of all
files are gathered before anything is raised, so `lawcode lint` shows them together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lawcode.diagnostics import Diagnostic, LawcodeError, error
from lawcode.dsl import ast, parse_module
from lawcode.dsl.cache import parse_file

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
    files: list[Path] = []
    problems: list[Diagnostic] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob(f"*{EXTENSION}") if p.is_file())
            if not found:
                problems.append(error("E010", f"no `{EXTENSION}` files in folder `{path}`", hint="point at a ruleset file or a folder holding some"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(error("E010", f"no such file or folder: `{path}`"))
    return files, problems


def load(
    entries: Sequence[Path] = (),
    texts: Sequence[tuple[str, str, Path]] = (),
) -> Loaded:
    """Parse the entry files and texts (name, text, base folder), then their imports."""
    files, problems = expand(entries)
    modules: dict[str, ast.Module] = {}
    imports: dict[str, tuple[str, ...]] = {}
    base_dirs: dict[str, Path] = {}
    sources: dict[str, str] = {}
    queue: list[tuple[str, str | None, Path]] = [(display(f), None, f.parent) for f in files]
    queue += [(name, text, base) for name, text, base in texts]
    real: dict[str, Path] = {display(f): f for f in files}
    while queue:
        name, text, base = queue.pop(0)
        if name in modules or name in sources:
            continue
        parse: Callable[[str, str], ast.Module] = parse_module  # texts given inline (the playground, the API) are not kept
        if text is None:
            try:
                text = real[name].read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(error("E010", f"cannot read `{name}`: {exc}"))
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
            if isinstance(decl, ast.Import):
                target = (base / decl.path).resolve()
                if not target.is_file():
                    problems.append(
                        error("E011", f"imported file `{decl.path}` does not exist", decl.span, f"paths are relative to `{base}`")
                    )
                    continue
                key = display(target)
                real[key] = target
                targets.append(key)
                queue.append((key, None, target.parent))
        imports[name] = tuple(targets)
    if problems:
        raise LawcodeError(problems, sources)
    return Loaded(modules, imports, base_dirs, sources)

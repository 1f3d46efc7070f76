"""The rulesets an editor has open: their files' texts, trees and the last check of each.

A ruleset, for the server, is what `lawcode lint FOLDER` compiles: every `.law` file
below a folder. The folder of a file is found by walking up from it while the folder
above still holds `.law` files of its own, so `rulesets/cac/common/ladders.law` belongs
to `rulesets/cac` (whose parent, `rulesets`, holds none), and a lone file to its own
folder. A client may name the folders instead (`initializationOptions.rulesets`).

Checks run the same passes as `lint` (`lawcode.compiler.modules.load`, then
`Compiler.compile`) over the texts as the editor has them, open files unsaved. Two
things keep a keystroke cheap:

- each file's tree is kept until its text changes (`parse_text` of `load`), so a
  keystroke re-parses one file; closed files go through the on-disk parse cache;
- a keystroke's check (`focus`) compiles the other files without their rules: a rule is
  referred to by nothing, so the edited file's diagnostics are those of the whole
  ruleset (but for a rule id also used in another file), at the cost of the edited
  file's rules. The whole ruleset is checked again when the typing stops.

A file with a syntax error keeps its last good tree for the check of the others, so
one unfinished line does not hide every other diagnostic of the ruleset.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lawcode.compiler.modules import EXTENSION, Loaded, display, load
from lawcode.compiler.program import Compiler
from lawcode.compiler.reading import RULESET, FileRefused, read_text
from lawcode.dsl import ast
from lawcode.dsl.cache import parse_file
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError, error
from lawcode.dsl.parser import parse_module


@dataclass(slots=True)
class Parsed:
    """One file's text and what parsing it gave: a tree, or the syntax errors."""

    text: str
    module: ast.Module | None
    problems: tuple[Diagnostic, ...] = ()


@dataclass(slots=True)
class Analysis:
    """The last check of one ruleset: what the features (hover, completion, …) read."""

    root: Path
    paths: dict[str, Path] = field(default_factory=dict)  # module name → file
    texts: dict[str, str] = field(default_factory=dict)
    modules: dict[str, ast.Module] = field(default_factory=dict)  # the last good tree of each file
    compiler: Compiler | None = None
    diagnostics: dict[str, list[Diagnostic]] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)  # files whose text does not parse now


class Workspace:
    """Open files (by path), parsed files (by module name), and each ruleset's analysis."""

    def __init__(self, rulesets: Iterable[Path] = (), limit: Path | None = None) -> None:
        self.declared = [p.resolve() for p in rulesets]
        self.limit = limit.resolve() if limit else None  # the client's workspace folder: never walk above it
        self.open: dict[Path, str] = {}
        self.parsed: dict[str, Parsed] = {}
        self.last_good: dict[str, ast.Module] = {}
        self.stripped: dict[str, tuple[ast.Module, ast.Module]] = {}
        self.disk: dict[Path, tuple[int, int, str | FileRefused | OSError]] = {}
        self.analyses: dict[Path, Analysis] = {}

    # ------------------------------------------------------------ rulesets
    def root_of(self, path: Path) -> Path:
        """The folder whose `.law` files make up the ruleset `path` belongs to."""
        path = path.resolve()
        for declared in self.declared:
            if path.is_relative_to(declared):
                return declared
        root = path.parent
        while root.parent != root and root != self.limit and _holds_rulesets(root.parent):
            if self.limit is not None and not root.parent.is_relative_to(self.limit):
                break
            root = root.parent
        return root

    def files_of(self, root: Path) -> list[Path]:
        on_disk = set()
        with contextlib.suppress(OSError):
            on_disk = {p.resolve() for p in root.rglob(f"*{EXTENSION}") if p.is_file()}
        opened = {p for p in self.open if p.is_relative_to(root) and p.suffix == EXTENSION}
        return sorted(on_disk | opened)

    def analysis(self, root: Path) -> Analysis:
        found = self.analyses.get(root)
        if found is None:
            found = self.check(root)
        return found

    # ------------------------------------------------------------ texts
    def text_of(self, path: Path) -> str | FileRefused | OSError:
        """The editor's text of an open file; a closed one's as on disk (read as `lint` reads it)."""
        if path in self.open:
            return self.open[path]
        try:
            info = path.stat()
        except OSError as exc:
            return exc
        known = self.disk.get(path)
        if known is not None and known[:2] == (info.st_mtime_ns, info.st_size):
            return known[2]
        try:
            text: str | FileRefused | OSError = read_text(path, str(path), RULESET)
        except (FileRefused, OSError) as exc:
            text = exc
        self.disk[path] = (info.st_mtime_ns, info.st_size, text)
        return text

    def _parse(self, text: str, name: str, cached: bool) -> Parsed:
        known = self.parsed.get(name)
        if known is not None and known.text == text:
            return known
        try:
            module = parse_file(text, name) if cached else parse_module(text, name)
            result = Parsed(text, module)
            self.last_good[name] = module
        except LawcodeError as exc:
            result = Parsed(text, None, exc.diagnostics)
        except RecursionError:  # the parser bounds nesting; this is the last line of defence
            result = Parsed(text, None, (error("E001", "the file is nested too deeply to read", None),))
        self.parsed[name] = result
        return result

    def _without_rules(self, module: ast.Module) -> ast.Module:
        known = self.stripped.get(module.path)
        if known is not None and known[0] is module:
            return known[1]
        kept = tuple(d for d in module.declarations if not isinstance(d, ast.Rule))
        stripped = dataclasses.replace(module, declarations=kept)
        self.stripped[module.path] = (module, stripped)
        return stripped

    # ------------------------------------------------------------ checks
    def check(self, root: Path, focus: str | None = None) -> Analysis:
        """Check the ruleset at `root` as `lint` would; with `focus`, only that file's rules.

        The diagnostics of a focused check are complete for the focused file only.
        """
        result = Analysis(root)
        texts: list[tuple[str, str, Path]] = []
        problems: list[Diagnostic] = []
        for path in self.files_of(root):
            name = display(path)
            result.paths[name] = path
            text = self.text_of(path)
            if isinstance(text, FileRefused):
                problems.append(text.diagnostic(None, name))
                continue
            if isinstance(text, OSError):
                problems.append(error("E010", f"cannot read `{name}`: {text.strerror}"))
                continue
            result.texts[name] = text
            texts.append((name, text, path.parent))
        for name, text, _ in texts:
            parsed = self._parse(text, name, cached=result.paths[name] not in self.open)
            if parsed.module is None:
                result.broken.add(name)
                problems.extend(parsed.problems)

        def parse_text(text: str, name: str) -> ast.Module:
            parsed = self.parsed.get(name)
            if parsed is None or parsed.text != text:
                parsed = self._parse(text, name, cached=False)
            module = parsed.module or self.last_good.get(name) or ast.Module(name, (), (), text)
            return module if focus is None or name == focus else self._without_rules(module)

        loaded = _load(texts, parse_text, problems)
        for name in result.texts:
            module = self.last_good.get(name)
            if module is not None:
                result.modules[name] = module
        if loaded is not None:
            for name, module in loaded.modules.items():
                result.paths.setdefault(name, _path_of(name))
                if name not in result.modules:
                    result.modules[name] = module
                result.texts.setdefault(name, loaded.sources.get(name, ""))
            result.compiler = Compiler(loaded)
            try:
                problems.extend(result.compiler.compile().warnings)
            except LawcodeError as exc:
                problems.extend(exc.diagnostics)
        syntax = {d for name in result.broken for d in self.parsed[name].problems}
        result.diagnostics = _by_file(problems, result, focus, syntax)
        previous = self.analyses.get(root)
        if focus is not None and previous is not None:
            merged = dict(previous.diagnostics)
            merged[focus] = result.diagnostics.get(focus, [])
            result.diagnostics = merged
        self.analyses[root] = result
        return result

    def forget(self, path: Path) -> None:
        """A file closed: its on-disk text counts again."""
        self.open.pop(path, None)


def _load(texts: list[tuple[str, str, Path]], parse_text: Callable[[str, str], ast.Module], problems: list[Diagnostic]) -> Loaded | None:
    try:
        return load(texts=texts, parse_text=parse_text)
    except LawcodeError as exc:
        seen = set(problems)
        problems.extend(d for d in exc.diagnostics if d not in seen)
        return None


def _by_file(problems: list[Diagnostic], result: Analysis, focus: str | None, syntax: set[Diagnostic]) -> dict[str, list[Diagnostic]]:
    """Diagnostics per module name; a stale one (on a broken file's last good tree) is dropped,
    and one with no place goes to the focused (or first) file."""
    names = list(result.texts) or list(result.paths)
    fallback = focus or (names[0] if names else "")
    out: dict[str, list[Diagnostic]] = {name: [] for name in names}
    for d in problems:
        name = d.span.file if d.span is not None else fallback
        if name in result.broken and d not in syntax:
            continue
        out.setdefault(name, []).append(d)
    return out


def _path_of(name: str) -> Path:
    path = Path(name)
    return path if path.is_absolute() else Path.cwd() / path


def _holds_rulesets(folder: Path) -> bool:
    try:
        return any(entry.name.endswith(EXTENSION) and entry.is_file() for entry in os.scandir(folder))
    except OSError:
        return False


__all__ = ["Analysis", "Parsed", "Workspace"]

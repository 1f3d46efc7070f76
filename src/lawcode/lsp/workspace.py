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
  ruleset, at the cost of the edited file's rules (a rule id the file shares with another
  makes it a whole-ruleset check, for the compiler to compare them). The whole ruleset is
  checked again when the typing stops.

A file with a syntax error keeps its last good tree for the check of the others, so
one unfinished line does not hide every other diagnostic of the ruleset.

The usage warnings (W001–W003) are `lint`'s, computed after the compiler with what the
rules left out of a check read (`lawcode.compiler.usage.rule_reads`, from their syntax).
The message warnings (W010, W011) concern one rule each, so they are computed for the
rules a check compiles; a rule reused from its memo keeps the ones it had.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lawcode.compiler.messages import message_warnings
from lawcode.compiler.modules import EXTENSION, Loaded, display, load
from lawcode.compiler.program import Compiler
from lawcode.compiler.reading import RULESET, FileRefused, read_text
from lawcode.compiler.usage import rule_reads, unused_declarations
from lawcode.dsl import ast
from lawcode.dsl.cache import parse_file
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError, Level, error
from lawcode.dsl.spans import Span
from lawcode.lsp.chunks import ChunkedParser, moved
from lawcode.lsp.positions import LineIndex, line_index


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
    env: tuple[object, ...] = ()  # what rules are checked against (see `_environment`)


@dataclass(slots=True)
class RuleMemo:
    """A file's rules as last compiled: by each rule's text, where it started and its
    diagnostics, valid while the environment (`env`) is the same objects."""

    env: tuple[object, ...]
    rules: dict[str, list[tuple[int, list[Diagnostic]]]]


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
        self.chunked = ChunkedParser()  # open files: a keystroke re-parses one declaration
        self.rule_memos: dict[str, RuleMemo] = {}
        self.listings: dict[Path, set[Path]] = {}
        self.names: dict[Path, str] = {}
        self.roots: dict[Path, Path] = {}  # a file's ruleset folder, found when first seen
        self.reads: dict[int, tuple[ast.Rule, set[str]]] = {}  # `rule_reads` by rule tree (kept alive, so ids stay its own)

    # ------------------------------------------------------------ rulesets
    def root_of(self, path: Path) -> Path:
        """The folder whose `.law` files make up the ruleset `path` belongs to."""
        known = self.roots.get(path)
        if known is None:
            known = self.roots[path] = self._root_of(path.resolve())
        return known

    def _root_of(self, path: Path) -> Path:
        for declared in self.declared:
            if path.is_relative_to(declared):
                return declared
        root = path.parent
        while root.parent != root and root != self.limit and _holds_rulesets(root.parent):
            if self.limit is not None and not root.parent.is_relative_to(self.limit):
                break
            root = root.parent
        return root

    def files_of(self, root: Path, refresh: bool = True) -> list[Path]:
        """The ruleset's files, on disk or open; the folder is listed again only when
        `refresh` (a keystroke's check uses the last listing)."""
        if refresh or root not in self.listings:
            on_disk: set[Path] = set()
            with contextlib.suppress(OSError):
                on_disk = {p.resolve() for p in root.rglob(f"*{EXTENSION}") if p.is_file()}
            self.listings[root] = on_disk
        opened = {p for p in self.open if p.is_relative_to(root) and p.suffix == EXTENSION}
        return sorted(self.listings[root] | opened)

    def name_of(self, path: Path) -> str:
        """The module name of a file (`display`), kept: it resolves the path each time."""
        found = self.names.get(path)
        if found is None:
            found = self.names[path] = display(path)
        return found

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
            module = parse_file(text, name) if cached else self.chunked.parse(text, name)
            result = Parsed(text, module)
            self.last_good[name] = module
        except LawcodeError as exc:
            result = Parsed(text, None, exc.diagnostics)
        except RecursionError:  # the parser bounds nesting; this is the last line of defence
            result = Parsed(text, None, (error("E001", "the file is nested too deeply to read", Span(name, 1, 1, 1, 2)),))
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
        """Check the ruleset at `root` as `lint` would; with `focus`, for that file only.

        The diagnostics of a focused check are complete for the focused file only (the
        others keep those of the last check); of its rules, only those whose text
        changed since the file was last compiled are compiled again, while nothing
        else (parameters, definitions, ladders, documents, imports) has changed.
        """
        result = Analysis(root)
        texts, problems = self._texts(result, refresh=focus is None)
        previous = self.analyses.get(root)
        if focus is not None and focus in result.broken and previous is not None:
            return self._broken(result, previous, focus, problems)
        if focus is not None and self._shares_rule_ids(result, focus):
            focus = None  # a rule id of this file declared in another too: the compiler compares them all
        clean: list[Diagnostic] = []
        whole: dict[str, ast.Module] = {}  # each file's tree with all its rules, for the usage warnings

        def parse_text(text: str, name: str) -> ast.Module:
            parsed = self.parsed.get(name)
            if parsed is None or parsed.text != text:
                parsed = self._parse(text, name, cached=False)
            module = whole[name] = parsed.module or self.last_good.get(name) or ast.Module(name, (), (), text)
            if focus is None:
                return module
            if name != focus:
                return self._without_rules(module)
            return module

        loaded = _load(texts, parse_text, problems)
        for name in result.texts:
            module = self.last_good.get(name)
            if module is not None:
                result.modules[name] = module
        if loaded is not None:
            for name, module in loaded.modules.items():
                result.paths.setdefault(name, _path_of(name))
                result.modules.setdefault(name, module)
                result.texts.setdefault(name, loaded.sources.get(name, ""))
            result.env = _environment(loaded)
            names = [focus] if focus is not None else list(loaded.modules)
            memos = {n: m for n in names if (m := self.rule_memos.get(n)) is not None and n not in result.broken and _same(m.env, result.env)}
            every_rule = dataclasses.replace(loaded, modules={n: whole.get(n, m) for n, m in loaded.modules.items()})
            loaded, clean = _reuse(loaded, result.texts, memos)
            self._compile(result, loaded, every_rule, problems, clean)
        self._publish(result, problems, focus, previous, remember=loaded is not None)
        self.analyses[root] = result
        return result

    def _publish(self, result: Analysis, problems: list[Diagnostic], focus: str | None, previous: Analysis | None, remember: bool) -> None:
        """`problems` as each file's diagnostics; the checked files' memos kept for the next
        check (`remember`: the ruleset loaded); a focused check keeps the other files' last ones."""
        syntax = {d for name in result.broken for d in self.parsed[name].problems}
        result.diagnostics = _by_file(problems, result, focus, syntax)
        if remember:
            for name in [focus] if focus is not None else list(result.texts):
                if name is not None and name not in result.broken and name in result.modules:
                    self.rule_memos[name] = _memo(result.modules[name], result.texts.get(name, ""), result.diagnostics.get(name, []), result.env)
        if focus is not None and previous is not None:
            merged = dict(previous.diagnostics)
            merged[focus] = result.diagnostics.get(focus, [])
            result.diagnostics = merged

    def _compile(self, result: Analysis, loaded: Loaded, every_rule: Loaded, problems: list[Diagnostic], clean: list[Diagnostic]) -> None:
        """Compile what `loaded` holds (the rules to check again) into `result.compiler`;
        its errors and warnings, then those of the rules reused (`clean`), go to `problems`."""
        result.compiler = Compiler(loaded, usage=False)  # usage warnings need every rule: added below
        try:
            program = result.compiler.compile()
            problems.extend(program.warnings)
            problems.extend(message_warnings(program))  # per rule: right for the rules compiled here
            if not any(d.level is Level.ERROR for d in (*problems, *clean)):  # as `lint`: none beside an error
                elsewhere, self.reads = _left_out(every_rule, loaded, self.reads)
                problems.extend(unused_declarations(program, every_rule, elsewhere))
        except LawcodeError as exc:
            problems.extend(exc.diagnostics)
        problems.extend(clean)

    def _texts(self, result: Analysis, refresh: bool) -> tuple[list[tuple[str, str, Path]], list[Diagnostic]]:
        """Every file's text (name, text, folder) and parse; what could not be read or parsed."""
        texts: list[tuple[str, str, Path]] = []
        problems: list[Diagnostic] = []
        for path in self.files_of(result.root, refresh):
            name = self.name_of(path)
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
        return texts, problems

    def _shares_rule_ids(self, result: Analysis, focus: str) -> bool:
        ids: dict[str, set[str]] = {}
        for name in result.texts:
            module = self.last_good.get(name)
            if module is not None:
                ids[name] = {d.id for d in module.declarations if isinstance(d, ast.Rule)}
        mine = ids.pop(focus, set())
        return any(mine & other for other in ids.values())

    def _broken(self, result: Analysis, previous: Analysis, focus: str, problems: list[Diagnostic]) -> Analysis:
        """The focused file does not parse: its syntax errors change, nothing else can."""
        result.compiler = previous.compiler
        result.env = previous.env
        result.modules = {**previous.modules, **{n: m for n, m in self.last_good.items() if n in result.texts}}
        result.diagnostics = dict(previous.diagnostics)
        result.diagnostics[focus] = [d for d in problems if d.span is None or d.span.file == focus]
        self.analyses[result.root] = result
        return result

    def forget(self, path: Path) -> None:
        """A file closed: its on-disk text counts again."""
        self.open.pop(path, None)


def _left_out(every_rule: Loaded, compiled: Loaded, known: dict[int, tuple[ast.Rule, set[str]]]) -> tuple[dict[str, set[str]], dict[int, tuple[ast.Rule, set[str]]]]:
    """File → what the rules not compiled this time read (`rule_reads`): a focused check
    leaves out the other files' rules, and any check the rules whose text is unchanged.
    `known` is the last check's `rule_reads` by tree (a rule's tree is the same object
    while its text is): returned for this check's trees, so only new ones are walked."""
    out: dict[str, set[str]] = {}
    kept_reads: dict[int, tuple[ast.Rule, set[str]]] = {}
    for name, module in every_rule.modules.items():
        kept = compiled.modules.get(name)
        there = {id(d) for d in kept.declarations} if kept is not None else set()
        for decl in module.declarations:
            if isinstance(decl, ast.Rule) and id(decl) not in there:
                found = known.get(id(decl))
                reads = found[1] if found is not None and found[0] is decl else rule_reads(decl)
                kept_reads[id(decl)] = (decl, reads)
                out.setdefault(name, set()).update(reads)
    return out, kept_reads


def _environment(loaded: Loaded) -> tuple[object, ...]:
    """What a rule's diagnostics depend on besides its own text: every module's other
    declarations and imports, as the objects the parsers keep (an unchanged declaration
    is the same object from one keystroke to the next)."""
    out: list[object] = []
    for name, module in loaded.modules.items():
        out.append(name)
        out.extend(d for d in module.declarations if not isinstance(d, ast.Rule))
        out.append(loaded.imports.get(name, ()))
    return tuple(out)


def _same(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    return len(a) == len(b) and all(x is y or (isinstance(x, str | tuple) and x == y) for x, y in zip(a, b, strict=True))


def _rule_text(rule: ast.Rule, lines: LineIndex) -> str:
    span = rule.span
    return lines.text[lines.span_offset(span.line, span.column) : lines.span_offset(span.end_line, span.end_column)]


def _inside(d: Diagnostic, rule: ast.Rule) -> bool:
    return d.span is not None and d.span.file == rule.span.file and rule.span.line <= d.span.line <= rule.span.end_line


def _memo(module: ast.Module, text: str, diagnostics: list[Diagnostic], env: tuple[object, ...]) -> RuleMemo:
    lines = line_index(text)
    rules: dict[str, list[tuple[int, list[Diagnostic]]]] = {}
    for decl in module.declarations:
        if isinstance(decl, ast.Rule):
            rules.setdefault(_rule_text(decl, lines), []).append((decl.span.line, [d for d in diagnostics if _inside(d, decl)]))
    return RuleMemo(env, rules)


def _reuse(loaded: Loaded, texts: dict[str, str], memos: dict[str, RuleMemo]) -> tuple[Loaded, list[Diagnostic]]:
    """`loaded` without the rules whose text is unchanged since their file's memo (in the
    files that have one), and those rules' diagnostics, moved to where the rules are now.
    A rule whose id is declared more than once stays, for the compiler to report."""
    ids = Counter(d.id for module in loaded.modules.values() for d in module.declarations if isinstance(d, ast.Rule))
    clean: list[Diagnostic] = []
    modules = dict(loaded.modules)
    for name, memo in memos.items():
        module = modules.get(name)
        if module is None:
            continue
        lines = line_index(texts.get(name, module.source))
        left = {key: list(found) for key, found in memo.rules.items()}
        kept: list[ast.Declaration] = []
        for decl in module.declarations:
            if isinstance(decl, ast.Rule) and ids[decl.id] == 1 and (found := left.get(_rule_text(decl, lines))):
                line, diagnostics = found.pop(0)
                clean.extend(_moved(d, decl.span.line - line, name) for d in diagnostics)
                continue
            kept.append(decl)
        modules[name] = dataclasses.replace(module, declarations=tuple(kept))
    return dataclasses.replace(loaded, modules=modules), clean


def _moved(d: Diagnostic, lines: int, name: str) -> Diagnostic:
    if lines == 0:
        return d
    notes = tuple((text, moved(span, lines) if span is not None and span.file == name else span) for text, span in d.notes)
    return dataclasses.replace(d, span=moved(d.span, lines) if d.span is not None else None, notes=notes)


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

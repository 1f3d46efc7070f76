"""Rule tests written next to the rulesets: load them, run them, show the results.

A compliance writer states what a rule must do on a given platform state: this snapshot
must give exactly these violations (rule, subject, citation), and nothing else. The test
files are YAML (`*.test.yaml`); docs/testing.md describes the format. Snapshots are
written as a JSON Patch (RFC 6902) over a base snapshot, so each case shows only what it
changes; a path segment `id=X` picks the element of an array whose `id` is X, so a case
does not break when the base snapshot gains or reorders elements.

Every case runs on a chosen backend (`--backend`, default python), so the same cases
check that the SQL backends agree with the reference evaluator.

A library with no command line in it: `run_tests` gives a `TestRun` (results, errors,
the exit code it deserves), `print_run` shows it on a rich console. `lawcode test`
(`lawcode.cli.test`) is a thin command over the two, and the API or a test suite can
call them directly. Exit codes: 0 every case passed, 1 some case failed, 2 a test file
(or the ruleset it names) is unusable: the message gives file:line and what to fix.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from lawcode.api import Ruleset, load_ruleset
from lawcode.dsl.diagnostics import LawcodeError, did_you_mean, visible
from lawcode.engine.report import Report

TEST_SUFFIX = ".test.yaml"
FILE_KEYS = {"ruleset", "base", "cases"}
CASE_KEYS = {"name", "rule", "rules", "only", "snapshot", "patch", "merge", "expect", "undetermined"}
EXPECT_KEYS = {"rule", "subject", "citation"}
PLATFORM = "platform"

Key = tuple[str, str, str]  # rule, subject id (or "platform"), citation label
UKey = tuple[str, str]  # rule, subject id


class TestFileError(Exception):
    """A test file that cannot be used: where, what, and how to fix it."""

    __test__ = False  # not a pytest class, despite the name

    def __init__(self, file: Path | str, line: int | None, message: str, hint: str | None = None) -> None:
        self.file, self.line, self.message, self.hint = str(file), line, message, hint
        super().__init__(self.render())

    def render(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}" + (f"\n  hint: {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class Case:
    file: Path
    line: int
    name: str
    ruleset: Path
    rules: tuple[str, ...]  # the rules the case is about
    snapshot: dict[str, Any]
    expect: tuple[Key, ...]
    undetermined: tuple[UKey, ...] | None  # None: none expected
    only: tuple[str, ...] | None = None  # `only:` the rules whose results are compared; None: every rule


@dataclass
class Result:
    case: Case
    missing: list[Key] = field(default_factory=list)  # expected, not produced
    unexpected: list[Key] = field(default_factory=list)  # produced, not expected
    missing_undetermined: list[UKey] = field(default_factory=list)
    unexpected_undetermined: list[UKey] = field(default_factory=list)
    error: str | None = None  # the snapshot was rejected, or the backend failed

    @property
    def passed(self) -> bool:
        return not (self.missing or self.unexpected or self.missing_undetermined or self.unexpected_undetermined or self.error)


@dataclass
class TestRun:
    __test__ = False  # not a pytest class, despite the name
    results: list[Result] = field(default_factory=list)
    errors: list[TestFileError] = field(default_factory=list)
    fired: Counter[str] = field(default_factory=Counter)  # rule → cases that expect it to fire
    silent: Counter[str] = field(default_factory=Counter)  # rule → cases about it that expect silence
    rulesets: dict[Path, Ruleset] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.failed else 0


# ---------------------------------------------------------------- backends

Evaluate = Callable[[Ruleset, dict[str, Any]], Report]


def _python(ruleset: Ruleset, snapshot: dict[str, Any]) -> Report:
    return ruleset.evaluate(snapshot)


def _sql(name: str, engine: Callable[[], Any] | None = None) -> Evaluate:
    """Evaluation on SQL backend `name`; `engine`, when given, supplies the backend object
    every evaluation of a run shares."""

    def run(ruleset: Ruleset, snapshot: dict[str, Any]) -> Report:
        sql = importlib.import_module("lawcode.engine.sql")  # optional: the SQL backend
        shared = {} if engine is None else {"engine": engine()}
        report: Report = sql.evaluate(ruleset.program, snapshot, backend=name, rulesets=ruleset.paths, **shared)
        return report

    return run


BACKENDS: dict[str, Evaluate] = {"python": _python, "duckdb": _sql("duckdb"), "spark": _sql("spark")}
_DUCKDB = BACKENDS["duckdb"]


@contextlib.contextmanager
def _evaluator(backend: str) -> Iterator[Evaluate]:
    """The backend's evaluate for a whole run. On DuckDB the run's cases share one reusing
    connection (`DuckDBBackend(reuse=True)`): cases patch a few elements of one base
    snapshot, and a collection whose lines are unchanged is not read and checked again."""
    evaluate = BACKENDS[backend]
    if evaluate is not _DUCKDB:  # another backend, or one registered in its place
        yield evaluate
        return
    engines: list[Any] = []

    def shared() -> Any:
        if not engines:  # made on the first case, so a run with no case opens no connection
            engines.append(importlib.import_module("lawcode.engine.sql.duckdb_backend").DuckDBBackend(reuse=True))
        return engines[0]

    try:
        yield _sql("duckdb", shared)
    finally:
        for engine in engines:
            engine.close()


def register_backend(name: str, evaluate: Evaluate) -> None:
    """Let another evaluator run every test case (`lawcode test --backend NAME`)."""
    BACKENDS[name] = evaluate


# ---------------------------------------------------------------- loading


class _LineLoader(yaml.SafeLoader):  # type: ignore[misc]
    """Keeps the line of every mapping, so errors can say where a case is.

    Refuses aliases (`*name`): each one repeats a whole subtree, so a 1.6 KB file of
    nested aliases expands to gigabytes. A test case states its snapshot and its
    expectations plainly; a JSON Patch over `base:` is how cases share data.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, f"aliases (*{event.anchor}) are not accepted in test files", event.start_mark)
        return super().compose_node(parent, index)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = dict(loader.construct_mapping(node, deep=True))
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def find_test_files(paths: Iterable[Path]) -> list[Path]:
    """Test files named directly, and `*.test.yaml` below the folders named."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.rglob(f"*{TEST_SUFFIX}")))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def default_ruleset(test_file: Path) -> Path:
    """The nearest folder above the test file that holds `.law` files."""
    for folder in test_file.resolve().parents:
        if any(folder.glob("*.law")):
            return folder
    return test_file.resolve().parent


def load_test_file(path: Path) -> list[Case]:
    """Parse one test file into cases; raises TestFileError with file:line."""
    text = _read_test_file(path)
    try:
        doc = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise TestFileError(path, mark.line + 1 if mark else None, f"not valid YAML: {problem}") from None
    if not isinstance(doc, dict):
        raise TestFileError(path, 1, "a test file is a mapping with a `cases` list", "start with `cases:`")
    _check_keys(path, doc, FILE_KEYS, "test file")
    ruleset = (path.parent / doc["ruleset"]).resolve() if isinstance(doc.get("ruleset"), str) else default_ruleset(path)
    base: dict[str, Any] | None = None
    if "base" in doc:
        base = _snapshot_file(path, doc["__line__"], doc["base"])
    cases = doc.get("cases")
    if not isinstance(cases, list) or not cases:
        raise TestFileError(path, doc["__line__"], "`cases` must be a non-empty list of cases")
    out: list[Case] = []
    names: set[str] = set()
    for raw in cases:
        if not isinstance(raw, dict):
            raise TestFileError(path, doc["__line__"], "each case is a mapping (name, patch, expect, …)")
        case = _case(path, ruleset, base, raw)
        if case.name in names:
            raise TestFileError(path, case.line, f"two cases are named {case.name!r}", "give each case its own name")
        names.add(case.name)
        out.append(case)
    return out


MAX_TEST_FILE_BYTES = 16 << 20  # a test file states cases by hand: far below this


def _read_test_file(path: Path) -> str:
    """The test file's text: at most MAX_TEST_FILE_BYTES read (`/dev/zero` is not a test file), UTF-8."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_TEST_FILE_BYTES + 1)
    except OSError as exc:
        raise TestFileError(path, None, f"cannot read the test file: {exc.strerror or exc}") from None
    if len(raw) > MAX_TEST_FILE_BYTES:
        raise TestFileError(path, None, f"the test file is over {MAX_TEST_FILE_BYTES >> 20} MB", "split it, or put large snapshots in JSON files named by `snapshot:`")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TestFileError(path, line, "the test file is not UTF-8 text", "save it as UTF-8") from None


def _check_keys(path: Path, raw: dict[str, Any], allowed: set[str], what: str) -> None:
    for key in raw:
        if key != "__line__" and key not in allowed:
            raise TestFileError(path, raw["__line__"], f"unknown key `{key}` in a {what}", f"allowed: {', '.join(sorted(allowed))}")


def _snapshot_file(path: Path, line: int, name: Any) -> dict[str, Any]:
    if not isinstance(name, str):
        raise TestFileError(path, line, "a snapshot file is named by a path string")
    target = path.parent / name
    from lawcode.engine import jsontext
    from lawcode.engine.snapshot import DEFAULT_MAX_BYTES, parse_json

    try:  # read as `check` reads a snapshot: bounded, UTF-8, no key twice in an object
        data = parse_json(jsontext.read_bounded(target, str(target), DEFAULT_MAX_BYTES), str(target))
    except LawcodeError as exc:
        problem = exc.diagnostics[0]
        where = f"{problem.span}: " if problem.span else ""
        raise TestFileError(path, line, f"snapshot `{name}`: {where}{problem.message}", problem.hint or "paths are relative to the test file") from None
    if not isinstance(data, dict):
        raise TestFileError(path, line, f"snapshot `{name}` is not a JSON object")
    return data


def _case(path: Path, ruleset: Path, base: dict[str, Any] | None, raw: dict[str, Any]) -> Case:
    line = int(raw["__line__"])
    _check_keys(path, raw, CASE_KEYS, "case")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise TestFileError(path, line, "a case needs a `name`")
    rules = _rule_ids(path, line, name, raw.get("rules", raw.get("rule", [])), "`rule`/`rules`")
    only = _rule_ids(path, line, name, raw["only"], "`only`") if "only" in raw else None
    if only is not None and not only:
        raise TestFileError(path, line, f"case {name!r}: `only` names no rule", "name the rule(s) whose violations the case states, or leave `only` out to compare every rule's")
    given = raw.get("snapshot")
    if isinstance(given, str):
        snapshot = _snapshot_file(path, line, given)
    elif isinstance(given, dict):
        snapshot = _strip_lines(given)
    elif given is None and base is not None:
        snapshot = copy.deepcopy(base)
    else:
        raise TestFileError(path, line, f"case {name!r} has no snapshot", "give `snapshot:` (inline or a file) or a `base:` for the file")
    if "merge" in raw:
        merge = _strip_lines(raw["merge"])
        if not isinstance(merge, dict):
            raise TestFileError(path, line, f"case {name!r}: `merge` is a JSON merge patch object (RFC 7396)")
        snapshot = merge_patch(snapshot, merge)
    if "patch" in raw:
        ops = _strip_lines(raw["patch"])
        try:
            snapshot = apply_patch(snapshot, ops)
        except PatchError as exc:
            raise TestFileError(path, line, f"case {name!r}: {exc}", "paths are RFC 6901 pointers; `id=X` picks the array element whose id is X") from None
    if "expect" not in raw:
        raise TestFileError(path, line, f"case {name!r} has no `expect`", "list the violations expected, or write `expect: []`")
    expect = tuple(_expected(path, line, name, e) for e in raw["expect"] or [])
    undetermined = None
    if raw.get("undetermined") is not None:
        undetermined = tuple(_expected_undetermined(path, line, name, e) for e in raw["undetermined"])
    if only is not None:
        rules = tuple(dict.fromkeys(rules + only))
    return Case(path, line, name, ruleset, rules, snapshot, expect, undetermined, only)


def _rule_ids(path: Path, line: int, name: str, raw: Any, what: str) -> tuple[str, ...]:
    """A rule id or a list of them (`rule:`, `rules:`, `only:`)."""
    ids = [raw] if isinstance(raw, str) else raw or []
    if not isinstance(ids, list) or not all(isinstance(r, str) for r in ids):
        raise TestFileError(path, line, f"case {name!r}: {what} names rule ids", "a rule id, or a list of them: [rule-a, rule-b]")
    return tuple(ids)


def _outside_only(case: Case) -> TestFileError | None:
    """An expectation about a rule that `only` leaves out could never be met: say so, not fail."""
    if case.only is None:
        return None
    named = [k[0] for k in case.expect] + [u[0] for u in case.undetermined or ()]
    outside = [rule for rule in dict.fromkeys(named) if rule not in case.only]
    if not outside:
        return None
    return TestFileError(case.file, case.line, f"case {case.name!r} expects results of {', '.join(outside)}, which `only` leaves out", "add the rule to `only`, or remove the expectation")


def _expected(path: Path, line: int, name: str, entry: Any) -> Key:
    if isinstance(entry, dict):
        _check_keys(path, entry, EXPECT_KEYS, "expected violation")
        line = entry["__line__"]
        entry = [entry.get("rule"), entry.get("subject"), entry.get("citation")]
    if not isinstance(entry, list) or len(entry) != 3 or not isinstance(entry[0], str) or not isinstance(entry[2], str):
        raise TestFileError(path, line, f"case {name!r}: an expected violation is [rule, subject, citation]", "e.g. [group-member-cap, g1, groups-2017 art 8 para 1]; subject `platform` for platform rules")
    return (entry[0], PLATFORM if entry[1] is None else str(entry[1]), entry[2])


def _expected_undetermined(path: Path, line: int, name: str, entry: Any) -> UKey:
    if not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[0], str):
        raise TestFileError(path, line, f"case {name!r}: an expected undetermined subject is [rule, subject]")
    return (entry[0], PLATFORM if entry[1] is None else str(entry[1]))


# ---------------------------------------------------------------- patches


class PatchError(Exception):
    pass


def _resolve(doc: Any, pointer: str) -> str:
    """Turn `id=X` segments into array indexes, against the document as it is now."""
    if not pointer:
        return pointer
    if not pointer.startswith("/"):
        raise PatchError(f"path {pointer!r} must start with `/`")
    out: list[str] = []
    node = doc
    for raw in pointer[1:].split("/"):
        segment = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and segment.startswith("id="):
            ident = segment[3:]
            index = next((i for i, x in enumerate(node) if isinstance(x, dict) and str(x.get("id")) == ident), None)
            if index is None:
                raise PatchError(f"no element with id {ident!r} at {'/' + '/'.join(out) or '/'}")
            segment = str(index)
        out.append(segment)
        if isinstance(node, dict):
            node = node.get(segment)
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            node = None
    return "".join("/" + s.replace("~", "~0").replace("/", "~1") for s in out)


def apply_patch(doc: dict[str, Any], ops: Any) -> dict[str, Any]:
    """RFC 6902 JSON Patch, with `id=X` array segments."""
    import jsonpatch
    import jsonpointer

    if not isinstance(ops, list):
        raise PatchError("`patch` is a list of operations ({op, path, value})")
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError(f"not a patch operation: {op!r}")
        resolved = dict(op)
        resolved["path"] = _resolve(doc, str(op["path"]))
        if "from" in op:
            resolved["from"] = _resolve(doc, str(op["from"]))
        try:
            doc = jsonpatch.apply_patch(doc, [resolved])
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
            raise PatchError(f"{op['op']} {op['path']}: {exc}") from None
    return doc


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# ---------------------------------------------------------------- running


def run_tests(paths: Sequence[Path | str], backend: str = "python") -> TestRun:
    """Run every case of the test files found under `paths` on `backend`."""
    run = TestRun()
    if backend not in BACKENDS:
        run.errors.append(TestFileError("--backend", None, f"unknown backend {backend!r}", f"backends: {', '.join(sorted(BACKENDS))}"))
        return run
    files = find_test_files(Path(p) for p in paths)
    if not files:
        run.errors.append(TestFileError(", ".join(map(str, paths)), None, f"no test files (*{TEST_SUFFIX}) found"))
    with _evaluator(backend) as evaluate:
        _run_files(run, files, _once_per_snapshot(evaluate))
    return run


REPORTS_KEPT = 64


def _once_per_snapshot(evaluate: Evaluate) -> Evaluate:
    """`evaluate`, run once per distinct snapshot of a ruleset: cases often state what
    different rules do on the same snapshot (the base unpatched, say; a fifth of the CAC
    cases), and a report depends on nothing else. Snapshots are told apart by `repr`,
    which keeps what JSON text would blur (a YAML date and its text, NaN and null, 1 and
    1.0, key order)."""
    seen: dict[tuple[int, bytes], tuple[Ruleset, Report]] = {}

    def run(ruleset: Ruleset, snapshot: dict[str, Any]) -> Report:
        key = (id(ruleset), hashlib.sha256(repr(snapshot).encode()).digest())
        found = seen.get(key)
        if found is not None and found[0] is ruleset:
            return found[1]
        report = evaluate(ruleset, snapshot)
        if len(seen) >= REPORTS_KEPT:
            seen.pop(next(iter(seen)))
        seen[key] = (ruleset, report)
        return report

    return run


def _run_files(run: TestRun, files: list[Path], evaluate: Evaluate) -> None:
    for file in files:
        try:
            cases = load_test_file(file)
        except TestFileError as exc:
            run.errors.append(exc)
            continue
        for case in cases:
            ruleset = _ruleset(run, case)
            if ruleset is None:
                break
            unusable = unknown_rules(case, ruleset) or _outside_only(case)
            if unusable is not None:
                run.errors.append(unusable)
                continue
            run.results.append(run_case(case, ruleset, evaluate))
            expected_rules = {k[0] for k in case.expect}
            for rule in set(case.rules) | expected_rules:
                (run.fired if rule in expected_rules else run.silent)[rule] += 1


def unknown_rules(case: Case, ruleset: Ruleset) -> TestFileError | None:
    """The error for rule ids the ruleset does not declare, with the closest spelling of each."""
    known = [r.id for r in ruleset.rules]
    named = case.rules + tuple(k[0] for k in case.expect) + tuple(u[0] for u in case.undetermined or ())
    unknown = sorted(set(named) - set(known))
    if not unknown:
        return None
    hints = [f"`{rule}`: {hint}" for rule in unknown if (hint := did_you_mean(rule, known))]
    hint = "; ".join(hints) if hints else f"the ruleset's rules: {', '.join(sorted(known)[:12])}" + (", …" if len(known) > 12 else "")
    return TestFileError(case.file, case.line, f"case {case.name!r} names unknown rule(s): {', '.join(unknown)}", hint)


def _ruleset(run: TestRun, case: Case) -> Ruleset | None:
    if case.ruleset not in run.rulesets:
        try:
            run.rulesets[case.ruleset] = load_ruleset(case.ruleset)
        except LawcodeError as error:
            run.errors.append(TestFileError(case.file, None, f"the ruleset {case.ruleset} does not compile:\n{error.render()}"))
            return None
    return run.rulesets[case.ruleset]


def run_case(case: Case, ruleset: Ruleset, evaluate: Evaluate) -> Result:
    result = Result(case)
    try:
        report = evaluate(ruleset, case.snapshot)
    except LawcodeError as error:
        result.error = "the snapshot was rejected:\n" + error.render()
        return result
    except ImportError as exc:
        result.error = f"the backend is not available: {exc}"
        return result
    kept = set(case.only) if case.only is not None else None
    actual = Counter((v.rule, PLATFORM if v.subject is None else str(v.subject.id), v.citation.label) for v in report.violations if kept is None or v.rule in kept)
    expected = Counter(case.expect)
    result.missing = sorted((expected - actual).elements())
    result.unexpected = sorted((actual - expected).elements())
    got_u = Counter((u.rule, PLATFORM if u.subject is None else str(u.subject.id)) for u in report.undetermined if kept is None or u.rule in kept)
    want_u = Counter(case.undetermined or ())
    result.missing_undetermined = sorted((want_u - got_u).elements())
    result.unexpected_undetermined = sorted((got_u - want_u).elements())
    return result


# ---------------------------------------------------------------- output


def print_run(run: TestRun, console: Console, verbose: bool = False) -> None:
    for error in run.errors:
        console.print(Text("error ", style="bold red") + Text(visible(error.render(), newlines=True)), highlight=False)
    for result in run.results:
        case = result.case
        where = f"{case.file}:{case.line}"
        if result.passed:
            if verbose:
                console.print(Text("PASS ", style="green") + Text(visible(f"{where} {case.name}")), highlight=False)
            continue
        console.print(Text("FAIL ", style="bold red") + Text(visible(f"{where} {case.name}")), highlight=False)
        if result.error:
            console.print(Text(visible(result.error, newlines=True)), highlight=False)
            continue
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("")
        table.add_column("rule")
        table.add_column("subject")
        table.add_column("citation")
        for key in result.missing:
            table.add_row(Text("- expected", style="red"), *(Text(visible(k)) for k in key))
        for key in result.unexpected:
            table.add_row(Text("+ actual", style="green"), *(Text(visible(k)) for k in key))
        for ukey in result.missing_undetermined:
            table.add_row(Text("- undetermined expected", style="red"), *(Text(visible(k)) for k in ukey), "")
        for ukey in result.unexpected_undetermined:
            table.add_row(Text("+ undetermined", style="green"), *(Text(visible(k)) for k in ukey), "")
        console.print(table)
    style = "bold green" if run.exit_code == 0 else "bold red"
    tail = f", {len(run.errors)} error(s)" if run.errors else ""
    console.print(f"[{style}]{run.passed} passed, {run.failed} failed[/]{tail}", highlight=False)

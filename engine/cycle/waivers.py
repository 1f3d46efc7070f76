"""Waivers: risks accepted on the record, for a rule and a subject, until a date.

A waivers file is YAML, checked against a published JSON Schema
(`docs/waivers.schema.json`, the same file as `waivers.schema.json` here) with
jsonschema, every problem reported at its line and column. A waiver names a rule and
one subject by id, or the subjects a `where` expression selects: the expression is the
DSL's (`it.status == "closed"`, `it` being the subject), parsed and type-checked against
the snapshot schema by the compiler's own lowering, and evaluated by the reference
evaluator. Applied to a report on its `as_of`:

- `active`: not expired, and covers at least one violation, each marked with it;
- `expired`: `expires_on` is before `as_of`; the violations it covers are still marked,
  with the state `expired`, so the report says the acceptance ran out;
- `stale`: not expired, and covers nothing (the risk is gone, or the waiver is wrong).

A waived violation stays in the report: waivers change its standing, never its presence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import orjson
import yaml

from lawcode.compiler import Program, ir
from lawcode.compiler import types as T
from lawcode.compiler.lower import Lowerer
from lawcode.compiler.reading import FileKind
from lawcode.compiler.schema import SnapshotSchema
from lawcode.dsl import ast
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError, did_you_mean, error
from lawcode.dsl.parser import parse_expression
from lawcode.dsl.spans import Span
from lawcode.engine.cycle.files import CycleFile, read_cycle_file
from lawcode.engine.evaluate import Evaluator, resolve_parameters
from lawcode.engine.report import Report, Standing, Violation
from lawcode.engine.snapshot import Snapshot

SUBJECT = "it"  # the name a `where` expression gives the subject
MAX_WAIVERS_BYTES = 4 << 20
Position = tuple[int, int]  # line, column (1-based) of a value in the YAML text


@cache
def schema() -> dict[str, Any]:
    """The waivers file's JSON Schema (the package's copy of docs/waivers.schema.json)."""
    return json.loads(files("lawcode.engine.cycle").joinpath("waivers.schema.json").read_text("utf-8"))  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Waiver:
    id: str
    rule: str
    collection: str | None
    subject_id: Any  # None: every subject `where` selects, or the platform
    where_text: str | None
    where: ir.Expr | None
    reason: str
    approved_by: str
    approved_on: dt.date
    expires_on: dt.date
    citation: str | None
    span: Span

    def record(self) -> dict[str, Any]:
        """The waiver as the report shows it (without its state)."""
        subject: dict[str, Any] | None = None
        if self.collection is not None:
            subject = {"collection": self.collection, **({"where": self.where_text} if self.where_text is not None else {"id": self.subject_id})}
        return {
            "id": self.id, "rule": self.rule, "subject": subject, "reason": self.reason,
            "approved_by": self.approved_by, "approved_on": self.approved_on.isoformat(),
            "expires_on": self.expires_on.isoformat(), "citation": self.citation,
            "source": {"file": self.span.file, "line": self.span.line, "column": self.span.column},
        }


@dataclass(frozen=True, slots=True)
class WaiverFile:
    path: str
    waivers: tuple[Waiver, ...]


@dataclass(frozen=True, slots=True)
class WaiverResult:
    """Each waiver's state on the report's day and how many violations it covers."""

    file: WaiverFile
    states: tuple[tuple[Waiver, str, int], ...]

    def count(self, state: str) -> int:
        return sum(1 for _, s, _ in self.states if s == state)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.file.path,
            "active": self.count("active"), "expired": self.count("expired"), "stale": self.count("stale"),
            "waivers": [{**w.record(), "state": state, "matched": matched} for w, state, matched in self.states],
        }


# ---------------------------------------------------------------- reading


def load_waivers(path: Path, program: Program) -> WaiverFile:
    """Read, validate and compile a waivers file; LawcodeError with every problem at once."""
    raw = read_waivers(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LawcodeError([Diagnostic("E081", f"the waivers file is not UTF-8 (byte {exc.start})", None, "save it as UTF-8", where=str(path))]) from None
    return parse_waivers(text, str(path), program)


# A waivers file is YAML by its name too: `.yaml` or `.yml`, once symlinks are resolved.
WAIVERS_FILES = {suffix: FileKind("waivers file", suffix, MAX_WAIVERS_BYTES, f"waivers{suffix}") for suffix in (".yaml", ".yml")}
WAIVERS_FILE = CycleFile(
    WAIVERS_FILES[".yaml"], "E081", f"the waivers file is over {MAX_WAIVERS_BYTES >> 20} MB", "split it",
    "cannot read the waivers file", "name a YAML file (docs/compliance-cycle.md)",
)


def read_waivers(path: Path) -> bytes:
    """The waivers file's bytes, read as every named file is (`compiler/reading.py`: its
    kind by name and by target, a regular file, bounded); E081 saying why not."""
    return read_cycle_file(path, WAIVERS_FILE, WAIVERS_FILES.get(path.suffix))


def parse_waivers(text: str, path: str, program: Program) -> WaiverFile:
    """`text` (YAML) as a checked WaiverFile; LawcodeError pointing at lines and columns."""
    data, positions = _yaml(text, path)
    problems: list[Diagnostic] = []

    def at(pointer: tuple[Any, ...]) -> Span:
        line, column = _nearest(positions, pointer)
        return Span(path, line, column, line, column + 1)

    # Imported on use: ~0.15 s, and only a run with waivers needs it.
    from jsonschema import Draft202012Validator, FormatChecker

    validator = Draft202012Validator(schema(), format_checker=FormatChecker())
    for problem in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = "/" + "/".join(map(str, problem.absolute_path))
        problems.append(error("E082", f"{where}: {_schema_message(problem)}", at(tuple(problem.absolute_path)), "see docs/waivers.schema.json for the fields of a waiver"))
    if problems:  # one finding per missing field would repeat the same "… are missing"
        raise LawcodeError(list(dict.fromkeys(problems)), {path: text})
    rules = {r.id: r for r in program.rules}
    waivers = [_waiver(i, item, rules, program.schema, positions, path, problems) for i, item in enumerate(data["waivers"])]
    ids = [w.id for w in waivers if w is not None]
    for w in waivers:
        if w is not None and ids.count(w.id) > 1:
            problems.append(error("E083", f"two waivers are named `{w.id}`", w.span, "give each waiver its own `id`"))
    if problems:
        raise LawcodeError(sorted(set(problems), key=Diagnostic.sort_key), {path: text})
    return WaiverFile(path, tuple(w for w in waivers if w is not None))


def _waiver(index: int, item: Mapping[str, Any], rules: Mapping[str, ir.Rule], snapshot_schema: SnapshotSchema, positions: Mapping[tuple[Any, ...], Position], path: str, problems: list[Diagnostic]) -> Waiver | None:
    base = ("waivers", index)
    line, column = positions.get(base, (1, 1))
    span = Span(path, line, column, line, column + 1)

    def at(*keys: Any) -> Span:
        ln, col = _nearest(positions, (*base, *keys))
        return Span(path, ln, col, ln, col + 1)

    before = len(problems)
    rule = rules.get(item["rule"])
    if rule is None:
        problems.append(error("E084", f"no rule `{item['rule']}` in the ruleset", at("rule"), did_you_mean(item["rule"], rules) or "name a rule id of the ruleset the waivers go with"))
    approved, expires = dt.date.fromisoformat(item["approved_on"]), dt.date.fromisoformat(item["expires_on"])
    if expires < approved:
        problems.append(error("E085", f"the waiver expires ({expires}) before it was approved ({approved})", at("expires_on"), "a waiver runs from `approved_on` to `expires_on`"))
    subject = item.get("subject")
    where: ir.Expr | None = None
    if rule is not None:
        if subject is None and rule.collection is not None:
            problems.append(error("E086", f"rule `{rule.id}` is checked for each of `{rule.collection}`: say which subject", span, f"add `subject: {{collection: {rule.collection}, id: …}}` or a `where`"))
        elif subject is not None and subject["collection"] != rule.collection:
            expected = f"`{rule.collection}`" if rule.collection else "none (the rule is `on platform`)"
            problems.append(error("E086", f"rule `{rule.id}` has subjects in {expected}, not `{subject['collection']}`", at("subject", "collection"), "name the rule's collection" if rule.collection else "leave `subject` out"))
        elif subject is not None and "where" in subject:
            where = _where(subject["where"], subject["collection"], snapshot_schema, at("subject", "where"), text_offset(positions, (*base, "subject", "where")), problems)
    if len(problems) > before:
        return None
    return Waiver(
        item.get("id") or f"waiver-{index + 1}", item["rule"], subject["collection"] if subject else None,
        subject.get("id") if subject else None, subject.get("where") if subject else None, where,
        item["reason"], item["approved_by"], approved, expires, item.get("citation"), span,
    )


class _SubjectScope:
    """What a waiver's `where` may name: the subject (`it`) and the snapshot's own fields.

    It answers the compiler's lowering (`compiler.lower.Context`) with no parameters,
    definitions or ladders: a waiver states facts about its subject, not the ruleset's
    reasoning, so it cannot break when a definition is renamed."""

    def __init__(self, schema: SnapshotSchema) -> None:
        self.schema = schema

    def parameter(self, module: str, name: str) -> ir.Parameter | None:
        return None

    def definition(self, module: str, name: str, span: Span) -> ir.Definition | None:
        return None

    def definition_params(self, module: str, name: str) -> tuple[ast.DefParam, ...] | None:
        return None

    def ladder(self, module: str, name: str) -> ir.Ladder | None:
        return None

    def visible_names(self, module: str) -> list[str]:
        return [SUBJECT]

    def import_hint(self, module: str, name: str) -> str | None:
        return None

    def resolve_type(self, module: str, ref: ast.TypeRef) -> T.Type:
        return T.UNKNOWN


def _where(text: str, collection: str, snapshot_schema: SnapshotSchema, span: Span, offset: int, problems: list[Diagnostic]) -> ir.Expr | None:
    if collection not in snapshot_schema.collections():
        problems.append(error("E052", f"unknown collection `{collection}`", span, did_you_mean(collection, snapshot_schema.collections()) or "name a collection of the snapshot schema"))
        return None
    found: list[Diagnostic] = []
    try:
        parsed = parse_expression(text, span.file)
    except LawcodeError as exc:
        found.extend(exc.diagnostics)
    else:
        lowered = Lowerer(_SubjectScope(snapshot_schema), "<waivers>", found).boolean(parsed, {SUBJECT: T.entity_of(collection)}, "a waiver's `where`")
    problems.extend(dataclasses.replace(d, span=_shift(d.span, span, offset)) if d.span else d for d in found)
    return None if found else lowered


def _shift(inner: Span, outer: Span, offset: int) -> Span:
    """A span in the expression's text moved to where the text stands in the YAML file."""
    def place(line: int, column: int) -> tuple[int, int]:
        return (outer.line, outer.column + offset + column - 1) if line == 1 else (outer.line + line - 1, column)
    start, end = place(inner.line, inner.column), place(inner.end_line, inner.end_column)
    return Span(outer.file, *start, *end)


# ---------------------------------------------------------------- applying


def apply_waivers(report: Report, waivers: WaiverFile, snapshot: Snapshot | None, program: Program) -> tuple[Report, WaiverResult]:
    """Mark the violations waivers cover (state `active` or `expired` on `report.as_of`)
    and give each waiver its state; `snapshot` is needed for waivers with a `where`."""
    if snapshot is None and any(w.where is not None for w in waivers.waivers):
        raise LawcodeError([Diagnostic("E087", "waivers with a `where` need the snapshot as JSON, read by the python backend", None, "run with `--backend python`, or name subjects by `id`", where=waivers.path)])
    evaluator = Evaluator(program, snapshot, resolve_parameters(program, snapshot)[0]) if snapshot is not None else None
    matched = dict.fromkeys((w.id for w in waivers.waivers), 0)
    by_rule: dict[str, list[Waiver]] = {}
    for w in waivers.waivers:
        by_rule.setdefault(w.rule, []).append(w)
    marked: list[Violation] = []
    for v in report.violations:
        waiver = next((w for w in by_rule.get(v.rule, ()) if _covers(w, v, snapshot, evaluator)), None)
        if waiver is None:
            marked.append(v)
            continue
        matched[waiver.id] += 1
        state = "expired" if waiver.expires_on < report.as_of else "active"
        mark = {**waiver.record(), "state": state}
        marked.append(dataclasses.replace(v, standing=dataclasses.replace(v.standing or Standing(), waiver=mark)))
    states = tuple((w, "expired" if w.expires_on < report.as_of else ("active" if matched[w.id] else "stale"), matched[w.id]) for w in waivers.waivers)
    return dataclasses.replace(report, violations=tuple(marked)), WaiverResult(waivers, states)


def _covers(w: Waiver, v: Violation, snapshot: Snapshot | None, evaluator: Evaluator | None) -> bool:
    subject = (v.subject.collection, v.subject.id) if v.subject is not None else None
    return covers(w, subject, snapshot, evaluator)


def covers(w: Waiver, subject: tuple[str, Any] | None, snapshot: Snapshot | None, evaluator: Evaluator | None) -> bool:
    """Whether waiver `w` covers a violation of its rule on `subject` (collection, id)."""
    if w.collection is None:
        return subject is None
    if subject is None or subject[0] != w.collection:
        return False
    if w.where is None:
        return bool(orjson.dumps(w.subject_id) == orjson.dumps(subject[1]))
    if snapshot is None or evaluator is None:
        raise LawcodeError([Diagnostic("E087", "waivers with a `where` need the snapshot as JSON, read by the python backend", None, "run with `--backend python`, or name subjects by `id`", where=f"waiver {w.id}")])
    entity = snapshot.lookup(w.collection, subject[1])
    return entity is not None and evaluator.eval(w.where, {SUBJECT: entity}) is True


def mark_report_json(data: dict[str, Any], waivers: WaiverFile, snapshot: Snapshot | None, program: Program) -> dict[str, Any]:
    """A saved JSON report with its violations marked by the waivers on its own `as_of`
    (for history, which reads reports rather than evaluating them again)."""
    as_of = dt.date.fromisoformat(data["as_of"])
    evaluator = Evaluator(program, snapshot, resolve_parameters(program, snapshot)[0]) if snapshot is not None else None
    marked = []
    for item in data.get("violations", []):
        subject = item.get("subject")
        key = (subject["collection"], subject["id"]) if subject else None
        waiver = next((w for w in waivers.waivers if w.rule == item["rule"] and covers(w, key, snapshot, evaluator)), None)
        if waiver is not None:
            item = {**item, "waiver": {**waiver.record(), "state": "expired" if waiver.expires_on < as_of else "active"}}
        marked.append(item)
    return {**data, "violations": marked}


def is_waived(v: Violation) -> bool:
    """Covered by a waiver in force (an expired one no longer excuses it)."""
    return v.standing is not None and v.standing.waiver is not None and v.standing.waiver.get("state") == "active"


# ---------------------------------------------------------------- YAML with positions


def _yaml(text: str, path: str) -> tuple[Any, dict[tuple[Any, ...], Position]]:
    """The YAML document as JSON-like data (dates kept as text, for the schema's
    `format: date`), and the line and column of every value by its path."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        span = Span(path, mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2) if mark else None
        raise LawcodeError([error("E081", f"not valid YAML: {getattr(exc, 'problem', None) or exc}", span, "docs/compliance-cycle.md shows a waivers file")], {path: text}) from None
    positions: dict[tuple[Any, ...], Position] = {}
    offsets: dict[tuple[Any, ...], int] = {}
    seen: set[int] = set()

    def build(node: yaml.Node, where: tuple[Any, ...]) -> Any:
        if id(node) in seen:
            raise LawcodeError([error("E081", "aliases (*name) are not accepted in a waivers file", Span(path, node.start_mark.line + 1, node.start_mark.column + 1, node.start_mark.line + 1, node.start_mark.column + 2), "write each waiver out")], {path: text})
        seen.add(id(node))
        positions[where] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return {str(k.value): build(v, (*where, str(k.value))) for k, v in node.value}
        if isinstance(node, yaml.SequenceNode):
            return [build(v, (*where, i)) for i, v in enumerate(node.value)]
        offsets[where] = 1 if getattr(node, "style", None) in ("'", '"') else 0
        return _scalar(node)

    data = build(root, ()) if root is not None else None
    positions.update({("__offset__", *k): (v, 0) for k, v in offsets.items()})
    return data, positions


def _scalar(node: yaml.Node) -> Any:
    value = node.value
    tag = node.tag.rsplit(":", 1)[-1]
    if tag == "null":
        return None
    if tag == "bool":
        return value.lower() in ("true", "yes", "on")
    if tag == "int":
        try:
            return int(value)
        except ValueError:
            return value
    if tag == "float":
        try:
            return float(value)
        except ValueError:
            return value
    return value  # strings, and dates as written (`2025-03-31`), which the schema checks


def text_offset(positions: Mapping[tuple[Any, ...], Position], where: tuple[Any, ...]) -> int:
    """1 when the value at `where` is quoted (its text starts one column later), else 0."""
    return positions.get(("__offset__", *where), (0, 0))[0]


def _nearest(positions: Mapping[tuple[Any, ...], Position], where: Sequence[Any]) -> Position:
    """The position of `where`, or of its nearest ancestor that has one."""
    key = tuple(where)
    while key and key not in positions:
        key = key[:-1]
    return positions.get(key, (1, 1))


def _schema_message(problem: Any) -> str:
    """jsonschema's finding in a waiver writer's words: what is wrong, then what was expected."""
    allowed = sorted(problem.schema.get("properties", {})) if isinstance(problem.schema, dict) else []
    if problem.validator == "additionalProperties":
        extra = [f"`{k}`" for k in problem.instance if k not in allowed]
        return f"{', '.join(extra)} {'is not a field' if len(extra) == 1 else 'are not fields'} here; the fields are {', '.join(allowed)}"
    if problem.validator == "oneOf" and list(problem.absolute_path)[-1:] == ["subject"]:
        return "a subject is {collection, id} or {collection, where}"
    if problem.validator == "required":
        missing = [f"`{k}`" for k in problem.validator_value if k not in problem.instance]
        return f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing; required here: {', '.join(problem.validator_value)}"
    if problem.validator == "type":
        if problem.instance is None and not problem.absolute_path:
            return "the file is empty; a waivers file is a mapping with a `waivers:` list"
        return f"found {_kind(problem.instance)}, expected {_kind_named(problem.validator_value)}"
    if problem.validator == "format":
        return f"{problem.instance!r} is not a {problem.validator_value}: expected a real day written YYYY-MM-DD"
    return str(problem.message)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{'the number' if isinstance(value, int | float) else 'the text'} {value!r}"


def _kind_named(expected: Any) -> str:
    names = {"object": "a mapping (`key: value` lines)", "array": "a list (`- ` items)", "string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false"}
    kinds = expected if isinstance(expected, list) else [expected]
    return " or ".join(names.get(k, str(k)) for k in kinds)

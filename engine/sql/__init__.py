"""Columnar evaluation: the same compiled Program, evaluated by SQL (DuckDB, Spark).

    from lawcode.engine.sql import evaluate
    report = evaluate(program, "snapshot.json", backend="duckdb")

produces the same `Report` as `lawcode.engine.evaluate` (violations, undetermined
subjects with their missing pointers, rules not in force, evidence with values and
JSON pointers, messages, order). The modules, in pipeline order:

- `inputs.py`: which form a snapshot argument is (JSON, JSON Lines dir, Parquet dir);
- `tables.py`: the table layout the JSON Schema implies;
- `validate.py` (+ `conversions.py`): schema checks in SQL, with JSON pointers;
- `duckdb_backend.py` / `spark_backend.py`: load into tables, run queries;
- `generate.py` (+ `dialects.py`, `operators.py`, `aggregates.py` and the modules its
  docstring names): IR → sqlglot trees, one query per rule;
- `report.py` (+ `lazy.py`): result rows → the reference `Report`; `written.py` (+
  `render.py`): on DuckDB, large batches' violations written as JSON text by the engine.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

import orjson

from lawcode.compiler import ir
from lawcode.compiler.program import Program
from lawcode.compiler.schema import SnapshotSchema
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.engine import values
from lawcode.engine.evaluate import resolve_parameters
from lawcode.engine.report import Report, ReportStream
from lawcode.engine.snapshot import MAX_REPORTED_ERRORS, schema_errors, schema_problem, schema_valid
from lawcode.engine.sql.builders import Unsupported
from lawcode.engine.sql.dialects import Target
from lawcode.engine.sql.generate import Generator
from lawcode.engine.sql.inlining import MAX_INLINED_NODES, too_large_to_inline, walk_inlined
from lawcode.engine.sql.inputs import Source, detect, size_of
from lawcode.engine.sql.lazy import LazySnapshot
from lawcode.engine.sql.probes import Batch
from lawcode.engine.sql.report import Assembler
from lawcode.engine.sql.tables import Layout, layout
from lawcode.engine.sql.written import Kept

BACKENDS = ("auto", "python", "duckdb", "spark")


class Backend(Protocol):
    name: str
    target: Target

    def load(self, source: Source, layout: Layout, schema: SnapshotSchema) -> Any: ...
    def query(self, select: Any, cache: dict[str, str] | None = None) -> list[tuple[Any, ...]]: ...
    def close(self) -> None: ...


def choose(source: str | os.PathLike[str] | bytes | Mapping[str, Any], backend: str, program: Program | None = None) -> str:
    """`auto`: the backend the cost model (`cost.py`) expects to be faster on this JSON with
    these rules; duckdb for columnar input; python for a snapshot in memory. Without the
    program, rules the size of the CAC rulesets are assumed."""
    if backend != "auto":
        return backend
    if isinstance(source, Mapping | bytes):
        return "python"
    found = detect(source)
    if found.form != "json":
        return "duckdb"
    from lawcode.engine.sql import cost

    return cost.cheaper(size_of(found), cost.rule_size(program) if program is not None else cost.TYPICAL_RULE_SIZE)


def make_backend(name: str, *, spark_master: str | None = None, threads: int | None = None) -> Backend:
    if name == "duckdb":
        from lawcode.engine.sql.duckdb_backend import DuckDBBackend

        return DuckDBBackend(threads=threads)
    if name == "spark":
        from lawcode.engine.sql.spark_backend import SparkBackend

        return SparkBackend(master=spark_master)
    raise ValueError(f"unknown SQL backend {name!r}")


def evaluate(
    program: Program,
    snapshot: str | os.PathLike[str] | bytes | Mapping[str, Any],
    *,
    backend: str = "duckdb",
    rulesets: tuple[str, ...] = (),
    name: str | None = None,
    spark_master: str | None = None,
    engine: Backend | None = None,
    timings: dict[str, float] | None = None,
) -> Report:
    """Evaluate `program` over a snapshot with a SQL backend; the report equals the python backend's.

    `timings`, if given, receives the seconds spent loading and evaluating (for bench/).
    """
    import time

    started = time.perf_counter()
    with evaluating(program, snapshot, backend=backend, rulesets=rulesets, name=name, spark_master=spark_master, engine=engine, timings=timings) as stream:
        report = stream.collect()
    if timings is not None:
        timings["eval"] = time.perf_counter() - started - timings["load"]
    return report


@contextlib.contextmanager
def evaluating(
    program: Program,
    snapshot: str | os.PathLike[str] | bytes | Mapping[str, Any],
    *,
    backend: str = "duckdb",
    rulesets: tuple[str, ...] = (),
    name: str | None = None,
    spark_master: str | None = None,
    engine: Backend | None = None,
    timings: dict[str, float] | None = None,
    spark_writes: bool = False,
) -> Iterator[ReportStream]:
    """`evaluate`, as a stream to write inside the block (the backend stays open until it ends):
    each violation is built when a writer asks for it (`engine.formats.pieces`).

    `spark_writes`: on Spark, large batches' rows stay in Spark and their violations are
    Spark's text (`spark_written.py`: for `write_folder`, a folder of parts); otherwise
    the driver builds every violation, as it always has."""
    import time

    started = time.perf_counter()
    source = detect(snapshot, name)
    owned = engine is None
    runner = engine or make_backend(backend, spark_master=spark_master)
    kept = _kept(runner, spark_writes)  # rows kept for the engine to write the report
    try:
        tables = layout(program.schema)
        loaded = runner.load(source, tables, program.schema)
        if timings is not None:
            timings["load"] = time.perf_counter() - started
        root = validate_root(program.schema, loaded.root, loaded.present, tables, source.label, loaded.problems)
        lazy = LazySnapshot(root, source.label, runner, tables, loaded.lengths, loaded.present)
        params, origins = resolve_parameters(program, lazy)
        try:
            batches, shared = plan(program, tables, lazy, params, origins, runner.target)
            created = _create_shared(runner, shared)
            try:
                assembler = Assembler(program, runner, lazy, params, origins, kept)
                stream = assembler.stream(source.label, rulesets, loaded.lengths, runner.name, batches)
            finally:
                _drop_shared(runner, created)
        except Unsupported as exc:
            where = f"{exc.span.file}:{exc.span.line}:{exc.span.column}" if exc.span else None
            raise LawcodeError([Diagnostic("B001", f"the {runner.name} backend cannot evaluate this ruleset: {exc}", where=where, hint="use --backend python")]) from None
        yield stream
    finally:
        if kept is not None:
            kept.drop()
        if owned:
            runner.close()


def _kept(runner: Backend, spark_writes: bool) -> Kept | None:
    """Where large batches' rows stay while the engine writes their violations (None: nowhere)."""
    if runner.name == "duckdb" and hasattr(runner, "con"):
        return Kept(runner)
    if spark_writes and runner.name == "spark" and hasattr(runner, "spark"):
        from lawcode.engine.sql.spark_written import SparkKept

        return SparkKept(runner)
    return None


Shared = list[tuple[str, Any, dict[str, str]]]  # (table name, its SELECT, rendered CREATE per dialect)

_PLANS: dict[tuple[int, bytes, str, frozenset[str], frozenset[str]], tuple[Program, list[Batch], Shared]] = {}
_PLANS_KEPT = 16


def plan(program: Program, tables: Layout, root: LazySnapshot, params: dict[str, Any], origins: dict[str, str | None], target: Target) -> tuple[list[Batch], Shared]:
    """The queries for the rules in force, one per subject collection (platform rules: one),
    and the shared tables to create before them (DuckDB: id indexes and aggregate partials
    that several queries read are computed once per evaluation; see `Generator.finish`).

    They depend on the program, the snapshot's scalar part (parameters, as_of, policy
    fields are literals), the target and which collections are large (their rules share
    one query), so they are kept for the next such snapshot (`lawcode test` evaluates
    hundreds of snapshots with the same scalar part).
    """
    large = frozenset(name for name, n in root.lengths.items() if n >= LARGE_COLLECTION)
    absent = frozenset(name for name in tables.collections if not root.has_collection(name))  # their aggregates are NULL
    try:
        key: tuple[int, bytes, str, frozenset[str], frozenset[str]] | None = (id(program), orjson.dumps(root.data, option=orjson.OPT_SORT_KEYS), target.name, large, absent)
    except TypeError:  # scalars nested past orjson's 254 levels: valid, but not worth keeping a plan for
        key = None
    kept = _PLANS.get(key) if key is not None else None
    if kept is not None and kept[0] is program:
        return kept[1], kept[2]
    in_force = [rule for rule in program.rules if rule.in_force_on(root.as_of)]
    found = too_large_to_inline(program, in_force)
    if found is not None:
        rule, size = found
        raise Unsupported(f"rule `{rule.id}` grows by {size:,} expression nodes once its definitions are written out in SQL (the limit is {MAX_INLINED_NODES:,}): definitions that call others several times multiply", rule.span)
    generator = Generator(program, tables, root, params, origins, target)
    groups: dict[str | None, list[ir.Rule]] = {}
    for rule in program.rules:
        if rule.in_force_on(root.as_of):
            groups.setdefault(rule.collection, []).append(rule)
    batches = [generator.batch(chunk) for name, rules in groups.items() for chunk in _chunks(rules, program, BATCH_BUDGET_LARGE if name in large else BATCH_BUDGET)]
    shared: Shared = [(name, select, {}) for name, select in generator.finish(batches, materialized=target.name == "duckdb")]
    if key is not None:
        if len(_PLANS) >= _PLANS_KEPT:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[key] = (program, batches, shared)
    return batches, shared


def _create_shared(runner: Backend, shared: Shared) -> list[str]:
    """Create the plan's shared tables (temporary, in dependency order); returns their names."""
    from sqlglot import exp

    created: list[str] = []
    for name, select, text in shared:
        statement = exp.Create(this=exp.Table(this=exp.to_identifier(name, quoted=True)), kind="TABLE", expression=select, replace=True, properties=exp.Properties(expressions=[exp.TemporaryProperty()]))
        runner.query(statement, text)
        created.append(name)
    return created


def _drop_shared(runner: Backend, created: list[str]) -> None:
    from sqlglot import exp

    for name in reversed(created):
        runner.query(exp.Drop(tables=[exp.Table(this=exp.to_identifier(name, quoted=True))], kind="TABLE", exists=True))


BATCH_BUDGET = 6  # aggregates and lookups per query: DuckDB's planning time grows faster than linearly
# A collection this large costs more to scan and join than any query takes to plan: all
# its rules go in one query (one scan, each join once) whatever the size of the query.
LARGE_COLLECTION = 500_000
BATCH_BUDGET_LARGE = 1_000


def _chunks(rules: list[ir.Rule], program: Program, budget: int = BATCH_BUDGET) -> list[list[ir.Rule]]:
    """Rules over one collection, in queries of bounded size (one scan each, joins shared within)."""
    out: list[list[ir.Rule]] = []
    chunk: list[ir.Rule] = []
    used = 0
    for rule in rules:
        parts = [p for p in (rule.where, rule.unless, rule.require, *rule.message) if p is not None and not isinstance(p, str)]
        cost = sum(1 for part in parts for n in walk_inlined(part, program) if isinstance(n, ir.Aggregate | ir.Lookup))
        if chunk and used + cost > budget:
            out.append(chunk)
            chunk, used = [], 0
        chunk.append(rule)
        used += cost
    if chunk:
        out.append(chunk)
    return out


def validate_root(schema: SnapshotSchema, root: dict[str, Any], present: set[str], tables: Layout, label: str, found: list[Diagnostic]) -> dict[str, Any]:
    """The scalar parts, validated by jsonschema exactly as the python backend does (collections aside).

    `found` are the collections' errors (from SQL); all are reported together, by path.
    """
    document = dict(root)
    for name in present:
        document[name] = []
    # jsonschema (imported for its messages) only when jsonschema-rs finds the root invalid
    valid = schema_valid(schema, document)
    errors = [] if valid else [e for e in schema_errors(schema, document) if not (e.absolute_path and e.absolute_path[0] in tables.collections)]
    problems = sorted([schema_problem(e, label) for e in errors] + found, key=lambda d: _path_key(d.where or ""))
    if len(problems) > MAX_REPORTED_ERRORS:
        extra = len(problems) - MAX_REPORTED_ERRORS
        problems = [*problems[:MAX_REPORTED_ERRORS], Diagnostic("S010", f"… and {extra} more schema errors", where=label)]
    if not problems:
        try:
            values.parse_date(root.get("as_of"))  # type: ignore[arg-type]
        except (ValueError, TypeError):
            problems.append(Diagnostic("S004", "the snapshot has no valid `as_of` date", where=f"{label} /as_of", hint='add "as_of": "YYYY-MM-DD" and require it in the schema'))
    if problems:
        raise LawcodeError(problems)
    return root


def _path_key(where: str) -> list[str]:
    pointer_part = where.rsplit(" ", 1)[-1]
    return pointer_part.split("/")


__all__ = ["BACKENDS", "Unsupported", "choose", "evaluate", "evaluating", "make_backend"]

"""Result rows → `engine.report.Report`, byte-identical to the python backend's.

The SQL says which subjects are violated or undetermined and returns, per subject, the
message values and the trace probes (see `generate.py`). Here they become the same
`TraceNode`s the reference tracer builds, and the reference code formats them:
`engine.run.evidence` picks and de-duplicates evidence, `values.display` renders
message values, `values.to_json` the evidence values. What SQL does not compute — the
sample of missing pointers behind an unknown aggregate — is computed by the reference
tracer itself on a `LazySnapshot` (`lazy.py`).

Definitions without arguments are traced by the reference only the first time the
report reads them (its tracer caches their value); `seen` reproduces that.

On DuckDB, for large collections, the rows stay in the engine (`written.py`) and the
violations of the rules `render.py` can write come as JSON text (`ReportStream.parts`);
`violations()` still builds every `Violation`, for the formats that need objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import orjson
from sqlglot import exp

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.program import Program
from lawcode.engine import values
from lawcode.engine.evaluate import TraceNode, TracingEvaluator, absent, iter_nodes
from lawcode.engine.jsontext import pointer
from lawcode.engine.report import NotInForce, Report, ReportStream, Subject, Undetermined, Violation, Written
from lawcode.engine.run import MAX_MISSING, evidence, rule_source, subject_key
from lawcode.engine.snapshot import Entity, Snapshot, subject_name
from lawcode.engine.sql import written
from lawcode.engine.sql.lazy import EPOCH, Engine, LazySnapshot, rebuild
from lawcode.engine.sql.probes import Batch, Probe, RuleQuery, reached
from lawcode.engine.sql.render import RuleText, RuleWriter, Unrenderable, groups
from lawcode.engine.sql.tables import POS
from lawcode.engine.sql.written import Kept

Row = tuple[Any, ...]
KEPT_TEXTS = 4  # evaluation keys whose rule texts a batch keeps (`Assembler._rule_texts`)
NAMES_PER_QUERY = 10_000  # positions per query reading display names (`_read_names`)


def from_sql(value: Any, t: T.Type) -> Any:
    """A SQL result value as the reference evaluator's Python value of type `t`."""
    if value is None:
        return None
    return _converter(t)(value)


def _same(value: Any) -> Any:
    return value


def _micros_after_epoch(value: Any) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=int(value))


def _micros(value: Any) -> dt.timedelta:
    return dt.timedelta(microseconds=int(value))


def _day(value: Any) -> Any:
    return value.date() if isinstance(value, dt.datetime) else value


def _record(value: Any) -> Any:
    return {} if value else None


def _number(value: Any) -> Any:
    return value if isinstance(value, int | float) else float(value)  # DECIMAL from an integer division, say


@lru_cache(maxsize=1024)
def _converter(t: T.Type) -> Callable[[Any], Any]:
    """The conversion for values of type `t`, chosen once per type: a report converts
    every value of every violation, and comparing types is the costly part of choosing."""
    if t == T.DATETIME:
        return _micros_after_epoch
    if t == T.DURATION:
        return _micros
    if t == T.DATE:
        return _day
    if t == T.PERIOD or isinstance(t, T.StepType):
        return int
    if isinstance(t, T.RecordType):
        return _record
    if isinstance(t, T.ListType):
        element = t.element
        return lambda value: [from_sql(v, element) for v in value]
    if t == T.NUMBER:
        return _number
    return _same


def _subject_order(query: RuleQuery) -> Callable[[Row], tuple[int, Any, str, int]]:
    """Rows in the reference's order: by subject (id, then position), as `run.subject_key`."""
    column = query.position

    def order(row: Row) -> tuple[int, Any, str, int]:
        found = row[column]
        if found is None:
            return (0, 0, "", -1)
        position = int(found)
        sid = _subject_id(query, row)
        return subject_key(sid if sid is not None else f"#{position}", position)

    return order


def _subject_id(query: RuleQuery, row: Row) -> Any:
    """The subject's `id` as the snapshot holds it (None: none), as the python backend reads it."""
    found = row[query.subject_id]
    return orjson.loads(found) if query.subject_json and found is not None else found


class Assembler:
    def __init__(self, program: Program, engine: Engine, lazy: LazySnapshot, params: dict[str, Any], origins: dict[str, str | None], kept: Kept | None = None) -> None:
        self.kept = kept  # DuckDB: where large batches' rows stay (their violations written by the engine)
        self.texts: dict[str, tuple[str, RuleText]] = {}  # rule → (its rows' table, how SQL writes its violations)
        self.partial: set[str] = set()  # rules whose violated rows stayed in the table
        self.built_in_python: dict[str, str] = {}  # kept rules SQL does not write, and why (bench/, docs)
        self.program = program
        self.engine = engine
        self.lazy = lazy
        self.params = params
        self.origins = origins
        self.ladders = {name: ladder.steps for name, ladder in program.ladders.items()}
        self.seen: set[str] = set()
        self.names: dict[str, dict[int, str | None]] = {}  # collection → position → display name, read ahead

    def report(self, snapshot_name: str, rulesets: tuple[str, ...], lengths: dict[str, int], backend: str, batches: list[Batch]) -> Report:
        return self.stream(snapshot_name, rulesets, lengths, backend, batches).collect()

    def stream(self, snapshot_name: str, rulesets: tuple[str, ...], lengths: dict[str, int], backend: str, batches: list[Batch]) -> ReportStream:
        """The report as a stream: each violation is built when the writer asks for it.

        The reference evaluates rules in program order, and the first trace that reads
        a definition without arguments is the one that shows it (`seen`); the report
        lists rules by id. So one cheap pass in program order notes, per rule, which
        definitions were shown before it (`_seen_before`), and the violations are then
        built in report order from that. Passes run one at a time (they share `seen`).
        """
        root: Snapshot = self.lazy
        not_in_force: list[NotInForce] = []
        checked = 0
        found: dict[str, tuple[Batch, RuleQuery, list[Row]]] = {}
        for batch in batches:
            collection = batch.rules[0].rule.collection
            if collection is not None and not lengths.get(collection, 0):
                rows: list[Row] = []  # no subjects: nothing to ask
            elif self.kept is not None and collection is not None and lengths.get(collection, 0) >= written.MIN_SUBJECTS:
                rows = self._keep(self.kept, batch)
            else:
                rows = self.engine.query(batch.select, batch.text)
            by_position: dict[int, list[Row]] = {}  # the reference's order (the query's is not kept by every plan)
            for query in batch.rules:
                if query.position not in by_position:
                    by_position[query.position] = sorted(rows, key=_subject_order(query))
                found[query.rule.id] = (batch, query, by_position[query.position])
        in_force: list[ir.Rule] = []
        for rule in self.program.rules:
            if not rule.in_force_on(root.as_of):
                not_in_force.append(NotInForce(rule.id, rule.citations, rule.in_force_from, rule.in_force_until, rule.related))
                continue
            checked += 1 if rule.collection is None else lengths.get(rule.collection, 0)
            in_force.append(rule)
        seen_before = self._seen_before(in_force, found)
        ordered = [found[rule.id] for rule in sorted(in_force, key=lambda r: r.id)]

        def violations() -> Iterator[Violation]:
            for entry in ordered:
                yield from self._violations(entry, seen_before)

        def parts() -> Iterator[Violation | Written]:
            for entry in ordered:
                block = self._written(entry[1], seen_before)
                if block is not None:
                    yield block
                else:
                    yield from self._violations(entry, seen_before)

        def undetermined() -> Iterator[Undetermined]:
            for batch, query, rows in ordered:
                self.seen = set(seen_before[query.rule.id])
                self._read_names(query, [row for row in rows if row[query.outcome] and row[query.outcome] != 1])
                for row in rows:
                    if row[query.outcome] == 1:
                        self._walk(query, row)
                    elif row[query.outcome]:
                        yield self._undetermined(query, batch.types, row)

        return ReportStream(
            as_of=root.as_of,
            snapshot=snapshot_name,
            rulesets=rulesets,
            rules=self.program.rules,
            not_in_force=tuple(sorted(not_in_force, key=lambda n: n.rule)),
            subjects_checked=checked,
            violations=violations,
            undetermined=undetermined,
            backend=backend,
            documents=self.program.documents,
            parts=parts if self.texts else None,
        )

    def _keep(self, kept: Kept, batch: Batch) -> list[Row]:
        """Keep the batch's rows in the engine; returns those Python still needs: every
        unsatisfied row of the rules it builds itself (or that show a definition's facts:
        `_seen_before` walks them), the undetermined rows of the others."""
        dialect = kept.dialect
        text = batch.text.get(dialect) or batch.text.setdefault(dialect, batch.select.sql(dialect=dialect))
        name, duck = kept.keep(text)
        texts = self._rule_texts(kept, batch, duck)
        wanted: list[exp.Expr] = []
        for query in batch.rules:
            outcome = exp.column(f"c{query.outcome}", quoted=True)
            found = texts[query.rule.id]
            if isinstance(found, RuleText):
                self.texts[query.rule.id] = (name, found)
            else:
                self.built_in_python[query.rule.id] = found
            if query.rule.id in self.texts and not groups(query):
                self.partial.add(query.rule.id)
                wanted.append(exp.EQ(this=outcome, expression=exp.Literal.number(2)))
            else:
                wanted.append(exp.NEQ(this=outcome, expression=exp.Literal.number(0)))
        return kept.rows(name, exp.or_(*wanted))

    def _rule_texts(self, kept: Kept, batch: Batch, duck: list[str]) -> dict[str, RuleText | str]:
        """Per rule of the batch, how the engine writes its violations, or why it cannot.

        Building them is most of a small evaluation's time (sqlglot trees for every rule's
        item, its marks): kept on the batch, which the plan cache keeps, for as long as
        what they are built from is the same: the engine, the result's column types, the
        day of the snapshot (citations in force) and which collections it has."""
        present = frozenset(c for c in self.lazy.layout.collections if self.lazy.has_collection(c))
        key = (kept.dialect, tuple(duck), self.lazy.as_of, present)
        found = batch.written.get(key)
        if found is not None:
            return found
        writer = RuleWriter(self.program, self.lazy.as_of, self.ladders, self.lazy.has_collection, self.lazy.layout)
        found = {}
        for query in batch.rules:
            try:
                found[query.rule.id] = kept.adapt(writer.rule_text(query, batch.types, duck), query)
            except Unrenderable as exc:
                found[query.rule.id] = str(exc)
        if len(batch.written) >= KEPT_TEXTS:
            del batch.written[next(iter(batch.written))]  # the oldest: a process evaluating many days
        batch.written[key] = found
        return found

    def _written(self, query: RuleQuery, seen_before: dict[str, frozenset[str]]) -> Written | None:
        """The rule's violations as the engine writes them, when it can write them all exactly."""
        found = self.texts.get(query.rule.id)
        if found is None or self.kept is None or not groups(query) <= seen_before[query.rule.id]:
            return None
        name, text = found
        return self.kept.written(name, text) if self.kept.writable(name, text) else None

    def _violations(self, entry: tuple[Batch, RuleQuery, list[Row]], seen_before: dict[str, frozenset[str]]) -> Iterator[Violation]:
        batch, query, rows = entry
        self.seen = set(seen_before[query.rule.id])
        if query.rule.id in self.partial and self.kept is not None:  # its violated rows stayed in the engine
            name, text = self.texts[query.rule.id]
            found = self.kept.rows(name, exp.column(text.outcome, quoted=True).eq(1))
            rows = sorted(found, key=_subject_order(query))
        self._read_names(query, [row for row in rows if row[query.outcome] == 1])
        for row in rows:
            if row[query.outcome] == 1:
                yield self._violation(query, batch.types, row)
            elif row[query.outcome]:
                self._walk(query, row)

    def _seen_before(self, in_force: list[ir.Rule], found: dict[str, tuple[Batch, RuleQuery, list[Row]]]) -> dict[str, frozenset[str]]:
        """Per rule, the definitions the reference has shown when it starts that rule."""
        self.seen = set()
        out: dict[str, frozenset[str]] = {}
        for rule in in_force:  # the reference's order
            out[rule.id] = frozenset(self.seen)
            _, query, rows = found[rule.id]
            for row in rows:
                if row[query.outcome]:
                    self._walk(query, row)
        return out

    def _walk(self, query: RuleQuery, row: Row) -> None:
        """What `_nodes` does to `seen` for this row, without building anything."""
        for probes in query.probes:
            self._walk_probes(probes, row)

    def _walk_probes(self, probes: list[Probe], row: Row) -> None:
        for probe in probes:
            if probe.kind == "group" and probe.name not in self.seen and reached(probe.visit, row):
                self.seen.add(probe.name)
                self._walk_probes(probe.items, row)

    def _subject(self, query: RuleQuery, row: Row) -> Subject | None:
        rule = query.rule
        if rule.collection is None:
            return None
        position = int(row[query.position])
        raw_id = _subject_id(query, row)
        sid = raw_id if raw_id is not None else f"#{position}"
        name = self._name(rule.collection, position) if self.program.schema.display_name(rule.collection) else None
        return Subject(rule.collection, sid, pointer(rule.collection, position), position, name)

    def _name(self, collection: str, position: int) -> str | None:
        read = self.names.get(collection, {})
        if position in read:
            return read[position]
        return subject_name(self.program.schema, collection, self.lazy.collection(collection)[position])

    def _read_names(self, query: RuleQuery, rows: list[Row]) -> None:
        """The display names of these rows' subjects, read in one query per `NAMES_PER_QUERY`:
        `_name` would otherwise fetch each subject's whole element, with its neighbours
        (`lazy.LazyRows`), for one field. Rebuilt as `lazy.rebuild` rebuilds an element, so
        `subject_name` reads them as it reads the element."""
        collection = query.rule.collection
        path = self.program.schema.display_name(collection) if collection is not None else None
        table = self.lazy.layout.collections.get(collection) if collection is not None and path is not None else None
        if collection is None or path is None or table is None:
            return
        columns = [table.column(path[:depth]) for depth in range(1, len(path) + 1)]
        if any(c is None for c in columns):
            return
        read = self.names.setdefault(collection, {})
        wanted = sorted({int(row[query.position]) for row in rows if row[query.position] is not None} - read.keys())
        alias = exp.TableAlias(this=exp.to_identifier("t"))
        for start in range(0, len(wanted), NAMES_PER_QUERY):
            part = wanted[start : start + NAMES_PER_QUERY]
            items = [exp.column(POS, table="t", quoted=True), *[self.engine.target.wire(exp.column(c.name, table="t", quoted=True), c.type) for c in columns if c is not None]]
            where = exp.In(this=exp.column(POS, table="t", quoted=True), expressions=[exp.Literal.number(p) for p in part])
            select = exp.select(*items).from_(exp.Table(this=exp.to_identifier(table.table, quoted=True), alias=alias.copy())).where(where)
            for found in self.engine.query(select):
                read[int(found[0])] = subject_name(self.program.schema, collection, rebuild(columns, found[1:]))

    def _trace(self, query: RuleQuery, row: Row) -> TraceNode:
        root = TraceNode(ir.Const(None, T.UNKNOWN, query.rule.span))
        for probes in query.probes:
            root.children.extend(self._nodes(probes, row))
        return root

    def _violation(self, query: RuleQuery, types: list[T.Type], row: Row) -> Violation:
        rule = query.rule
        subject = self._subject(query, row)
        message = self._message(query, types, row)
        found = evidence(self.program, [self._trace(query, row)], self.ladders)
        return Violation(rule.id, rule.title, rule.severity, rule.kind, rule.citations_on(self.lazy.as_of), subject, message, found, rule_source(rule), rule.related)

    def _undetermined(self, query: RuleQuery, types: list[T.Type], row: Row) -> Undetermined:
        rule = query.rule
        subject = self._subject(query, row)
        message = self._message(query, types, row)
        missing = [p for n in iter_nodes(self._trace(query, row)) for p in n.missing]
        return Undetermined(rule.id, rule.severity, rule.citations_on(self.lazy.as_of), subject, tuple(dict.fromkeys(missing))[:MAX_MISSING], message)

    def _message(self, query: RuleQuery, types: list[T.Type], row: Row) -> str:
        out = []
        for piece in query.message:
            if isinstance(piece, str):
                out.append(piece)
            elif isinstance(piece, tuple):
                expr, value = piece
                out.append(values.display(value, expr.type, self.ladders))
            else:
                expr_type, value = types[piece], row[piece]
                listed = isinstance(expr_type, T.ListType) and isinstance(value, str)  # a list of objects or of lists: its JSON
                out.append(values.display(values.convert(orjson.loads(value), expr_type) if listed else from_sql(value, expr_type), expr_type, self.ladders))
        return "".join(out)

    # ------------------------------------------------------------ traces
    def _nodes(self, probes: list[Probe], row: Row) -> Iterator[TraceNode]:
        for probe in probes:
            if not reached(probe.visit, row):
                continue
            if probe.kind == "group":
                if probe.name in self.seen:
                    continue
                self.seen.add(probe.name)
                yield from self._nodes(probe.items, row)
                continue
            yield self._node(probe, row)

    def _node(self, probe: Probe, row: Row) -> TraceNode:
        expr = probe.expr
        node = TraceNode(expr)
        if probe.kind == "static":
            node.value, node.pointer, node.note = probe.static_value, probe.static_pointer, probe.static_note
            if isinstance(expr, ir.Field) and node.value is None:
                node.missing.append(node.pointer or "")
        elif probe.kind == "field":
            base = row[probe.base]
            if base is not None:
                assert probe.collection is not None
                node.pointer = pointer(probe.collection, int(base)) + probe.suffix
                value = row[probe.value]
                node.value = values.convert(orjson.loads(value), expr.type) if probe.json and isinstance(value, str | bytes) else from_sql(value, expr.type)
                if node.value is None:
                    node.missing.append(node.pointer)
        elif probe.kind == "lookup":
            assert isinstance(expr, ir.Lookup)
            key = from_sql(row[probe.key], expr.key.type)
            if key is not None and not self.lazy.has_collection(expr.collection):
                absent(node, expr.collection)
            elif key is not None:
                found = row[probe.base]
                if found is None:
                    node.note = f"no element of {expr.collection} has id {key!r}"
                    node.missing.append(pointer(expr.collection) + f"?id={key}")
                else:
                    node.pointer = pointer(expr.collection, int(found))
        elif probe.kind == "escalate":
            node.value = from_sql(row[probe.value], expr.type)
            node.pointer, node.note = probe.static_pointer, probe.static_note
        elif probe.kind == "aggregate":
            self._aggregate(probe, row, node)
        return node

    def _aggregate(self, probe: Probe, row: Row, node: TraceNode) -> None:
        expr = probe.expr
        assert isinstance(expr, ir.Aggregate)
        if isinstance(expr.source, ir.CollectionRef) and not self.lazy.has_collection(expr.source.collection):
            absent(node, expr.source.collection)
            return
        if not row[probe.key]:
            return  # an outer key (or the list) is missing: the reference stops before noting anything
        node.value = from_sql(row[probe.value], expr.type)
        if isinstance(expr.source, ir.CollectionRef):
            count = int(row[probe.count])
            node.pointer = pointer(expr.source.collection)
            node.note = f"{count} element(s) matched the key" if expr.keys else f"{count} element(s)"
        if node.value is not None:
            return
        env: dict[str, Any] = {}
        for name, (index, t, entity) in probe.env.items():
            value = row[index]
            if entity is not None:
                env[name] = None if value is None else Entity(entity, int(value), self.lazy.collection(entity)[int(value)])
            else:
                env[name] = from_sql(value, t)
        tracer = TracingEvaluator(self.program, self.lazy, self.params, self.origins)
        elements: Any
        if isinstance(expr.source, ir.CollectionRef):
            elements = self._candidates(expr, [from_sql(row[i], e.type) for i, (_, e) in zip(probe.outer_keys, expr.keys, strict=True)])
        else:
            source = row[probe.source]
            elements = values.convert(orjson.loads(source), expr.source.type) if probe.source_json and isinstance(source, str | bytes) else from_sql(source, expr.source.type)
        node.missing.extend(tracer._missing_in(expr, env, elements))
        if not node.missing and isinstance(expr.source, ir.CollectionRef):
            node.missing.append(pointer(expr.source.collection))

    def _candidates(self, expr: ir.Aggregate, outer: list[Any]) -> Iterator[Entity]:
        """The reference's candidates, in its order: key matches, then elements with a missing key."""
        assert isinstance(expr.source, ir.CollectionRef)
        name = expr.source.collection
        rows = self.lazy.collection(name)
        if not expr.keys:
            for i, item in enumerate(rows):
                yield Entity(name, i, item)
            return
        from lawcode.engine.snapshot import index_key

        index, unknown = self.lazy.keyed(name, tuple(p for p, _ in expr.keys))
        for i in index.get(tuple(index_key(v) for v in outer), []):
            yield Entity(name, i, rows[i])
        for i in unknown:
            yield Entity(name, i, rows[i])

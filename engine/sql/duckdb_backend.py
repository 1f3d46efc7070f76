"""The embedded DuckDB backend: load a snapshot into typed tables, run generated SQL.

Loading never builds a Python tree of the collections: JSON is parsed by DuckDB with a
column spec derived from the JSON Schema (`tables.raw_type`), JSON Lines likewise, and
Parquet directories are only views. The scalar parts (as_of, policy, …) are the only
JSON that comes to Python.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlglot import exp

from lawcode.compiler.schema import SnapshotSchema
from lawcode.diagnostics import Diagnostic, LawcodeError
from lawcode.engine.snapshot import MAX_REPORTED_ERRORS, pointer
from lawcode.engine.sql import validate
from lawcode.engine.sql.dialects import TARGETS
from lawcode.engine.sql.inputs import Source, collection_file, root_file
from lawcode.engine.sql.tables import POS, Collection, Layout, raw_type, scalar_sql_type, sql_type


@dataclass(slots=True)
class Loaded:
    """What loading leaves in the database and in Python."""

    root: dict[str, Any]  # the scalar parts of the snapshot, as JSON values
    lengths: dict[str, int]
    present: set[str] = field(default_factory=set)  # collections the input has (for `required`)
    problems: list[Diagnostic] = field(default_factory=list)  # schema errors in the collections


def _lower(text: str) -> str:
    return text.lower()


def q(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def table(name: str) -> exp.Table:
    return exp.Table(this=q(name))


def struct_path(base: exp.Expr, path: tuple[str, ...]) -> exp.Expr:
    out = base
    for part in path:
        out = exp.Anonymous(this="struct_extract", expressions=[out, exp.Literal.string(part)])
    return out


class DuckDBBackend:
    name = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        import duckdb

        config: dict[str, Any] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        self.con = duckdb.connect(":memory:", config=config)
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET enable_progress_bar = false")  # DuckDB draws one on stdout for long queries, even off a terminal
        # DuckDB 2.0.0's statistics propagation turns `CASE WHEN coalesce(p.n, 0) > 0 THEN FALSE …`
        # into the wrong branch over our aggregate CTEs (found by the differential tests; the
        # reproduction is in docs/performance.md). Correct answers first: the pass is off.
        self.con.execute("SET disabled_optimizers = 'statistics_propagation'")
        self.target = TARGETS["duckdb"]
        self._functions = False  # registered on first use: registering imports numpy (~0.1 s)
        self._tmp: list[str] = []

    # ------------------------------------------------------------ running
    def sql(self, statement: exp.Expr) -> str:
        return statement.sql(dialect="duckdb")

    def query(self, select: exp.Expr, cache: dict[str, str] | None = None) -> list[tuple[Any, ...]]:
        if cache is None:
            text = self.sql(select)
        else:
            text = cache.get("duckdb") or cache.setdefault("duckdb", self.sql(select))
        self._register(text)
        rows: list[tuple[Any, ...]] = self.con.execute(text).fetchall()
        return rows

    def execute(self, statement: exp.Expr) -> None:
        text = self.sql(statement)
        self._register(text)
        self.con.execute(text)

    def _register(self, text: str) -> None:
        """Python's `str.lower` as `lawcode_lower`, the reference's lowercase, when a query needs it."""
        if self._functions or "lawcode_lower" not in text.lower():  # sqlglot renders it LAWCODE_LOWER
            return
        import duckdb

        self.con.create_function("lawcode_lower", _lower, [duckdb.sqltypes.VARCHAR], duckdb.sqltypes.VARCHAR)
        self._functions = True

    def close(self) -> None:
        self.con.close()
        for path in self._tmp:
            Path(path).unlink(missing_ok=True)

    # ------------------------------------------------------------ loading
    def load(self, source: Source, layout: Layout, schema: SnapshotSchema) -> Loaded:
        if source.form == "data":
            return self._load_json(self._spill(source.data), source.label, layout, schema)
        assert source.path is not None
        if source.form == "json":
            return self._load_json(source.path, source.label, layout, schema)
        if source.form == "jsonl":
            return self._load_jsonl(source.path, source.label, layout, schema)
        return self._load_parquet(source.path, source.label, layout)

    def _spill(self, data: Any) -> str:
        """An in-memory document goes through a temporary file (DuckDB reads files)."""
        raw = data if isinstance(data, bytes) else orjson.dumps(data)
        fd, path = tempfile.mkstemp(suffix=".json", prefix="lawcode-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        self._tmp.append(path)
        return path

    def _read_error(self, exc: Exception, label: str) -> LawcodeError:
        text = str(exc).split("\n")[0]
        return LawcodeError([Diagnostic("S002", f"the snapshot cannot be read: {text}", where=label, hint="check that it is valid JSON of the shape the schema describes")])

    def _load_json(self, path: str, label: str, layout: Layout, schema: SnapshotSchema) -> Loaded:
        import duckdb

        props = schema.properties(schema.root)
        columns = {name: raw_type(schema, props[name]) for name in layout.collections}
        for name in layout.scalars:
            columns[name] = "JSON"
        try:
            size = Path(path).stat().st_size
        except OSError as exc:
            raise LawcodeError([Diagnostic("S001", f"cannot read the snapshot: {exc.strerror or exc}", where=label)]) from None
        try:
            doc = self.con.read_json(path, columns=columns, format="auto", maximum_object_size=max(size + 1, 1 << 24))
            doc.to_table("lawcode_doc")
        except duckdb.Error as exc:
            located = self._locate_json(path, size, label, layout, schema)
            raise located or self._read_error(exc, label) from None
        try:
            heads: list[exp.Expr] = [exp.column(q(n).this, quoted=True) for n in layout.scalars] or [exp.Literal.number(1)]
            head = self.query(exp.select(*heads, copy=False).from_(table("lawcode_doc"), copy=False))
            if len(head) != 1:
                raise LawcodeError([Diagnostic("S003", "a snapshot is one JSON object", where=label, hint='start it with {"as_of": "YYYY-MM-DD", …}')])
            root = {n: orjson.loads(v) for n, v in zip(layout.scalars, head[0], strict=False) if v is not None}
            flags: list[exp.Expr] = [exp.Not(this=exp.Is(this=exp.column(n, quoted=True), expression=exp.Null())) for n in layout.collections] or [exp.true()]
            present_rows = self.query(exp.select(*flags, copy=False).from_(table("lawcode_doc"), copy=False))
            present = {n for n, ok in zip(layout.collections, present_rows[0], strict=False) if ok}
            problems: list[Diagnostic] = []
            lengths: dict[str, int] = {}
            for name, coll in layout.collections.items():
                unnest = exp.select(
                    exp.alias_(exp.Sub(this=exp.Anonymous(this="generate_subscripts", expressions=[exp.column(name, quoted=True), exp.Literal.number(1)]), expression=exp.Literal.number(1)), POS, quoted=True, copy=False),
                    exp.alias_(exp.Anonymous(this="unnest", expressions=[exp.column(name, quoted=True)]), "e", quoted=True, copy=False),
                ).from_(table("lawcode_doc"), copy=False)
                self.execute(exp.Create(this=table(f"raw_{name}"), kind="TABLE", expression=unnest))
                problems += self._check(coll, f"raw_{name}", lambda p: struct_path(exp.column("e", quoted=True), p), label, typed=set())
                self._typed(coll, f"raw_{name}", lambda p: struct_path(exp.column("e", quoted=True), p))
                self.execute(exp.Drop(tables=[table(f"raw_{name}")], kind="TABLE"))
                lengths[name] = self._length(coll)
            self.execute(exp.Drop(tables=[table("lawcode_doc")], kind="TABLE"))
        except duckdb.Error as exc:
            raise self._read_error(exc, label) from None
        return Loaded(root, lengths, present, problems)

    def _load_jsonl(self, directory: str, label: str, layout: Layout, schema: SnapshotSchema) -> Loaded:
        import duckdb

        base = Path(directory)
        root_path = Path(root_file(directory, "jsonl"))
        root: dict[str, Any] = {}
        if root_path.exists():
            try:
                loaded = orjson.loads(root_path.read_bytes())
            except orjson.JSONDecodeError as exc:
                raise LawcodeError([Diagnostic("S002", f"the snapshot's scalar part is not valid JSON: {exc}", where=str(root_path))]) from None
            if not isinstance(loaded, dict):
                raise LawcodeError([Diagnostic("S003", "the scalar part is one JSON object", where=str(root_path))])
            root = loaded
        problems: list[Diagnostic] = []
        lengths: dict[str, int] = {}
        present: set[str] = set()
        for name, coll in layout.collections.items():
            path = Path(collection_file(directory, name, "jsonl"))
            if not path.exists() and (base / f"{name}.ndjson").exists():
                path = base / f"{name}.ndjson"
            element = schema.collections()[name]
            fields = schema.properties(element)
            if path.exists():
                present.add(name)
                columns = {f: raw_type(schema, sub) for f, sub in fields.items()} or {"id": "JSON"}
                try:
                    if path.stat().st_size == 0:
                        raise FileNotFoundError
                    rel = self.con.read_json(str(path), columns=columns, format="newline_delimited", maximum_object_size=1 << 26)
                    rel.to_table(f"raw_{name}")
                except FileNotFoundError:
                    self._empty(coll, f"raw_{name}", columns)
                except duckdb.Error as exc:
                    located = self._locate_lines(path, label, name, coll, schema)
                    raise located or self._read_error(exc, f"{label} ({path.name})") from None
            else:
                self._empty(coll, f"raw_{name}", {f: raw_type(schema, sub) for f, sub in fields.items()} or {"id": "JSON"})

            def raw(p: tuple[str, ...]) -> exp.Expr:
                return struct_path(exp.column(p[0], quoted=True), p[1:])

            with_pos = exp.select(exp.alias_(exp.column("rowid"), POS, quoted=True, copy=False), exp.Star(), copy=False).from_(table(f"raw_{name}"), copy=False)
            self.execute(exp.Create(this=table(f"rawp_{name}"), kind="TABLE", expression=with_pos))
            self.execute(exp.Drop(tables=[table(f"raw_{name}")], kind="TABLE"))
            problems += self._check(coll, f"rawp_{name}", raw, label, typed=set())
            self._typed(coll, f"rawp_{name}", raw)
            self.execute(exp.Drop(tables=[table(f"rawp_{name}")], kind="TABLE"))
            lengths[name] = self._length(coll)
        return Loaded(root, lengths, present, problems)

    def _empty(self, coll: Collection, name: str, columns: dict[str, str]) -> None:
        items = [exp.alias_(exp.Cast(this=exp.Null(), to=exp.DataType.build(t, dialect="duckdb")), c, quoted=True, copy=False) for c, t in columns.items()]
        self.execute(exp.Create(this=table(name), kind="TABLE", expression=exp.select(*items, copy=False).limit(0, copy=False)))

    def _load_parquet(self, directory: str, label: str, layout: Layout) -> Loaded:
        import duckdb

        root: dict[str, Any] = {}
        root_path = root_file(directory, "parquet")
        try:
            if Path(root_path).exists():
                rel = self.con.read_parquet(root_path)
                names = rel.columns
                rows = rel.fetchall()
                if rows:
                    root = {n: orjson.loads(v) for n, v in zip(names, rows[0], strict=True) if v is not None}
        except (duckdb.Error, orjson.JSONDecodeError) as exc:
            raise self._read_error(exc, f"{label} ({root_path})") from None
        problems: list[Diagnostic] = []
        lengths: dict[str, int] = {}
        present: set[str] = set()
        for name, coll in layout.collections.items():
            path = collection_file(directory, name, "parquet")
            if not Path(path).exists():
                self._empty_typed(coll)
                lengths[name] = 0
                continue
            present.add(name)
            try:
                rel = self.con.read_parquet(path, file_row_number=True)
                types = {c: str(t).upper() for c, t in zip(rel.columns, rel.types, strict=True)}
            except duckdb.Error as exc:
                raise self._read_error(exc, f"{label} ({path})") from None
            problems += self._parquet_types(coll, types, label, path)
            if problems:
                continue
            source = exp.Anonymous(this="read_parquet", expressions=[exp.Literal.string(path), exp.EQ(this=exp.column("file_row_number"), expression=exp.true())])
            typed = {c.name for c in coll.columns if types.get(c.name, "").replace(" ", "") == sql_type(c).replace(" ", "")}
            position = exp.column(POS, quoted=True) if POS in types else exp.column("file_row_number")
            items: list[exp.Expr] = [exp.alias_(position, POS, quoted=True, copy=False)]
            for column in coll.columns:
                if column.name not in types:
                    items.append(exp.alias_(exp.Cast(this=exp.Null(), to=exp.DataType.build(sql_type(column), dialect="duckdb")), column.name, quoted=True, copy=False))
                elif column.name in typed:
                    items.append(exp.alias_(exp.column(column.name, quoted=True), column.name, quoted=True, copy=False))
                else:
                    items.append(exp.alias_(validate.convert(exp.column(column.name, quoted=True), column), column.name, quoted=True, copy=False))
            view = exp.select(*items, copy=False).from_(exp.Table(this=source), copy=False)
            self.execute(exp.Create(this=table(coll.table), kind="VIEW", expression=view))
            raw_view = exp.select(exp.alias_(position, POS, quoted=True, copy=False), exp.Star(), copy=False).from_(exp.Table(this=source.copy()), copy=False)
            self.execute(exp.Create(this=table(f"rawp_{name}"), kind="VIEW", expression=raw_view))
            problems += self._check(coll, f"rawp_{name}", lambda p: exp.column(".".join(p), quoted=True), label, typed=typed)
            lengths[name] = self._length(coll)
        return Loaded(root, lengths, present, problems)

    def _parquet_types(self, coll: Collection, types: dict[str, str], label: str, path: str) -> list[Diagnostic]:
        out = []
        for column in coll.columns:
            found = types.get(column.name)
            if found is None:
                continue
            want = sql_type(column).replace(" ", "")
            have = found.replace(" ", "")
            accepted = {want}
            if column.kind == "string" and not column.is_record:
                accepted.add("VARCHAR")
            if column.kind in ("integer", "number"):
                accepted |= {"BIGINT", "INTEGER", "DOUBLE", "FLOAT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"}
            if column.type.name == "datetime":
                accepted |= {"TIMESTAMPWITHTIMEZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"}
            if have not in accepted and not (have.startswith("DECIMAL") and column.kind == "number"):
                out.append(Diagnostic("S010", f"column `{column.name}` is {found}, the schema needs {want}", where=f"{label} {pointer(coll.name)}", hint=f"in {path}: convert the snapshot with `lawcode snapshot convert`"))
        return out

    def _empty_typed(self, coll: Collection) -> None:
        items = [exp.alias_(exp.Cast(this=exp.Null(), to=exp.DataType.build("BIGINT")), POS, quoted=True, copy=False)]
        items += [exp.alias_(exp.Cast(this=exp.Null(), to=exp.DataType.build(sql_type(c), dialect="duckdb")), c.name, quoted=True, copy=False) for c in coll.columns]
        self.execute(exp.Create(this=table(coll.table), kind="TABLE", expression=exp.select(*items, copy=False).limit(0, copy=False)))

    def _typed(self, coll: Collection, raw_table: str, raw: Any) -> None:
        items = [exp.alias_(exp.column(POS, quoted=True), POS, quoted=True, copy=False)]
        for column in coll.columns:
            items.append(exp.alias_(validate.convert(raw(column.path), column), column.name, quoted=True, copy=False))
        select = exp.select(*items, copy=False).from_(table(raw_table), copy=False).order_by(exp.column(POS, quoted=True), copy=False)
        self.execute(exp.Create(this=table(coll.table), kind="TABLE", expression=select))

    def _length(self, coll: Collection) -> int:
        rows = self.query(exp.select(exp.Count(this=exp.Star()), copy=False).from_(table(coll.table), copy=False))
        return int(rows[0][0])

    def _check(self, coll: Collection, raw_table: str, raw: Any, label: str, typed: set[str]) -> list[Diagnostic]:
        query, found = validate.check_query(coll, table(raw_table), raw, typed=typed)
        if query is None:
            return []
        rows = self.query(query)
        return validate.diagnostics(coll, found, rows, label)

    # ------------------------------------------------------------ locating type errors
    def _locate_json(self, path: str, size: int, label: str, layout: Layout, schema: SnapshotSchema) -> LawcodeError | None:
        """The typed read failed: read each collection as raw JSON and name the bad values."""
        import duckdb

        columns = {name: "JSON" for name in layout.collections}
        try:
            doc = self.con.read_json(path, columns=columns, format="auto", maximum_object_size=max(size + 1, 1 << 24))
            doc.to_table("lawcode_locate")
        except duckdb.Error:
            return None
        problems: list[Diagnostic] = []
        for name, coll in layout.collections.items():
            problems += self._type_errors(coll, exp.column(name, quoted=True), "lawcode_locate", label, schema, array=True)
        self.execute(exp.Drop(tables=[table("lawcode_locate")], kind="TABLE"))
        return LawcodeError(problems[: MAX_REPORTED_ERRORS]) if problems else None

    def _locate_lines(self, path: Path, label: str, name: str, coll: Collection, schema: SnapshotSchema) -> LawcodeError | None:
        import duckdb

        try:
            rel = self.con.read_json(str(path), columns={"json": "JSON"}, format="newline_delimited", records="false", maximum_object_size=1 << 26)
            rel.to_table("lawcode_locate")
        except duckdb.Error:
            return None
        problems = self._type_errors(coll, exp.column("json", quoted=True), "lawcode_locate", label, schema, array=False)
        self.execute(exp.Drop(tables=[table("lawcode_locate")], kind="TABLE"))
        return LawcodeError(problems[: MAX_REPORTED_ERRORS]) if problems else None

    def _type_errors(self, coll: Collection, value: exp.Expr, source: str, label: str, schema: SnapshotSchema, *, array: bool) -> list[Diagnostic]:
        fn = exp.Anonymous
        if array:
            elements = exp.select(
                exp.alias_(exp.Sub(this=fn(this="generate_subscripts", expressions=[exp.Cast(this=value, to=exp.DataType.build("JSON[]")), exp.Literal.number(1)]), expression=exp.Literal.number(1)), "p", copy=False),
                exp.alias_(fn(this="unnest", expressions=[exp.Cast(this=value, to=exp.DataType.build("JSON[]"))]), "e", copy=False),
            ).from_(table(source), copy=False)
        else:
            elements = exp.select(exp.alias_(exp.column("rowid"), "p", copy=False), exp.alias_(value, "e", copy=False)).from_(table(source), copy=False)
        checks: list[exp.Select] = []
        wanted: list[tuple[tuple[str, ...], str]] = [((), "object")]
        wanted += [(c.path, c.kind) for c in coll.columns]
        for i, (path, kind) in enumerate(wanted):
            json_path = "$" + "".join(f'."{p}"' for p in path)
            extracted = fn(this="json_extract", expressions=[exp.column("e"), exp.Literal.string(json_path)])
            jtype = fn(this="json_type", expressions=[extracted])
            allowed = [exp.Literal.string(t) for t in validate.JSON_TYPES[kind]]
            bad = exp.and_(
                exp.Not(this=exp.Is(this=extracted, expression=exp.Null())),
                exp.NEQ(this=jtype, expression=exp.Literal.string("NULL")),
                exp.Not(this=exp.In(this=jtype, expressions=allowed)),
            copy=False,
            )
            checks.append(
                exp.select(exp.alias_(exp.Literal.number(i), "c", copy=False), exp.column("p"), exp.alias_(exp.Cast(this=extracted, to=exp.DataType.build("VARCHAR")), "v", copy=False))
                .from_(elements.subquery("x"), copy=False)
                .where(bad, copy=False)
                .limit(MAX_REPORTED_ERRORS, copy=False)
            )
        query: exp.Expr = checks[0]
        for part in checks[1:]:
            query = exp.union(query, part, distinct=False, copy=False)
        out = []
        for index, position, text in self.query(query):
            path, kind = wanted[int(index)]
            raw = orjson.loads(text)
            where = pointer(coll.name, int(position), *path)
            json_name = {"integer": "integer", "number": "number", "string": "string", "boolean": "boolean", "object": "object", "array": "array"}[kind]
            out.append(((coll.name, int(position), *path), Diagnostic("S010", f"{raw!r} is not of type {json_name!r}", where=f"{label} {where}")))
        out.sort(key=lambda x: tuple(map(str, x[0])))
        return [d for _, d in out]


__all__ = ["DuckDBBackend", "Loaded", "scalar_sql_type"]

"""The embedded DuckDB backend: load a snapshot into typed tables, run generated SQL.

Loading never builds a Python tree of the collections. A JSON document is cut into JSON
Lines per collection (`stream.py`, bounded memory), which DuckDB reads as a stream with a
column spec derived from the JSON Schema (`tables.raw_type`: fields as JSON, so their
JSON types can be checked), converted on the way into the typed tables; JSON Lines directories are read the same way, Parquet directories are only views.
The scalar parts (as_of, policy, …) are the only JSON that comes to Python.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlglot import exp

from lawcode.compiler.schema import SnapshotSchema
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.engine import jsontext
from lawcode.engine.jsontext import pointer, shown
from lawcode.engine.snapshot import (
    DEFAULT_MAX_BYTES,
    MAX_REPORTED_ERRORS,
    parse_json,
    repeated_id,
    schema_errors,
    schema_problem,
)
from lawcode.engine.sql import validate
from lawcode.engine.sql.dialects import TARGETS
from lawcode.engine.sql.inputs import Source, collection_file, root_file
from lawcode.engine.sql.load_cache import (
    KeptTables,
    empty_statement,
    flagged_checks,
    parquet_checks,
    typed_statements,
)
from lawcode.engine.sql.tables import (
    POS,
    Collection,
    Layout,
    raw_type,
    scalar_sql_type,
    sql_type,
    typed_sql_type,
)

if TYPE_CHECKING:  # stream.py imports numpy: only the JSON paths load it
    from lawcode.engine.sql.stream import Part, Split

COMPRESS_BYTES = 32 << 20  # JSON Lines read: from this size on the tables are compressed after loading


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


def _text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


class DuckDBBackend:
    """One DuckDB connection: a snapshot loaded into typed tables, generated SQL run on them.

    With `reuse=True` the connection serves many evaluations in turn (`lawcode test` runs
    hundreds of cases that patch a few elements of one base snapshot): each `load` first
    drops what the previous evaluation left, and a collection whose JSON Lines are
    byte-identical to one loaded before, under the same schema, gets a view over the
    typed table kept from then instead of being read, converted and checked again.
    """

    name = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None, reuse: bool = False) -> None:
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
        # Freed memory goes back to the system at once: otherwise the allocator keeps what a
        # JSON read buffer or a finished query held, and the process's peak grows by tens of MB.
        self.con.execute("SET allocator_background_threads = true")
        self.con.execute("SET allocator_bulk_deallocation_flush_threshold = '1MB'")
        # Tables live in an in-memory database that compresses them on CHECKPOINT (done after
        # loading large JSON, `_load_lines`): a million users' typed rows take 18 MB, not 56.
        self.con.execute("ATTACH ':memory:' AS lawcode_db (COMPRESS)")
        self.con.execute("USE lawcode_db")
        self.target = TARGETS["duckdb"]
        self._functions = False  # registered on first use: registering imports numpy (~0.1 s)
        self.kept = KeptTables(self.con) if reuse else None  # typed tables kept for later loads

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

    # ------------------------------------------------------------ loading
    def load(self, source: Source, layout: Layout, schema: SnapshotSchema) -> Loaded:
        if self.kept is not None:
            self.kept.clear()
        if source.form in ("json", "data"):
            return self._load_document(source, layout, schema)
        assert source.path is not None
        if source.form == "jsonl":
            return self._load_jsonl(source.path, source.label, layout, schema)
        return self._load_parquet(source.path, source.label, layout, schema)

    def _read_error(self, exc: Exception, label: str) -> LawcodeError:
        text = str(exc).split("\n")[0]
        return LawcodeError([Diagnostic("S002", f"the snapshot cannot be read: {text}", where=label, hint="check that it is valid JSON of the shape the schema describes")])

    def _load_document(self, source: Source, layout: Layout, schema: SnapshotSchema) -> Loaded:
        """A JSON document (file, bytes or mapping): cut into JSON Lines per collection, read as those.

        DuckDB reads a document as one row (each collection one LIST), which held the whole
        snapshot in memory several times over; JSON Lines it reads as a stream (`stream.py`).
        The files live in a temporary directory only while loading: the tables hold the data.
        """
        from lawcode.engine.sql import stream

        document: Any = source.data if source.form == "data" else source.path
        directory = tempfile.mkdtemp(prefix="lawcode-")
        try:
            if isinstance(document, Mapping):
                split = stream.split_data(document, directory, layout.collections, layout.scalars)
                document = None  # its lines are orjson's: nothing to locate in a text
            else:
                if not isinstance(document, bytes):  # standard input, a FIFO, a device: copied, as the scan seeks
                    document = jsontext.spool(document, directory, source.label)
                try:
                    split = stream.split_document(document, directory, layout.collections, layout.scalars, source.label)
                except stream.Broken as broken:
                    from lawcode.engine.sql import jsonl_syntax

                    error = jsonl_syntax.first_error(document, broken.parts, source.label, broken.found)
                    assert error is not None
                    raise error from None
            return self._load_lines(split, source.label, layout, schema, document)
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def _load_jsonl(self, directory: str, label: str, layout: Layout, schema: SnapshotSchema) -> Loaded:
        from lawcode.engine.sql import jsonl_keys, stream

        base = Path(directory)
        root_path = Path(root_file(directory, "jsonl"))
        root: dict[str, Any] = {}
        if root_path.exists():  # read as the python backend reads a document (UTF-8, repeated keys, …)
            loaded = parse_json(jsontext.read_bounded(root_path, str(root_path), DEFAULT_MAX_BYTES), str(root_path))
            if not isinstance(loaded, dict):
                raise LawcodeError([Diagnostic("S003", "the scalar part is one JSON object", where=str(root_path))])
            root = loaded
        parts: dict[str, stream.Part] = {}
        for name in layout.collections:
            path = Path(collection_file(directory, name, "jsonl"))
            if not path.exists() and (base / f"{name}.ndjson").exists():
                path = base / f"{name}.ndjson"
            if path.exists():
                parts[name] = stream.Part(name, (str(path),), None, stream.widest_line(str(path)), None)
        split = stream.Split(root, parts)
        repeated = jsonl_keys.repeated_keys(parts.values(), None, label)
        if repeated is not None:
            raise repeated
        return self._load_lines(split, label, layout, schema, None)

    def _load_lines(self, split: Split, label: str, layout: Layout, schema: SnapshotSchema, document: str | bytes | None) -> Loaded:
        """Each collection's JSON Lines, read once into its typed table (`t_<name>`).

        One streaming scan per collection converts every element to the typed columns and
        flags the rows a schema check fails; only when some are flagged are the lines read
        again, for those rows' raw values (the errors name them). `document` is the text
        the lines were cut from, if any (syntax errors are placed in it).
        """
        from lawcode.engine.sql import jsonl_keys

        if document is not None:  # a key repeated in an object, which DuckDB sees only among its columns
            repeated = jsonl_keys.repeated_keys(split.parts.values(), document, label, split.repeated)
            if repeated is not None:
                raise repeated
        problems = self._not_arrays(split.other, schema, label)
        lengths: dict[str, int] = {}
        for name, coll in layout.collections.items():
            part = split.parts.get(name)
            if part is None or not any(Path(p).stat().st_size for p in part.paths):
                self._empty_typed(coll)
                lengths[name] = 0
                continue
            key = self.kept.key(coll, part.paths, schema) if self.kept is not None else None
            served = self.kept.serve(coll, key) if self.kept is not None and key is not None else None
            if served is not None:
                lengths[name] = served
                continue
            found = self._read_lines(coll, part, label, schema, document, split)
            problems += found
            lengths[name] = self._length(coll)
            if part.count is not None and lengths[name] != part.count:  # an empty element is a blank line: DuckDB skips it
                raise self._unreadable(document, split, part, label, f"{part.count} elements in `{name}`, {lengths[name]} read")
            if self.kept is not None and key is not None and not found:
                self.kept.keep(coll, key, lengths[name])
        read = sum(Path(p).stat().st_size for part in split.parts.values() for p in part.paths)
        if read >= COMPRESS_BYTES:  # about a second per 100 MB read; the tables shrink to a third for the queries
            self.con.execute("CHECKPOINT lawcode_db")
        present = set(split.parts) | set(split.other)
        problems = problems or self._repeated_ids(layout, schema, split.root, present, label)
        return Loaded(split.root, lengths, present, problems)

    def _read_lines(self, coll: Collection, part: Part, label: str, schema: SnapshotSchema, document: str | bytes | None, split: Split) -> list[Diagnostic]:
        """One collection's lines into its typed table, in one streaming scan.

        `WITH ORDINALITY` numbers the lines in file order (DuckDB reads them in one thread
        for it): the number is the element's position. A plain parallel read, numbered by
        `rowid`, came out of order now and then (the CAC example: rows of one collection
        inserted out of file order), so the position is read with the line, never inferred.
        """
        import duckdb

        fields = schema.properties(schema.collections()[coll.name])
        columns = {f: raw_type(schema, sub) for f, sub in fields.items()} or {"id": "JSON"}
        ordinal = "lawcode_n"
        while ordinal in columns:
            ordinal += "_"
        spec = ", ".join(f"{_text(c)}: {_text(t)}" for c, t in columns.items())
        files = "[" + ", ".join(_text(p) for p in part.paths if Path(p).stat().st_size) + "]"
        aliases = ", ".join(_ident(c) for c in [*columns, ordinal])
        try:
            # Inside the `try`: DuckDB may read the first lines already when binding the view
            self.con.execute(
                f"CREATE OR REPLACE TEMP VIEW lawcode_lines AS SELECT {_ident(ordinal)} - 1 AS {_ident(POS)}, * EXCLUDE ({_ident(ordinal)}) "
                f"FROM read_json({files}, columns = {{{spec}}}, format = 'newline_delimited', maximum_object_size = {max(part.widest + 1, 1 << 20)}) "
                f"WITH ORDINALITY AS lawcode_src({aliases})"
            )
            return self._typed_lines(coll, label)
        except duckdb.Error as exc:
            from lawcode.engine.sql import jsonl_syntax

            why = str(exc).split("\n")[0]
            syntax = jsonl_syntax.first_error(document, split.parts.values(), label) if document is not None else None
            if syntax is None and document is None and part.offset is None:
                syntax = jsonl_syntax.jsonl_error(part)  # a JSON Lines file: the line that is wrong, not the one after
            if syntax is not None:  # a syntax error anywhere comes first, as when orjson reads the document
                raise syntax from None
            located = self._locate_lines(files, part.widest, label, coll, schema)
            raise located or self._unreadable(None, split, part, label, why) from None
        finally:
            self.con.execute("DROP VIEW IF EXISTS lawcode_lines")

    def _typed_lines(self, coll: Collection, label: str) -> list[Diagnostic]:
        """`t_<name>` from the view `lawcode_lines`, flagging the rows a schema check fails.

        Only when some are flagged are the lines read again, for those rows' raw values (the
        errors quote them); the flag column is dropped then. The statements are rendered
        once per collection layout (`load_cache.typed_statements`, `flagged_checks`): every
        load of a ruleset's snapshots runs the same ones.
        """
        create, flagged = typed_statements(coll)
        self._register(create)
        self.con.execute(create)
        if flagged is None:
            return []
        found: list[Diagnostic] = []
        if self.con.execute(flagged).fetchall()[0][0]:
            rows, query, checks = flagged_checks(coll)
            self.con.execute(rows)
            found = self._check(coll, query, checks, label)
            self.con.execute("DROP TABLE lawcode_flagged")
        self.con.execute(f"ALTER TABLE {_ident(coll.table)} DROP COLUMN lawcode_bad")
        return found

    def _unreadable(self, document: str | bytes | None, split: Split, part: Part, label: str, why: str) -> LawcodeError:
        """A collection's lines could not all be read: the document's first syntax error, or DuckDB's words."""
        from lawcode.engine.sql import jsonl_syntax

        if document is not None:
            syntax = jsonl_syntax.first_error(document, split.parts.values(), label)
            if syntax is not None:
                return syntax
        where = label if part.offset is not None else f"{label} ({Path(part.paths[0]).name})"
        return self._read_error(Exception(why), where)

    def _not_arrays(self, other: dict[str, Any], schema: SnapshotSchema, label: str) -> list[Diagnostic]:
        """Collections whose value is not an array: jsonschema's errors, as the python backend gives them."""
        if not other:
            return []
        errors = [e for e in schema_errors(schema, dict(other)) if e.absolute_path and e.absolute_path[0] in other]
        return [schema_problem(e, label) for e in errors]

    def _load_parquet(self, directory: str, label: str, layout: Layout, schema: SnapshotSchema) -> Loaded:
        """A folder of Parquet files: the root's fields, then per collection its file's
        column types checked, its views made and the checks its statistics leave run."""
        import duckdb

        root = self._parquet_root(directory, label)
        problems: list[Diagnostic] = []
        lengths: dict[str, int] = {}
        present: set[str] = set()
        # Every query reads these files: their footers (schema, statistics) are parsed once.
        self.con.execute("SET parquet_metadata_cache = true")
        paths = {name: collection_file(directory, name, "parquet") for name in layout.collections}
        try:
            facts, counts = validate.parquet_facts(self.con, [p for p in paths.values() if Path(p).exists()])
        except duckdb.Error as exc:
            raise self._read_error(exc, label) from None
        for name, coll in layout.collections.items():
            path = paths[name]
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
            problems += self._parquet_views(name, coll, path, types, label, facts.get(path, {}))
            lengths[name] = counts[path] if path in counts else self._length(coll)
        problems = problems or self._repeated_ids(layout, schema, root, present, label)
        return Loaded(root, lengths, present, problems)

    def _parquet_root(self, directory: str, label: str) -> dict[str, Any]:
        """The snapshot's fields outside its collections, from the root file (one row of JSON texts)."""
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
        return root

    def _parquet_views(self, name: str, coll: Collection, path: str, types: dict[str, str], label: str, facts: dict[str, validate.ColumnFacts]) -> list[Diagnostic]:
        """The collection's typed view and its raw view over the file, and the problems of
        the checks the file's statistics do not already settle."""
        source = exp.Anonymous(this="read_parquet", expressions=[exp.Literal.string(path), exp.EQ(this=exp.column("file_row_number"), expression=exp.true())])
        typed = {c.name for c in coll.columns if types.get(c.name, "").replace(" ", "") == sql_type(c).replace(" ", "")}
        position = exp.column(POS, quoted=True) if POS in types else exp.column("file_row_number")
        items = [exp.alias_(position, POS, quoted=True, copy=False), *self._parquet_columns(coll, types, typed)]
        view = exp.select(*items, copy=False).from_(exp.Table(this=source), copy=False)
        self.execute(exp.Create(this=table(coll.table), kind="VIEW", expression=view))
        # A column the file lacks is NULL in every element, for the checks as for the rules
        # (a required one is then missing from each); typed, so no format check reads it.
        absent = [c for c in coll.columns if c.name not in types]
        nulls = [exp.alias_(exp.Cast(this=exp.Null(), to=exp.DataType.build(sql_type(c), dialect="duckdb")), c.name, quoted=True, copy=False) for c in absent]
        raw_view = exp.select(exp.alias_(position, POS, quoted=True, copy=False), exp.Star(), *nulls, copy=False).from_(exp.Table(this=source.copy()), copy=False)
        self.execute(exp.Create(this=table(f"rawp_{name}"), kind="VIEW", expression=raw_view))
        typed |= {c.name for c in absent}

        # Checks the file's statistics already settle (no nulls in a required column, a
        # bound its least/greatest value keeps) are not run: they could find nothing.
        query, pending = parquet_checks(coll, f"rawp_{name}", frozenset(typed), facts)
        return self._check(coll, query, pending, label)

    def _parquet_columns(self, coll: Collection, types: dict[str, str], typed: set[str]) -> list[exp.Expr]:
        """The typed view's columns: each as the file has it when its type is the schema's,
        converted when it is not, NULL when the file lacks it; a list of objects also typed."""
        items: list[exp.Expr] = []
        for column in coll.columns:
            if column.name not in types:
                items.append(exp.alias_(exp.Cast(this=exp.Null(), to=exp.DataType.build(sql_type(column), dialect="duckdb")), column.name, quoted=True, copy=False))
            elif column.name in typed:
                items.append(exp.alias_(exp.column(column.name, quoted=True), column.name, quoted=True, copy=False))
            else:
                items.append(exp.alias_(validate.convert(exp.column(column.name, quoted=True), column), column.name, quoted=True, copy=False))
            if column.typed_name is None:
                continue
            # A list of objects: its typed column as written by `snapshot convert`, else from its JSON.
            want = typed_sql_type(column)
            typed_items: exp.Expr
            if types.get(column.typed_name, "").replace(" ", "").replace('"', "") == want.replace(" ", "").replace('"', ""):
                typed_items = exp.column(column.typed_name, quoted=True)
            elif column.name in types:
                typed_items = validate.convert_records(exp.column(column.name, quoted=True), column)
            else:
                typed_items = exp.Cast(this=exp.Null(), to=exp.DataType.build(want, dialect="duckdb"))
            items.append(exp.alias_(typed_items, column.typed_name, quoted=True, copy=False))
        return items

    def _parquet_types(self, coll: Collection, types: dict[str, str], label: str, path: str) -> list[Diagnostic]:
        out = []
        for column in coll.columns:
            found = types.get(column.name)
            if found is None:
                continue
            want = sql_type(column).replace(" ", "")
            have = found.replace(" ", "")
            accepted = {want}
            if (column.kind == "string" and not column.is_record) or column.kind == "json":
                accepted.add("VARCHAR")
            if validate.element_format(column) is not None:
                accepted.add("VARCHAR[]")  # a list of dates (…) as their text: converted on reading
            if column.kind in ("integer", "number"):
                accepted |= {"BIGINT", "INTEGER", "DOUBLE", "FLOAT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"}
            if column.type.name == "datetime":
                accepted |= {"TIMESTAMPWITHTIMEZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"}
            if have not in accepted and not (have.startswith("DECIMAL") and column.kind == "number"):
                out.append(Diagnostic("S010", f"column `{column.name}` is {found}, the schema needs {want}", where=f"{label} {pointer(coll.name)}", hint=f"in {path}: convert the snapshot with `lawcode snapshot convert`"))
        return out

    def _repeated_ids(self, layout: Layout, schema: SnapshotSchema, root: dict[str, Any], present: set[str], label: str) -> list[Diagnostic]:
        """S041 for each element whose `id` an earlier element of its collection has, as the
        python backend says it: only for a snapshot the schema accepts (the root too).

        A `GROUP BY id` first says whether any id repeats at all: at 1M users it costs about
        half the window below (0.18 s against 0.37 s of CPU), and jsonschema is imported for the
        root's check only when one does."""
        if not self._ids_repeat(layout):
            return []
        document = {**root, **{name: [] for name in present}}
        if any(not (e.absolute_path and e.absolute_path[0] in layout.collections) for e in schema_errors(schema, document)):
            return []
        out: list[Diagnostic] = []
        for name, coll in layout.collections.items():
            column = coll.column(("id",))
            if column is None or column.is_record:
                continue
            ident, pos = _ident(column.name), _ident(POS)
            rows = self.con.execute(
                f"SELECT {pos}, first, CAST({ident} AS VARCHAR) FROM (SELECT {pos}, {ident}, min({pos}) OVER (PARTITION BY {ident}) AS first"
                f" FROM {_ident(coll.table)} WHERE {ident} IS NOT NULL) WHERE {pos} > first ORDER BY {pos} LIMIT {MAX_REPORTED_ERRORS}"
            ).fetchall()
            for again, first, text in rows:
                value: Any = orjson.loads(text) if column.kind in ("json", "integer", "number", "boolean") else text
                out.append(repeated_id(label, name, int(first), int(again), value))
        return out[:MAX_REPORTED_ERRORS]

    def _ids_repeat(self, layout: Layout) -> bool:
        """Whether an id is held by two elements of a collection (one statement for all).

        Ids in ascending order (as exports and `snapshot convert` usually write them) are
        proved distinct in one streaming pass (`_ascending`, at 1M users 0.04 s of CPU
        against the `GROUP BY`'s 0.15 s); only the collections it cannot prove are grouped.

        Tried: grouping the ids in hash parts of 500k (the hash table of 1M string ids is
        about 33 MB, of half of them 10 MB); from JSON at 1M users that phase's peak fell
        from 216 to 175-187 MB, but the report's streaming then peaked at 212-220 MB, so
        the process's peak did not fall and the parts were not kept."""
        idents = {coll.table: _ident(column.name) for coll in layout.collections.values() if (column := coll.column(("id",))) is not None and not column.is_record}
        if not idents:
            return False
        ascending = self._ascending(idents)
        found = [
            f"EXISTS (SELECT 1 FROM {_ident(name)} WHERE {ident} IS NOT NULL GROUP BY {ident} HAVING count(*) > 1)"
            for name, ident in idents.items()
            if name not in ascending
        ]
        return bool(found) and bool(self.con.execute("SELECT " + " OR ".join(found)).fetchall()[0][0])  # fetchall: the result is finished

    def _ascending(self, idents: dict[str, str]) -> set[str]:
        """The tables whose non-null ids strictly ascend in the order the table is read,
        so that no two are equal.

        `lag(…) OVER ()` is DuckDB's streaming window: one thread reads the table in order
        and hands each row the id of the row before it. The proof asks for every row but
        one (the first) to be greater than its predecessor; had the rows come in several
        runs (more than one row without a predecessor), or any two ids been equal or out of
        order, the count falls short and the table is grouped instead: this pass can only
        spare work, never hide a repeat."""
        parts = []
        for name, ident in idents.items():
            rows = f"SELECT {ident} AS id, lag({ident}) OVER () AS before FROM {_ident(name)} WHERE {ident} IS NOT NULL"
            parts.append(f"(SELECT count(*) FILTER (WHERE before < id) = count(*) - 1 OR count(*) < 2 FROM ({rows}))")
        proved = self.con.execute("SELECT " + ", ".join(parts)).fetchall()[0]  # fetchall: the result is finished
        return {name for name, ok in zip(idents, proved, strict=True) if ok}

    def _empty_typed(self, coll: Collection) -> None:
        self.con.execute(empty_statement(coll))

    def _length(self, coll: Collection) -> int:
        rows = self.query(exp.select(exp.Count(this=exp.Star()), copy=False).from_(table(coll.table), copy=False))
        return int(rows[0][0])

    def _check(self, coll: Collection, query: str | None, found: list[validate.Check], label: str) -> list[Diagnostic]:
        """The diagnostics of a rendered check query (`validate.check_query`; None: no check
        to run), its first column an index into `found`."""
        if query is None:
            return []
        self._register(query)
        rows: list[tuple[Any, ...]] = self.con.execute(query).fetchall()
        return validate.diagnostics(coll, found, rows, label)

    # ------------------------------------------------------------ locating type errors
    def _locate_lines(self, files: str, widest: int, label: str, coll: Collection, schema: SnapshotSchema) -> LawcodeError | None:
        """The typed read failed: read the lines as raw JSON and name the values of the wrong type."""
        import duckdb

        try:
            reader = f"read_json({files}, columns = {{'json': 'JSON'}}, format = 'newline_delimited', records = 'false', maximum_object_size = {widest + 1})"
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE lawcode_locate AS SELECT * FROM {reader}")
        except duckdb.Error:
            return None
        problems = self._type_errors(coll, exp.column("json", quoted=True), "lawcode_locate", label, schema)
        self.execute(exp.Drop(tables=[table("lawcode_locate")], kind="TABLE"))
        return LawcodeError(problems[: MAX_REPORTED_ERRORS]) if problems else None

    def _type_errors(self, coll: Collection, value: exp.Expr, source: str, label: str, schema: SnapshotSchema) -> list[Diagnostic]:
        fn = exp.Anonymous
        elements = exp.select(exp.alias_(exp.column("rowid"), "p", copy=False), exp.alias_(value, "e", copy=False)).from_(table(source), copy=False)
        checks: list[exp.Select] = []
        wanted: list[tuple[tuple[str, ...], str]] = [((), "object")]
        wanted += [(c.path, c.kind) for c in coll.columns if c.kind != "json"]  # JSON columns take any value
        words = {c.path: ", ".join(repr(k) for k in validate.json_kinds(c.schema)) for c in coll.columns}
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
            named = words.get(path) or repr(kind)  # the schema's types, as jsonschema lists them
            out.append(((coll.name, int(position), *path), Diagnostic("S010", f"{shown(raw)} is not of type {named}", where=f"{label} {where}")))
        out.sort(key=lambda x: tuple(map(str, x[0])))
        return [d for _, d in out]


__all__ = ["DuckDBBackend", "Loaded", "scalar_sql_type"]

"""The Spark backend: the same generated SQL, in the `spark` dialect, on Spark SQL.

`local[*]` by default, `--spark-master URL` for a cluster. A Parquet snapshot directory
may be on any filesystem Spark reads (hdfs://, s3a://, …): Spark reads it directly.
JSON and JSON Lines input is first converted to Parquet locally by DuckDB (validated on
the way), since a cluster would need the files anyway.

The session runs in UTC with ANSI mode off: the generated SQL spells out every missing
case itself (division by zero, out-of-range dates), so no Spark error can replace a
missing value.

One session serves every evaluation in a process (starting one takes seconds). Spark's
fixed cost per query (analysis, code generation, stage scheduling) dominates on small
snapshots, so for those (at most `SMALL_ROWS` elements, converted here from JSON):

- the queries run without whole-stage code generation, adaptive execution or more than
  one shuffle partition (settings of this session only; they change no result);
- each collection becomes an in-memory local relation, registered under the hash of its
  Parquet bytes, and is not read again while a later snapshot has the same content;
- a query's rows are kept, keyed by its SQL text and the content hashes of the tables it
  reads: the same query over the same tables is not run again (`lawcode test` runs
  hundreds of snapshots that differ from a base in one collection or two).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
from sqlglot import exp

from lawcode.compiler.schema import SnapshotSchema
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.engine.sql.dialects import TARGETS
from lawcode.engine.sql.duckdb_backend import Loaded
from lawcode.engine.sql.inputs import Source, collection_file, root_file
from lawcode.engine.sql.tables import POS, Collection, Layout, sql_type, typed_sql_type

_SPARK_TYPES = {"VARCHAR": "STRING", "BIGINT": "BIGINT", "DOUBLE": "DOUBLE", "BOOLEAN": "BOOLEAN", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP", "JSON": "STRING"}

SMALL_ROWS = 50_000  # elements in all collections: at most this many, the small-data settings apply
KEPT_RESULTS = 20_000  # query results kept (small snapshots only)
KEPT_ROWS = 10_000  # a result with more rows is not kept

# Settings for small data: fewer moving parts per query. None of them changes a result.
# Code generation is the largest fixed cost on a few hundred rows (Janino compiles every
# projection and predicate of every query, and the class cache holds only 100 of them):
# expressions are interpreted instead. `factoryMode` is an internal setting of Spark (its
# own test suites run every expression both ways); an unknown setting would be ignored.
SMALL_SETTINGS = {
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


def spark_type(column: Any) -> str:
    duck = sql_type(column)
    if duck.endswith("[]"):
        return f"ARRAY<{_SPARK_TYPES[duck[:-2]]}>"
    return _SPARK_TYPES[duck]


def spark_typed_type(column: Any) -> str:
    """A typed list column (of structs, or of lists) in Spark's spelling: instants are TIMESTAMP,
    JSON values (leaves of no one type inside items) are their text, as Parquet holds them."""
    from sqlglot import exp

    def spelled(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.JSON:
            return exp.DataType.build("STRING")
        return node

    return exp.DataType.build(typed_sql_type(column), dialect="duckdb").transform(spelled).sql("spark").replace("TIMESTAMP_NTZ", "TIMESTAMP")


def _java() -> str | None:
    """The java that pyspark's launcher would start: JAVA_HOME's, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        path = Path(home) / "bin" / "java"
        return str(path) if os.access(path, os.X_OK) else None
    return shutil.which("java")


def _quiet(session: Any) -> None:
    """A refused query is reported as B003: neither the JVM nor pyspark (4.x) logs it, with its Java stack."""
    import logging

    session.sparkContext.setLogLevel("FATAL")
    try:
        from pyspark.logger import PySparkLogger
    except ImportError:  # pyspark 3.5: no query-context loggers
        return
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _Shared:
    """What outlives one evaluation: per session, content-addressed tables and query results."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.directory = tempfile.mkdtemp(prefix="lawcode-spark-")
        atexit.register(shutil.rmtree, self.directory, True)
        self.frames: OrderedDict[str, Any] = OrderedDict()  # "table:content" → DataFrame (a local relation)
        self.views: dict[str, str | None] = {}  # view name → content key of what it shows (None: unknown)
        self.results: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[Any, ...]]] = OrderedDict()
        self.defaults = {key: str(session.conf.get(key)) for key in SMALL_SETTINGS}  # for larger snapshots
        self.settings = dict(self.defaults)
        self._pattern: tuple[frozenset[str], re.Pattern[str]] | None = None

    def reads(self, text: str) -> list[str]:
        """The views named in a query's text, in name order."""
        names = frozenset(self.views)
        if not names:
            return []
        if self._pattern is None or self._pattern[0] != names:
            alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
            self._pattern = (names, re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"))
        return sorted(set(self._pattern[1].findall(text)))

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


_SHARED: _Shared | None = None
_KEPT_FRAMES = 512


class SparkBackend:
    """Spark SQL through pyspark.

    `master`: the Spark master URL; None uses the session already running in this process,
    or starts one on `local[*]`. A master other than the running session's stops that
    session and starts one on the master asked for. `config`: further Spark settings for
    a session started here (JVM options, memory, …); a running session keeps its own.
    """

    name = "spark"

    def __init__(self, *, master: str | None = None, config: Mapping[str, str] | None = None) -> None:
        global _SHARED
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise LawcodeError([Diagnostic("B002", "the spark backend needs pyspark", hint="pip install 'lawcode[spark]' (and Java 17)")]) from None
        if master is not None and not (master == "yarn" or master.startswith(("local", "spark://", "k8s://"))):
            raise LawcodeError([Diagnostic("B002", f"not a Spark master URL: {master!r}", hint="local[*], local[N], spark://HOST:PORT, k8s://https://HOST:PORT or yarn")])
        active = SparkSession.getActiveSession()
        if active is None and _java() is None:
            raise LawcodeError([Diagnostic("B002", "the spark backend needs a Java runtime: no `java` on PATH and no JAVA_HOME/bin/java", hint="install Java 17 (Debian: openjdk-17-jre-headless) or set JAVA_HOME")])
        if active is not None and master is not None and active.sparkContext.master != master:
            active.stop()  # getOrCreate would hand back the running session, on the other master
        builder = (
            SparkSession.builder.master(master or "local[*]")
            .appName("lawcode")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.ansi.enabled", "false")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.parquet.inferTimestampNTZ.enabled", "false")
        )
        for key, value in (config or {}).items():
            builder = builder.config(key, value)
        try:
            self.spark = builder.getOrCreate()
        except Exception as exc:  # the JVM did not start: no Java, a bad master URL, …
            raise LawcodeError([Diagnostic("B002", f"cannot start Spark: {_first_line(exc)}", hint="the spark backend needs Java 17 (Debian: openjdk-17-jre-headless)")]) from None
        _quiet(self.spark)
        if _SHARED is None or _SHARED.session is not self.spark:
            if _SHARED is not None:
                _SHARED.close()
            _SHARED = _Shared(self.spark)
        self.shared = _SHARED
        self.target = TARGETS["spark"]
        self.small = False  # set by `load`
        self._tmp: list[str] = []

    def sql(self, statement: exp.Expr) -> str:
        return statement.sql(dialect="spark", copy=False)

    def query(self, select: exp.Expr, cache: dict[str, str] | None = None) -> list[tuple[Any, ...]]:
        if cache is None:
            text = self.sql(select)
        else:
            text = cache.get("spark") or cache.setdefault("spark", self.sql(select))
        key = self._result_key(text)
        if key is not None:
            kept = self.shared.results.get(key)
            if kept is not None:
                self.shared.results.move_to_end(key)
                return kept
        rows = self._run(text)
        if key is not None and len(rows) <= KEPT_ROWS:
            self.shared.results[key] = rows
            if len(self.shared.results) > KEPT_RESULTS:
                self.shared.results.popitem(last=False)
        return rows

    def _run(self, text: str) -> list[tuple[Any, ...]]:
        with self.refused():
            return [tuple(row) for row in self.spark.sql(text).collect()]

    @contextlib.contextmanager
    def refused(self) -> Iterator[None]:
        """Spark's refusal of a statement in the block as B003 (`spark_written.py` runs its own)."""
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException

        try:
            yield
        except (PySparkException, Py4JError) as exc:
            raise LawcodeError([Diagnostic("B003", f"Spark failed on a query of this ruleset: {_first_line(exc)}", hint="use --backend duckdb or --backend python")]) from None

    def _result_key(self, text: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
        """The text and the content of every table the query may read; None: not kept.

        Only small snapshots' results are kept, and only over tables of known content. A
        query reads nothing but the `t_<collection>` views (and its own CTEs); any view
        whose name occurs in the text as a word counts as read (a column of the same name
        would only make the key stricter).
        """
        if not self.small:
            return None
        contents = []
        for name in self.shared.reads(text):
            content = self.shared.views[name]
            if content is None:
                return None
            contents.append((name, content))
        return text, tuple(contents)

    def close(self) -> None:
        for path in self._tmp:
            shutil.rmtree(path, ignore_errors=True)
        # The session stays up for the next evaluation in this process (starting one takes seconds).

    # ------------------------------------------------------------ settings
    def _settle(self, small: bool) -> None:
        self.small = small
        wanted = SMALL_SETTINGS if small else self.shared.defaults
        for key, value in wanted.items():
            if self.shared.settings.get(key) != value:
                self.spark.conf.set(key, value)
                self.shared.settings[key] = value

    # ------------------------------------------------------------ loading
    def load(self, source: Source, layout: Layout, schema: SnapshotSchema) -> Loaded:
        if source.form != "parquet":
            return self._load_converted(source, layout, schema)
        assert source.path is not None
        self._settle(False)
        directory = source.path
        root = self._root(directory, source.label)
        found: set[str] = set()
        for name, coll in layout.collections.items():
            if self._view(directory, coll):
                found.add(name)
        counts = exp.select(*[exp.alias_(exp.select(exp.Count(this=exp.Star()), copy=False).from_(exp.Table(this=exp.to_identifier(c.table, quoted=True))).subquery(), n, quoted=True) for n, c in layout.collections.items()], copy=False)
        row = self.query(counts)[0] if layout.collections else ()
        lengths = {n: int(v) for n, v in zip(layout.collections, row, strict=True)}
        if sum(lengths.values()) <= SMALL_ROWS and "://" not in directory:
            self._settle(True)
            for coll in layout.collections.values():
                self.shared.views[coll.table] = None  # content not hashed: results not kept
        return Loaded(root, lengths, found, [])

    def _load_converted(self, source: Source, layout: Layout, schema: SnapshotSchema) -> Loaded:
        """JSON and JSON Lines: DuckDB loads and validates, writes Parquet; root and lengths come from it."""
        from lawcode.engine.sql.convert import write_parquet_files
        from lawcode.engine.sql.duckdb_backend import DuckDBBackend

        directory = tempfile.mkdtemp(prefix="lawcode-spark-")
        self._tmp.append(directory)
        duck = DuckDBBackend()
        try:
            loaded = duck.load(source, layout, schema)
            if loaded.problems:
                return loaded
            write_parquet_files(duck, layout.collections, loaded.root, Path(directory))
        finally:
            duck.close()
        small = sum(loaded.lengths.values()) <= SMALL_ROWS
        self._settle(small)
        for coll in layout.collections.values():
            path = Path(collection_file(directory, coll.name, "parquet"))
            if not small:
                self._view(directory, coll)
                self.shared.views[coll.table] = None
                continue
            content = hashlib.sha256(path.read_bytes()).hexdigest()
            if self.shared.views.get(coll.table) == content:
                continue
            key = f"{coll.table}:{content}"
            frame = self.shared.frames.get(key)
            if frame is None:
                kept = Path(self.shared.directory) / f"{content}.parquet"
                if not kept.exists():
                    shutil.copyfile(path, kept)
                frame = self._local(self._frame(str(kept), coll))
                self.shared.frames[key] = frame
                if len(self.shared.frames) > _KEPT_FRAMES:
                    self.shared.frames.popitem(last=False)
            else:
                self.shared.frames.move_to_end(key)
            frame.createOrReplaceTempView(coll.table)
            self.shared.views[coll.table] = content
        return loaded

    def _local(self, frame: Any) -> Any:
        """The rows of a small table as a local relation (in the driver: no file to scan per query)."""
        from pyspark.sql import DataFrame

        jdf = frame._jdf
        local = self.spark._jsparkSession.createDataFrame(jdf.collectAsList(), jdf.schema())
        return DataFrame(local, self.spark)

    def _root(self, directory: str, label: str) -> dict[str, Any]:
        path = root_file(directory, "parquet")
        try:
            frame = self.spark.read.parquet(path)
        except Exception:  # no scalar part: as_of will be reported missing
            return {}
        rows = frame.collect()
        if not rows:
            return {}
        try:
            return {k: orjson.loads(v) for k, v in rows[0].asDict().items() if v is not None}
        except orjson.JSONDecodeError as exc:
            raise LawcodeError([Diagnostic("S002", f"the scalar part is not JSON: {exc}", where=f"{label} ({path})")]) from None

    def _view(self, directory: str, coll: Collection) -> bool:
        """Register `t_<collection>` over the collection's Parquet file (typed, missing columns NULL)."""
        frame = self._frame(collection_file(directory, coll.name, "parquet"), coll)
        present = frame is not None
        if frame is None:
            ddl = ", ".join([f"`{POS}` BIGINT"] + [f"`{c.name}` {spark_type(c)}" for c in coll.columns] + [f"`{c.typed_name}` {spark_typed_type(c)}" for c in coll.columns if c.typed_name])
            frame = self.spark.createDataFrame([], ddl)
        frame.createOrReplaceTempView(coll.table)
        self.shared.views[coll.table] = None
        return present

    def _frame(self, path: str, coll: Collection) -> Any:
        """The typed frame of one collection's Parquet file; None when there is no such file."""
        try:
            frame = self.spark.read.parquet(path)
        except Exception:
            return None
        have = set(frame.columns)
        if POS not in have:
            raise LawcodeError([Diagnostic("S010", f"{path} has no `{POS}` column", hint="write it with `lawcode snapshot convert --to parquet`")])
        from pyspark.sql import functions as F

        columns = [frame[f"`{POS}`"]]
        for c in coll.columns:
            columns.append(frame[f"`{c.name}`"] if c.name in have else F.lit(None).cast(spark_type(c)).alias(c.name))
        for c in coll.columns:
            if c.typed_name is None:
                continue
            if c.typed_name not in have and c.name in have:  # Spark does not convert JSON text to typed items
                raise LawcodeError([Diagnostic("S010", f"{path} has the list of objects `{c.name}` but not its typed column `{c.typed_name}`", hint="write it with `lawcode snapshot convert --to parquet`")])
            columns.append(frame[f"`{c.typed_name}`"] if c.typed_name in have else F.lit(None).cast(spark_typed_type(c)).alias(c.typed_name))
        return frame.select(*columns)

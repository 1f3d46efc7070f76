"""The Spark backend: the same generated SQL, in the `spark` dialect, on Spark SQL.

`local[*]` by default, `--spark-master URL` for a cluster. A Parquet snapshot directory
may be on any filesystem Spark reads (hdfs://, s3a://, …): Spark reads it directly.
JSON and JSON Lines input is first converted to Parquet locally by DuckDB (validated on
the way), since a cluster would need the files anyway.

The session runs in UTC with ANSI mode off: the generated SQL spells out every missing
case itself (division by zero, out-of-range dates), so no Spark error can replace a
missing value.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import orjson
from sqlglot import exp

from lawcode.compiler.schema import SnapshotSchema
from lawcode.diagnostics import Diagnostic, LawcodeError
from lawcode.engine.sql.dialects import TARGETS
from lawcode.engine.sql.duckdb_backend import Loaded
from lawcode.engine.sql.inputs import Source, collection_file, root_file
from lawcode.engine.sql.tables import POS, Collection, Layout, sql_type

_SPARK_TYPES = {"VARCHAR": "STRING", "BIGINT": "BIGINT", "DOUBLE": "DOUBLE", "BOOLEAN": "BOOLEAN", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP"}


def spark_type(column: Any) -> str:
    duck = sql_type(column)
    if duck.endswith("[]"):
        return f"ARRAY<{_SPARK_TYPES[duck[:-2]]}>"
    return _SPARK_TYPES[duck]


class SparkBackend:
    name = "spark"

    def __init__(self, *, master: str | None = None) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise LawcodeError([Diagnostic("B002", "the spark backend needs pyspark", hint="pip install 'lawcode[spark]' (and Java 17)")]) from None
        builder = (
            SparkSession.builder.master(master or "local[*]")
            .appName("lawcode")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.ansi.enabled", "false")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.parquet.inferTimestampNTZ.enabled", "false")
        )
        try:
            self.spark = builder.getOrCreate()
        except Exception as exc:  # the JVM did not start: no Java, a bad master URL, …
            raise LawcodeError([Diagnostic("B002", f"cannot start Spark: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", hint="the spark backend needs Java 17 (Debian: openjdk-17-jre-headless)")]) from None
        self.spark.sparkContext.setLogLevel("ERROR")
        self.target = TARGETS["spark"]
        self._tmp: list[str] = []

    def sql(self, statement: exp.Expr) -> str:
        return statement.sql(dialect="spark", copy=False)

    def query(self, select: exp.Expr, cache: dict[str, str] | None = None) -> list[tuple[Any, ...]]:
        if cache is None:
            text = self.sql(select)
        else:
            text = cache.get("spark") or cache.setdefault("spark", self.sql(select))
        return [tuple(row) for row in self.spark.sql(text).collect()]

    def close(self) -> None:
        for path in self._tmp:
            shutil.rmtree(path, ignore_errors=True)
        # The session stays up for the next evaluation in this process (starting one takes seconds).

    # ------------------------------------------------------------ loading
    def load(self, source: Source, layout: Layout, schema: SnapshotSchema) -> Loaded:
        problems: list[Diagnostic] = []
        present: set[str] | None = None
        if source.form != "parquet":
            from lawcode.engine.sql.convert import _parquet
            from lawcode.engine.sql.duckdb_backend import DuckDBBackend

            directory = tempfile.mkdtemp(prefix="lawcode-spark-")
            self._tmp.append(directory)
            duck = DuckDBBackend()
            try:
                loaded = duck.load(source, layout, schema)
                problems, present = loaded.problems, loaded.present
                if not problems:
                    _parquet(duck, layout.collections, loaded.root, Path(directory))
                else:
                    return loaded
            finally:
                duck.close()
        else:
            assert source.path is not None
            directory = source.path
        root = self._root(directory, source.label)
        found: set[str] = set()
        for name, coll in layout.collections.items():
            if self._view(directory, coll):
                found.add(name)
        counts = exp.select(*[exp.alias_(exp.select(exp.Count(this=exp.Star()), copy=False).from_(exp.Table(this=exp.to_identifier(c.table, quoted=True))).subquery(), n, quoted=True) for n, c in layout.collections.items()], copy=False)
        row = self.query(counts)[0] if layout.collections else ()
        lengths = {n: int(v) for n, v in zip(layout.collections, row, strict=True)}
        return Loaded(root, lengths, present if present is not None else found, problems)

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
        path = collection_file(directory, coll.name, "parquet")
        try:
            frame = self.spark.read.parquet(path)
        except Exception:
            frame = None
        if frame is None:
            ddl = ", ".join([f"`{POS}` BIGINT"] + [f"`{c.name}` {spark_type(c)}" for c in coll.columns])
            self.spark.createDataFrame([], ddl).createOrReplaceTempView(coll.table)
            return False
        have = set(frame.columns)
        select = [frame[POS] if POS in have else None]
        if select[0] is None:
            raise LawcodeError([Diagnostic("S010", f"{path} has no `{POS}` column", hint="write it with `lawcode snapshot convert --to parquet`")])
        from pyspark.sql import functions as F

        columns = [frame[f"`{POS}`"]]
        for c in coll.columns:
            columns.append(frame[f"`{c.name}`"] if c.name in have else F.lit(None).cast(spark_type(c)).alias(c.name))
        frame.select(*columns).createOrReplaceTempView(coll.table)
        return True

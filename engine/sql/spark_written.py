"""The violations Spark writes: `written.py` on Spark, and the report as a folder of parts.

On a cluster the report must not pass through the driver whole: at scale it is hundreds
of thousands of violations. So, when asked (`evaluating(..., spark_writes=True)`), for
collections of at least `written.MIN_SUBJECTS` subjects a batch's rows stay in Spark (a
persisted DataFrame, registered as a view), `render.py`'s text of each rule is spoken in
Spark SQL (`to_spark`), and

- `lawcode check --backend spark --format jsonl -o FOLDER/` has Spark write each rule's
  lines as text part files, in report order (`write_folder`): the driver writes only
  what it builds itself (rules on the Python path, undetermined subjects, rules not in
  force) and the summary line, from counts Spark aggregates;
- a writer of `json` or `jsonl` given such a stream gets the same text through the
  driver one partition at a time (`SparkWritten.chunks`, `toLocalIterator`).

Without `spark_writes`, Spark evaluations build every violation in the driver, as before:
the path is asked for only where its output (a folder) needs it.

Spark's functions differ from DuckDB's where bytes are decided, so `to_spark` maps each
DuckDB function `render.py` and `value_text.py` call to a Spark spelling that writes the
same bytes, or to NULL where Spark cannot (the failure mark then sends the rule to Python
for that run, as on DuckDB):

- JSON strings: Jackson (`to_json`) escapes as orjson does, but writes `\\u000B` where
  orjson writes `\\u000b`: the same control characters DuckDB gets wrong are refused;
- numbers: Java's `Double.toString` is used only between 1e-3 and 1e7 (plain notation
  there) and with at most 15 significant digits, where it is provably the shortest text
  that reads back (as orjson's): two decimals of 15 digits cannot round to one double.
  Values a message shows with `%.6g` are refused (Java's `%g` keeps trailing zeros);
- dates and instants: `date_format` with Java's patterns, `timestamp_micros` (UTC).

The rows Python still needs are fetched as on DuckDB; `SparkKept.fetched` counts every row
and item brought to the driver (tests/engine/sql/test_spark_written.py asserts that a
folder written by Spark brought no violation there).
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from sqlglot import exp

from lawcode.engine.report import ReportStream, Tally, Violation, Written
from lawcode.engine.sql.probes import RuleQuery
from lawcode.engine.sql.render import NAME, SEPARATOR, RuleText, SubjectName
from lawcode.engine.sql.tables import POS
from lawcode.engine.sql.value_text import Unrenderable, fn, lit, marked
from lawcode.engine.sql.written import CHUNK, Kept

__all__ = ["PART", "SparkKept", "SparkWritten", "to_spark", "write_folder"]

PART = "part-{:05d}-{:05d}.jsonl"  # a folder's parts: (block, piece); names sort in report order
_names = itertools.count()

# ---------------------------------------------------------------- DuckDB's functions in Spark

_DATE_PATTERNS = {"%Y-%m-%d": "yyyy-MM-dd", "%Y-%m-%dT%H:%M:%SZ": "yyyy-MM-dd'T'HH:mm:ss'Z'"}
_SAME = frozenset({"coalesce", "concat_ws", "abs", "year"})


def _json_string(s: exp.Expr) -> exp.Expr:
    """`to_json` of a string: Jackson's text of a one-member object, the member cut out;
    NULL for a NULL string (the object is then `{}`)."""
    document = fn("to_json", fn("named_struct", lit("v"), s))
    inner = fn("regexp_extract", document, lit('(?s)^\\{"v":(.*)\\}$'), exp.Literal.number(1))
    return fn("nullif", inner, lit(""))


def _json_number(d: exp.Expr) -> exp.Expr:
    """`to_json` of a double where Java's text is orjson's (see the module's docstring); else NULL."""
    shown = exp.Cast(this=exp.Paren(this=d), to=exp.DataType.build("VARCHAR"))
    digits = fn("length", fn("regexp_replace", shown, lit("^-?0\\.0*|[-.]"), lit("")))
    size = fn("abs", d.copy())
    plain = exp.and_(
        exp.GTE(this=size, expression=exp.Literal.number("0.001")),
        exp.LT(this=size.copy(), expression=exp.Literal.number("10000000.0")),
        exp.LTE(this=digits, expression=exp.Literal.number(15)),
    )
    return exp.Case(ifs=[exp.If(this=plain, true=shown.copy())])


def _full_match(args: list[exp.Expr]) -> exp.Expr:
    subject, pattern = args
    if not (isinstance(pattern, exp.Literal) and pattern.is_string):
        raise Unrenderable("a computed pattern for regexp_full_match")
    return exp.RegexpLike(this=subject, expression=lit(f"^(?:{pattern.this})\\z"))  # `$` would match before a final newline


def _function(node: exp.Anonymous) -> exp.Expr:
    """One DuckDB function call (its arguments already in Spark's SQL) in Spark's."""
    name = str(node.this).lower()
    args = list(node.expressions)
    if name in _SAME:
        return node
    if name == "regexp_matches":
        return exp.RegexpLike(this=args[0], expression=args[1])
    if name == "regexp_full_match":
        return _full_match(args)
    if name == "to_json":
        value = args[0]
        if isinstance(value, exp.Cast) and value.to.this == exp.DataType.Type.DOUBLE:
            return _json_number(value)
        return _json_string(value)
    if name == "strftime":
        pattern = args[1]
        if isinstance(pattern, exp.Literal) and pattern.this in _DATE_PATTERNS:
            return fn("date_format", args[0], lit(_DATE_PATTERNS[pattern.this]))
        raise Unrenderable(f"strftime with the pattern {pattern.sql()} has no Spark pattern here")
    if name == "make_timestamp" and len(args) == 1:
        return fn("timestamp_micros", args[0])
    if name == "trunc" and len(args) == 1:  # DuckDB's numeric trunc (Spark's is for dates): toward zero
        return exp.Cast(this=exp.Paren(this=args[0]), to=exp.DataType.build("BIGINT"))
    if name == "printf":  # Java's %g is not C's: the value is refused, its rule built in Python
        return exp.Null()
    raise Unrenderable(f"the DuckDB function {name} has no Spark spelling here")


def to_spark(node: exp.Expr) -> exp.Expr:
    """A copy of `render.py`'s DuckDB expression that writes the same text on Spark SQL
    (or NULL where Spark cannot, which the failure mark catches). Raises `Unrenderable`
    for a function it does not know."""
    return _convert(node.copy())


def _convert(node: exp.Expr) -> exp.Expr:
    for key, value in list(node.args.items()):
        if isinstance(value, exp.Expr):
            node.set(key, _convert(value))
        elif isinstance(value, list):
            node.set(key, [_convert(v) if isinstance(v, exp.Expr) else v for v in value])
    return _function(node) if isinstance(node, exp.Anonymous) else node


# ---------------------------------------------------------------- column types

_TYPES = {
    "StringType": "VARCHAR",
    "LongType": "BIGINT",
    "IntegerType": "INTEGER",
    "ShortType": "SMALLINT",
    "ByteType": "TINYINT",
    "DoubleType": "DOUBLE",
    "FloatType": "FLOAT",
    "BooleanType": "BOOLEAN",
    "DateType": "DATE",
    "TimestampType": "TIMESTAMP",
    "TimestampNTZType": "TIMESTAMP",
}


def duck_type(data_type: Any) -> str:
    """A Spark column type spelled as DuckDB's `DESCRIBE` would (what `render.py` reads)."""
    kind = type(data_type).__name__
    if kind == "DecimalType":
        return f"DECIMAL({data_type.precision},{data_type.scale})"
    if kind == "ArrayType":
        return duck_type(data_type.elementType) + "[]"
    return _TYPES.get(kind) or str(data_type.simpleString()).upper()


# ---------------------------------------------------------------- kept rows


@dataclasses.dataclass(frozen=True, slots=True)
class SparkWritten(Written):
    """A rule's violations Spark writes: `write(path)` writes the `jsonl` lines in report
    order as text part files under `path` (a folder Spark creates), `count()` is their
    number, aggregated by Spark. `chunks` streams them through the driver instead."""

    write: Callable[[str], None] = lambda path: None
    count: Callable[[], int] = lambda: 0


def _table(name: str, alias: str | None = None) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True), alias=exp.TableAlias(this=exp.to_identifier(alias)) if alias else None)


def _rows(name: str, source: SubjectName | None) -> exp.Expr:
    """The kept rows, with the subject's display name beside each (`NAME`) when it shows one."""
    if source is None:
        return _table(name)
    on = exp.EQ(this=exp.column(POS, table="t", quoted=True), expression=exp.column(source.position, table="r", quoted=True))
    joined = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("r")), exp.alias_(source.value.copy(), NAME, quoted=True)).from_(_table(name, "r")).join(_table(source.table, "t"), on=on, join_type="LEFT")
    return exp.Subquery(this=joined, alias=exp.TableAlias(this=exp.to_identifier("r")))


# Spark's constraint propagation substitutes every alias into every constraint it infers:
# over the report's text (large CASEs, the display name joined beside the rows) the sets
# grow past any heap (the CAC examples: OutOfMemoryError at 1 GB, over 3 GB still
# growing; without it they pass in minutes). It only infers filters: no result changes.
_CONSTRAINTS = "spark.sql.constraintPropagation.enabled"


class SparkKept(Kept):
    """The batches' rows of one evaluation, persisted in Spark as views; `drop` ends them
    (and restores the session's constraint propagation, off meanwhile: `_CONSTRAINTS`)."""

    dialect = "spark"

    def __init__(self, runner: Any) -> None:  # not Kept's: no DuckDB connection to set up
        self.runner = runner  # the Spark backend
        self.spark = runner.spark
        self.names: list[str] = []
        self.frames: list[Any] = []
        self.fetched = 0  # rows and items brought to the driver (the tests read it)
        self.constraints = str(self.spark.conf.get(_CONSTRAINTS))
        self.spark.conf.set(_CONSTRAINTS, "false")

    def _sql(self, statement: exp.Expr | str) -> Any:
        return self.spark.sql(statement if isinstance(statement, str) else statement.sql(dialect="spark"))

    def _collect(self, statement: exp.Expr) -> list[tuple[Any, ...]]:
        with self.runner.refused():
            found = [tuple(row) for row in self._sql(statement).collect()]
        self.fetched += len(found)
        return found

    def keep(self, select_text: str) -> tuple[str, list[str]]:
        from pyspark import StorageLevel

        name = f"lawcode_rows_{next(_names)}"
        with self.runner.refused():
            frame = self.spark.sql(select_text).persist(StorageLevel.MEMORY_AND_DISK)
            frame.createOrReplaceTempView(name)
        self.names.append(name)
        self.frames.append(frame)
        return name, [duck_type(field.dataType) for field in frame.schema.fields]

    def adapt(self, text: RuleText, query: RuleQuery) -> RuleText:
        if query.subject_json:  # Spark holds such ids as their JSON text, DuckDB as JSON
            raise Unrenderable("subject ids of no one type (held as JSON text)")
        forms = {form: to_spark(expr) for form, expr in text.text.items()}
        name = text.name
        if name is not None:
            name = dataclasses.replace(name, value=to_spark(name.value))
        return dataclasses.replace(text, text=forms, order=[to_spark(o) for o in text.order], marked=marked(forms["json"]), name=name, rendered={})

    def rows(self, name: str, where: exp.Expr) -> list[tuple[Any, ...]]:
        return self._collect(exp.select(exp.Star()).from_(_table(name)).where(where))

    def writable(self, name: str, text: RuleText) -> bool:
        """Whether no violation of the rule would hold the failure mark (one row at most is fetched)."""
        select = exp.select(exp.Literal.number(1)).from_(_rows(name, text.name)).where(exp.and_(_violated(text), exp.Paren(this=text.marked.copy()))).limit(1)
        return not self._collect(select)

    def written(self, name: str, text: RuleText) -> Written:
        def ordered(form: str) -> exp.Select:
            """The items as one text column, in report order (Spark range-partitions a sort:
            partition i holds items before partition i + 1's)."""
            order = [exp.Ordered(this=o.copy(), nulls_first=False) for o in text.order]
            select = exp.select(exp.alias_(text.text[form].copy(), "value", quoted=True)).from_(_rows(name, text.name)).where(_violated(text))
            return select.order_by(*order) if order else select

        def chunks(form: str) -> Iterator[tuple[bytes, int]]:
            separator = SEPARATOR[form].decode()
            with self.runner.refused():
                items = self._sql(ordered(form)).toLocalIterator()
                while True:
                    found = [row[0] for row in itertools.islice(items, CHUNK)]
                    if not found:
                        return
                    self.fetched += len(found)
                    yield separator.join(found).encode("utf-8"), len(found)

        def write(path: str) -> None:
            with self.runner.refused():
                self._sql(ordered("jsonl")).write.option("compression", "none").text(path)

        def count() -> int:
            select = exp.select(exp.Count(this=exp.Star())).from_(_table(name)).where(_violated(text))
            with self.runner.refused():
                return int(self._sql(select).collect()[0][0])

        return SparkWritten(text.rule.id, text.severity, text.document, chunks, write, count)

    def drop(self) -> None:
        for name in reversed(self.names):
            self.spark.catalog.dropTempView(name)
        for frame in self.frames:
            frame.unpersist()
        self.names.clear()
        self.frames.clear()
        self.spark.conf.set(_CONSTRAINTS, self.constraints)


def _violated(text: RuleText) -> exp.Expr:
    return exp.EQ(this=exp.column(text.outcome, quoted=True), expression=exp.Literal.number(1))


# ---------------------------------------------------------------- a folder of parts


def write_folder(stream: ReportStream, folder: Path) -> dict[str, Any]:
    """Write the report's JSON Lines into `folder` (empty: `output.staged_folder`'s stage) as
    part files `PART`, whose concatenation in name order is the `--format jsonl` report;
    returns the summary. Each rule Spark writes is a run of parts Spark wrote (its
    partitions, in order); what the driver builds goes in parts of its own between them;
    the last part ends with the summary line."""
    tally = Tally()
    block = 0
    driver: Any = None  # the open part the driver is writing, if any
    try:
        for part in stream.violation_parts():
            if isinstance(part, SparkWritten):
                if driver is not None:
                    driver.close()
                    driver = None
                _spark_part(part, folder, block)
                tally.written(part, part.count())
                block += 1
                continue
            if driver is None:
                driver = open(folder / PART.format(block, 0), "xb")  # noqa: SIM115 — closed when the run of driver items ends
                block += 1
            if isinstance(part, Violation):
                tally.violation(part)
                driver.write(orjson.dumps({"record": "violation", **part.to_json()}) + b"\n")
            else:
                for piece, count in part.chunks("jsonl"):
                    tally.written(part, count)
                    driver.write(piece + b"\n")
        if driver is not None:
            driver.close()
        driver = open(folder / PART.format(block, 0), "xb")  # noqa: SIM115 — closed below
        for u in stream.undetermined():
            tally.undetermined += 1
            driver.write(orjson.dumps({"record": "undetermined", **u.to_json()}) + b"\n")
        for rule in stream.not_in_force:
            driver.write(orjson.dumps({"record": "not_in_force", **rule.to_json()}) + b"\n")
        summary = tally.summary(len(stream.rules), len(stream.not_in_force), stream.subjects_checked)
        driver.write(orjson.dumps({"record": "summary", **stream.header(), "summary": summary}) + b"\n")
        return summary
    finally:
        if driver is not None:
            driver.close()


def _spark_part(part: SparkWritten, folder: Path, block: int) -> None:
    """Spark writes the rule's lines under a folder of its own; its part files (named by
    partition, so in order) become `PART`s of this block, empty ones left out."""
    scratch = folder / f"spark-{block:05d}"
    part.write(str(scratch))
    written = sorted(p for p in scratch.iterdir() if p.name.startswith("part-"))
    piece = 0
    for path in written:
        if path.stat().st_size:
            os.replace(path, folder / PART.format(block, piece))
            piece += 1
    shutil.rmtree(scratch)

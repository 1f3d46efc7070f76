"""A batch's result rows kept in DuckDB while the report is written, and the violations
the engine writes from them (`render.py`).

Without this, every violated subject's row comes to Python and becomes objects (`report.py`).
With it, the rows stay in a temporary table; Python fetches only what it still builds
itself (undetermined subjects, and the violations of rules `render.py` cannot write), and a
written rule's violations come back as JSON text, a run of `CHUNK` items per fetched
value, already in report order. Used for collections of at least `MIN_SUBJECTS`
elements: below that the extra statements cost more than the objects they save.

A rule whose subjects show a display name reads it from the collection's typed table,
joined on the subject's position beside the kept rows (`_rows`): the batch queries need
not carry it, and only the rows asked about are joined.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import duckdb
from sqlglot import exp

from lawcode.engine.report import Written
from lawcode.engine.sql.probes import RuleQuery
from lawcode.engine.sql.render import NAME, SEPARATOR, RuleText
from lawcode.engine.sql.tables import POS

MIN_SUBJECTS = 10_000  # subjects in a collection before its violations are written by the engine (tests lower it)
CHUNK = 1_000  # items per fetched value: few Python objects, each a few hundred kB at most

_names = itertools.count()


def _table(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def _outcome(text: RuleText, value: int) -> exp.Expr:
    return exp.EQ(this=exp.column(text.outcome, quoted=True), expression=exp.Literal.number(value))


def _rows(name: str, text: RuleText) -> exp.Expr:
    """What the rule's text is written from: the kept table, with the subject's display
    name beside each row (column `NAME`) when its subjects show one."""
    if text.name is None:
        return _table(name)
    source = text.name
    kept = exp.Table(this=exp.to_identifier(name, quoted=True), alias=exp.TableAlias(this=exp.to_identifier("r")))
    typed = exp.Table(this=exp.to_identifier(source.table, quoted=True), alias=exp.TableAlias(this=exp.to_identifier("t")))
    on = exp.EQ(this=exp.column(POS, table="t", quoted=True), expression=exp.column(source.position, table="r", quoted=True))
    joined = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("r")), exp.alias_(source.value.copy(), NAME, quoted=True)).from_(kept).join(typed, on=on, join_type="LEFT")
    return exp.Subquery(this=joined, alias=exp.TableAlias(this=exp.to_identifier("r")))


class Kept:
    """The temporary tables of one evaluation on one DuckDB connection; `drop` ends them.

    `spark_written.SparkKept` is the same on Spark (`dialect`, `adapt`: its SQL)."""

    dialect = "duckdb"  # the SQL a batch's rows are kept with

    def __init__(self, runner: Any) -> None:
        self.runner = runner  # the DuckDB backend: its `query` registers the functions a query calls
        self.con = runner.con
        self.names: list[str] = []
        self.con.execute("SET preserve_insertion_order = true")  # the default, and what `written` relies on

    def keep(self, select_text: str) -> tuple[str, list[str]]:
        """Keep a batch's rows (its SELECT as DuckDB text); returns the table and its column types."""
        name = f"lawcode_rows_{next(_names)}"
        statement = f'CREATE TEMP TABLE "{name}" AS {select_text}'
        self.runner.query(exp.Command(this=statement), {"duckdb": statement})
        self.names.append(name)
        types = [str(row[1]) for row in self.con.execute(f'DESCRIBE "{name}"').fetchall()]
        return name, types

    def adapt(self, text: RuleText, query: RuleQuery) -> RuleText:
        """The rule's text in this engine's SQL (`render.py` writes DuckDB's)."""
        return text

    def rows(self, name: str, where: exp.Expr) -> list[tuple[Any, ...]]:
        select = exp.select(exp.Star()).from_(_table(name)).where(where)
        found: list[tuple[Any, ...]] = self.con.execute(select.sql(dialect="duckdb")).fetchall()
        return found

    def writable(self, name: str, text: RuleText) -> bool:
        """Whether SQL writes every violation of the rule exactly (no failure mark), asked
        of the values the text would show (`render.marked`), without writing it."""
        # Written as text around the expression's own: a copy of its tree costs more than the SQL.
        select = f'SELECT 1 FROM {_rows(name, text).sql(dialect="duckdb")} WHERE {_outcome(text, 1).sql(dialect="duckdb")} AND ({text.sql("marked", "duckdb")}) LIMIT 1'
        return not self.con.execute(select).fetchall()  # fetchall: the result is finished before the next statement

    def written(self, name: str, text: RuleText) -> Written:
        """The rule's violations as the engine writes them. Its violated rows are first put in
        report order in a table of their own (small: the columns, not the text), then each
        run of `CHUNK` items is written and fetched alone, so the engine never holds the
        whole text (a blocking sort or aggregate over it would, a few hundred MB at scale)."""

        def chunks(form: str) -> Iterator[tuple[bytes, int]]:
            ordered = f"{name}_ordered_{next(_names)}"
            window = exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=[exp.Ordered(this=o.copy()) for o in text.order]))
            rows = exp.select(exp.Star(), exp.alias_(window, "__n", quoted=True)).from_(_rows(name, text)).where(_outcome(text, 1)).order_by(exp.column("__n", quoted=True))
            self.con.execute(f'CREATE TEMP TABLE "{ordered}" AS {rows.sql(dialect="duckdb")}')
            try:
                # A projection of a table kept in order streams in that order (DuckDB keeps
                # insertion order): no sort, no aggregate holds the text.
                result = self.con.execute(f'SELECT {text.sql(form, "duckdb")} FROM "{ordered}"')
                separator = SEPARATOR[form].decode()
                while True:
                    found = result.fetchmany(CHUNK)
                    if not found:
                        return
                    yield separator.join(row[0] for row in found).encode("utf-8"), len(found)
            finally:
                self.con.execute(f'DROP TABLE IF EXISTS "{ordered}"')

        return Written(text.rule.id, text.severity, text.document, chunks)

    def drop(self) -> None:
        for name in reversed(self.names):
            try:
                self.con.execute(f'DROP TABLE IF EXISTS "{name}"')
            except duckdb.Error:  # the connection is closed: its temporary tables went with it
                break
        self.names.clear()

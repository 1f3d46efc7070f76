"""What an IR expression becomes in SQL (`Val`) and the FROM clause it is read in (`Scope`).

The generator turns each expression into a SQL value within one FROM clause: the rule's
subjects, an aggregate's elements, a copy of an owner's table. Reading a field of an
entity, looking one up by id, or aggregating over a collection adds a join to that clause
(once: `Scope.cache` remembers it by the SQL it was built from), so a rule's query reads
each table it needs once, however many times its expressions mention it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlglot import exp

from lawcode.compiler import types as T
from lawcode.engine.sql.builders import aliased, tables_of
from lawcode.engine.sql.tables import Column


@dataclass(frozen=True, slots=True)
class Val:
    """An IR expression's value as SQL. An entity value is its position in its collection."""

    sql: exp.Expr
    type: T.Type
    entity: str | None = None  # the collection, when the value is an entity
    alias: str | None = None  # a table alias whose row is that entity (fields read directly)
    const: Any = None  # the Python value, when the expression is closed (reads no collection)
    closed: bool = False
    raw: exp.Expr | None = None  # a list of objects: its JSON text (what probes and messages show)
    record: Column | None = None  # a list of objects, or an item of one: the list's column (item fields)


class Bases(Protocol):
    """What a scope tells the generator: whose rows its base table holds."""

    collection_of: dict[str, str]  # table name → collection
    bases: dict[str, str]  # alias of a scope's base table → its collection


@dataclass(slots=True, eq=False)
class Scope:
    """One FROM clause being built: a base table plus the joins its expressions need."""

    gen: Bases = field(repr=False)
    base: exp.Expr
    alias: str
    # What names one row of this FROM clause: the positions (list indexes) of the rows it
    # joins that can be many. An aggregate whose filter reads several of its rows is
    # grouped by it (`Decorrelator.rescoped`), so every clause has one.
    key: dict[str, exp.Expr]
    joins: list[exp.Join] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.base, exp.Table) and self.base.name in self.gen.collection_of:
            self.gen.bases[self.alias] = self.gen.collection_of[self.base.name]  # a row that is always there

    def copy_for(self, reads: set[str]) -> Scope:
        """A copy of this FROM clause, for a subquery that reads the aliases `reads` and this
        clause's row key: every join that filters or multiplies rows, and only the LEFT joins
        (lookups, other aggregates: one row each) that those reads need."""
        needed = set(reads) | set().union(*(tables_of(e) for e in self.key.values()))
        kept: list[exp.Join] = []
        for join in reversed(self.joins):  # a join reads only the aliases before it
            if join.kind != "LEFT" or join.alias_or_name in needed:
                kept.append(join)
                on = join.args.get("on")
                needed |= tables_of(on) if on is not None else set()
        return Scope(self.gen, self.base.copy(), self.alias, self.key, [j.copy() for j in reversed(kept)])

    def from_(self, select: exp.Select) -> exp.Select:
        select = select.from_(exp.alias_(self.base, self.alias, table=True, copy=False) if not isinstance(self.base, exp.Table) else aliased(self.base, self.alias), copy=False)
        for join in self.joins:
            select = select.join(join, copy=False)
        return select

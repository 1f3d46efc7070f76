"""What the generated queries hand back: where each answer is in a batch's rows.

A batch is one query for several rules over the same subjects (`generate.py`). Its rows
are only the violated and undetermined subjects, and each column is one answer the report
needs: a rule's outcome, its message values, and for each node the reference tracer would
record (fields, parameters, `as_of`, aggregates, lookups, escalations: see
`engine/run.py:evidence`) whether the trace reaches it, its value and what its JSON
pointer is made of. These types say which column holds what; `report.py` reads them back
into the reference `Report`.

"Reaches" mirrors the reference evaluator's short-circuits exactly: `a and b` reads `b`
only when `a` is not false, `if` reads one branch, `x ?? y` reads `y` only when `x` is
missing. A probe carries the tests on earlier columns that decide it (`visit`), and
`reached` applies them to a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from lawcode.compiler import ir
from lawcode.compiler import types as T


@dataclass(slots=True)
class Probe:
    """One node of the reference trace: which columns say whether it was reached and what it read."""

    kind: str  # field | static | lookup | aggregate | escalate | group
    expr: ir.Expr
    visit: tuple[tuple[int, str], ...] = ()  # reached iff each (column, test) holds: see `reached`
    value: int = -1  # column index of the value (field, aggregate, escalate)
    base: int = -1  # field: column index of the base entity's position (None: base missing)
    collection: str | None = None  # field on an entity / lookup / aggregate source
    suffix: str = ""  # field: pointer below the entity
    static_value: Any = None  # static: the value; field on the snapshot root: the value
    static_pointer: str | None = None
    static_note: str | None = None
    key: int = -1  # lookup: the key value; aggregate: "all outer keys present"
    count: int = -1  # aggregate: elements matched by the key (or all of them)
    env: dict[str, tuple[int, T.Type, str | None]] = field(default_factory=dict)  # aggregate: outer bindings
    outer_keys: list[int] = field(default_factory=list)  # aggregate: outer key values
    source: int = -1  # aggregate over a list: the list value
    json: bool = False  # field: the value comes as JSON text (a field of no one type, a list of objects)
    source_json: bool = False  # aggregate over a list of objects: the list comes as JSON text
    name: str = ""  # group: the 0-argument definition whose body these probes trace
    items: list[Probe] = field(default_factory=list)  # group members


@dataclass(slots=True)
class Trace:
    """Where probes go, and the condition under which the current node is reached."""

    sink: list[Probe]
    visit: tuple[tuple[int, str], ...] = ()

    def under(self, column: int | None, test: str) -> Trace:
        if column is None:  # decided statically true: nothing to test
            return self
        return Trace(self.sink, (*self.visit, (column, test)))

    def never(self) -> Trace:
        return Trace(self.sink, (*self.visit, (-1, "never")))

    def add(self, probe: Probe) -> None:
        probe.visit = self.visit
        self.sink.append(probe)


def reached(visit: tuple[tuple[int, str], ...], row: tuple[Any, ...]) -> bool:
    """Whether the reference tracer evaluates a node, from the values of the sub-expressions before it."""
    for column, test in visit:
        if test == "never":
            return False
        value = row[column]
        if test == "not_false" and value is False:
            return False
        if test == "not_true" and value is True:
            return False
        if test == "true" and value is not True:
            return False
        if test == "false" and value is not False:
            return False
        if test == "null" and value is not None:
            return False
    return True


@dataclass(slots=True)
class RuleQuery:
    """Where one rule's results are in its batch's rows."""

    rule: ir.Rule
    outcome: int  # 0 satisfied, 1 violated, 2 undetermined
    position: int
    subject_id: int
    message: list[str | tuple[ir.Expr, Any] | int]  # text, a closed value, or a column index
    probes: list[list[Probe]]  # per part traced: where, unless, require (those present)
    subject_json: bool = False  # the id column holds JSON text (an `id` of no one type): decoded in Python


@dataclass(slots=True)
class Batch:
    """One query and the rules whose results it carries."""

    select: exp.Expr
    rules: list[RuleQuery]
    types: list[T.Type]  # per output column: the type of the value it carries
    text: dict[str, str] = field(default_factory=dict)  # rendered SQL per dialect (cached)
    written: dict[Any, dict[str, Any]] = field(default_factory=dict)  # report.py: rule texts per evaluation key (cached)
    ctes: list[tuple[str, exp.Select]] = field(default_factory=list)  # its own CTEs (attached by `finish`)
    shared: set[str] = field(default_factory=set)  # shared tables it reads

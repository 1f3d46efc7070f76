"""The compiled program: typed, resolved, backend-neutral.

Every expression node says what it computes, not how Python computes it: operators are
named by their typed meaning (`date+period`, not `+`), aggregates say which key joins
them to the outer subject, and missing facts follow SQL's three-valued logic (a missing
value is NULL; `and`/`or` are Kleene's). That is the contract a SQL generator and the
reference evaluator both implement, so they can be tested against each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeAlias

from lawcode.compiler import types as T
from lawcode.dsl.spans import Span

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Const:
    value: Any  # bool, int, float, str, date, datetime, timedelta, months (int), step index, list
    type: T.Type
    span: Span


@dataclass(frozen=True, slots=True)
class AsOf:
    span: Span
    type: T.Type = T.DATE


@dataclass(frozen=True, slots=True)
class ParamRef:
    name: str
    type: T.Type
    span: Span


@dataclass(frozen=True, slots=True)
class Var:
    """A bound name: a rule's subject, an aggregate's element, a definition's argument."""

    name: str
    type: T.Type
    span: Span


@dataclass(frozen=True, slots=True)
class Root:
    """The snapshot object itself; the base of `policy.caps.x`."""

    span: Span
    type: T.Type = T.UNKNOWN


@dataclass(frozen=True, slots=True)
class Field:
    """`base.path[0].path[1]…`; missing anywhere along the way → missing."""

    base: Expr
    path: tuple[str, ...]
    type: T.Type
    span: Span


@dataclass(frozen=True, slots=True)
class Lookup:
    """The element of `collection` whose `id` equals `key` (missing if none)."""

    collection: str
    key: Expr
    type: T.Type
    span: Span


@dataclass(frozen=True, slots=True)
class Op:
    """A typed operator or builtin; `name` is its meaning, e.g. `date-period`, `present`.

    Every name is an entry of `compiler/operators.py`'s `OPERATORS` (its types and meaning);
    each backend implements all (`engine/sql/operators.py` for SQL).
    """

    name: str
    args: tuple[Expr, ...]
    type: T.Type
    span: Span


@dataclass(frozen=True, slots=True)
class ChainStep:
    """One operator of a `Chain`: its typed meaning, its right operand, the running type."""

    name: str  # as `Op.name`, e.g. `num+num`, `date-duration`
    operand: Expr
    type: T.Type  # the running value's type after this step
    span: Span  # the text from the chain's start to this operand


@dataclass(frozen=True, slots=True)
class Chain:
    """`a + b - c …`: two or more typed operators of one precedence level applied left to
    right, as their binary `Op`s would be (every operand read, missing if any is missing or
    an operator fails), in one node however long the chain: a chain of 10,000 terms nested
    as binary nodes would be 10,000 levels deep for every walk of the IR."""

    first: Expr
    steps: tuple[ChainStep, ...]
    type: T.Type
    span: Span


@dataclass(frozen=True, slots=True)
class And:
    left: Expr
    right: Expr
    span: Span
    type: T.Type = T.BOOL


@dataclass(frozen=True, slots=True)
class Or:
    left: Expr
    right: Expr
    span: Span
    type: T.Type = T.BOOL


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span
    type: T.Type = T.BOOL


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # == != < <= > >=, an entry of `operators.COMPARISONS`
    left: Expr
    right: Expr
    span: Span
    type: T.Type = T.BOOL


@dataclass(frozen=True, slots=True)
class Member:
    item: Expr
    container: Expr  # a list literal or a list-typed field
    span: Span
    type: T.Type = T.BOOL


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple[Expr, ...]
    type: T.Type
    span: Span


@dataclass(frozen=True, slots=True)
class Coalesce:
    value: Expr
    fallback: Expr
    type: T.Type
    span: Span


@dataclass(frozen=True, slots=True)
class If:
    condition: Expr
    then: Expr
    otherwise: Expr
    type: T.Type
    span: Span


@dataclass(frozen=True, slots=True)
class Aggregate:
    """An aggregate over a collection (or a list field).

    `keys` are the equi-join conjuncts pulled out of the filter: pairs of (path in the
    element, expression of the outer scope). A backend evaluates them as an index
    lookup / GROUP BY join instead of a nested loop; `where` is the rest of the filter.
    """

    func: str  # count exists sum min max all any
    var: str
    source: Expr  # CollectionRef or a list-typed expression
    keys: tuple[tuple[tuple[str, ...], Expr], ...]
    where: Expr | None
    value: Expr | None
    type: T.Type
    span: Span


@dataclass(frozen=True, slots=True)
class CollectionRef:
    collection: str
    span: Span
    type: T.Type = T.UNKNOWN


@dataclass(frozen=True, slots=True)
class DefCall:
    name: str
    args: tuple[Expr, ...]
    type: T.Type
    span: Span


@dataclass(frozen=True, slots=True)
class StepOf:
    """A string naming a step (from the snapshot), read as a step of `ladder`."""

    ladder: str
    value: Expr
    type: T.Type
    span: Span


@dataclass(frozen=True, slots=True)
class Escalate:
    """The step an escalation table calls for at `count` (the highest threshold ≤ count)."""

    param: str
    count: Expr
    type: T.Type
    span: Span


Expr: TypeAlias = (
    Const
    | AsOf
    | ParamRef
    | Var
    | Root
    | Field
    | Lookup
    | Op
    | Chain
    | And
    | Or
    | Not
    | Compare
    | Member
    | ListExpr
    | Coalesce
    | If
    | Aggregate
    | CollectionRef
    | DefCall
    | StepOf
    | Escalate
)

def balanced(kind: type[And] | type[Or], items: list[Expr], span: Span) -> Expr:
    """`a and b and c …` as a balanced tree of `kind` over `items` (at least one), `span` at its
    root. Kleene's `and`/`or` are associative and read their operands left to right with the
    same short-circuits however grouped, so the value, the operands read and their order
    (the evidence) are those of the left-deep chain, at a depth of log2(n) instead of n."""
    if len(items) == 1:
        return items[0]
    middle = len(items) // 2
    left = balanced(kind, items[:middle], items[0].span.cover(items[middle - 1].span))
    right = balanced(kind, items[middle:], items[middle].span.cover(items[-1].span))
    return kind(left, right, span)


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True)
class Item:
    number: int
    summary: str | None
    not_applicable: str | None
    span: Span
    partial: str | None = None  # what of its duty no rule checks (`partial "…"`)
    in_force_from: dt.date | None = None  # its own dates, where a later text replaced just this part
    in_force_until: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    number: int
    summary: str | None
    not_applicable: str | None
    items: dict[int, Item]
    span: Span
    partial: str | None = None
    in_force_from: dt.date | None = None
    in_force_until: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Article:
    unit: str
    number: int
    summary: str | None
    not_applicable: str | None
    paragraphs: dict[int, Paragraph]
    span: Span
    partial: str | None = None
    in_force_from: dt.date | None = None
    in_force_until: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Document:
    key: str
    title: str
    issuer: str
    issued: dt.date | None
    in_force: dt.date | None
    source: str
    articles: dict[int, Article]
    span: Span
    in_force_until: dt.date | None = None  # the last day before a later text replaced it


def within(day: dt.date, start: dt.date | None, until: dt.date | None) -> bool:
    """`start <= day <= until`, either bound open when None (both inclusive)."""
    return (start is None or start <= day) and (until is None or day <= until)


@dataclass(frozen=True, slots=True)
class Citation:
    document: str
    unit: str  # the document's unit word: article or task
    article: int
    paragraph: int | None
    item: int | None
    summary: str | None  # the most specific summary declared
    span: Span
    # When the cited provision has effect: its document's dates narrowed by those of the
    # article, paragraph and item it names (`citations.resolve_citation` computes them).
    in_force_from: dt.date | None = None
    in_force_until: dt.date | None = None

    def in_force_on(self, day: dt.date) -> bool:
        return within(day, self.in_force_from, self.in_force_until)

    @property
    def place(self) -> str:
        """Where in its document: `art 8 para 1`, `task 3`."""
        text = f"{'task' if self.unit == 'task' else 'art'} {self.article}"
        if self.paragraph is not None:
            text += f" para {self.paragraph}"
        if self.item is not None:
            text += f" item {self.item}"
        return text

    @property
    def label(self) -> str:
        """`groups-2017 art 8 para 1`."""
        return f"{self.document} {self.place}"

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "article": self.article,
            "paragraph": self.paragraph,
            "item": self.item,
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: T.Type
    default: Any
    source: tuple[str, ...] | None
    unit: str | None
    citations: tuple[Citation, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Ladder:
    name: str
    steps: tuple[str, ...]
    citations: tuple[Citation, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    params: tuple[tuple[str, T.Type], ...]
    body: Expr
    type: T.Type
    span: Span


@dataclass(frozen=True, slots=True)
class Rule:
    """A checked rule. `citations` are its basis, the provisions whose words impose its
    duty, in the order a lawyer cites them; `related` are provisions only relevant to it
    (`see …`), listed in reports and never deciding when it applies.

    A rule applies on a day while at least one basis citation is in force (and the day is
    within the rule's own `in_force from/until`): a duty that several texts impose lives
    as long as any of them. `in_force_from`/`in_force_until` are the envelope of those
    days, for reports of rules not in force; `citations_on` is what every backend asks."""

    id: str
    title: str | None
    severity: str
    kind: str  # data | attestation
    citations: tuple[Citation, ...]
    in_force_from: dt.date | None
    in_force_until: dt.date | None
    collection: str | None  # None: the platform as a whole
    var: str | None
    where: Expr | None
    unless: Expr | None
    require: Expr
    message: tuple[str | Expr, ...]
    span: Span
    related: tuple[Citation, ...] = ()

    def citations_on(self, day: dt.date) -> tuple[Citation, ...]:
        """The basis citations in force on `day`, in the rule's order (empty: the rule does
        not apply). A violation cites these, the first as its citation."""
        if not within(day, self.in_force_from, self.in_force_until):
            return ()
        return tuple(c for c in self.citations if c.in_force_on(day))

    def in_force_on(self, day: dt.date) -> bool:
        return bool(self.citations_on(day))


SEVERITIES = ("info", "low", "medium", "high", "critical")
RULE_KINDS = ("data", "attestation")

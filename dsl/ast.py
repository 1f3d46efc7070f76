"""The lawcode syntax tree: one frozen class per construct, each with its span.

The tree mirrors the text (it is what the formatter prints back), not the meaning:
names are unresolved strings and types are unchecked. `lawcode.compiler` turns it into
typed IR.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeAlias

from lawcode.dsl.spans import Span

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Attribute:
    """`obj.name`: a field of an entity, a step of a ladder."""

    obj: Expr
    name: str
    name_span: Span
    span: Span


@dataclass(frozen=True, slots=True)
class Index:
    """`obj[key]`: an entity looked up by id, or an escalation looked up by count."""

    obj: Expr
    key: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    func_span: Span
    args: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class IntLit:
    value: int
    span: Span


@dataclass(frozen=True, slots=True)
class DecimalLit:
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class StringLit:
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class BoolLit:
    value: bool
    span: Span


@dataclass(frozen=True, slots=True)
class DateLit:
    value: dt.date
    span: Span


@dataclass(frozen=True, slots=True)
class DateTimeLit:
    text: str
    value: dt.datetime
    span: Span


@dataclass(frozen=True, slots=True)
class DurationLit:
    """`6 months`, `15 days`: `unit` is normalised to the plural form."""

    amount: int
    unit: str
    span: Span


@dataclass(frozen=True, slots=True)
class ListLit:
    items: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class MapLit:
    """`{1: warning, 3: suspend_posting}`: an escalation table's literal."""

    entries: tuple[tuple[Expr, Expr], ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Arith:
    op: str  # + - * /
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # == != < <= > >=
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # and | or | implies (which never chains: see `chain`)
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Member:
    item: Expr
    container: Expr
    negated: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Default:
    """`value ?? fallback`: the explicit answer for a missing fact."""

    value: Expr
    fallback: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Conditional:
    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Aggregate:
    """`count(x in C where p)`, `exists(...)`, `sum|min|max|all|any(v for x in C where p)`."""

    func: str
    var: str
    var_span: Span
    collection: Expr
    where: Expr | None
    value: Expr | None
    span: Span


Expr: TypeAlias = (
    Name
    | Attribute
    | Index
    | Call
    | IntLit
    | DecimalLit
    | StringLit
    | BoolLit
    | DateLit
    | DateTimeLit
    | DurationLit
    | ListLit
    | MapLit
    | Negate
    | Not
    | Arith
    | Compare
    | BoolOp
    | Member
    | Default
    | Conditional
    | Aggregate
)


_LEVEL = {"and": "and", "or": "or", "implies": "implies", "+": "+-", "-": "+-", "*": "*/", "/": "*/"}


def chain(e: Expr) -> tuple[Expr, list[BoolOp | Arith]]:
    """A left-associative chain of one precedence level, walked down its left spine without
    recursion: `a - b + c` is (a, [the `a - b` node, the `… + c` node]), innermost first.
    Anything else is (e, []). The parser builds chains left-deep, as deep as they are long."""
    links: list[BoolOp | Arith] = []
    node = e
    while isinstance(node, BoolOp | Arith) and (not links or _continues(node, links[-1])):
        links.append(node)
        node = node.left
    links.reverse()
    return node, links


def _continues(left: BoolOp | Arith, parent: BoolOp | Arith) -> bool:
    """Whether `left` is the same chain as `parent`: the same level, and not `implies`,
    which does not chain (`(a implies b) implies c` is two operators, not a chain)."""
    return _LEVEL[left.op] == _LEVEL[parent.op] and parent.op != "implies"


def operands(e: Expr) -> tuple[tuple[Expr, bool], ...]:
    """The direct sub-expressions of `e`, each with whether it continues `e`'s chain
    (the left operand of an operator of the same precedence level), in written order."""
    match e:
        case BoolOp(left=a, right=b) | Arith(left=a, right=b):
            same = isinstance(a, BoolOp | Arith) and _continues(a, e)
            return ((a, same), (b, False))
        case Attribute(obj=a) | Negate(operand=a) | Not(operand=a):
            return ((a, False),)
        case Index(obj=a, key=b) | Compare(left=a, right=b) | Default(value=a, fallback=b):
            return ((a, False), (b, False))
        case Member(item=a, container=b):
            return ((a, False), (b, False))
        case Call(args=args) | ListLit(items=args):
            return tuple((a, False) for a in args)
        case MapLit(entries=entries):
            return tuple((x, False) for entry in entries for x in entry)
        case Conditional(condition=c, then=a, otherwise=b):
            return ((c, False), (a, False), (b, False))
        case Aggregate(collection=c, where=w, value=v):
            return tuple((x, False) for x in (v, c, w) if x is not None)
    return ()


@dataclass(frozen=True, slots=True)
class Template:
    """A message: literal text and `{expr}` holes, in order."""

    parts: tuple[str | Expr, ...]
    raw: str
    span: Span


# ---------------------------------------------------------------- documents


@dataclass(frozen=True, slots=True)
class Item:
    number: int
    summary: str | None
    not_applicable: str | None
    span: Span
    partial: str | None = None  # `partial "what is not checked"`: rules check only part of its duty
    in_force_from: dt.date | None = None  # its own dates, where a later text replaced just this part
    in_force_until: dt.date | None = None
    clauses: tuple[tuple[str, Span], ...] = ()  # (keyword, span) as written, for the formatter


@dataclass(frozen=True, slots=True)
class Paragraph:
    number: int
    summary: str | None
    not_applicable: str | None
    items: tuple[Item, ...]
    span: Span
    partial: str | None = None
    in_force_from: dt.date | None = None
    in_force_until: dt.date | None = None
    clauses: tuple[tuple[str, Span], ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    unit: str  # "article" or "task"
    number: int
    summary: str | None
    not_applicable: str | None
    paragraphs: tuple[Paragraph, ...]
    span: Span
    partial: str | None = None
    in_force_from: dt.date | None = None
    in_force_until: dt.date | None = None
    clauses: tuple[tuple[str, Span], ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    key: str
    title: str | None
    issuer: str | None
    issued: dt.date | None
    in_force: dt.date | None
    source: str | None
    articles: tuple[Article, ...]
    span: Span
    # (keyword, span) of each header line as written, in source order: where the
    # formatter puts back the comments that sat above or beside them
    clauses: tuple[tuple[str, Span], ...] = ()
    in_force_until: dt.date | None = None  # `in_force DATE until DATE`: the day a later text replaced it


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True)
class Citation:
    document: str
    unit: str  # as written: art, article, task
    article: int
    paragraph: int | None
    item: int | None
    span: Span


@dataclass(frozen=True, slots=True)
class TypeRef:
    """`number`, `date`, `users`, `step of sanctions`, `escalation of group_measures`."""

    name: str
    arg: TypeRef | None
    span: Span


@dataclass(frozen=True, slots=True)
class Import:
    path: str
    span: Span


@dataclass(frozen=True, slots=True)
class SchemaDecl:
    path: str
    span: Span


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: TypeRef
    default: Expr
    citations: tuple[Citation, ...]
    source: tuple[str, ...] | None  # `from policy.caps.max_group_members`
    source_span: Span | None
    unit: str | None
    span: Span
    clauses: tuple[tuple[str, Span], ...] = ()  # (keyword, span) as written, for the formatter


@dataclass(frozen=True, slots=True)
class DefParam:
    name: str
    type: TypeRef
    span: Span


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    params: tuple[DefParam, ...] | None  # None: a value, not a function
    returns: TypeRef | None
    body: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Ladder:
    name: str
    citations: tuple[Citation, ...]
    steps: tuple[Step, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Subject:
    """`for each g in groups where ...`"""

    var: str
    var_span: Span
    collection: str
    collection_span: Span
    where: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    citations: tuple[Citation, ...]
    title: str | None
    severity: str | None
    severity_span: Span | None
    kind: str | None
    kind_span: Span | None
    in_force_from: dt.date | None
    in_force_until: dt.date | None
    subject: Subject | None  # None: `on platform` (or missing, which the compiler reports)
    on_platform: bool
    requires: tuple[Expr, ...]
    unless: tuple[Expr, ...]
    message: Template | None
    span: Span
    clauses: tuple[tuple[str, Span], ...] = ()  # (keyword, span) as written, for the formatter
    # `see …`: provisions relevant to the rule that do not impose its duty. `citations`
    # (`cites …`) are its basis: they decide when it applies and what a violation cites.
    related: tuple[Citation, ...] = ()
    # `applies when …`: the block the rule is written in. Its condition is already the
    # first of `unless`, as `not CONDITION`; `own_unless` are the clauses written inside.
    scope: Scope | None = None

    @property
    def own_unless(self) -> tuple[Expr, ...]:
        """The `unless` clauses written in the rule itself (not its scope's)."""
        return self.unless[1:] if self.scope is not None else self.unless


@dataclass(frozen=True, slots=True)
class Scope:
    """`applies when CONDITION { rule … }`: rules that apply only when CONDITION holds.

    Each rule of the block reads as if it began with `unless not CONDITION` (Kleene's:
    when CONDITION is unknown, so is whether the rule applies, and a rule that would be
    violated is undetermined instead). The rules share one `Scope`; the formatter prints
    a block around each run of rules that have the same one."""

    condition: Expr
    head_span: Span  # `applies when CONDITION`
    span: Span  # the whole block, braces included


Declaration: TypeAlias = Import | SchemaDecl | Document | Parameter | Definition | Ladder | Rule


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Module:
    """One parsed file. Comments are kept apart so the formatter can put them back."""

    path: str
    declarations: tuple[Declaration, ...]
    comments: tuple[Comment, ...]
    source: str

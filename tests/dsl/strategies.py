"""Hypothesis strategies for syntax trees.

`expressions` are any tree the parser could build (for printing round trips);
`conditions`, `numbers`, `messages` and `rules` are well-typed over the mini schema
(`tests/data/mini`), so that a generated ruleset compiles and its IR can be compared.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from lawcode.dsl import ast
from lawcode.dsl.spans import Span

S = Span("<generated>", 1, 1, 1, 1)

# names that are no keyword anywhere in the grammar
NAMES = ["a", "b", "x", "users", "g", "member_count", "status", "max_group_members", "f_2", "_x9"]
FIELD_NAMES = [*NAMES, "source", "kind", "item", "title"]  # keywords elsewhere, fine after a dot
FUNCTIONS = ["present", "date", "len", "f", "members"]
UNITS = ["years", "months", "weeks", "days", "hours", "minutes", "seconds"]

text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]) | st.sampled_from(['"', "\\", "\n", "\t", "{", "}", "#"]),
    max_size=12,
)
datetimes = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)).map(
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
)


def _datetime_lit(t: str) -> ast.DateTimeLit:
    return ast.DateTimeLit(t, dt.datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(dt.UTC), S)


def leaves(strings: bool = True) -> st.SearchStrategy[ast.Expr]:
    options: list[st.SearchStrategy[ast.Expr]] = [
        st.sampled_from(NAMES).map(lambda n: ast.Name(n, S)),
        st.integers(0, 10**9).map(lambda v: ast.IntLit(v, S)),
        st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False).map(
            lambda d: ast.DecimalLit(f"{d:.3f}", S)
        ),
        st.booleans().map(lambda v: ast.BoolLit(v, S)),
        st.dates(min_value=dt.date(1900, 1, 1)).map(lambda d: ast.DateLit(d, S)),
        datetimes.map(_datetime_lit),
        st.builds(lambda n, u: ast.DurationLit(n, u, S), st.integers(0, 500), st.sampled_from(UNITS)),
    ]
    if strings:  # any text: inside a message hole too, where the lexer reads strings whole
        options.append(text.map(lambda v: ast.StringLit(v, S)))
    return st.one_of(*options)


def _compound(children: st.SearchStrategy[ast.Expr], maps: bool) -> st.SearchStrategy[ast.Expr]:
    c = children
    options: list[st.SearchStrategy[ast.Expr]] = [
        st.builds(lambda a, b, d: ast.Conditional(a, b, d, S), c, c, c),
        st.builds(lambda op, a, b: ast.BoolOp(op, a, b, S), st.sampled_from(["and", "or", "implies"]), c, c),
        c.map(lambda a: ast.Not(a, S)),
        st.builds(lambda op, a, b: ast.Compare(op, a, b, S), st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), c, c),
        st.builds(lambda a, b, n: ast.Member(a, b, n, S), c, c, st.booleans()),
        st.builds(lambda a, b: ast.Default(a, b, S), c, c),
        st.builds(lambda op, a, b: ast.Arith(op, a, b, S), st.sampled_from(["+", "-", "*", "/"]), c, c),
        c.map(lambda a: ast.Negate(a, S)),
        st.builds(lambda a, n: ast.Attribute(a, n, S, S), c, st.sampled_from(FIELD_NAMES)),
        st.builds(lambda a, k: ast.Index(a, k, S), c, c),
        st.builds(lambda f, args: ast.Call(f, S, tuple(args), S), st.sampled_from(FUNCTIONS), st.lists(c, max_size=3)),
        st.builds(
            lambda f, v, coll, w: ast.Aggregate(f, v, S, coll, w, None, S),
            st.sampled_from(["count", "exists"]), st.sampled_from(NAMES), c, st.none() | c,
        ),
        st.builds(
            lambda f, val, v, coll, w: ast.Aggregate(f, v, S, coll, w, val, S),
            st.sampled_from(["sum", "min", "max", "all", "any"]), c, st.sampled_from(NAMES), c, st.none() | c,
        ),
        st.lists(c, max_size=3).map(lambda items: ast.ListLit(tuple(items), S)),
    ]
    if maps:
        options.append(st.lists(st.tuples(c, c), max_size=3).map(lambda e: ast.MapLit(tuple(e), S)))
    return st.one_of(*options)


def expressions(in_message: bool = False) -> st.SearchStrategy[ast.Expr]:
    """Any expression; inside a message hole, no map (its braces would close the hole).
    Strings holding `"`, `{` or `}` are fine there: the lexer reads them whole."""
    return st.recursive(leaves(), lambda c: _compound(c, maps=not in_message), max_leaves=12)


def templates(holes: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Template]:
    """A message: literal text and holes, never two literal pieces side by side."""

    def build(pieces: list[tuple[str, ast.Expr]], tail: str) -> ast.Template:
        parts: list[str | ast.Expr] = []
        for literal, hole in pieces:
            if literal:
                parts.append(literal)
            parts.append(hole)
        if tail:
            parts.append(tail)
        return ast.Template(tuple(parts), "", S)

    return st.builds(build, st.lists(st.tuples(text, holes), max_size=3), text)


# ---------------------------------------------------------------- typed, over the mini schema

G = ast.Name("g", S)


def _field(name: str) -> ast.Expr:
    return ast.Attribute(G, name, S, S)


def _int(n: int) -> ast.Expr:
    return ast.IntLit(n, S)


MEMBERSHIPS_OF_G = ast.Aggregate(
    "count", "m", S, ast.Name("memberships", S),
    ast.Compare("==", ast.Attribute(ast.Name("m", S), "group_id", S, S), _field("id"), S), None, S,
)
number_leaves: st.SearchStrategy[ast.Expr] = st.one_of(
    st.integers(0, 2000).map(_int),
    st.just(_field("member_count")),
    st.just(ast.Call("members", S, (G,), S)),
    st.just(ast.Name("max_group_members", S)),
    st.just(MEMBERSHIPS_OF_G),
    st.just(ast.Call("len", S, (_field("id"),), S)),
    st.sampled_from(["0.5", "12.25"]).map(lambda t: ast.DecimalLit(t, S)),
)


def _numbers(c: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    return st.one_of(
        st.builds(lambda op, a, b: ast.Arith(op, a, b, S), st.sampled_from(["+", "-", "*", "/"]), c, c),
        c.map(lambda a: ast.Negate(a, S)),
        st.builds(lambda a, b: ast.Default(a, b, S), c, c),
        st.builds(lambda cond, a, b: ast.Conditional(cond, a, b, S), simple_conditions(c), c, c),
    )



# string fields without an enum (any literal compares) and the enum field `status`
free_strings = st.one_of(
    st.just(_field("id")), st.just(_field("creator_id")), st.just(ast.Attribute(_field("info"), "name", S, S)),
    text.map(lambda v: ast.StringLit(v, S)),  # any text, in a message hole too
)
statuses = st.one_of(st.just(_field("status")), st.sampled_from(["active", "closed"]).map(lambda v: ast.StringLit(v, S)))
strings = st.one_of(free_strings, statuses)


def _string_pairs() -> st.SearchStrategy[tuple[ast.Expr, ast.Expr]]:
    return st.one_of(st.tuples(free_strings, free_strings), st.tuples(statuses, statuses))


def simple_conditions(nums: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    return st.one_of(
        st.builds(lambda op, a, b: ast.Compare(op, a, b, S), st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), nums, nums),
        st.builds(lambda op, ab: ast.Compare(op, ab[0], ab[1], S), st.sampled_from(["==", "!="]), _string_pairs()),
        st.builds(lambda a, items, neg: ast.Member(a, ast.ListLit(tuple(items), S), neg, S),
                  free_strings, st.lists(free_strings, min_size=1, max_size=3), st.booleans()),
        st.builds(lambda a, items, neg: ast.Member(a, ast.ListLit(tuple(items), S), neg, S),
                  statuses, st.lists(statuses, min_size=1, max_size=3), st.booleans()),
        st.sampled_from(["member_count", "creator_id", "info"]).map(lambda f: ast.Call("present", S, (_field(f),), S)),
        st.booleans().map(lambda v: ast.BoolLit(v, S)),
        st.just(ast.Compare("<=", ast.Arith("-", ast.Name("as_of", S), ast.Name("log_retention", S), S), ast.Name("as_of", S), S)),
        st.builds(lambda n, u: ast.Compare(">", ast.Name("as_of", S), ast.Arith("-", ast.DateLit(dt.date(2020, 1, 31), S), ast.DurationLit(n, u, S), S), S),
                  st.integers(0, 30), st.sampled_from(["months", "days", "years", "weeks"])),
        st.just(ast.Aggregate("exists", "m", S, ast.Name("memberships", S),
                              ast.Compare("==", ast.Attribute(ast.Name("m", S), "user_id", S, S), _field("creator_id"), S), None, S)),
    )


numbers: st.SearchStrategy[ast.Expr] = st.recursive(number_leaves, _numbers, max_leaves=6)

conditions: st.SearchStrategy[ast.Expr] = st.recursive(
    simple_conditions(numbers),
    lambda c: st.one_of(
        st.builds(lambda op, a, b: ast.BoolOp(op, a, b, S), st.sampled_from(["and", "or", "implies"]), c, c),
        c.map(lambda a: ast.Not(a, S)),
        st.builds(lambda a, b: ast.Default(a, b, S), c, c),
        st.builds(lambda a, b, d: ast.Conditional(a, b, d, S), c, c, c),
    ),
    max_leaves=6,
)

CITATIONS = [
    ast.Citation("groups-2017", "art", 8, 1, None, S),
    ast.Citation("groups-2017", "art", 6, 1, None, S),
    ast.Citation("groups-2017", "article", 13, 2, None, S),
    ast.Citation("groups-2017", "art", 11, None, None, S),
]
message_holes = st.one_of(numbers, strings.filter(lambda e: not isinstance(e, ast.StringLit)))


@st.composite
def rules(draw: st.DrawFn, rule_id: str) -> ast.Rule:
    """A well-typed rule `for each g in groups` citing the mini documents."""
    cites = draw(st.lists(st.sampled_from(CITATIONS), min_size=1, max_size=3, unique_by=lambda c: (c.article, c.paragraph)))
    cited = {(c.document, c.article, c.paragraph) for c in cites}  # E056: one provision is basis or related, not both
    others = [c for c in CITATIONS if (c.document, c.article, c.paragraph) not in cited]
    related = draw(st.lists(st.sampled_from(others), max_size=2, unique_by=lambda c: (c.article, c.paragraph))) if others else []
    start = draw(st.none() | st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2030, 1, 1)))
    until = draw(st.none() | st.dates(min_value=dt.date(2030, 1, 2), max_value=dt.date(2040, 1, 1)))
    return ast.Rule(
        id=rule_id,
        citations=tuple(cites),
        title=draw(st.none() | text),
        severity=draw(st.none() | st.sampled_from(["info", "low", "medium", "high", "critical"])),
        severity_span=S,
        kind=draw(st.none() | st.sampled_from(["data", "attestation"])),
        kind_span=S,
        in_force_from=start,
        in_force_until=until,
        subject=ast.Subject("g", S, "groups", S, draw(st.none() | conditions), S),
        on_platform=False,
        requires=tuple(draw(st.lists(conditions, min_size=1, max_size=2))),
        unless=tuple(draw(st.lists(conditions, max_size=1))),
        message=draw(st.none() | templates(message_holes)),
        span=S,
        related=tuple(related),
    )


_dates = st.none() | st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 1, 1))
_notes = st.none() | st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)


def _marks() -> st.SearchStrategy[dict[str, object]]:
    """The clauses an article, paragraph or item may carry: not_applicable, partial, dates."""
    return st.fixed_dictionaries({"not_applicable": _notes, "partial": _notes, "in_force_from": _dates, "in_force_until": _dates})


@st.composite
def documents(draw: st.DrawFn) -> ast.Document:
    """A document whose articles, paragraphs and items carry random clauses."""
    articles = []
    for number in draw(st.lists(st.integers(1, 30), min_size=1, max_size=4, unique=True)):
        paragraphs = []
        for p in draw(st.lists(st.integers(1, 5), max_size=2, unique=True)):
            items = tuple(ast.Item(i, draw(_notes), span=S, **draw(_marks())) for i in draw(st.lists(st.integers(1, 9), max_size=2, unique=True)))
            paragraphs.append(ast.Paragraph(p, draw(_notes), items=items, span=S, **draw(_marks())))
        articles.append(ast.Article("article", number, draw(_notes), paragraphs=tuple(paragraphs), span=S, **draw(_marks())))
    start = draw(st.none() | st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2020, 1, 1)))
    return ast.Document(
        key="doc-one",
        title=draw(_notes),
        issuer=None,
        issued=draw(_dates),
        in_force=start,
        source=None,
        articles=tuple(articles),
        span=S,
        in_force_until=draw(_dates) if start is not None else None,
    )

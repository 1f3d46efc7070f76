"""Null branches the schema rules out, taken out of a generated query.

The generator writes every condition in three-valued logic, with a branch for each value
that may be missing: `COALESCE(c, FALSE)` for "known to be true", `x IS NULL` for a
missing field, an aggregate's `CASE WHEN <outer key> IS NOT NULL THEN …`, an `if`'s
`CASE WHEN c THEN a WHEN NOT c THEN b`. Where the value can never be missing those
branches are dead, but DuckDB evaluates them on every row (the accounts query at 1M
users filters on every rule's outcome). A column can never be missing when its row is
always there (the table is read in FROM or an INNER or CROSS join, not a LEFT join) and
the snapshot schema makes the field required and not nullable, which loading checked
(`Target.validated`), or it is the element's position.

`simplify` rewrites a query bottom-up with rules that hold in Kleene's logic whatever the
values: `COALESCE(x, …)` is `x` and `x IS NULL` is FALSE when `x` is never NULL;
`TRUE AND x` is `x`, `FALSE AND x` is FALSE (and the duals); a CASE arm whose condition is
FALSE (or NULL) is dropped, one whose condition is TRUE ends the CASE; and `CASE WHEN c
THEN a WHEN NOT c THEN b END` is `… ELSE b END` when `c` is never NULL. The report does
not change: every rewritten expression has the value it had on every row.
"""

from __future__ import annotations

from sqlglot import exp

from lawcode.engine.sql.tables import POS, Layout

_LEAVES = (exp.Column, exp.Identifier, exp.Literal, exp.DataType, exp.Boolean, exp.Null)  # nothing to rewrite below
_STRICT = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Add, exp.Sub, exp.Mul)  # NULL only of a NULL operand


def present_columns(layout: Layout) -> dict[str, set[str]]:
    """Per collection table, the columns never NULL in a loaded snapshot: the position, and
    each field required and not nullable, as are all the objects it is nested in."""
    out: dict[str, set[str]] = {}
    for coll in layout.collections.values():
        kept = {POS}
        for column in coll.columns:
            chain = [coll.column(column.path[:i]) for i in range(1, len(column.path) + 1)]
            if all(c is not None and c.required and not c.nullable for c in chain):
                kept.add(column.name)
        out[coll.table] = kept
    return out


def simplify(tree: exp.Expr, present: dict[str, set[str]]) -> exp.Expr:
    """`tree` with the branches for missing values that cannot occur taken out (in place)."""
    return _Simplifier(_never_null(tree, present)).run(tree)


def _never_null(tree: exp.Expr, present: dict[str, set[str]]) -> set[tuple[str, str]]:
    """The (alias, column) pairs never NULL in `tree`: columns of `present` read on an alias
    bound to a collection table in FROM or a join that is not outer. An alias bound twice
    with different meanings counts as possibly NULL."""
    bound: dict[str, set[str] | None] = {}

    def bind(alias: str, columns: set[str] | None) -> None:
        if alias in bound and bound[alias] != columns:
            bound[alias] = None
        else:
            bound[alias] = columns

    selects = (n for n in tree.walk(prune=lambda n: isinstance(n, _LEAVES)) if isinstance(n, exp.Select))
    for select in selects:
        sources: list[tuple[exp.Expr, bool]] = []
        from_ = select.args.get("from_") or select.args.get("from")
        if from_ is not None:
            sources.append((from_.this, True))
        for join in select.args.get("joins") or []:
            outer = (join.side or "").upper() in ("LEFT", "RIGHT", "FULL") or (join.kind or "").upper() in ("LEFT", "RIGHT", "FULL", "OUTER")
            sources.append((join.this, not outer))
        for source, always in sources:
            alias = source.alias
            if not alias:
                continue
            if isinstance(source, exp.Table) and always and source.name in present:
                bind(alias, present[source.name])
            else:
                bind(alias, None)
    return {(alias, c) for alias, columns in bound.items() if columns for c in columns}


def _bare(e: exp.Expr) -> exp.Expr:
    while isinstance(e, exp.Paren):
        e = e.this
    return e


def _is_true(e: exp.Expr) -> bool:
    e = _bare(e)
    return isinstance(e, exp.Boolean) and bool(e.this)


def _is_false(e: exp.Expr) -> bool:
    e = _bare(e)
    return isinstance(e, exp.Boolean) and not e.this


def _is_null(e: exp.Expr) -> bool:
    return isinstance(_bare(e), exp.Null)


class _Simplifier:
    """One bottom-up pass; `known` remembers which rewritten nodes are never NULL."""

    def __init__(self, columns: set[tuple[str, str]]) -> None:
        self.columns = columns
        self.known: dict[int, exp.Expr] = {}  # by id, holding the node (an id is not reused while it lives)

    def run(self, tree: exp.Expr) -> exp.Expr:
        """Children first, so each rule sees its operands simplified."""
        if isinstance(tree, _LEAVES):
            return tree
        for key, child in list(tree.args.items()):
            if isinstance(child, exp.Expr):
                new = self.run(child)
                if new is not child:  # `set` re-parents: only when something changed
                    tree.set(key, new)
            elif isinstance(child, list):
                items = [self.run(c) if isinstance(c, exp.Expr) else c for c in child]
                if any(a is not b for a, b in zip(items, child, strict=True)):
                    tree.set(key, items)
        return self._node(tree)

    def never_null(self, e: exp.Expr) -> bool:
        e = _bare(e)
        if id(e) in self.known:
            return True
        if isinstance(e, exp.Column):
            return (e.table, e.name) in self.columns
        if isinstance(e, exp.Boolean | exp.Literal):
            return True
        if isinstance(e, exp.Cast):  # a literal cast to a date or timestamp
            return isinstance(_bare(e.this), exp.Literal)
        return False

    def _mark(self, e: exp.Expr) -> exp.Expr:
        self.known[id(_bare(e))] = _bare(e)
        return e

    def _node(self, e: exp.Expr) -> exp.Expr:
        if isinstance(e, exp.Paren | exp.Is | exp.Not):
            return self._unary(e)
        if isinstance(e, exp.And | exp.Or):
            return self._logic(e)
        if isinstance(e, exp.Coalesce):
            return self._coalesce(e)
        if isinstance(e, exp.Case):
            return self._case(e)
        if isinstance(e, _STRICT):
            if self.never_null(e.this) and self.never_null(e.expression):
                self._mark(e)
            return e
        if isinstance(e, exp.In):
            if self.never_null(e.this) and all(self.never_null(x) for x in e.expressions):
                self._mark(e)
            return e
        return e

    def _unary(self, e: exp.Paren | exp.Is | exp.Not) -> exp.Expr:
        """Parentheses around an atom go; `x IS NULL` of a present `x` is FALSE; NOT of a
        constant is the other constant, and NOT NOT x is x (also in Kleene's logic)."""
        if isinstance(e, exp.Paren):
            inner = e.this
            if isinstance(inner, exp.Boolean | exp.Null | exp.Column | exp.Literal):
                return inner
        elif isinstance(e, exp.Is):
            if not isinstance(e.expression, exp.Null):
                return e
            return exp.false() if self.never_null(e.this) else self._mark(e)
        else:
            inner = _bare(e.this)
            if isinstance(inner, exp.Boolean):
                return exp.false() if inner.this else exp.true()
            if isinstance(inner, exp.Not):
                twice: exp.Expr = inner.this
                return twice
        if self.never_null(e.this):
            self._mark(e)
        return e

    def _logic(self, e: exp.And | exp.Or) -> exp.Expr:
        a: exp.Expr = e.this
        b: exp.Expr = e.expression
        absorbing, neutral = (_is_false, _is_true) if isinstance(e, exp.And) else (_is_true, _is_false)
        if absorbing(a) or absorbing(b):
            return exp.false() if isinstance(e, exp.And) else exp.true()
        if neutral(a):
            return b
        if neutral(b):
            return a
        if self.never_null(a) and self.never_null(b):
            self._mark(e)
        return e

    def _coalesce(self, e: exp.Coalesce) -> exp.Expr:
        args = [e.this, *e.expressions]
        kept: list[exp.Expr] = []
        for arg in args:
            if _is_null(arg):
                continue
            kept.append(arg)
            if self.never_null(arg):
                break
        if not kept:
            return exp.null()
        if len(kept) == 1:
            return kept[0]
        out = exp.Coalesce(this=kept[0], expressions=kept[1:])
        if self.never_null(kept[-1]):
            self._mark(out)
        return out

    def _case(self, e: exp.Case) -> exp.Expr:
        if e.this is not None:  # a simple CASE (`CASE x WHEN …`): left as it is
            return e
        arms: list[exp.If] = []
        default = e.args.get("default")
        for arm in e.args.get("ifs") or []:
            condition = arm.this
            if _is_false(condition) or _is_null(condition):
                continue
            if _is_true(condition):
                default = arm.args.get("true")
                break
            arms.append(arm)
        else:
            if default is None and len(arms) >= 2:  # CASE WHEN c THEN a WHEN NOT c THEN b END
                last, before = _bare(arms[-1].this), arms[-2].this
                if isinstance(last, exp.Not) and _bare(last.this) == _bare(before) and self.never_null(before):
                    default = arms.pop().args.get("true")
        if not arms:
            return default if default is not None else exp.null()
        out = exp.Case(ifs=arms, default=default)
        if default is not None and all(self.never_null(a.args["true"]) for a in arms) and self.never_null(default):
            self._mark(out)
        return out

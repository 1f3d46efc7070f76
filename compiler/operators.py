"""The operator registry: every typed operator and builtin, declared once.

Each `Operator` says what the language means by it, in one place: its IR name (`date+period`,
`len`, `<`), how the DSL spells it, its signatures (operand types → result type: the type
rule the checker applies) and its Python meaning on present values (the reference evaluator
calls it). The checker (`lower.py`), the reference evaluator (`engine/evaluate.py`) and the
SQL generator (`engine/sql/generate.py`) all read `OPERATORS`; none keeps its own list.

Why the SQL builders are not here: the compiler does not import the engine, and a SQL
builder is a sqlglot tree shaped by the target dialect (`engine/sql/dialects.py`). They
live beside this table in `engine/sql/operators.py`, keyed by the same names, and that
module refuses to import unless its keys are exactly these. A backend-neutral description
interpreted by the generator was the other choice; it would be a second small language to
learn for eight kinds of arithmetic, and the dialect differences (month arithmetic, rounding)
would still need code on the engine side. So adding an operator is one entry here and its
SQL builder beside the others; `tests/engine/test_operators.py` walks every entry through
the checker, the reference evaluator and DuckDB and asserts they agree.

Missing operands (None) give a missing result, except for a non-`strict` operator
(`present`), which sees them. A Python meaning that raises OverflowError or ValueError
(a date past year 9999) gives missing, as does one that returns None (division by zero):
the SQL builders return NULL in the same cases.

Kleene's `and`/`or`/`not`, `??`, `if` and `in` are IR nodes of their own, not operators:
they decide which operands are read at all (the evidence depends on it). `implies` is
Kleene's too, `(not a) or b`, but an operator here (not `strict`: it sees a missing
operand): it always reads both sides, so its evidence names the facts of both.

The aggregates (`count exists sum min max all any`, `ir.Aggregate.func`) have a table of
their own, `AGGREGATES`: each entry's type rule (what its per-element value may be, what it
gives) and its Python fold. Which elements an aggregate reads is the evaluator's business
(an index lookup by the join keys, then the filter per element); what it makes of them is
the fold's, here. Their SQL is `engine/sql`'s, keyed by the same names.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from lawcode.compiler import types as T

Form = Literal["infix", "prefix", "call", "compare"]
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
ANY = T.UNKNOWN  # as a signature's operand: any type (`present(x)`), as `unknown` fits every type
ANY_LIST = T.list_of(T.UNKNOWN)  # any list (`len(u.tags)`)
FAILURES = (OverflowError, ValueError)  # what a Python meaning raises when the value is missing (a date past 9999)


@dataclass(frozen=True, slots=True)
class Signature:
    operands: tuple[T.Type, ...]
    result: T.Type


@dataclass(frozen=True, slots=True)
class Operator:
    """One operator: what it is called, how it is written, its types and its meaning."""

    name: str  # the IR name (`ir.Op.name`, `ir.ChainStep.name`, `ir.Compare.op`)
    spelling: str  # in the DSL: `+` (infix), `-` (prefix), `len` (call), `<=` (compare)
    form: Form
    signatures: tuple[Signature, ...]
    python: Callable[..., Any]  # the meaning on present operands, in signature order
    doc: str
    swaps: bool = False  # infix: also written with its operands the other way (`6 months + d`)
    strict: bool = True  # False: sees missing operands, and reads only whether they are there
    ordered: bool = False  # compare: needs operands with an order (not `==`/`!=`)

    def apply(self, args: Sequence[Any]) -> Any:
        """The value on these operands, missing (None) as the semantics say."""
        if self.strict and None in args:  # `in` tests identity first: no value here equals None
            return None
        try:
            return self.python(*args)
        except FAILURES:
            return None

    def result(self, operands: Sequence[T.Type]) -> T.Type | None:
        """The result type on operands of these types; None when no signature accepts them.

        `unknown` (after an error) fits every signature: the result is then the one they
        share, or `unknown` when they differ (`abs` of a number or of a duration)."""
        found = {
            s.result
            for s in self.signatures
            if len(s.operands) == len(operands) and all(T.compatible(a, p) for a, p in zip(operands, s.operands, strict=True))
        }
        if not found:
            return None
        return found.pop() if len(found) == 1 else T.UNKNOWN


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months forward (or back), the day clamped to the month's last (see
    `engine/values.py` for the rule and why)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def _shift_datetime(t: dt.datetime, months: int) -> dt.datetime:
    moved = add_months(t.date(), months)
    return t.replace(year=moved.year, month=moved.month, day=moved.day)


def _divide(a: Any, b: Any) -> Any:
    return None if b == 0 else a / b


def _whole_days(d: dt.timedelta) -> dt.timedelta:
    """A duration's whole days, toward zero (36 hours → 1 day, −36 hours → −1 day)."""
    return dt.timedelta(days=int(d / DAY))


def _implies(a: bool | None, b: bool | None) -> bool | None:
    """Kleene's `a implies b`: true when a is false or b is true, false when a is true and
    b false, otherwise missing."""
    if a is False or b is True:
        return True
    if a is True and b is False:
        return False
    return None


def _infix(name: str, spelling: str, left: T.Type, right: T.Type, result: T.Type, python: Callable[..., Any], doc: str, *, swaps: bool = False) -> Operator:
    return Operator(name, spelling, "infix", (Signature((left, right), result),), python, doc, swaps=swaps)


def _call(name: str, signatures: dict[T.Type, T.Type], python: Callable[..., Any], doc: str, *, strict: bool = True) -> Operator:
    sigs = tuple(Signature((operand,), result) for operand, result in signatures.items())
    return Operator(name, name, "call", sigs, python, doc, strict=strict)


def _compare(spelling: str, python: Callable[[Any, Any], bool], *, ordered: bool) -> Operator:
    """Comparisons take two operands of one type: the signatures list the scalar ones; steps
    (by position), entities (`==`/`!=`, by identity) and lists (`==`/`!=`, element by
    element) compare too, as the checker's rule in `lower.py` allows."""
    kinds = sorted(T.ORDERED if ordered else {*T.ORDERED, T.BOOL}, key=str)
    doc = "order" if ordered else "equality"
    return Operator(spelling, spelling, "compare", tuple(Signature((t, t), T.BOOL) for t in kinds), python, doc, ordered=ordered)


N, D, DT, DUR, P, S = T.NUMBER, T.DATE, T.DATETIME, T.DURATION, T.PERIOD, T.STRING

_ALL: tuple[Operator, ...] = (
    _infix("num+num", "+", N, N, N, lambda a, b: a + b, "addition"),
    _infix("num-num", "-", N, N, N, lambda a, b: a - b, "subtraction"),
    _infix("num*num", "*", N, N, N, lambda a, b: a * b, "multiplication"),
    _infix("num/num", "/", N, N, N, _divide, "division; missing when dividing by zero"),
    _infix("date+period", "+", D, P, D, add_months, "calendar months forward; a day past the month's end clamps to its last day", swaps=True),
    _infix("date-period", "-", D, P, D, lambda d, m: add_months(d, -m), "calendar months back, clamped the same way"),
    _infix("datetime+period", "+", DT, P, DT, _shift_datetime, "as date+period on the date part; the time of day is kept", swaps=True),
    _infix("datetime-period", "-", DT, P, DT, lambda t, m: _shift_datetime(t, -m), "as date-period on the date part"),
    _infix("date+duration", "+", D, DUR, D, lambda d, u: d + _whole_days(u), "whole days forward (a duration's part below a day is dropped)", swaps=True),
    _infix("date-duration", "-", D, DUR, D, lambda d, u: d - _whole_days(u), "whole days back"),
    _infix("datetime+duration", "+", DT, DUR, DT, lambda t, u: t + u, "exact time forward", swaps=True),
    _infix("datetime-duration", "-", DT, DUR, DT, lambda t, u: t - u, "exact time back"),
    _infix("date-date", "-", D, D, DUR, lambda a, b: a - b, "the duration between two dates"),
    _infix("datetime-datetime", "-", DT, DT, DUR, lambda a, b: a - b, "the duration between two instants"),
    _infix("duration+duration", "+", DUR, DUR, DUR, lambda a, b: a + b, "sum"),
    _infix("duration-duration", "-", DUR, DUR, DUR, lambda a, b: a - b, "difference"),
    _infix("period+period", "+", P, P, P, lambda a, b: a + b, "sum"),
    _infix("period-period", "-", P, P, P, lambda a, b: a - b, "difference"),
    _infix("duration*num", "*", DUR, N, DUR, lambda u, n: u * n, "scaling (to the microsecond, half to even)", swaps=True),
    _infix("duration/num", "/", DUR, N, DUR, _divide, "scaling; missing when dividing by zero"),
    _infix("period*num", "*", P, N, P, lambda m, n: int(m * n), "scaling (whole months, toward zero)", swaps=True),
    Operator("neg", "-", "prefix", (Signature((N,), N), Signature((DUR,), DUR)), lambda a: -a, "negation (number, duration)"),
    Operator("implies", "implies", "infix", (Signature((T.BOOL, T.BOOL), T.BOOL),), _implies, "Kleene's implication: (not a) or b", strict=False),
    _call("present", {ANY: T.BOOL}, lambda x: x is not None, "present(x): true when x is there", strict=False),
    _call("date", {DT: D}, lambda t: t.date(), "date(t): the UTC date of a datetime"),
    _call("len", {S: N, ANY_LIST: N}, len, "len(x): length of a string or list"),
    _call("days", {DUR: N}, lambda u: u / DAY, "days(d): a duration in days"),
    _call("hours", {DUR: N}, lambda u: u / HOUR, "hours(d): a duration in hours"),
    _call("months", {P: N}, lambda m: m, "months(p): a period in months"),
    _call("abs", {N: N, DUR: DUR}, abs, "abs(n): absolute value"),
    _call("lower", {S: S}, lambda s: s.lower(), "lower(s): lower-case string"),
    _compare("==", lambda a, b: bool(a == b), ordered=False),
    _compare("!=", lambda a, b: bool(a != b), ordered=False),
    _compare("<", lambda a, b: bool(a < b), ordered=True),
    _compare("<=", lambda a, b: bool(a <= b), ordered=True),
    _compare(">", lambda a, b: bool(a > b), ordered=True),
    _compare(">=", lambda a, b: bool(a >= b), ordered=True),
)
del N, D, DT, DUR, P, S

OPERATORS: dict[str, Operator] = {op.name: op for op in _ALL}
FUNCTIONS: dict[str, Operator] = {op.spelling: op for op in _ALL if op.form == "call"}
COMPARISONS: dict[str, Operator] = {op.spelling: op for op in _ALL if op.form == "compare"}


def _infix_index() -> dict[tuple[str, T.Type, T.Type], tuple[Operator, T.Type, bool]]:
    """(spelling, left type, right type) → (operator, its result, written with operands swapped)."""
    index: dict[tuple[str, T.Type, T.Type], tuple[Operator, T.Type, bool]] = {}
    for op in _ALL:
        if op.form == "infix":
            (signature,) = op.signatures
            left, right = signature.operands
            index[(op.spelling, left, right)] = (op, signature.result, False)
            if op.swaps:
                index[(op.spelling, right, left)] = (op, signature.result, True)
    return index


_INFIX = _infix_index()
assert len(OPERATORS) == len(_ALL), "two operators share a name"

def infix(spelling: str, left: T.Type, right: T.Type) -> tuple[Operator, T.Type, bool] | None:
    """The operator `left spelling right` means, its result type, and whether its operands
    are written swapped (`6 months + d` is `date+period` of `d` and `6 months`)."""
    return _INFIX.get((spelling, left, right))


# ---------------------------------------------------------------- aggregates

# An element's state in a fold: (filter, value). The filter is True (kept) or None (unknown:
# the filter itself is missing, or the element's join key is); elements whose filter is false
# never reach a fold. The value is the element's `value` expression (None for count/exists,
# which take none, and when it is missing).
State = tuple[bool | None, Any]


@dataclass(frozen=True, slots=True)
class Aggregate:
    """One aggregate: its name (`ir.Aggregate.func`), its type rule and its Python fold.

    `check(value type)` is the type rule: the result type, or the reason the checker gives
    for refusing elements' values of that type (`None` as the value type: the aggregate takes
    no value, as `count` and `exists`). `fold(states, result type)` is the meaning: it reads
    the states lazily and may stop early (`exists` stops at the first element known to
    match), so an evaluator can hand it a generator and skip the rest of the elements."""

    name: str
    takes_value: bool
    check: Callable[[T.Type | None], T.Type | str]
    fold: Callable[[Iterable[State], T.Type], Any]
    doc: str
    # The fold of `kept` states (True, None) then `unsure` ones (None, None), from the two
    # numbers: what count and exists come to when the join keys are their whole filter (a
    # hash-index lookup gives the numbers without touching an element). A test checks it
    # against `fold` on those states.
    tally: Callable[[int, int, T.Type], Any] | None = None


def _count(states: Iterable[State], result: T.Type) -> Any:
    n = 0
    for known, _ in states:
        if known is None:
            return None
        n += 1
    return n


def _exists(states: Iterable[State], result: T.Type) -> Any:
    unknown = False
    for known, _ in states:
        if known is True:
            return True
        unknown = True
    return None if unknown else False


def _any(states: Iterable[State], result: T.Type) -> Any:
    unknown = False
    for known, value in states:
        if known is True and value is True:
            return True
        if value is not False:
            unknown = True
    return None if unknown else False


def _all(states: Iterable[State], result: T.Type) -> Any:
    unknown = False
    for known, value in states:
        if known is True and value is False:
            return False
        if value is not True or known is None:
            unknown = True
    return None if unknown else True


def _picked(states: Iterable[State]) -> list[Any] | None:
    """The values of a sum/min/max, or None when an element's filter or value is missing."""
    out = []
    for known, value in states:
        if known is None or value is None:
            return None
        out.append(value)
    return out


def _sum(states: Iterable[State], result: T.Type) -> Any:
    picked = _picked(states)
    if picked is None:
        return None
    return sum(picked, dt.timedelta()) if result == T.DURATION else sum(picked)


def _min(states: Iterable[State], result: T.Type) -> Any:
    picked = _picked(states)
    return min(picked) if picked else None


def _max(states: Iterable[State], result: T.Type) -> Any:
    picked = _picked(states)
    return max(picked) if picked else None


def _counted(value: T.Type | None) -> T.Type | str:
    return T.NUMBER


def _tested(value: T.Type | None) -> T.Type | str:
    return T.BOOL


def _truth(name: str) -> Callable[[T.Type | None], T.Type | str]:
    def check(value: T.Type | None) -> T.Type | str:
        assert value is not None
        return T.BOOL if T.compatible(value, T.BOOL) else f"`{name}` needs a true/false value per element, not a {value}"

    return check


def _summed(value: T.Type | None) -> T.Type | str:
    assert value is not None
    return value if value in (T.NUMBER, T.DURATION, T.UNKNOWN) else f"cannot sum {value}s"


def _extreme(name: str) -> Callable[[T.Type | None], T.Type | str]:
    def check(value: T.Type | None) -> T.Type | str:
        assert value is not None
        return value if T.is_ordered(value) else f"{value}s have no order, so no {name}"

    return check


_AGGREGATES = (
    Aggregate("count", False, _counted, _count, "how many elements pass the filter; missing if any element's filter (or join key) is", lambda kept, unsure, _: None if unsure else kept),
    Aggregate("exists", False, _tested, _exists, "whether an element passes the filter (Kleene: missing when none is known to, and some might)", lambda kept, unsure, _: True if kept else (None if unsure else False)),
    Aggregate("sum", True, _summed, _sum, "the sum of the values (numbers or durations); 0 of nothing; missing if a filter or a value is"),
    Aggregate("min", True, _extreme("min"), _min, "the least value; missing of nothing, or if a filter or a value is"),
    Aggregate("max", True, _extreme("max"), _max, "the greatest value; missing of nothing, or if a filter or a value is"),
    Aggregate("all", True, _truth("all"), _all, "whether every element's value is true (Kleene's `and` over the elements)"),
    Aggregate("any", True, _truth("any"), _any, "whether some element's value is true (Kleene's `or` over the elements)"),
)
AGGREGATES: dict[str, Aggregate] = {a.name: a for a in _AGGREGATES}

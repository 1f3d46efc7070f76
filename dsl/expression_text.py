"""Expressions and messages as canonical text: the formatter's printing of one expression
(`format_expression`), its line breaks (`split_expression`) and of messages (one string, or
several strings broken between words when too long). Apart from `formatter.py`, which lays
out whole modules with their comments, because the language server's hover and the
explanations print expressions too and need none of the layout.
"""

from __future__ import annotations

from lawcode.dsl import ast

__all__ = ["format_expression", "format_template", "quote", "split_expression", "string_pieces", "template_pieces"]

# Binding strength, loosest first, as in the grammar's expression rules.
IF, IMPLIES, OR, AND, NOT, COMPARE, COALESCE, ADD, MUL, UNARY, POSTFIX, ATOM = range(12)


def format_expression(expr: ast.Expr) -> str:
    """An expression in canonical form: one line, parentheses only where needed."""
    return _emit(expr, IF)


def _precedence(e: ast.Expr) -> int:
    match e:
        case ast.Conditional():
            return IF
        case ast.BoolOp(op="implies"):
            return IMPLIES
        case ast.BoolOp(op="or"):
            return OR
        case ast.BoolOp():
            return AND
        case ast.Not():
            return NOT
        case ast.Compare() | ast.Member():
            return COMPARE
        case ast.Default():
            return COALESCE
        case ast.Arith(op="+" | "-"):
            return ADD
        case ast.Arith():
            return MUL
        case ast.Negate():
            return UNARY
        case ast.Attribute() | ast.Index() | ast.Call():
            return POSTFIX
    return ATOM


def _emit(e: ast.Expr, at_least: int) -> str:
    text = _render(e)
    return f"({text})" if _precedence(e) < at_least else text


def _render(e: ast.Expr) -> str:
    """One case per compound kind of expression, each a line or two; names and literals,
    which print without their parts, are `_atom`'s."""
    match e:
        case ast.Conditional(condition=c, then=t, otherwise=o):
            return f"if {_emit(c, IF)} then {_emit(t, IF)} else {_emit(o, IF)}"
        case ast.BoolOp(op="implies", left=left, right=right):
            return f"{_emit(left, OR)} implies {_emit(right, OR)}"  # it does not chain: both sides tighter
        case ast.BoolOp() | ast.Arith():
            return _render_chain(e)
        case ast.Not(operand=operand):
            return f"not {_emit(operand, NOT)}"
        case ast.Compare(op=op, left=left, right=right):
            return f"{_emit(left, COALESCE)} {op} {_emit(right, COALESCE)}"
        case ast.Member(item=item, container=container, negated=negated):
            word = "not in" if negated else "in"
            return f"{_emit(item, COALESCE)} {word} {_emit(container, COALESCE)}"
        case ast.Default(value=value, fallback=fallback):
            return f"{_emit(value, COALESCE)} ?? {_emit(fallback, ADD)}"
        case ast.Negate(operand=operand):
            return f"-{_emit(operand, UNARY)}"
        case ast.Attribute(obj=obj, name=name):
            return f"{_emit(obj, POSTFIX)}.{name}"
        case ast.Index(obj=obj, key=key):
            return f"{_emit(obj, POSTFIX)}[{_emit(key, IF)}]"
        case ast.Call(func=func, args=args):
            return f"{func}({', '.join(_emit(a, IF) for a in args)})"
        case ast.Aggregate():
            return _render_aggregate(e)
        case ast.ListLit(items=items):
            return "[" + ", ".join(_emit(i, IF) for i in items) + "]"
        case ast.MapLit(entries=entries):
            return "{" + ", ".join(f"{_emit(k, IF)}: {_emit(v, IF)}" for k, v in entries) + "}"
        case ast.Name() | ast.IntLit() | ast.DecimalLit() | ast.StringLit() | ast.BoolLit() | ast.DateLit() | ast.DateTimeLit() | ast.DurationLit():
            return _atom(e)
    raise AssertionError(f"unknown expression node {type(e).__name__}")  # pragma: no cover


Atom = ast.Name | ast.IntLit | ast.DecimalLit | ast.StringLit | ast.BoolLit | ast.DateLit | ast.DateTimeLit | ast.DurationLit


def _atom(e: Atom) -> str:
    """A name or a literal as written canonically (a decimal and a date-time as the source
    spelled them, which a float or a datetime would not keep)."""
    match e:
        case ast.Name(name=name):
            return name
        case ast.IntLit(value=value):
            return str(value)
        case ast.DecimalLit(text=text):
            return text
        case ast.StringLit(value=value):
            return quote(value)
        case ast.BoolLit(value=value):
            return "true" if value else "false"
        case ast.DateLit(value=value):
            return value.isoformat()
        case ast.DateTimeLit(text=text):
            return text
        case ast.DurationLit(amount=amount, unit=unit):
            return f"{amount} {unit[:-1] if amount == 1 else unit}"
    raise AssertionError(f"unknown atom {type(e).__name__}")  # pragma: no cover


def _render_aggregate(e: ast.Aggregate) -> str:
    """`count(x in users where …)`, `sum(x.amount for x in fines)`."""
    inner = f"{e.var} in {_emit(e.collection, IF)}"
    if e.value is not None:
        inner = f"{_emit(e.value, IF)} for {inner}"
    if e.where is not None:
        inner += f" where {_emit(e.where, IF)}"
    return f"{e.func}({inner})"


def _render_chain(e: ast.BoolOp | ast.Arith) -> str:
    """`a or b or c`, `1 + 2 - 3`: a chain of one level, however long, without recursion
    along it; a right operand binds tighter, so it is parenthesised at the same level."""
    first, links = ast.chain(e)
    level = _precedence(e)
    parts = [_emit(first, level)]
    parts.extend(f"{link.op} {_emit(link.right, level + 1)}" for link in links)
    return " ".join(parts)


Lines = list[tuple[int, str]]  # (depth relative to the first line, text)
Segment = tuple[str, ast.Expr, int]  # a prefix (`and `, `else `), an operand, its binding level


def split_expression(e: ast.Expr, first: int, width: int, block: bool = False) -> Lines:
    """A long expression as lines (relative depth, text), broken where it reads best.

    `first` is the room on the first line (after what precedes it there), `width` the room
    of a line at relative depth 0; each level deeper has two columns less. Whatever fits
    stays on one line. Otherwise the outermost construct is broken first, and an operand
    that still does not fit is broken in turn, one level deeper:

    - a chain of one operator (`and`, `or`, `+`, `??`), a comparison, `in` or `implies`:
      the first operand, then each operator with its operand on a line of its own, one
      level deeper (with `block`, at the same depth: the layout inside parentheses);
    - `if … then … else if …`: a line per branch (`then` on a line of its own when a
      branch does not fit), `else` one level deeper unless `block`;
    - a call, an aggregate, a list or a map: the opening bracket ends the line, the
      contents follow one level deeper (on one line if they fit, else an argument a line,
      list items packed), the closing bracket on a line of its own;
    - an operand that needs parentheses: `(` ends the line, the operand inside as a block.

    Line breaks are whitespace to the parser, and the layout is a function of the tree
    and the widths alone, so reading the lines back gives the same tree and formatting
    them again gives the same lines.
    """
    return _lines(e, IF, first, width, block)


def _lines(e: ast.Expr, at_least: int, first: int, width: int, block: bool = False) -> Lines:
    flat = _emit(e, at_least)
    if len(flat) <= first:
        return [(0, flat)]
    if _precedence(e) < at_least:
        return _bracketed("(", _lines(e, IF, width - 2, width - 2, block=True), ")")
    segments = _segments(e)
    if segments is not None:
        hugged = _hugged(e, segments, first, width)
        if hugged is not None:
            return hugged
        if block:
            return _segment_lines(segments, first, width)
        lines = _segment_lines(segments, first, width - 2)  # all but the first line one level deeper
        return [lines[0], *((d + 1, t) for d, t in lines[1:])]
    return _grouped(e, first, width) or [(0, flat)]


def _segments(e: ast.Expr) -> list[Segment] | None:
    """An operator expression as its operands, each with the words before it."""
    match e:
        case ast.Conditional():
            return _branches(e)
        case ast.BoolOp(op="implies", left=left, right=right):
            return [("", left, OR), ("implies ", right, OR)]
        case ast.BoolOp() | ast.Arith():
            first, links = ast.chain(e)
            level = _precedence(e)
            return [("", first, level), *((f"{link.op} ", link.right, level + 1) for link in links)]
        case ast.Compare(op=op, left=left, right=right):
            return [("", left, COALESCE), (f"{op} ", right, COALESCE)]
        case ast.Member(item=item, container=container, negated=negated):
            return [("", item, COALESCE), ("not in " if negated else "in ", container, COALESCE)]
        case ast.Default():
            fallbacks: list[Segment] = []
            node: ast.Expr = e
            while isinstance(node, ast.Default):
                fallbacks.append(("?? ", node.fallback, ADD))
                node = node.value
            return [("", node, COALESCE), *reversed(fallbacks)]
    return None


def _hugged(e: ast.Expr, segments: list[Segment], first: int, width: int) -> Lines | None:
    """`status in [`…`]`, `as_of - (`…`)`: a comparison or a two-operand chain whose right
    operand opens a bracket stays on the first line, its contents below, as one writes a
    call; `sum(`…`) <= 1000`: a left operand that opens one ends with the rest after its
    closing bracket. An `and`/`or` chain or `implies` is always broken at its operators."""
    if len(segments) != 2 or isinstance(e, ast.BoolOp | ast.Conditional):
        return None
    (_, left, left_level), (word, right, right_level) = segments
    left_text, right_text = _emit(left, left_level), _emit(right, right_level)
    # Each case is decided before laying an operand out, so no layout is computed twice.
    head = f"{left_text} {word}"
    opening = _opening(right, right_level)
    if opening is not None and len(head) + len(opening) <= first:
        sub = _lines(right, right_level, first - len(head), width)
        return [(0, head + sub[0][1]), *sub[1:]]
    tail = f" {word}{right_text}"  # `sum(`…`) <= 1000`: the closing bracket takes the rest
    opening = _opening(left, left_level)
    if opening is not None and len(left_text) > first and len(opening) <= first and 1 + len(tail) <= width:
        sub = _lines(left, left_level, first, width)
        return [*sub[:-1], (sub[-1][0], sub[-1][1] + tail)]
    return None


def _opening(e: ast.Expr, at_least: int) -> str | None:
    """The bracket a broken `e` opens its first line with, if it is a bracketed kind."""
    if _precedence(e) < at_least:
        return "("
    match e:
        case ast.Call(func=func, args=args) if args:
            return f"{func}("
        case ast.Aggregate(func=func):
            return f"{func}("
        case ast.ListLit(items=items) if items:
            return "["
        case ast.MapLit(entries=entries) if entries:
            return "{"
    return None


def _branches(e: ast.Conditional) -> list[Segment]:
    """`if c then t`, `else if c then t`…, `else o`: a branch that fits is one segment."""
    out: list[Segment] = []
    rest: ast.Expr = e
    word = "if "
    while isinstance(rest, ast.Conditional):
        out += [(word, rest.condition, IF), ("then ", rest.then, IF)]
        rest, word = rest.otherwise, "else if "
    return [*out, ("else ", rest, IF)]


def _segment_lines(segments: list[Segment], first: int, width: int) -> Lines:
    """Each segment on a line of its own at depth 0 (its own breaks deeper); for a
    conditional, `if c` and `then t` share a line when they fit on one."""
    out: Lines = []
    room = first
    i = 0
    while i < len(segments):
        prefix, expr, level = segments[i]
        if prefix in ("if ", "else if "):
            _, then, _ = segments[i + 1]
            joined = f"{prefix}{_emit(expr, level)} then {_emit(then, IF)}"
            if len(joined) <= room:
                out.append((0, joined))
                room, i = width, i + 2
                continue
        sub = _lines(expr, level, room - len(prefix), width)
        out.append((0, prefix + sub[0][1]))
        out.extend(sub[1:])
        room, i = width, i + 1
    return out


def _bracketed(opening: str, inner: Lines, closing: str) -> Lines:
    return [(0, opening), *((d + 1, t) for d, t in inner), (0, closing)]


def _grouped(e: ast.Expr, first: int, width: int) -> Lines | None:
    """A call, aggregate, list, map or prefix operator broken inside; None for the rest
    (a name, a literal, a field or index of something: they stay as written)."""
    inner = width - 2
    match e:
        case ast.Not(operand=operand) | ast.Negate(operand=operand):
            word = "not " if isinstance(e, ast.Not) else "-"
            sub = _lines(operand, _precedence(e), first - len(word), width)
            return [(0, word + sub[0][1]), *sub[1:]]
        case ast.Call(func=func, args=args) if args:
            return _bracketed(f"{func}(", _items([(a, IF) for a in args], inner, pack=False), ")")
        case ast.Aggregate(func=func, var=var, collection=coll, where=where, value=value):
            return _bracketed(f"{func}(", _aggregate_lines(var, coll, where, value, inner), ")")
        case ast.ListLit(items=items) if items:
            return _bracketed("[", _items([(i, IF) for i in items], inner, pack=True), "]")
        case ast.MapLit(entries=entries) if entries:
            flat = [f"{_emit(k, IF)}: {_emit(v, IF)}" for k, v in entries]
            return _bracketed("{", _packed(flat, inner), "}")
    return None


def _aggregate_lines(var: str, coll: ast.Expr, where: ast.Expr | None, value: ast.Expr | None, width: int) -> Lines:
    """`x in C where p` on one line if it fits; else `v`, `for x in C`, `where p` a line each."""
    segments: list[Segment] = []
    if value is not None:
        segments.append(("", value, IF))
    segments.append(("for " + var + " in " if value is not None else var + " in ", coll, IF))
    if where is not None:
        segments.append(("where ", where, IF))
    flat = " ".join(prefix + _emit(x, level) for prefix, x, level in segments)
    if len(flat) <= width:
        return [(0, flat)]
    return _segment_lines(segments, width, width)


def _items(items: list[tuple[ast.Expr, int]], width: int, pack: bool) -> Lines:
    """Arguments or list items: all on one line if they fit; list items packed into lines
    while each fits whole; otherwise one a line, each broken in turn, a comma after all but the last."""
    flat = [_emit(x, level) for x, level in items]
    if len(", ".join(flat)) <= width:
        return [(0, ", ".join(flat))]
    if pack and all(len(text) + 1 <= width for text in flat):
        return _packed(flat, width)
    out: Lines = []
    for n, (x, level) in enumerate(items):
        comma = "," if n < len(items) - 1 else ""
        sub = _lines(x, level, width - len(comma), width)
        out.extend(sub[:-1])
        out.append((sub[-1][0], sub[-1][1] + comma))
    return out


def _packed(texts: list[str], width: int) -> Lines:
    """Texts joined by commas, as many on a line as fit (a comma ends every line but the last)."""
    lines: list[str] = []
    for n, text in enumerate(texts):
        piece = text + ("," if n < len(texts) - 1 else "")
        if lines and len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return [(0, line) for line in lines]


def quote(value: str) -> str:
    """A string literal that the parser reads back as `value`."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def string_pieces(value: str, width: int) -> list[str]:
    """A title, summary or note as strings of at most about `width` characters (quotes
    included), broken after a space (a word longer than that stays whole): the parser
    reads adjacent strings as one, so the pieces join back to `value` exactly."""
    words = quote(value)[1:-1].split(" ")
    lines = [""]
    for chunk in [word + " " for word in words[:-1]] + [words[-1]]:
        if lines[-1].strip() and len(lines[-1]) + len(chunk) > width - 2:
            lines.append("")
        lines[-1] += chunk
    return ['"' + line + '"' for line in lines if line] or ['""']


def template_pieces(template: ast.Template, width: int) -> list[str]:
    """A message as strings of at most about `width` characters, broken after a space in
    its text (never inside a placeholder): the parser reads adjacent strings as one.

    What runs on without a space (`{a}/{b}; `) is measured whole, so that it goes to the
    next line whole rather than overflow; only a run longer than a line is broken, between
    its placeholders and words."""
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, str):
            escaped = quote(part)[1:-1].replace("{", "{{").replace("}", "}}")
            out.extend(word for word in escaped.split(" ")[:-1] for word in (word + " ",))
            out.append(escaped.split(" ")[-1])
        else:
            out.append("{" + format_expression(part) + "}")
    runs: list[list[str]] = []
    for chunk in out:
        if runs and not runs[-1][-1].endswith(" "):
            runs[-1].append(chunk)
        else:
            runs.append([chunk])
    lines: list[str] = [""]
    for run in runs:
        whole = "".join(run)
        for chunk in [whole] if len(whole) <= width - 2 else run:
            if lines[-1] and len(lines[-1]) + len(chunk) > width - 2:
                lines.append("")
            lines[-1] += chunk
    return ['"' + line + '"' for line in lines if line] or ['""']


def format_template(template: ast.Template) -> str:
    """A message: literal text escaped (`{{` for a brace), holes as canonical expressions.

    A string inside a hole is quoted as anywhere else (`{name ?? "none"}`): the lexer
    knows placeholders, so its quotes do not end the message (`dsl/templates.py`).
    """
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, str):
            out.append(quote(part)[1:-1].replace("{", "{{").replace("}", "}}"))
        else:
            out.append("{" + format_expression(part) + "}")
    return '"' + "".join(out) + '"'

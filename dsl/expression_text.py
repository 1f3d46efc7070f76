"""Expressions and messages as canonical text: the formatter's printing of one expression
(`format_expression`), its line breaks (`split_expression`) and of messages (one string, or
several strings broken between words when too long). Apart from `formatter.py`, which lays
out whole modules with their comments, because the language server's hover and the
explanations print expressions too and need none of the layout.
"""

from __future__ import annotations

from lawcode.dsl import ast

__all__ = ["format_expression", "format_template", "quote", "split_expression", "template_pieces"]

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
    # One case per kind of expression, each a line: a flat dispatch, whose complexity (30 by
    # radon, 24 by ruff's C901, over the 20 allowed) counts the kinds, not paths to follow.
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
        case ast.Aggregate(func=func, var=var, collection=coll, where=where, value=value):
            inner = f"{var} in {_emit(coll, IF)}"
            if value is not None:
                inner = f"{_emit(value, IF)} for {inner}"
            if where is not None:
                inner += f" where {_emit(where, IF)}"
            return f"{func}({inner})"
        case ast.ListLit(items=items):
            return "[" + ", ".join(_emit(i, IF) for i in items) + "]"
        case ast.MapLit(entries=entries):
            return "{" + ", ".join(f"{_emit(k, IF)}: {_emit(v, IF)}" for k, v in entries) + "}"
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
    raise AssertionError(f"unknown expression node {type(e).__name__}")  # pragma: no cover


def _render_chain(e: ast.BoolOp | ast.Arith) -> str:
    """`a or b or c`, `1 + 2 - 3`: a chain of one level, however long, without recursion
    along it; a right operand binds tighter, so it is parenthesised at the same level."""
    first, links = ast.chain(e)
    level = _precedence(e)
    parts = [_emit(first, level)]
    parts.extend(f"{link.op} {_emit(link.right, level + 1)}" for link in links)
    return " ".join(parts)


def split_expression(e: ast.Expr) -> list[tuple[int, str]]:
    """A long expression as lines (relative depth, text), broken where it reads best.

    An `if … then … else if …` chain puts each branch on a line; an `and` (or `or`)
    chain puts each operand on a line of its own after the first, one level deeper.
    Anything else stays on one line: the pieces are whole canonical expressions.
    """
    if isinstance(e, ast.Conditional):
        lines = [(0, f"if {_emit(e.condition, IF)} then {_emit(e.then, IF)}")]
        rest: ast.Expr = e.otherwise
        while isinstance(rest, ast.Conditional):
            lines.append((0, f"else if {_emit(rest.condition, IF)} then {_emit(rest.then, IF)}"))
            rest = rest.otherwise
        return [*lines, (0, f"else {_emit(rest, IF)}")]
    if isinstance(e, ast.BoolOp) and e.op == "implies":
        return [(0, _emit(e.left, OR)), (1, f"implies {_emit(e.right, OR)}")]
    if isinstance(e, ast.BoolOp):
        op = e.op
        level, operand_level = (OR, AND) if op == "or" else (AND, NOT)
        operands: list[ast.Expr] = []
        node: ast.Expr = e
        while isinstance(node, ast.BoolOp) and node.op == op:
            operands.append(node.right)
            node = node.left
        first = _emit(node, level)
        return [(0, first), *((1, f"{op} {_emit(x, operand_level)}") for x in reversed(operands))]
    return [(0, format_expression(e))]


def quote(value: str) -> str:
    """A string literal that the parser reads back as `value`."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def template_pieces(template: ast.Template, width: int) -> list[str]:
    """A message as strings of at most about `width` characters, broken after a space in
    its text (never inside a placeholder): the parser reads adjacent strings as one."""
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, str):
            escaped = quote(part)[1:-1].replace("{", "{{").replace("}", "}}")
            out.extend(word for word in escaped.split(" ")[:-1] for word in (word + " ",))
            out.append(escaped.split(" ")[-1])
        else:
            out.append("{" + format_expression(part).replace('"', '\\"') + "}")
    lines: list[str] = [""]
    for chunk in out:
        if lines[-1] and len(lines[-1]) + len(chunk) > width - 2 and lines[-1].endswith(" "):
            lines.append("")
        lines[-1] += chunk
    return ['"' + line + '"' for line in lines if line] or ['""']


def format_template(template: ast.Template) -> str:
    """A message: literal text escaped (`{{` for a brace), holes as canonical expressions.

    A message is itself a string, so the quotes of a string inside a hole are escaped
    (`{name ?? \\"none\\"}`), which is how the parser reads them back.
    """
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, str):
            out.append(quote(part)[1:-1].replace("{", "{{").replace("}", "}}"))
        else:
            out.append("{" + format_expression(part).replace('"', '\\"') + "}")
    return '"' + "".join(out) + '"'

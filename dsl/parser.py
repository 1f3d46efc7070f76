"""Text → AST: the entry points. With `tables.py` (the LALR tables), `builder.py` (Lark's
tree → AST nodes) and `syntax_errors.py` (Lark's exceptions → diagnostics), the only
modules that import Lark.

Lark parses with the LALR grammar in `grammar.lark`; `builder.Builder`, a Transformer,
turns Lark's tree into the frozen nodes of `lawcode.dsl.ast`, each with its span. Lark's
exceptions never leave the parser: syntax errors become `Diagnostic`s in a `LawcodeError`
that say what was found, what was expected, and, for the common slips, how to fix it.

Lark and the two modules that use it are imported when something is first parsed, not
when this module is: a run whose modules all come from the parse cache (`cache.py`)
never loads Lark, which is a tenth of the command line's start-up.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lawcode.dsl import ast
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError, error
from lawcode.dsl.spans import Span

if TYPE_CHECKING:
    from lark import Token, Tree

__all__ = ["MAX_NESTING", "TREE_MODULES", "parse_expression", "parse_module"]  # and RESERVED_NAMES, by `__getattr__`

# How deep an expression may nest. A chain of one operator (`a or b or c`, `1 + 2 - 3`)
# is one level however long; each `not`, `-`, `if`, `??`, call, parenthesised operand
# and postfix is one more. Every later stage (lowering, evaluation, tracing, SQL) walks
# an expression by recursion, a few Python frames per level, so the limit keeps them all
# far from Python's recursion limit; no ruleset written by hand nests half as deep.
MAX_NESTING = 100

# The files whose code shapes a parsed tree: part of the parse cache's key (`cache.py`), so
# that a changed parser never reads a stale tree. Named, not imported: importing the
# builder would load Lark.
TREE_MODULES = tuple(str(Path(__file__).with_name(name)) for name in ("parser.py", "builder.py", "templates.py", "syntax_errors.py"))


def __getattr__(name: str) -> Any:
    """`RESERVED_NAMES` is the builder's (it refuses them as declared names); kept
    importable from here, where it always was, without loading Lark on import."""
    if name == "RESERVED_NAMES":
        from lawcode.dsl.builder import RESERVED_NAMES

        return RESERVED_NAMES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def parse_module(text: str, path: str = "<input>") -> ast.Module:
    """Parse one ruleset file. Raises `LawcodeError` with every problem found."""
    from lawcode.dsl.builder import Builder  # with Lark: see the module's docstring

    tree = _parse(text, path, "start")
    builder = Builder(path)
    declarations = builder.run(tree)
    builder.diagnostics.extend(d for d in map(_too_deep, _expressions(declarations)) if d is not None)
    if builder.diagnostics:
        raise LawcodeError(builder.diagnostics, {path: text})
    return ast.Module(path, tuple(declarations), _comments(text, path, builder.messages), text)


def parse_expression(text: str, path: str = "<expr>") -> ast.Expr:
    from lawcode.dsl.builder import Builder

    builder = Builder(path)
    expr = builder.run(_parse(text, path, "expr"))
    deep = _too_deep(expr)
    if deep is not None:
        builder.diagnostics.append(deep)
    if builder.diagnostics:
        raise LawcodeError(builder.diagnostics, {path: text})
    return expr  # type: ignore[no-any-return]


def _parse(text: str, path: str, start: str) -> Tree[Token]:
    from lark.exceptions import LarkError, UnexpectedInput

    from lawcode.dsl.syntax_errors import syntax_error
    from lawcode.dsl.tables import lark_parser

    try:
        return lark_parser().parse(text, start=start)
    except UnexpectedInput as exc:
        raise LawcodeError([syntax_error(exc, text, path)], {path: text}) from None
    except LarkError as exc:  # pragma: no cover - Lark's own internal failures
        raise LawcodeError([error("E001", f"could not parse: {exc}", Span(path, 1, 1, 1, 2))], {path: text}) from None


# ---------------------------------------------------------------- comments

_STRING_OR_COMMENT = re.compile(r'"(?:\\.|[^"\\\n])*"|#[^\n]*')


def _comments(text: str, path: str, messages: dict[int, int]) -> tuple[ast.Comment, ...]:
    """The comments, found as the lexer found them: outside strings. A message's string
    may hold quoted strings in its placeholders (`"{status("#1")}"`), so each message
    the parser read (`messages`: start → end offset) is passed over whole."""
    found: list[ast.Comment] = []
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    at = 0
    while (match := _STRING_OR_COMMENT.search(text, at)) is not None:
        at = match.end()
        if match.start() in messages:
            at = messages[match.start()]
        elif match.group().startswith("#"):
            line = bisect.bisect_right(line_starts, match.start())
            column = match.start() - line_starts[line - 1] + 1
            found.append(ast.Comment(match.group(), Span(path, line, column, line, column + len(match.group()))))
    return tuple(found)


def _expressions(declarations: list[Any]) -> list[ast.Expr]:
    """Every expression a module writes, message placeholders included."""
    found: list[ast.Expr] = []
    for decl in declarations:
        if isinstance(decl, ast.Parameter):
            found.append(decl.default)
        elif isinstance(decl, ast.Definition):
            found.append(decl.body)
        elif isinstance(decl, ast.Rule):
            if decl.subject is not None and decl.subject.where is not None:
                found.append(decl.subject.where)
            found.extend((*decl.requires, *decl.unless))
            if decl.message is not None:
                found.extend(p for p in decl.message.parts if not isinstance(p, str))
    return found


def _too_deep(expr: ast.Expr) -> Diagnostic | None:
    """E070 at the first sub-expression nested deeper than `MAX_NESTING`, walked without
    recursion (the tree may be as deep as the text is long)."""
    stack = [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            return error(
                "E070",
                f"expression nested deeper than {MAX_NESTING} levels",
                node.span,
                "name a part of it with `def`; a long chain of one operator (`a or b or c`) counts as one level",
            )
        stack.extend((child, depth + (0 if continues else 1)) for child, continues in reversed(ast.operands(node)))
    return None


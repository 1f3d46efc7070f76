"""Warnings for what a ruleset declares and never uses: parameters, definitions, imports.

An unused parameter is usually a rule that forgot its threshold (`require n <= 500`
beside `parameter max_members = 500`), an unused definition a rule that restates it, an
unused import a leftover: each is worth a look, none stops a check. They are warnings
(W001–W003), listed by `lawcode lint`, computed from the checked program after lowering
(so only from what type-checked), never by the evaluators. The language server turns
them off (`Compiler(usage=False)`): it compiles one file's rules at a time, and a
parameter read only by another file's rule would look unused.

What counts as a use:

- a parameter or definition is used when a rule or a definition reads it (in `where`,
  `require`, `unless`, a message, or a definition's body), or, for a ladder, when a
  parameter's escalation names it; a definition read only by an unused definition is
  still "used": the warning goes to the one at the top of the unused chain;
- an `import` is used when the module that writes it reads a parameter, definition or
  ladder, or cites a document, declared in the imported file or in a file that one
  imports in turn; importing a file that declares rules is a use too (it is how a single
  file brings other rules into a run), and so is importing the snapshot `schema` into a
  file that names none itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.lower import walk
from lawcode.compiler.modules import Loaded, display
from lawcode.dsl import ast
from lawcode.dsl.diagnostics import Diagnostic, Level
from lawcode.dsl.spans import Span

if TYPE_CHECKING:
    from lawcode.compiler.program import Program

UNUSED_PARAMETER, UNUSED_DEFINITION, UNUSED_IMPORT = "W001", "W002", "W003"


def unused_declarations(program: Program, loaded: Loaded) -> list[Diagnostic]:
    """W001–W003 for `program`, in source order (file, line)."""
    by_file = _used_by_file(program)  # every expression walked once: a third of a CAC compile otherwise
    used = set().union(*by_file.values()) if by_file else set()
    found: list[Diagnostic] = []
    for param in program.parameters.values():
        if param.name not in used:
            found.append(_warning(UNUSED_PARAMETER, f"parameter `{param.name}` is never used", _name_span(program, param.span, param.name), "read it in a rule (`require … <= " + param.name + "`) or remove it"))
    for definition in program.definitions.values():
        if definition.name not in used:
            found.append(_warning(UNUSED_DEFINITION, f"definition `{definition.name}` is never used", _name_span(program, definition.span, definition.name), "use it in a rule or another definition, or remove it"))
    found += _unused_imports(by_file, loaded)
    return sorted(found, key=lambda d: (d.span.file, d.span.line, d.span.column) if d.span else ("", 0, 0))


def _warning(code: str, message: str, span: Span, hint: str) -> Diagnostic:
    return Diagnostic(code=code, message=message, span=span, hint=hint, level=Level.WARNING)


def _expressions(program: Program) -> Iterator[tuple[str, ir.Expr]]:
    """(file, expression) for every expression a rule or definition holds."""
    for rule in program.rules:
        for expr in (rule.where, rule.unless, rule.require, *(p for p in rule.message if not isinstance(p, str))):
            if expr is not None:
                yield rule.span.file, expr
    for definition in program.definitions.values():
        yield definition.span.file, definition.body


def names_read(expr: ir.Expr) -> Iterator[str]:
    """The parameters, definitions and ladders an expression reads (`graph.reads` without the
    fields, and no pattern matching: this runs on every compile, `graph.reads` only for the graph tools)."""
    for node in walk(expr):
        if isinstance(node, ir.ParamRef | ir.DefCall):
            yield node.name
        elif isinstance(node, ir.Escalate):
            yield node.param
        elif isinstance(node, ir.StepOf):
            yield node.ladder
        elif isinstance(node, ir.Const) and isinstance(node.type, T.StepType):
            yield node.type.ladder


def _used_by_file(program: Program) -> dict[str, set[str]]:
    """file → the parameter, definition and ladder names it reads and the documents it cites."""
    by_file: dict[str, set[str]] = {}
    for file, expr in _expressions(program):
        by_file.setdefault(file, set()).update(names_read(expr))
    cited: Iterable[tuple[Span, Iterable[ir.Citation]]] = [
        *((r.span, (*r.citations, *r.related)) for r in program.rules),
        *((p.span, p.citations) for p in program.parameters.values()),
        *((lad.span, lad.citations) for lad in program.ladders.values()),
    ]
    for span, citations in cited:
        by_file.setdefault(span.file, set()).update(c.document for c in citations)
    for param in program.parameters.values():
        if isinstance(param.type, T.EscalationType | T.StepType):
            by_file.setdefault(param.span.file, set()).add(param.type.ladder)
    return by_file


def _declared(module: ast.Module) -> tuple[set[str], set[str]]:
    """The names (parameters, definitions, ladders, documents) a module declares; which of `rule`
    and `schema` it declares besides."""
    names: set[str] = set()
    kinds: set[str] = set()
    for decl in module.declarations:
        if isinstance(decl, ast.Parameter | ast.Definition | ast.Ladder):
            names.add(decl.name)
        elif isinstance(decl, ast.Document):
            names.add(decl.key)
        elif isinstance(decl, ast.Rule):
            kinds.add("rule")
        elif isinstance(decl, ast.SchemaDecl):
            kinds.add("schema")
    return names, kinds


def _closure(loaded: Loaded, start: str) -> set[str]:
    """`start` and every file it imports, directly or not."""
    seen, stack = set(), [start]
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(loaded.imports.get(name, ()))
    return seen


def _unused_imports(used: dict[str, set[str]], loaded: Loaded) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for name, module in loaded.modules.items():
        needs = {"rule"} | ({"schema"} if "schema" not in _declared(module)[1] else set())
        for decl in module.declarations:
            if not isinstance(decl, ast.Import):
                continue
            target = display((loaded.base_dirs[name] / decl.path).resolve())
            if target not in loaded.modules:
                continue
            offered: set[str] = set()
            brings: set[str] = set()
            for reached in _closure(loaded, target):
                names, kinds = _declared(loaded.modules[reached])
                offered |= names
                brings |= kinds
            if not brings & needs and not offered & used.get(name, set()):
                found.append(_warning(UNUSED_IMPORT, f"nothing of `{decl.path}` is used here", decl.span, "remove the import, or use what it declares"))
    return found


def _name_span(program: Program, span: Span, name: str) -> Span:
    """The declaration's name, for the marker: the span itself if the name is not on its first line."""
    lines = program.sources.get(span.file, "").splitlines()
    if 0 < span.line <= len(lines):
        column = lines[span.line - 1].find(name, span.column - 1)
        if column >= 0:
            return Span(span.file, span.line, column + 1, span.line, column + 1 + len(name))
    return span

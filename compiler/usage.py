"""Warnings for what a ruleset declares and never uses: parameters, definitions, imports.

An unused parameter is usually a rule that forgot its threshold (`require n <= 500`
beside `parameter max_members = 500`), an unused definition a rule that restates it, an
unused import a leftover: each is worth a look, none stops a check. They are warnings
(W001–W003), listed by `lawcode lint`, computed from the checked program after lowering
(so only from what type-checked), never by the evaluators. The language server shows
them too, but compiles only the rules that changed (`lawcode.lsp.workspace`): it turns
them off in the compiler (`Compiler(usage=False)`) and calls `unused_declarations` itself
with what the rules left out read (`rule_reads`, from their syntax), so that a parameter
read only by a rule it did not compile again does not look unused.

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

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields, is_dataclass
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


def unused_declarations(program: Program, loaded: Loaded, elsewhere: Mapping[str, Iterable[str]] | None = None) -> list[Diagnostic]:
    """W001–W003 for `program`, in source order (file, line).

    `elsewhere` (file → names) adds what rules that are not in `program` read (the
    language server's, from `rule_reads`); `loaded` then holds every rule, for the
    imports of files that declare rules.
    """
    by_file = _used_by_file(program)  # every expression walked once: a third of a CAC compile otherwise
    for file, names in (elsewhere or {}).items():
        by_file.setdefault(file, set()).update(names)
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


def rule_reads(rule: ast.Rule) -> set[str]:
    """The names a rule's expressions read and the documents it cites, from its syntax: a
    bare name or a called one, outside the scope of the rule's own variables (its subject,
    an aggregate's). What lowering would find, for a rule the language server did not
    compile again; it may count more (a ladder read through a string compared with a step
    counts as the parameter's, never as the ladder's own), never less."""
    subject = rule.subject
    bound = frozenset({subject.var} if subject is not None else ())
    roots = [subject.where if subject is not None else None, *rule.requires, *rule.unless]
    if rule.message is not None:
        roots.extend(p for p in rule.message.parts if not isinstance(p, str))
    names = {c.document for c in (*rule.citations, *rule.related)}
    stack: list[tuple[object, frozenset[str]]] = [(e, bound) for e in roots if e is not None]
    while stack:  # no recursion: a long chain is a deep tree
        node, scope = stack.pop()
        if isinstance(node, ast.Name):
            names.update(() if node.name in scope else (node.name,))
        elif isinstance(node, ast.Aggregate):
            inner = scope | {node.var}
            stack.append((node.collection, scope))
            stack.extend((x, inner) for x in (node.where, node.value) if x is not None)
        elif isinstance(node, tuple):
            stack.extend((x, scope) for x in node)
        elif is_dataclass(node) and not isinstance(node, Span | type):
            if isinstance(node, ast.Call):
                names.add(node.func)
            stack.extend((getattr(node, f.name), scope) for f in fields(node))
    return names


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
        written = [d for d in module.declarations if isinstance(d, ast.Import)]
        targets = loaded.imports.get(name, ())
        if len(targets) != len(written):  # `load` resolves each import in order; else resolve again
            targets = tuple(display((loaded.base_dirs[name] / d.path).resolve()) for d in written)
        for decl, target in zip(written, targets, strict=True):
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

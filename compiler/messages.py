"""Warnings for violation messages that do not tell a reader what is wrong and what was due.

A violation's message is what a compliance officer reads first, often alone (in a
markdown comment, a SARIF annotation, an OSCAL finding). "assessment passed 2019-06-02"
names neither the fact that broke the duty nor what the duty asked for. Two slips are
checkable from the checked program, without judging the wording:

- W010: the message has no placeholder, so every violation of the rule reads the same and
  none shows the value that was found;
- W011: the rule's `require` reads a parameter (the threshold, deadline or cap the
  platform declares), directly or through the definitions it calls, and the message
  shows it nowhere, so the reader sees the value found but not the limit it broke.

Both look through definitions: `require complaint_in_time(c)` reads
`complaint_handling_time` inside `complaint_in_time`, and a message showing
`{complaint_deadline(c)}` shows it through that definition. A ladder parameter counts as
shown when the message reads the step it gives (`{comment_step_due(s)}`). Only `require`
is looked at: a parameter in `where` picks the subjects (a grace period before a duty
starts), it is not the limit a violation breaks.

They are warnings, listed by `lawcode lint` and never stopping a check; like W001–W003
they are computed from the checked IR after lowering, never by the evaluators.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from lawcode.compiler import ir
from lawcode.compiler.lower import walk
from lawcode.dsl import ast
from lawcode.dsl.diagnostics import Diagnostic, Level
from lawcode.dsl.spans import Span

if TYPE_CHECKING:
    from lawcode.compiler.program import Program

__all__ = ["MESSAGE_HIDES_PARAMETER", "MESSAGE_WITHOUT_PLACEHOLDER", "message_warnings", "parameters_read"]

MESSAGE_WITHOUT_PLACEHOLDER, MESSAGE_HIDES_PARAMETER = "W010", "W011"


def message_warnings(program: Program) -> list[Diagnostic]:
    """W010 and W011 for every rule of `program`, in the rules' source order."""
    spans = _message_spans(program.modules.values())
    reads: dict[str, frozenset[str]] = {}  # definition → parameters it reads, memoised across rules
    found: list[Diagnostic] = []
    for rule in program.rules:
        span = spans.get(rule.id)
        if span is None:  # no `message` written: the report says "<rule> is not met", nothing to check
            continue
        holes = [part for part in rule.message if not isinstance(part, str)]
        if not holes:
            found.append(_warning(MESSAGE_WITHOUT_PLACEHOLDER, f"the message of rule `{rule.id}` has no placeholder: every violation reads the same and shows no value found", span, "show the fact that broke the duty, e.g. `group {g.id} has {members(g)} members`"))
            continue
        shown = parameters_read(holes, program.definitions, reads)
        for name in sorted(parameters_read((rule.require,), program.definitions, reads) - shown):
            found.append(_warning(MESSAGE_HIDES_PARAMETER, f"the message of rule `{rule.id}` never shows parameter `{name}`, which its `require` checks against", span, f"say what the duty expected, e.g. `…; the limit is {{{name}}}`"))
    return found


def parameters_read(exprs: Iterable[ir.Expr], definitions: Mapping[str, ir.Definition], memo: dict[str, frozenset[str]] | None = None) -> frozenset[str]:
    """The parameters `exprs` read, directly or through the definitions they call (ladder
    parameters included, through the steps they give)."""
    memo = {} if memo is None else memo
    found: set[str] = set()
    for expr in exprs:
        for node in walk(expr):
            if isinstance(node, ir.ParamRef):
                found.add(node.name)
            elif isinstance(node, ir.Escalate):
                found.add(node.param)
            elif isinstance(node, ir.DefCall):
                found |= _definition_reads(node.name, definitions, memo)
    return frozenset(found)


def _definition_reads(name: str, definitions: Mapping[str, ir.Definition], memo: dict[str, frozenset[str]]) -> frozenset[str]:
    if name not in memo:
        memo[name] = frozenset()  # definitions are acyclic once checked; this only guards the recursion
        definition = definitions.get(name)
        if definition is not None:
            memo[name] = parameters_read((definition.body,), definitions, memo)
    return memo[name]


def _message_spans(modules: Iterable[ast.Module]) -> dict[str, Span]:
    """rule id → the span of its message text, for the rules that write one."""
    spans: dict[str, Span] = {}
    for module in modules:
        for decl in module.declarations:
            if isinstance(decl, ast.Rule) and decl.message is not None:
                spans[decl.id] = decl.message.span
    return spans


def _warning(code: str, message: str, span: Span, hint: str) -> Diagnostic:
    return Diagnostic(code=code, message=message, span=span, hint=hint, level=Level.WARNING)

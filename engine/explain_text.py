"""`lawcode explain` in a terminal: each decision as an indented tree.

✓ true, ✗ false, ? missing; other values are shown after `=`. Every line ends with
where the value came from (a JSON pointer into the snapshot) and where the expression
is written (file:line:col). Colour only on a terminal, as for `check`. Text from the
ruleset or the snapshot (expressions, values, ids, messages, pointers) goes through
`visible`, so its control characters and bidi overrides are shown, never obeyed.
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from lawcode.dsl.diagnostics import visible
from lawcode.engine.explain import Explained, Explanation, Node

MARKS = {"true": ("✓", "green"), "false": ("✗", "red"), "missing": ("?", "magenta"), "value": ("•", "cyan")}
OUTCOME_STYLE = {"violated": "bold red", "satisfied": "bold green", "undetermined": "bold magenta", "not_in_force": "bold"}


def render(explained: Explained, *, color: bool | None = None, width: int = 1000) -> str:
    """The text; `width` only matters on a terminal (a tree line is never cut in a file)."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=color is False, width=width, highlight=False, soft_wrap=True, markup=False, emoji=False)
    write(console, explained)
    return buffer.getvalue()


def write(console: Console, explained: Explained) -> None:
    rule = explained.rule
    head = Text.assemble(("rule ", "bold"), (rule.id, "bold"), f"  {rule.severity}  ", (visible(str(rule.span)), "dim"))
    console.print(head)
    if rule.title:
        console.print(Text(f"  {visible(rule.title)}"))
    for c in rule.citations:
        console.print(Text.assemble("  cites ", (visible(c.label), "bold"), (f" — {visible(c.summary)}" if c.summary else "", "dim")))
    if not explained.explanations:
        noun = rule.collection or "subjects"
        console.print()
        console.print(Text(f"no subject is violated or undetermined: the rule holds for all {explained.subjects} of {noun}", style="green"))
        console.print(Text("  (name one with --subject ID to see why it holds)", style="dim"))
        return
    for explanation in explained.explanations:
        console.print()
        write_explanation(console, explanation)
    shown = len(explained.explanations)
    if not explained.selected and explained.failing > shown:
        console.print()
        console.print(Text(f"… and {explained.failing - shown} more of {explained.failing} failing subjects (raise --limit, or pick one with --subject)", style="dim"))


def write_explanation(console: Console, e: Explanation) -> None:
    who = visible(f"{e.subject.collection} {e.subject.id} ({e.subject.pointer})") if e.subject else "the platform"
    console.print(Text.assemble(("subject ", "bold"), who, ": ", (e.outcome.replace("_", " ").upper(), OUTCOME_STYLE[e.outcome]), f" — {visible(e.reason)}"))
    if e.message and e.outcome in ("violated", "undetermined"):
        console.print(Text.assemble(("message ", "bold"), visible(e.message)))
    for clause in e.clauses:
        tree = Tree(_label(clause.tree, clause.clause), guide_style="dim")
        _grow(tree, clause.tree)
        console.print(tree)
    if e.missing:
        # undetermined: these facts are why; otherwise they were read as absent and decided
        label = "missing " if e.outcome == "undetermined" else "absent "
        console.print(Text.assemble((label, "bold magenta"), visible(", ".join(e.missing))))


def _grow(tree: Tree, node: Node) -> None:
    for child in node.children:
        _grow(tree.add(_label(child)), child)


def _label(node: Node, clause: str | None = None) -> Text:
    mark, style = MARKS[node.outcome]
    text = Text()
    if clause:
        text.append(f"{clause} ", style="bold")
    text.append(mark, style=style)
    text.append(f" {visible(node.expr)}")
    if node.outcome in ("value", "missing") and not _is_literal_of(node):
        text.append(" = ")
        text.append(visible(node.display), style=style)
    where = [p for p in (node.pointer, node.note) if p]
    missing = [m for m in node.missing if m != node.pointer]
    if missing and node.outcome == "missing":
        where.append("missing " + ", ".join(missing[:3]) + (" …" if len(missing) > 3 else ""))
    if where:
        text.append(visible("  " + "  ".join(where)), style="dim")
    text.append(visible(f"  {node.span}"), style="dim")
    return text


def _is_literal_of(node: Node) -> bool:
    return node.display == node.expr

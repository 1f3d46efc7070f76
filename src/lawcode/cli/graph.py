"""`lawcode graph`: the dependency graph, the impact of a change, what a rule reads.

Text (the default) answers the question in a terminal; `--format dot|json|mermaid`
writes the same answer as a graph for other tools (`compiler/graph_export.py`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from lawcode.api import Ruleset
from lawcode.cli.common import (
    EXIT_ERROR,
    OutputFile,
    compile_or_exit,
    print_error,
    ruleset_files,
    ruleset_paths,
    write_or_exit,
)
from lawcode.cli.completion import complete_rule_ids
from lawcode.compiler.graph_export import (
    EXPORTERS,
    KIND_SINGULAR,
    KIND_TITLES,
    Answer,
    impact,
    order,
    rule_inputs,
    whole,
)
from lawcode.dsl.diagnostics import LawcodeError, visible

SUMMARY_WIDTH = 80  # an article's summary in a listing; the full text is in the ruleset


def _citation_summaries(ruleset: Ruleset) -> dict[str, str]:
    program = ruleset.program
    found: dict[str, str] = {}
    owners: list[Any] = [*program.rules, *program.parameters.values(), *program.ladders.values()]
    for owner in owners:
        for c in owner.citations:
            if c.summary:
                found.setdefault(c.label, c.summary)
    return found


def _where(data: dict[str, Any], summaries: dict[str, str]) -> str:
    if data["kind"] == "article":
        summary = summaries.get(str(data["label"]), "")
        return summary if len(summary) <= SUMMARY_WIDTH else summary[: SUMMARY_WIDTH - 1].rstrip() + "…"
    span = data.get("span")
    return str(span) if span is not None and data["kind"] != "field" else ""


def _listing(answer: Answer, ruleset: Ruleset, heading: str) -> str:
    g = answer.graph
    summaries = _citation_summaries(ruleset)
    lines = [heading]
    groups = answer.by_kind()
    width = max((len(str(g.nodes[n]["label"])) for ns in groups.values() for n in ns), default=0)
    for kind, nodes in sorted(groups.items(), key=lambda kv: list(KIND_TITLES).index(kv[0])):
        lines.append(f"  {KIND_TITLES[kind]} ({len(nodes)})")
        for n in nodes:
            label = str(g.nodes[n]["label"])
            where = _where(g.nodes[n], summaries)
            lines.append(f"    {label.ljust(width)}  {where}".rstrip())
    return "\n".join(lines) + "\n"


def _overview(ruleset: Ruleset) -> str:
    """Every rule with what it reads and cites: the whole graph, as a reader wants it."""
    g = ruleset.graph
    counts = {kind: sum(1 for _, d in g.nodes(data=True) if d["kind"] == kind) for kind in KIND_TITLES}
    lines = [", ".join(f"{n} {KIND_SINGULAR[k] if n == 1 else KIND_TITLES[k]}" for k, n in counts.items() if n)]
    for n in order(g, (n for n, d in g.nodes(data=True) if d["kind"] == "rule")):
        answer = rule_inputs(g, n)
        lines.append("")
        lines.append(f"rule {g.nodes[n]['label']}  {g.nodes[n].get('span') or ''}".rstrip())
        for kind, nodes in answer.by_kind().items():
            verb = "cites" if kind == "article" else f"reads {KIND_TITLES[kind]}:"
            lines.append(f"  {verb} " + ", ".join(str(g.nodes[m]["label"]) for m in nodes))
    return "\n".join(lines) + "\n"


@click.command("graph")
@ruleset_paths
@click.option("--format", "-f", "fmt", type=click.Choice(["text", *sorted(EXPORTERS)]), default="text", show_default=True, help="text for people; dot, json or mermaid for tools.")
@click.option("--impact", "impact_of", metavar="FIELD_OR_PARAM", help="Everything that depends on a snapshot field (groups.member_count), parameter, ladder or definition.")
@click.option("--rule", "rule_id", metavar="RULE", shell_complete=complete_rule_ids, help="What one rule reads, and the articles it cites.")
@click.option("--output", "-o", type=OutputFile(), help="Write to a file instead of stdout.")
def graph_command(paths: tuple[Path, ...], fmt: str, impact_of: str | None, rule_id: str | None, output: Path | None) -> None:
    """The dependency graph: snapshot fields → parameters, definitions → rules → articles."""
    if impact_of and rule_id:
        raise click.UsageError("ask one question at a time: --impact or --rule")
    ruleset = compile_or_exit(paths)
    g = ruleset.graph
    try:
        if impact_of:
            answer = impact(g, impact_of, ruleset.program.schema)
        elif rule_id:
            answer = rule_inputs(g, rule_id)
        else:
            answer = whole(g)
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)
    if fmt != "text":
        text = EXPORTERS[fmt](answer)
    elif impact_of and not answer.focus:
        text = f"nothing in this ruleset reads `{impact_of}` (the snapshot schema declares it)\n"
    elif impact_of:
        names = ", ".join(f"{g.nodes[n]['kind']} `{g.nodes[n]['label']}`" for n in order(g, answer.focus))
        text = _listing(answer, ruleset, f"changing {names} affects:")
        if len(answer.graph) == len(answer.focus):
            text = f"nothing depends on {names}\n"
    elif rule_id:
        (focus,) = answer.focus
        text = _listing(answer, ruleset, f"rule {g.nodes[focus]['label']} ({g.nodes[focus]['span']}) reads and cites:")
    else:
        text = _overview(ruleset)
    if output is not None:
        write_or_exit(output, text, ruleset_files(ruleset))
    else:
        click.echo(visible(text, newlines=True), nl=False)


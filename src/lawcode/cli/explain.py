"""`lawcode explain RULE PATH... --snapshot FILE [--subject ID]`.

The rule comes first (it is what the question is about), then the ruleset paths and
options exactly as for `check`, so a check's command line becomes an explain's by
putting a rule id after `explain`:

    lawcode check   rulesets/cac -s snapshot.json
    lawcode explain group-member-cap rulesets/cac -s snapshot.json

Without `--subject`, a rule over a collection is explained for each subject it is
violated or undetermined on (the first `--limit`); when there is none, it says so. A
platform rule is always explained. Exit 0 whatever the outcome (it is a question, not a
check); 2 for an unknown rule or subject, or a bad ruleset or snapshot.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import click
import orjson
from click.shell_completion import CompletionItem

from lawcode.api import load_ruleset
from lawcode.cli.common import EXIT_ERROR, compile_or_exit, print_error
from lawcode.cli.completion import complete_rule_ids, typed_paths, typed_words
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine import explain_text
from lawcode.engine.explain import DEFAULT_LIMIT
from lawcode.engine.explain import explain as explain_rule
from lawcode.engine.snapshot import Entity


def _bundled_rule_ids(incomplete: str) -> list[CompletionItem]:
    """The rule comes before the paths, so its completion offers the bundled CAC rules."""
    try:
        with resources.as_file(resources.files("lawcode.rulesets") / "cac") as folder:
            ruleset = load_ruleset(folder)
    except (LawcodeError, OSError):
        return []
    return [CompletionItem(r.id, help=r.title) for r in ruleset.rules if r.id.startswith(incomplete)]


def complete_rule(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    return complete_rule_ids(ctx, param, incomplete) or _bundled_rule_ids(incomplete)


_VALUED = {"-s", "--snapshot", "--subject", "-f", "--format", "--limit", "--max-snapshot-mb"}


def _typed_rule() -> str | None:
    """The rule id on the command line being completed: the first plain word after `explain`."""
    words = typed_words()
    rest = words[words.index("explain") + 1 :] if "explain" in words else []
    skip = False
    for word in rest:
        if skip:
            skip = False
        elif word in _VALUED:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def complete_subject(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Ids of the rule's collection in the snapshot typed earlier (nothing on any error)."""
    try:
        ruleset = load_ruleset(typed_paths(ctx))
        rule_id = ctx.params.get("rule") or _typed_rule()
        rule = next(r for r in ruleset.rules if r.id == rule_id)
        snapshot = ruleset.load_snapshot(ctx.params["snapshot"])
    except (LawcodeError, OSError, KeyError, StopIteration, TypeError, ValueError):
        return []
    if rule.collection is None:
        return []
    ids = (str(Entity(rule.collection, i, item).id) for i, item in enumerate(snapshot.collection(rule.collection)))
    return [CompletionItem(i) for i in ids if i.startswith(incomplete)][:200]


@click.command("explain")
@click.argument("rule", shell_complete=complete_rule)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--snapshot", "-s", "snapshot", required=True, type=click.Path(path_type=Path), help="Platform state snapshot (JSON).")
@click.option("--subject", metavar="ID", shell_complete=complete_subject, help="The subject: its id, JSON pointer (/groups/0) or position (#0).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True, help="Without --subject: how many failing subjects to explain.")
@click.option("--max-snapshot-mb", type=click.IntRange(min=1), default=1024, show_default=True, help="Refuse larger snapshots.")
def explain_command(rule: str, paths: tuple[Path, ...], snapshot: Path, subject: str | None, fmt: str, limit: int, max_snapshot_mb: int) -> None:
    """Why RULE fired or stayed silent: the tree of sub-decisions, with values and sources."""
    ruleset = compile_or_exit(paths)
    try:
        loaded = ruleset.load_snapshot(snapshot, max_bytes=max_snapshot_mb * 1_000_000)
        explained = explain_rule(ruleset.program, loaded, rule, subject, limit=limit)
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)
    if fmt == "json":
        click.echo(orjson.dumps(explained.to_json(), option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(explain_text.render(explained, color=None if sys.stdout.isatty() else False), nl=False)


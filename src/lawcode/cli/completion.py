"""Shell completion shared by the commands: rule ids of the rulesets typed so far.

Completion runs the command line with `_LAWCODE_COMPLETE` set; anything that goes wrong
(a ruleset that does not compile, a path half typed) completes nothing rather than
printing an error into the user's shell.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import click
from click.shell_completion import CompletionItem

from lawcode.api import load_ruleset
from lawcode.dsl.diagnostics import LawcodeError


def typed_words() -> list[str]:
    """The command line being completed, as the shell gave it (bash, zsh and fish alike).

    Click parses options while completing but not positional arguments, so the ruleset
    paths typed before the cursor are read from here.
    """
    try:
        return shlex.split(os.environ.get("COMP_WORDS", ""))
    except ValueError:  # an unclosed quote while typing
        return os.environ.get("COMP_WORDS", "").split()


def typed_paths(ctx: click.Context) -> list[Path]:
    """The ruleset paths given so far: click's parsed ones, else `.law` files and folders typed."""
    paths = ctx.params.get("paths")
    if paths:
        return [Path(p) for p in paths]
    return [Path(w) for w in typed_words()[2:] if (w.endswith(".law") and Path(w).is_file()) or (not w.startswith("-") and Path(w).is_dir())]


def complete_rule_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Rule ids of the rulesets named earlier on the command line (nothing on any error)."""
    paths = typed_paths(ctx)
    if not paths:
        return []
    try:
        ruleset = load_ruleset(paths)
    except (LawcodeError, OSError):
        return []
    return [CompletionItem(r.id, help=r.title) for r in ruleset.rules if r.id.startswith(incomplete)]

"""How a report for people is shown: colour, width, evidence, size (`check --color …`).

The machine formats (json, jsonl, sarif, junit, oscal) ignore it; `text` reads colour,
width and evidence, `markdown` the size limit. The command line decides each from its
options and the terminal (`View.for_output`); the API and the playground pass their own.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

COLORS = ("auto", "always", "never")
DEFAULT_WIDTH = 100  # a file or a pipe: what most logs and editors show without scrolling
# Defined here, not in text.py and markdown.py (which read them): `formats` imports this
# module, and a `--format json` run should not import rich and the cycle's waivers (40 ms).
EVIDENCE_SHOWN = 4  # evidence values shown per violation in the text report
MAX_BYTES = 65_536  # the markdown report's limit: a GitHub comment's, in characters (UTF-8 bytes are never fewer)


@dataclass(frozen=True, slots=True)
class View:
    color: bool = False
    width: int = DEFAULT_WIDTH
    evidence: int | None = EVIDENCE_SHOWN  # values shown per violation; None: all
    max_bytes: int | None = MAX_BYTES  # the markdown report's limit; None: none
    full_report: str | None = None  # where the whole report is, for a cut markdown report

    @classmethod
    def for_output(cls, *, terminal: bool, color: str = "auto", evidence: int | None = EVIDENCE_SHOWN, max_bytes: int | None = MAX_BYTES) -> View:
        """The view for stdout (`terminal`: it is one) or a file.

        Colour: `always` and `never` win; `auto` colours a terminal unless NO_COLOR is set
        (no-color.org: any non-empty value). Width: the terminal's (COLUMNS overrides it);
        a file or a pipe always 100, so a saved report does not depend on who ran it where.
        """
        wanted = color == "always" or (color == "auto" and terminal and not os.environ.get("NO_COLOR"))
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns if terminal else DEFAULT_WIDTH
        return cls(color=wanted, width=max(width, 40), evidence=evidence, max_bytes=max_bytes or None)

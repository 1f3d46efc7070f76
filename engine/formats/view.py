"""How a report for people is shown: colour, width, evidence, size (`check --color …`).

The machine formats (json, jsonl, sarif, junit, oscal) ignore it; `text` reads colour,
width and evidence, `markdown` the size limit. The command line decides each from its
options and the terminal (`View.for_output`); the API and the playground pass their own.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from lawcode.engine.formats.markdown import MAX_BYTES
from lawcode.engine.formats.text import EVIDENCE_SHOWN

COLORS = ("auto", "always", "never")
DEFAULT_WIDTH = 100  # a file or a pipe: what most logs and editors show without scrolling


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

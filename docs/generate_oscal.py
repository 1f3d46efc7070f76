"""Fill the OSCAL excerpts of docs/oscal.md from real output.

    python docs/generate_oscal.py        # rewrites docs/oscal.md's excerpts, from the repository root

Each excerpt is a ```json block right after a marker comment naming the document and a
JSON pointer into it, and optionally keys to leave out of the object shown:

    <!-- oscal: assessment-results /assessment-results/results/0/observations/0 -->
    <!-- oscal: catalog /catalog/groups/0 omit=controls -->

The documents are those of the small test ruleset (tests/data/mini) and its violations
snapshot, built as `lawcode export catalog` and `lawcode check -f oscal|oscal-poam` build
them, run from the repository root. tests/engine/oscal/test_docs.py checks the page is
what this script writes.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import jsonpointer

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "oscal.md"
MARKER = re.compile(r"(<!-- oscal: (?P<model>[a-z-]+) (?P<pointer>\S+)(?: omit=(?P<omit>\S+))? -->\n)```json\n.*?```\n", re.DOTALL)


def documents() -> dict[str, dict[str, Any]]:
    """The mini ruleset's catalog, assessment results and POA&M, as the CLI writes them."""
    import lawcode
    from lawcode.engine.oscal import build_assessment_results, build_catalog, build_poam

    here = Path.cwd()
    os.chdir(ROOT)  # the report names the snapshot as given: relative to the repository
    try:
        ruleset = lawcode.load_ruleset(Path("tests/data/mini/mini.law"))
        report = ruleset.evaluate("tests/data/mini/violations.json")
    finally:
        os.chdir(here)
    return {
        "catalog": build_catalog(ruleset.program),
        "assessment-results": build_assessment_results(report, ruleset.program),
        "plan-of-action-and-milestones": build_poam(report, ruleset.program),
    }


def excerpt(found: dict[str, dict[str, Any]], model: str, pointer: str, omit: str | None) -> str:
    node = jsonpointer.resolve_pointer(found[model], pointer)
    if omit:
        node = {k: ("…" if k in omit.split(",") else v) for k, v in node.items()}
    return json.dumps(node, indent=2, ensure_ascii=False)


def render(text: str) -> str:
    """The page with every excerpt filled from the documents of today's code."""
    found = documents()

    def fill(match: re.Match[str]) -> str:
        body = excerpt(found, match["model"], match["pointer"], match["omit"])
        return f"{match[1]}```json\n{body}\n```\n"

    return MARKER.sub(fill, text)


if __name__ == "__main__":
    PAGE.write_text(render(PAGE.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}", file=sys.stderr)

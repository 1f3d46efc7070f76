"""The HTML audit report: one self-contained page for a check, or for a history.

Jinja2 templates (`templates/`, package data) with autoescaping on for every template,
so whatever comes from a ruleset, a snapshot or a waivers file is text, never markup;
it also passes through `visible` (control characters and bidi overrides shown, never
obeyed), as in the terminal report. Charts are SVG the templates draw (bars and columns
need no library, and a chart library would bring scripts or fonts). The page needs
nothing from the network: styles and the one script (a filter for the long tables)
are inline, and its Content-Security-Policy allows that script by its SHA-256 and no
other source, so nothing a string might smuggle in could load or run.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from functools import cache
from typing import Any

import orjson
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from lawcode.compiler import Program, ir
from lawcode.dsl.diagnostics import visible
from lawcode.engine.report import Report

# Filters the rows of the table with id `violations-table` by the text typed in `#filter`.
SCRIPT = """(function () {
  var input = document.getElementById("filter");
  var table = document.getElementById("violations-table");
  var shown = document.getElementById("shown");
  if (!input || !table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  function apply() {
    var needle = input.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var hit = !needle || row.textContent.toLowerCase().indexOf(needle) !== -1;
      row.hidden = !hit;
      if (hit) { count += 1; }
    });
    shown.textContent = needle ? count + " of " + rows.length + " shown" : "";
  }
  input.addEventListener("input", apply);
})();"""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lawcode")
    except PackageNotFoundError:  # pragma: no cover - a bare source tree
        return "0+unknown"


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _days(value: float | None) -> str:
    return "–" if value is None else f"{value:g} d"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("lawcode.engine.formats", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["v"] = lambda value: visible(str(value))
    env.filters["json"] = _json
    env.globals["days"] = _days
    return env


def _page(template: str, **context: Any) -> str:
    """The page; the script is ours, a constant, inserted as is (`Markup`) and hashed for the CSP."""
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    return environment().get_template(template).render(script=Markup(SCRIPT), script_hash=f"sha256-{digest}", version=_version(), **context)


def render(report: Report, program: Program) -> str:
    """The audit report of one check (with its baseline and waivers, if it had them)."""
    data = report.to_dict()
    documents = {**program.documents, **report.documents}
    by_article: Counter[tuple[str, str]] = Counter()
    summaries: dict[tuple[str, str], str | None] = {}
    for v in report.violations:
        place = (v.citation.document, v.citation.place)
        by_article[place] += 1
        summaries[place] = v.citation.summary
    articles = []
    for key in sorted({d for d, _ in by_article}):
        doc = documents.get(key)
        places = sorted((p for d, p in by_article if d == key), key=_place_order)
        articles.append({
            "key": key, "title": doc.title if doc else "",
            "articles": [{"place": p, "summary": summaries[(key, p)], "count": by_article[(key, p)]} for p in places],
        })
    summary = data["summary"]
    return _page(
        "report.html.j2",
        report=data,
        summary=summary,
        cycle=data.get("cycle") or {},
        violations=[{**item, "citations": [{**c.to_json(), "label": c.label} for c in v.citations]} for item, v in zip(data["violations"], report.violations, strict=True)],
        undetermined=data["undetermined"],
        not_in_force=data["not_in_force"],
        by_severity=[(s, summary["by_severity"][s]) for s in reversed(ir.SEVERITIES) if s in summary["by_severity"]],
        by_document=sorted(summary["by_document"].items(), key=lambda kv: (-kv[1], kv[0])),
        by_article=[(f"{d} {p}", n) for (d, p), n in sorted(by_article.items(), key=lambda kv: (-kv[1], kv[0][0], _place_order(kv[0][1])))],
        articles=articles,
    )


def render_history(history: dict[str, Any]) -> str:
    """The audit report of a history (`History.to_json()`): over time, per article, timelines."""
    open_now = [t for t in history["timelines"] if t["open_now"]]
    documents = Counter(t["document"] for t in open_now)
    severities = Counter(t["severity"] for t in open_now)
    return _page(
        "history.html.j2",
        h=history,
        open_by_document=sorted(documents.items(), key=lambda kv: (-kv[1], kv[0])),
        open_by_severity=[(s, severities[s]) for s in reversed(ir.SEVERITIES) if severities[s]],
    )


def _place_order(label: str) -> tuple[int, ...]:
    return tuple(int(p) for p in label.split() if p.isdigit())

"""The history as terminal text: the summary, per document and article, what is open.

Rendered with rich like the check report (engine/formats/text.py): colour only for a
terminal, and whatever came from a ruleset or snapshot shown through `visible`.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lawcode.dsl.diagnostics import visible

OPEN_SHOWN = 30


def render(history: dict[str, Any], *, color: bool | None = None, width: int = 120) -> str:
    """`history` is `History.to_json()`."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=color is False, width=width, highlight=False, soft_wrap=True, markup=False, emoji=False)
    s = history["summary"]
    console.print(Text(f"lawcode history · {history['from']} – {history['to']} · {s['reports']} reports", style="bold"))
    console.print(
        f"{s['timelines']} violations seen, {s['open_now']} open now (oldest {_days(s['oldest_open_days'])}), "
        f"{s['resolved']} resolved (median {_days(s['median_days_to_resolve'])} to resolve), {s['reopened']} reopened"
    )
    days = Table(title="By day", header_style="bold")
    for column in ("as of", "violations", "opened", "reopened", "resolved", "waived"):
        days.add_column(column, justify="left" if column == "as of" else "right")
    for r in history["reports"]:
        days.add_row(r["as_of"], *(str(r[k]) for k in ("violations", "opened", "reopened", "resolved", "waived")))
    console.print(days)
    articles = Table(title="By document and article", header_style="bold")
    for column in ("document", "article", "opened", "reopened", "resolved", "open now", "oldest open", "median to resolve"):
        articles.add_column(column, justify="left" if column in ("document", "article") else "right", no_wrap=column in ("document", "article"))
    for a in history["by_article"]:
        articles.add_row(visible(a["document"]), visible(a["article"]), str(a["opened"]), str(a["reopened"]), str(a["resolved"]), str(a["open_now"]), _days(a["oldest_open_days"]), _days(a["median_days_to_resolve"]))
    console.print(articles)
    still = sorted((t for t in history["timelines"] if t["open_now"]), key=lambda t: (-t["open_days"], t["rule"]))
    if still:
        console.print(Text(f"Open now, oldest first ({len(still)})", style="bold"))
        for t in still[:OPEN_SHOWN]:
            subject = f"{t['subject']['collection']} {t['subject']['id']}" if t["subject"] else "platform"
            waiver = f"  waived until {t['waiver']['expires_on']}" if t["waiver"] and t["waiver"]["state"] == "active" else ""
            events = ", ".join(f"{e['event']} {e['as_of']}" for e in t["events"])
            console.print(Text(visible(f"    {t['open_days']:>4} d  {t['severity']:<8} {t['rule']}  [{subject}]  {events}{waiver}")))
        if len(still) > OPEN_SHOWN:
            console.print(Text(f"    … {len(still) - OPEN_SHOWN} more (-f json or -f html for all)", style="dim"))
    return buffer.getvalue()


def _days(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:g} d"

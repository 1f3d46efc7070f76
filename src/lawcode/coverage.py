"""Coverage of the regulations: is every part of every document encoded?

For each document, every article (and its paragraphs and items) gets a status:

- checked by data, by attestation, or both: some rule cites it (or cites a part that
  contains it: a rule citing a whole article enforces all of it);
- not applicable: it (or a part containing it) is declared `not_applicable`, with the
  reason;
- partial: some rule checks it, but the writer declared (`partial "what is not
  checked"`) that part of its duty is not checked; a part that is partial makes the
  article or paragraph holding it partial too, so a reader never takes it as checked;
- NOT ENCODED: neither. A compliance writer must see these, so `lawcode coverage`
  (`lawcode.cli.coverage`, a thin command over `compute`, `to_json` and `print_text`)
  exits 1 when there is one.

An article or paragraph with parts is encoded when each of its parts is; its rules are
the rules citing it or any part of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lawcode.api import Ruleset
from lawcode.compiler import ir
from lawcode.dsl.diagnostics import visible

NOT_ENCODED = "NOT ENCODED"
NOT_APPLICABLE = "not applicable"
PARTIAL = "partial"


@dataclass
class Unit:
    """One article, paragraph or item, with what covers it."""

    document: str
    label: str  # "art 8 para 1"
    level: str  # article | paragraph | item
    number: tuple[int, ...]
    summary: str | None
    reason: str | None = None  # not_applicable reason (own or inherited)
    partial: str | None = None  # what of its own duty is not checked (`partial "…"`)
    rules: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    children: list[Unit] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.reason is not None and not self.rules:
            return NOT_APPLICABLE
        if self.children and any(c.status == NOT_ENCODED for c in self.children):
            return NOT_ENCODED
        kinds = set(self.kinds)
        for child in self.children:
            kinds |= child.all_kinds()
        if not kinds:
            return NOT_APPLICABLE if self.children else NOT_ENCODED
        if self.partly():
            return PARTIAL
        return " + ".join(k for k in ("data", "attestation") if k in kinds)

    def partly(self) -> bool:
        """Declared partial itself, or holding a part that is (and checked at all)."""
        return self.partial is not None or any(c.status == PARTIAL for c in self.children)

    def all_kinds(self) -> set[str]:
        out = set(self.kinds)
        for child in self.children:
            out |= child.all_kinds()
        return out

    def all_rules(self) -> list[str]:
        out = list(self.rules)
        for child in self.children:
            out += child.all_rules()
        return sorted(set(out))

    def to_json(self) -> dict[str, Any]:
        return {
            "label": f"{self.document} {self.label}",
            "level": self.level,
            "status": self.status,
            "summary": self.summary,
            "not_applicable": self.reason,
            "partial": self.partial,
            "checked_by": [k for k in ("data", "attestation") if k in self.all_kinds()],
            "rules": self.all_rules(),
            "parts": [c.to_json() for c in self.children],
        }


@dataclass
class DocumentCoverage:
    key: str
    title: str
    articles: list[Unit]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for art in self.articles:
            out[art.status] = out.get(art.status, 0) + 1
        return out

    def partial_units(self) -> list[Unit]:
        """Every article, paragraph or item declared `partial`, in document order."""
        found: list[Unit] = []

        def walk(u: Unit) -> None:
            if u.partial is not None:
                found.append(u)
            for c in u.children:
                walk(c)

        for art in self.articles:
            walk(art)
        return found

    def leaves(self) -> list[Unit]:
        found: list[Unit] = []

        def walk(u: Unit) -> None:
            if u.children:
                for c in u.children:
                    walk(c)
            else:
                found.append(u)

        for art in self.articles:
            walk(art)
        return found


def compute(ruleset: Ruleset) -> list[DocumentCoverage]:
    """The coverage of every document of the ruleset, in declaration order."""
    program = ruleset.program
    cites: dict[tuple[str, int, int | None, int | None], list[ir.Rule]] = {}
    for rule in program.rules:
        for c in rule.citations:
            cites.setdefault((c.document, c.article, c.paragraph, c.item), []).append(rule)
    out: list[DocumentCoverage] = []
    for key, doc in program.documents.items():
        articles = []
        for art in doc.articles.values():
            word = "task" if art.unit == "task" else "art"
            a = Unit(key, f"{word} {art.number}", "article", (art.number,), art.summary, art.not_applicable, art.partial)
            _attach(a, cites.get((key, art.number, None, None), []), None)
            for para in art.paragraphs.values():
                p = Unit(key, f"{a.label} para {para.number}", "paragraph", (art.number, para.number), para.summary, para.not_applicable or a.reason, para.partial)
                _attach(p, cites.get((key, art.number, para.number, None), []), a)
                for item in para.items.values():
                    i = Unit(key, f"{p.label} item {item.number}", "item", (art.number, para.number, item.number), item.summary, item.not_applicable or p.reason, item.partial)
                    _attach(i, cites.get((key, art.number, para.number, item.number), []), p)
                    p.children.append(i)
                a.children.append(p)
            articles.append(a)
        out.append(DocumentCoverage(key, doc.title, articles))
    return out


def _attach(unit: Unit, rules: list[ir.Rule], parent: Unit | None) -> None:
    """Rules citing the unit itself, plus those citing a part that contains it."""
    unit.rules = sorted({r.id for r in rules} | set(parent.rules if parent else ()))
    unit.kinds = {r.kind for r in rules} | (parent.kinds if parent else set())


def complete(coverage: list[DocumentCoverage]) -> bool:
    return all(u.status != NOT_ENCODED for d in coverage for u in d.articles)


def to_json(coverage: list[DocumentCoverage]) -> dict[str, Any]:
    return {
        "complete": complete(coverage),
        "documents": [
            {"key": d.key, "title": d.title, "articles_by_status": d.counts(), "articles": [a.to_json() for a in d.articles]}
            for d in coverage
        ],
    }


def print_text(coverage: list[DocumentCoverage], console: Console) -> None:
    styles = {NOT_ENCODED: "bold red", NOT_APPLICABLE: "dim", PARTIAL: "yellow"}
    for doc in coverage:
        console.print(f"\n[bold]{_shown(doc.key)}[/]  {_shown(doc.title)}", highlight=False)
        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        table.add_column("part", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("rules / reason")

        for art in doc.articles:
            _rows(table, art, 0, styles)
        console.print(table)
        counts = ", ".join(f"{n} {s}" for s, n in sorted(doc.counts().items()))
        console.print(f"  articles: {len(doc.articles)} ({counts})", highlight=False)
    units = [u for d in coverage for u in d.leaves()]
    missing = [u for u in units if u.status == NOT_ENCODED]
    partly = [u for d in coverage for u in d.partial_units()]
    share = 100.0 * (len(units) - len(missing)) / len(units) if units else 100.0
    style = "bold green" if not missing else "bold red"
    of_which = f", {len([u for u in units if u.status == PARTIAL])} of them partial" if partly else ""
    console.print(f"\n[{style}]coverage: {len(units) - len(missing)}/{len(units)} parts encoded ({share:.0f}%){of_which}[/]", highlight=False)
    for u in missing:
        console.print(f"  [red]NOT ENCODED[/] {_shown(f'{u.document} {u.label}')}", highlight=False)
    for u in partly:
        console.print(f"  [yellow]partial[/] {_shown(f'{u.document} {u.label}')}: not checked: {_shown(u.partial or '')}", highlight=False)


def _shown(text: str) -> str:
    """Ruleset text in rich markup: controls shown as escapes, `[brackets]` as typed."""
    return escape(visible(text))


def _rows(table: Table, u: Unit, indent: int, styles: dict[str, str]) -> None:
    status = u.status
    detail = (u.reason or "") if status == NOT_APPLICABLE else ", ".join(u.rules) or ("see its parts" if u.children else "")
    if u.partial is not None:
        detail += f"; not checked: {u.partial}"
    table.add_row("  " * indent + _shown(u.label), f"[{styles.get(status, 'green')}]{status}[/]", _shown(detail))
    for child in u.children:
        _rows(table, child, indent + 1, styles)

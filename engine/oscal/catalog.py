"""A compiled ruleset as an OSCAL catalog: the regulations as controls, the rules as methods.

Each regulation document is a group of the catalog (its title, issuer, dates and official
source); each article (or task) a control whose `statement` part holds its summary, with
one `item` part per paragraph and per item, so a finding can target exactly the place a
rule cites. Not-applicable articles, paragraphs and items are marked with a
`not-applicable` property whose remarks say why. Each rule is an `assessment-method`
part of every control it cites (method TEST for a data rule, EXAMINE for an attestation),
with its severity and in-force dates; each parameter is a control parameter with its
default as the value, placed on the control it cites first (or, without citations, the
first control of a rule that reads it; failing both, on the catalog itself).

The catalog is a function of the ruleset alone: its UUID and version are a digest of its
content and `last-modified` is the newest date the regulations carry, so exporting the
same rulesets twice gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from lawcode.compiler import Program, ir
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.engine.oscal.common import (
    compact,
    href,
    lawcode_version,
    line,
    metadata,
    prop,
    props,
    prose,
    timestamp,
    value,
)
from lawcode.engine.oscal.ids import (
    citation_control,
    citation_statement,
    content_uuid,
    control_id,
    digest,
    method_id,
    statement_id,
)
from lawcode.engine.values import display


def _not_applicable(reason: str | None) -> list[dict[str, Any]]:
    return [prop("not-applicable", "true", remarks=reason)] if reason else []


def _iso(day: object) -> str | None:
    return day.isoformat() if isinstance(day, dt.date) else None


def _part_props(part: ir.Article | ir.Paragraph | ir.Item) -> list[dict[str, Any]]:
    """Not applicable, partly checked, and a part's own in-force dates (where a later text
    replaced just this part). Read with getattr: `partial` and part dates are newer than
    some compiled programs this module meets."""
    partial = getattr(part, "partial", None)
    return [
        *_not_applicable(part.not_applicable),
        *([prop("partial", "true", remarks=str(partial))] if partial else []),
        *props([("in-force-from", _iso(getattr(part, "in_force_from", None))), ("in-force-until", _iso(getattr(part, "in_force_until", None)))]),
    ]


def _links(citations: tuple[ir.Citation, ...], rel: str, controls: set[str]) -> list[dict[str, Any]]:
    """Links to the cited statements that this catalog holds."""
    return [{"href": f"#{citation_statement(c)}", "rel": rel, "text": line(c.label)} for c in citations if citation_control(c) in controls]


def _item_parts(doc: ir.Document, article: ir.Article) -> list[dict[str, Any]]:
    out = []
    for paragraph in article.paragraphs.values():
        items = [
            compact({
                "id": statement_id(doc.key, article.unit, article.number, paragraph.number, item.number),
                "name": "item",
                "props": [prop("label", f"({item.number})", ns=None), *_part_props(item)],
                "prose": prose(item.summary) if item.summary else None,
            })
            for item in paragraph.items.values()
        ]
        out.append(compact({
            "id": statement_id(doc.key, article.unit, article.number, paragraph.number),
            "name": "item",
            "props": [prop("label", str(paragraph.number), ns=None), *_part_props(paragraph)],
            "prose": prose(paragraph.summary) if paragraph.summary else None,
            "parts": items,
        }))
    return out


def _rule_uses(program: Program) -> dict[str, list[str]]:
    """Each rule's parameters (read directly or through definitions), in name order."""
    import networkx as nx

    graph = program.graph
    out: dict[str, list[str]] = {}
    for rule in program.rules:
        node = f"rule:{rule.id}"
        found = nx.ancestors(graph, node) if node in graph else set()
        out[rule.id] = sorted(graph.nodes[n]["label"] for n in found if graph.nodes[n]["kind"] == "param")
    return out


def _method(control: str, rule: ir.Rule, uses: list[str], controls: set[str]) -> dict[str, Any]:
    """A rule as an assessment method of one control it cites (`controls`: the catalog's)."""
    places = ", ".join(c.label for c in rule.citations)
    text = f"Checked by lawcode rule `{rule.id}` ({rule.severity}; cites {places})."
    if uses:
        text += " It reads " + ", ".join(f"{{{{ insert: param, {name} }}}}" for name in uses) + "."
    return compact({
        "id": method_id(control, rule.id),
        "name": "assessment-method",
        "title": line(rule.title or rule.id),
        "props": [
            prop("method", "EXAMINE" if rule.kind == "attestation" else "TEST", ns=None),
            *props([
                ("rule", rule.id),
                ("severity", rule.severity),
                ("kind", rule.kind),
                ("in-force-from", rule.in_force_from.isoformat() if rule.in_force_from else None),
                ("in-force-until", rule.in_force_until.isoformat() if rule.in_force_until else None),
            ]),
        ],
        "links": [*_links(rule.citations, "reference", controls), *_links(getattr(rule, "related", ()), "related", controls)],
        "prose": text,
    })


def _parameter(param: ir.Parameter, ladders: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    where = ".".join(param.source) if param.source else None
    return compact({
        "id": param.name,
        "props": props([("type", str(param.type)), ("unit", param.unit), ("from", where)]),
        "label": param.name.replace("_", " "),
        "guidelines": [{"prose": f"The snapshot may set it at `{where}`; lawcode uses the default otherwise."}] if where else [],
        "values": [value(display(param.default, param.type, ladders))] if param.default is not None else [],
    })


def _placements(program: Program, controls: set[str], uses: dict[str, list[str]]) -> dict[str | None, list[str]]:
    """Which control defines each parameter (None: the catalog), so every id is defined once."""
    first_use: dict[str, str] = {}
    for rule in program.rules:
        cited = [citation_control(c) for c in rule.citations if citation_control(c) in controls]
        for name in uses[rule.id]:
            if cited:
                first_use.setdefault(name, cited[0])
    out: dict[str | None, list[str]] = defaultdict(list)
    for name in sorted(program.parameters):
        cited = [citation_control(c) for c in program.parameters[name].citations if citation_control(c) in controls]
        out[cited[0] if cited else first_use.get(name)].append(name)
    return out


def _control(doc: ir.Document, article: ir.Article, methods: list[dict[str, Any]], params: list[dict[str, Any]]) -> dict[str, Any]:
    cid = control_id(doc.key, article.unit, article.number)
    word = "Task" if article.unit == "task" else "Article"
    statement = compact({
        "id": statement_id(doc.key, article.unit, article.number),
        "name": "statement",
        "prose": prose(article.summary) if article.summary else None,
        "parts": _item_parts(doc, article),
    })
    return compact({
        "id": cid,
        "class": article.unit,
        "title": f"{word} {article.number}",
        "params": params,
        "props": [prop("label", f"{doc.key} {'task' if article.unit == 'task' else 'art'} {article.number}", ns=None), *_part_props(article)],
        "parts": [statement, *methods],
    })


def _group(doc: ir.Document, controls: list[dict[str, Any]]) -> dict[str, Any]:
    return compact({
        "id": doc.key,
        "class": "regulation",
        "title": line(doc.title),
        "props": props([
            ("issuer", doc.issuer),
            ("issued", doc.issued.isoformat() if doc.issued else None),
            ("in-force", doc.in_force.isoformat() if doc.in_force else None),
            ("in-force-until", _iso(getattr(doc, "in_force_until", None))),
        ]),
        "links": [{"href": href(doc.source) if "://" not in doc.source else doc.source, "rel": "reference", "text": "The official text"}] if doc.source else [],
        "controls": controls,
    })


def _unknown_document(key: str, program: Program) -> Diagnostic:
    known = sorted(program.documents)
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean `{close[0]}`?" if close else ("the rulesets declare " + ", ".join(known) if known else "these rulesets declare no document")
    return Diagnostic("C001", f"no document `{key}` in these rulesets", hint=hint, where="--document")


def _methods(program: Program, controls: set[str], uses: dict[str, list[str]]) -> dict[str, list[dict[str, Any]]]:
    """Each control's assessment methods: one per rule citing it (once however often), by rule id."""
    methods: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rule in sorted(program.rules, key=lambda r: r.id):
        for cid in dict.fromkeys(citation_control(c) for c in rule.citations):
            if cid in controls:
                methods[cid].append(_method(cid, rule, uses[rule.id], controls))
    return methods


def build_catalog(program: Program, documents: Iterable[str] | None = None, *, title: str | None = None) -> dict[str, Any]:
    """The OSCAL catalog of `documents` (all of the program's by default), as a JSON object;
    a LawcodeError (C001) names any key the program does not declare."""
    keys = sorted(set(documents)) if documents is not None else sorted(program.documents)
    unknown = [k for k in keys if k not in program.documents]
    if unknown:
        raise LawcodeError([_unknown_document(k, program) for k in unknown])
    docs = [program.documents[k] for k in keys]
    controls = {control_id(d.key, a.unit, a.number) for d in docs for a in d.articles.values()}
    uses = _rule_uses(program)
    placed = _placements(program, controls, uses)
    ladders = {name: ladder.steps for name, ladder in program.ladders.items()}
    methods = _methods(program, controls, uses)
    groups = []
    for doc in docs:
        built = []
        for article in sorted(doc.articles.values(), key=lambda a: a.number):
            cid = control_id(doc.key, article.unit, article.number)
            params = [_parameter(program.parameters[n], ladders) for n in placed.get(cid, [])]
            built.append(_control(doc, article, methods[cid], params))
        groups.append(_group(doc, built))
    body = compact({
        "params": [_parameter(program.parameters[n], ladders) for n in placed.get(None, [])],
        "groups": groups,
    })
    dates = [d for doc in docs for d in (doc.issued, doc.in_force) if d is not None]
    newest = max(dates, default=dt.date(2000, 1, 1))
    content = digest(body)
    meta = metadata(
        title or "lawcode catalog: " + "; ".join(d.title for d in docs),
        timestamp(newest),
        f"lawcode-{content[:12]}",
        [prop("generator", f"lawcode {lawcode_version()}"), prop("digest", f"sha256:{content}")],
    )
    return {"catalog": {"uuid": content_uuid("catalog", content), "metadata": meta, **body}}


__all__ = ["build_catalog"]

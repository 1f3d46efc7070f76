"""Questions asked of the dependency graph, and the graph written out for other tools.

`lawcode graph` answers two questions a compliance team asks before a change: "if this
snapshot field (or parameter) changes, which rules and articles are affected?" (the
impact: everything downstream) and "what does this rule read?" (everything upstream,
plus the articles it cites). The answers are subgraphs of `Program.graph`, so every
format can show them: JSON for scripts, Graphviz dot and Mermaid for pictures.

Outputs are sorted, so the same ruleset always gives the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from lawcode.compiler.graph import KINDS, node_id
from lawcode.compiler.schema import SnapshotSchema
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError, did_you_mean
from lawcode.dsl.spans import Span

GRAPH_FORMAT_VERSION = 1
KIND_SINGULAR = {
    "field": "snapshot field",
    "param": "parameter",
    "ladder": "ladder",
    "def": "definition",
    "rule": "rule",
    "article": "article",
}
KIND_TITLES = {
    "field": "snapshot fields",
    "param": "parameters",
    "ladder": "ladders",
    "def": "definitions",
    "rule": "rules",
    "article": "articles",
}


def order(g: nx.DiGraph, nodes: Iterable[str]) -> list[str]:
    """Nodes in reading order: by kind along the pipeline, then by name."""

    def key(n: str) -> tuple[int, list[tuple[int, str]]]:
        kind = g.nodes[n]["kind"]
        # natural order: `art 5` before `art 11`
        label = [(int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"(\d+)", str(g.nodes[n]["label"]))]
        return (KINDS.index(kind) if kind in KINDS else len(KINDS), label)

    return sorted(nodes, key=key)


# ---------------------------------------------------------------- finding nodes


def schema_fields(schema: SnapshotSchema, depth: int = 6) -> set[str]:
    """Every dotted field path the snapshot schema declares (`groups.info.name`, `as_of`)."""
    found: set[str] = set()

    def walk(node: Any, prefix: str, level: int) -> None:
        if level > depth or not isinstance(node, dict):
            return
        node = schema.resolve(node)
        items = node.get("items")
        if isinstance(items, dict):
            walk(items, prefix, level + 1)
        for name, child in schema.properties(node).items():
            path = f"{prefix}.{name}" if prefix else name
            found.add(path)
            walk(child, path, level + 1)

    walk(schema.root, "", 0)
    return found


def find(g: nx.DiGraph, name: str, schema: SnapshotSchema | None = None, kinds: tuple[str, ...] = KINDS) -> set[str]:
    """The node(s) `name` means: a node id (`param:x`), a field path, or a bare name.

    A field path also stands for the fields below it (`groups.info` covers
    `groups.info.name`). A field the schema declares but no rule reads gives an empty
    set; a name that is nowhere raises with a did-you-mean hint.
    """
    if ":" in name and name.split(":", 1)[0] in kinds:
        nid = name
        kind, bare = nid.split(":", 1)
        if nid in g:
            return {nid}
        if kind != "field":
            _unknown(g, bare, kinds, schema)
        name = bare
    matches = {n for n, data in g.nodes(data=True) if data["kind"] in kinds and data["label"] == name and data["kind"] != "field"}
    if matches:
        if len(matches) > 1:
            raise LawcodeError([Diagnostic("G002", f"`{name}` names more than one thing: {', '.join(sorted(matches))}", hint="write it with its kind, e.g. `" + sorted(matches)[0] + "`")])
        return matches
    if "field" in kinds:
        fields = {n for n, data in g.nodes(data=True) if data["kind"] == "field" and (data["label"] == name or str(data["label"]).startswith(name + "."))}
        if fields:
            return fields
        if schema is not None and name in schema_fields(schema) | {"as_of"}:
            return set()
    _unknown(g, name, kinds, schema)
    raise AssertionError  # pragma: no cover - _unknown raises


def _unknown(g: nx.DiGraph, name: str, kinds: tuple[str, ...], schema: SnapshotSchema | None) -> None:
    known = {str(data["label"]) for _, data in g.nodes(data=True) if data["kind"] in kinds}
    if schema is not None and "field" in kinds:
        known |= schema_fields(schema)
    names = [KIND_SINGULAR[k] for k in kinds]
    words = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    raise LawcodeError([Diagnostic("G001", f"no {words} `{name}` in this ruleset", hint=did_you_mean(name, known) or _examples(g, kinds))])


def _examples(g: nx.DiGraph, kinds: tuple[str, ...]) -> str:
    some = order(g, (n for n, data in g.nodes(data=True) if data["kind"] in kinds))[:4]
    return "for example: " + ", ".join(f"`{g.nodes[n]['label']}`" for n in some) if some else "the ruleset is empty"


# ---------------------------------------------------------------- questions


@dataclass(frozen=True, slots=True)
class Answer:
    """A question's subgraph, with the nodes it was asked about."""

    graph: nx.DiGraph
    focus: frozenset[str]

    def by_kind(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for n in order(self.graph, self.graph.nodes):
            if n not in self.focus:
                out.setdefault(self.graph.nodes[n]["kind"], []).append(n)
        return out


def impact(g: nx.DiGraph, name: str, schema: SnapshotSchema | None = None) -> Answer:
    """Everything that depends on a field, parameter, ladder or definition."""
    start = find(g, name, schema, kinds=("field", "param", "ladder", "def"))
    reached = set(start)
    for n in start:
        reached |= nx.descendants(g, n)
    return Answer(g.subgraph(reached).copy(), frozenset(start))


def rule_inputs(g: nx.DiGraph, rule: str) -> Answer:
    """What one rule reads (everything upstream of it) and the articles it cites."""
    nid = rule if rule.startswith("rule:") else node_id("rule", rule)
    if nid not in g:
        _unknown(g, nid.removeprefix("rule:"), ("rule",), None)
    reached = {nid} | nx.ancestors(g, nid) | {a for a in g.successors(nid) if g.nodes[a]["kind"] == "article"}
    return Answer(g.subgraph(reached).copy(), frozenset({nid}))


def whole(g: nx.DiGraph) -> Answer:
    return Answer(g, frozenset())


# ---------------------------------------------------------------- formats


def _span(value: Any) -> dict[str, Any] | None:
    if isinstance(value, Span):
        return {"file": value.file, "line": value.line, "column": value.column}
    return None


def to_json(answer: Answer) -> str:
    """`{"lawcode_graph": 1, "nodes": [...], "edges": [...]}`, sorted, for scripts."""
    g = answer.graph
    nodes = []
    for n in order(g, g.nodes):
        data = g.nodes[n]
        entry: dict[str, Any] = {"id": n, "kind": data["kind"], "label": data["label"], "span": _span(data.get("span"))}
        entry.update({k: v for k, v in sorted(data.items()) if k not in ("kind", "label", "span")})
        if n in answer.focus:
            entry["focus"] = True
        nodes.append(entry)
    edges = [{"from": a, "to": b} for a, b in sorted(g.edges)]
    return json.dumps({"lawcode_graph": GRAPH_FORMAT_VERSION, "nodes": nodes, "edges": edges}, indent=2, ensure_ascii=False) + "\n"


DOT_SHAPES = {
    "field": 'shape=note, style=filled, fillcolor="#eef6ff"',
    "param": 'shape=box, style="rounded,filled", fillcolor="#fff4d6"',
    "ladder": 'shape=hexagon, style=filled, fillcolor="#f3e8ff"',
    "def": 'shape=box, style="rounded,filled", fillcolor="#e8f5e9"',
    "rule": 'shape=box, style="bold,filled", fillcolor="#ffe4e1"',
    "article": 'shape=folder, style=filled, fillcolor="#eeeeee"',
}


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(answer: Answer) -> str:
    """Graphviz: `dot -Tsvg` draws it, fields on the left, articles on the right."""
    g = answer.graph
    lines = ["digraph lawcode {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];']
    for kind in KINDS:
        members = [n for n in order(g, g.nodes) if g.nodes[n]["kind"] == kind]
        if not members:
            continue
        lines.append(f"  // {KIND_TITLES[kind]}")
        for n in members:
            extra = ", penwidth=3" if n in answer.focus else ""
            lines.append(f"  {_dot_string(n)} [label={_dot_string(str(g.nodes[n]['label']))}, {DOT_SHAPES[kind]}{extra}];")
    for a, b in sorted(g.edges):
        lines.append(f"  {_dot_string(a)} -> {_dot_string(b)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


MERMAID_SHAPES = {
    "field": ("([", "])"),
    "param": ("[/", "/]"),
    "ladder": ("{{", "}}"),
    "def": ("(", ")"),
    "rule": ("[[", "]]"),
    "article": (">", "]"),
}


def _mermaid_label(text: str) -> str:
    escaped = "".join(f"#{ord(ch)};" if ch in '"#<>{}[]()|' else ch for ch in text)
    return f'"{escaped}"'


def to_mermaid(answer: Answer) -> str:
    """A Mermaid flowchart (renders in GitHub and GitLab markdown); ids are n0, n1, …"""
    g = answer.graph
    nodes = order(g, g.nodes)
    ids = {n: f"n{i}" for i, n in enumerate(nodes)}
    lines = ["flowchart LR"]
    for n in nodes:
        kind = g.nodes[n]["kind"]
        left, right = MERMAID_SHAPES[kind]
        lines.append(f"  {ids[n]}{left}{_mermaid_label(str(g.nodes[n]['label']))}{right}")
    for a, b in sorted(g.edges, key=lambda e: (nodes.index(e[0]), nodes.index(e[1]))):
        lines.append(f"  {ids[a]} --> {ids[b]}")
    for kind in KINDS:
        members = [ids[n] for n in nodes if g.nodes[n]["kind"] == kind]
        if members:
            lines.append(f"  class {','.join(members)} {kind}")
    if answer.focus:
        lines.append(f"  class {','.join(ids[n] for n in nodes if n in answer.focus)} focus")
    lines += [
        "  classDef field fill:#eef6ff",
        "  classDef param fill:#fff4d6",
        "  classDef ladder fill:#f3e8ff",
        "  classDef def fill:#e8f5e9",
        "  classDef rule fill:#ffe4e1",
        "  classDef article fill:#eeeeee",
        "  classDef focus stroke-width:3px",
    ]
    return "\n".join(lines) + "\n"


EXPORTERS = {"json": to_json, "dot": to_dot, "mermaid": to_mermaid}

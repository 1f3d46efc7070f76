"""What each API call does, as plain functions: text in, `(status, JSON body)` out.

These run inside worker processes (`workers.py`), so they take and return only plain
data. User mistakes come back as 422 with the diagnostics (each with its span's line
and column, or the JSON pointer of a bad snapshot value); an exception escaping from
here is a bug in lawcode, never the user's fault. Paths in messages are shown relative
to the ruleset folder (`cac/shared.law`), not as server paths.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from lawcode.api import Ruleset
from lawcode.compiler.modules import display, load
from lawcode.compiler.program import Compiler
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.engine import Snapshot
from lawcode.engine.cycle import annotate, parse_waivers
from lawcode.engine.explain import explain_subject
from lawcode.playground.confine import check_paths

INPUT = "<input>"
SNAPSHOT = "<snapshot>"
WAIVERS = "<waivers>"
Outcome = tuple[int, dict[str, Any]]
_WHERE = re.compile(r"^\S+ (/.*)?$")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a request's text belongs: a ruleset folder and, usually, the file it stands for.

    A folder is one ruleset (`lawcode check rulesets/cac`): its files cite each other's
    documents and share modules. So text standing for `forum-2017.law` is compiled with
    the folder's other files, as that file's new content, and the report covers the
    rules written in it (every rule of the folder when it has none, as for a shared
    module). Text that stands for no file is compiled alone, its `schema` and `import`
    paths relative to the folder.
    """

    folder_id: str
    folder_path: str
    path: str | None = None
    others: tuple[str, ...] = ()

    @property
    def root(self) -> Path:
        return Path(self.folder_path).resolve()

    @property
    def input_name(self) -> str:
        """How the compiler names the text (the edited file's display path, or `<input>`)."""
        return INPUT if self.path is None else display(self.root / self.path)

    def show_file(self, file: str) -> str:
        """`<input>` for the text, `cac/common/x.law` for the folder's files: never a server path."""
        if file == self.input_name:
            return INPUT
        if file.startswith("<"):
            return file
        try:
            return f"{self.folder_id}/{Path(file).resolve().relative_to(self.root).as_posix()}"
        except ValueError:
            return file

    def show_text(self, text: str | None) -> str | None:
        if text is None:
            return None
        for form in _forms(self.root):
            text = text.replace(form, self.folder_id)
        return text


def _forms(path: Path) -> list[str]:
    forms = [str(path)]
    with contextlib.suppress(ValueError):
        forms.append(str(path.relative_to(Path.cwd().resolve())))
    return [f for f in forms if f not in (".", "")]


@functools.lru_cache(maxsize=8)
def _compile(text: str, source: Source) -> Ruleset:
    """Compile once per distinct text: lint-as-you-type, evaluate and explain share it.

    Not `lawcode.load_ruleset(text, base_dir=…)`: it takes a string naming an existing
    file or folder for a path, so the text `""` or `/etc/passwd` would be read from disk.
    Text from a browser is always text.
    """
    root = source.root
    base = root if source.path is None else (root / source.path).resolve().parent
    check_paths(text, source.input_name, base, root, source.folder_id)
    entries = [root / other for other in source.others]
    program = Compiler(load(entries=entries, texts=[(source.input_name, text, base)])).compile()
    own = tuple(rule for rule in program.rules if rule.span.file == source.input_name)
    if own and len(own) < len(program.rules):
        program = dataclasses.replace(program, rules=own)
    label = INPUT if source.path is None else f"{source.folder_id}/{source.path}"
    return Ruleset(program, (label,))


def diagnostics_json(diagnostics: Iterable[Diagnostic], source: str, folder: Source) -> list[dict[str, Any]]:
    """`Diagnostic.to_json()`, plus which editor it belongs to and, for snapshots, the pointer."""
    out = []
    for d in diagnostics:
        item: dict[str, Any] = d.to_json()
        item["source"] = source
        item["message"] = folder.show_text(d.message)
        item["hint"] = folder.show_text(d.hint)
        for span in [item["span"], *(n["span"] for n in item["notes"])]:
            if isinstance(span, dict):
                span["file"] = folder.show_file(str(span["file"]))
        for note in item["notes"]:
            note["message"] = folder.show_text(note["message"])
        item["where"] = folder.show_text(d.where)
        match = _WHERE.match(d.where or "")
        item["pointer"] = (match.group(1) or "") if match else None
        out.append(item)
    return out


def _rejected(kind: str, message: str, error: LawcodeError, folder: Source) -> Outcome:
    return 422, {"error": kind, "message": message, "diagnostics": diagnostics_json(error.diagnostics, kind.removeprefix("invalid_"), folder)}


def _source(raw: dict[str, Any]) -> Source:
    return Source(raw["folder_id"], raw["folder_path"], raw.get("path"), tuple(raw.get("others", ())))


def _ruleset(text: str, folder: Source) -> Ruleset:
    return _compile(text, folder)


def _snapshot(ruleset: Ruleset, snapshot: str | dict[str, Any], max_bytes: int) -> Snapshot:
    # Always bytes: a bare string would be taken for a file path by `load_snapshot`.
    if isinstance(snapshot, dict):
        return Snapshot.load(snapshot, ruleset.program.schema, name=SNAPSHOT, max_bytes=max_bytes)
    return Snapshot.load(snapshot.encode("utf-8"), ruleset.program.schema, name=SNAPSHOT, max_bytes=max_bytes)


def lint(ruleset: str, source: dict[str, Any], snapshot: str | dict[str, Any] | None = None, max_bytes: int = 1 << 30) -> Outcome:
    """Every diagnostic of the ruleset, and of the snapshot when one is given and the ruleset compiles."""
    folder = _source(source)
    try:
        compiled = _ruleset(ruleset, folder)
    except LawcodeError as error:
        return 200, {"ok": False, "rules": None, "diagnostics": diagnostics_json(error.diagnostics, "ruleset", folder)}
    found = diagnostics_json(compiled.warnings, "ruleset", folder)
    if snapshot is not None:
        try:
            _snapshot(compiled, snapshot, max_bytes)
        except LawcodeError as error:
            found += diagnostics_json(error.diagnostics, "snapshot", folder)
    ok = not any(d["level"] == "error" for d in found)
    return 200, {"ok": ok, "rules": len(compiled.rules), "documents": sorted(compiled.documents), "diagnostics": found}


def evaluate(ruleset: str, source: dict[str, Any], snapshot: str | dict[str, Any], max_bytes: int = 1 << 30, waivers: str | None = None) -> Outcome:
    """The report (`Report.to_dict()`), with the cited documents for the citations' summaries
    and the rules it covers (each with the collection it checks). `waivers`: a waivers
    file's YAML text (docs/compliance-cycle.md); waived violations stay in the report, marked."""
    folder = _source(source)
    try:
        compiled = _ruleset(ruleset, folder)
    except LawcodeError as error:
        return _rejected("invalid_ruleset", "the ruleset has errors", error, folder)
    try:
        waiver_file = parse_waivers(waivers, WAIVERS, compiled.program) if waivers is not None else None
    except LawcodeError as error:
        return _rejected("invalid_waivers", "the waivers file has errors", error, folder)
    try:
        loaded = _snapshot(compiled, snapshot, max_bytes)
        report = compiled.evaluate(loaded)
    except LawcodeError as error:
        return _rejected("invalid_snapshot", "the snapshot does not fit the ruleset's schema", error, folder)
    if waiver_file is not None:
        report = annotate(report, compiled.program, waivers=waiver_file, snapshot=loaded)
    body = report.to_dict()
    for item in body["violations"]:
        item["source"]["file"] = folder.show_file(str(item["source"]["file"]))
    cited = {c["document"] for key in ("violations", "undetermined", "not_in_force") for v in body[key] for c in v.get("citations", [v["citation"]])}
    body["documents"] = {key: _document(doc) for key, doc in sorted(compiled.documents.items()) if key in cited}
    body["warnings"] = diagnostics_json(compiled.warnings, "ruleset", folder)
    # What the page's "explain any subject" offers: every rule reported on, and what it checks.
    body["rules"] = [{"id": r.id, "title": r.title, "severity": r.severity, "collection": r.collection} for r in compiled.rules]
    return 200, body


def _document(doc: Any) -> dict[str, Any]:
    return {
        "title": doc.title,
        "issuer": doc.issuer,
        "issued": doc.issued.isoformat() if doc.issued else None,
        "in_force": doc.in_force.isoformat() if doc.in_force else None,
        "source": doc.source,
        "articles": {
            str(n): {
                "unit": a.unit,
                "summary": a.summary,
                "not_applicable": a.not_applicable,
                "paragraphs": {
                    str(p): {"summary": para.summary, "items": {str(i): item.summary for i, item in para.items.items()}}
                    for p, para in a.paragraphs.items()
                },
            }
            for n, a in doc.articles.items()
        },
    }


def graph(ruleset: str, source: dict[str, Any]) -> Outcome:
    """The dependency graph as nodes and edges (edges point from what is read to its reader)."""
    folder = _source(source)
    try:
        compiled = _ruleset(ruleset, folder)
    except LawcodeError as error:
        return _rejected("invalid_ruleset", "the ruleset has errors", error, folder)
    g = compiled.graph
    rules = {f"rule:{rule.id}" for rule in compiled.rules}
    if any(n.startswith("rule:") and n not in rules for n in g.nodes):  # scoped to the edited file
        keep = set(rules)
        for rule in rules:
            keep |= nx.ancestors(g, rule) | set(g.successors(rule))
        g = g.subgraph(keep)
    nodes = []
    for node_id, data in sorted(g.nodes(data=True)):
        span = data.get("span")
        item: dict[str, Any] = {"id": node_id, "kind": data.get("kind"), "label": data.get("label")}
        item["span"] = {**span.to_json(), "file": folder.show_file(span.file)} if span is not None and hasattr(span, "to_json") else None
        for extra in ("severity", "document"):
            if data.get(extra) is not None:
                item[extra] = data[extra]
        nodes.append(item)
    edges = [{"source": a, "target": b} for a, b in sorted(g.edges())]
    return 200, {"nodes": nodes, "edges": edges}


def explain(ruleset: str, source: dict[str, Any], snapshot: str | dict[str, Any], rule: str, subject: str | None = None, max_bytes: int = 1 << 30) -> Outcome:
    """Why one rule decided what it did for one subject: `Explanation.to_json()`, the tree
    `lawcode explain --format json` gives, with file names shown as the page knows them."""
    folder = _source(source)
    try:
        compiled = _ruleset(ruleset, folder)
    except LawcodeError as error:
        return _rejected("invalid_ruleset", "the ruleset has errors", error, folder)
    try:
        loaded = _snapshot(compiled, snapshot, max_bytes)
    except LawcodeError as error:
        return _rejected("invalid_snapshot", "the snapshot does not fit the ruleset's schema", error, folder)
    try:
        body = explain_subject(compiled.program, loaded, rule, subject).to_json()
    except LawcodeError as error:
        if any(d.code.startswith("X") for d in error.diagnostics):
            return _rejected("invalid_request", "the rule or subject to explain is unknown", error, folder)
        return _rejected("invalid_snapshot", "the snapshot's policy values are unusable", error, folder)
    body["source"]["file"] = folder.show_file(body["source"]["file"])
    for clause in body["clauses"]:
        _show_spans(clause["tree"], folder)
    return 200, body


def _show_spans(node: dict[str, Any], folder: Source) -> None:
    node["span"]["file"] = folder.show_file(node["span"]["file"])
    for child in node["children"]:
        _show_spans(child, folder)


Job = Callable[..., Outcome]
JOBS: dict[str, Job] = {"lint": lint, "evaluate": evaluate, "graph": graph, "explain": explain}

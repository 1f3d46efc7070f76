"""What each API call does, as plain functions: text in, `(status, JSON body)` out.

These run inside worker processes (`workers.py`), so they take and return only plain
data. User mistakes come back as 422 with the diagnostics (each with its span's line
and column, or the JSON pointer of a bad snapshot value); an exception escaping from
here is a bug in lawcode, never the user's fault. Paths in messages are shown relative
to the ruleset folder (`cac/shared.law`), not as server paths.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lawcode.api import Ruleset
from lawcode.compiler import compile_text
from lawcode.diagnostics import Diagnostic, LawcodeError
from lawcode.engine import Snapshot
from lawcode.playground import explain as explaining
from lawcode.playground.confine import check_paths

INPUT = "<input>"
SNAPSHOT = "<snapshot>"
Outcome = tuple[int, dict[str, Any]]
_WHERE = re.compile(r"^\S+ (/.*)?$")


class Folder:
    """The ruleset folder a request's text belongs to, and how to show paths inside it."""

    def __init__(self, folder_id: str, path: str) -> None:
        self.id = folder_id
        self.path = Path(path).resolve()

    def show_file(self, file: str) -> str:
        if file.startswith("<"):
            return file
        try:
            return f"{self.id}/{Path(file).resolve().relative_to(self.path).as_posix()}"
        except ValueError:
            return file

    def show_text(self, text: str | None) -> str | None:
        if text is None:
            return None
        for form in _forms(self.path):
            text = text.replace(form, self.id)
        return text


def _forms(path: Path) -> list[str]:
    forms = [str(path)]
    with contextlib.suppress(ValueError):
        forms.append(str(path.relative_to(Path.cwd().resolve())))
    return [f for f in forms if f not in (".", "")]


@functools.lru_cache(maxsize=8)
def _compile(text: str, folder_id: str, folder_path: str) -> Ruleset:
    """Compile once per distinct text: lint-as-you-type, evaluate and explain share it.

    Not `lawcode.load_ruleset(text, base_dir=…)`: it takes a string naming an existing
    file or folder for a path, so the text `""` or `/etc/passwd` would be read from disk.
    Text from a browser is always text.
    """
    check_paths(text, INPUT, Path(folder_path), folder_id)
    return Ruleset(compile_text(text, INPUT, Path(folder_path)), (INPUT,))


def diagnostics_json(diagnostics: Iterable[Diagnostic], source: str, folder: Folder) -> list[dict[str, Any]]:
    """`Diagnostic.to_json()`, plus which editor it belongs to and, for snapshots, the pointer."""
    out = []
    for d in diagnostics:
        item = d.to_json()
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


def _rejected(kind: str, message: str, error: LawcodeError, folder: Folder) -> Outcome:
    return 422, {"error": kind, "message": message, "diagnostics": diagnostics_json(error.diagnostics, kind.removeprefix("invalid_"), folder)}


def _ruleset(text: str, folder: Folder) -> Ruleset:
    return _compile(text, folder.id, str(folder.path))


def _snapshot(ruleset: Ruleset, snapshot: str | dict[str, Any], max_bytes: int) -> Snapshot:
    # Always bytes: a bare string would be taken for a file path by `load_snapshot`.
    if isinstance(snapshot, dict):
        return Snapshot.load(snapshot, ruleset.program.schema, name=SNAPSHOT, max_bytes=max_bytes)
    return Snapshot.load(snapshot.encode("utf-8"), ruleset.program.schema, name=SNAPSHOT, max_bytes=max_bytes)


def lint(ruleset: str, folder_id: str, folder_path: str, snapshot: str | dict[str, Any] | None = None, max_bytes: int = 1 << 30) -> Outcome:
    """Every diagnostic of the ruleset, and of the snapshot when one is given and the ruleset compiles."""
    folder = Folder(folder_id, folder_path)
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


def evaluate(ruleset: str, folder_id: str, folder_path: str, snapshot: str | dict[str, Any], max_bytes: int = 1 << 30) -> Outcome:
    """The report (`Report.to_dict()`), with the cited documents for the citations' summaries."""
    folder = Folder(folder_id, folder_path)
    try:
        compiled = _ruleset(ruleset, folder)
    except LawcodeError as error:
        return _rejected("invalid_ruleset", "the ruleset has errors", error, folder)
    try:
        report = compiled.evaluate(_snapshot(compiled, snapshot, max_bytes))
    except LawcodeError as error:
        return _rejected("invalid_snapshot", "the snapshot does not fit the ruleset's schema", error, folder)
    body = report.to_dict()
    for item in body["violations"]:
        item["source"]["file"] = folder.show_file(str(item["source"]["file"]))
    cited = {c["document"] for key in ("violations", "undetermined", "not_in_force") for v in body[key] for c in v.get("citations", [v["citation"]])}
    body["documents"] = {key: _document(doc) for key, doc in sorted(compiled.documents.items()) if key in cited}
    body["warnings"] = diagnostics_json(compiled.warnings, "ruleset", folder)
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


def graph(ruleset: str, folder_id: str, folder_path: str) -> Outcome:
    """The dependency graph as nodes and edges (edges point from what is read to its reader)."""
    folder = Folder(folder_id, folder_path)
    try:
        compiled = _ruleset(ruleset, folder)
    except LawcodeError as error:
        return _rejected("invalid_ruleset", "the ruleset has errors", error, folder)
    g = compiled.graph
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


def explain(ruleset: str, folder_id: str, folder_path: str, snapshot: str | dict[str, Any], rule: str, subject: str | None = None, max_bytes: int = 1 << 30) -> Outcome:
    """The decision tree of one rule for one subject, with the values it read."""
    folder = Folder(folder_id, folder_path)
    try:
        compiled = _ruleset(ruleset, folder)
    except LawcodeError as error:
        return _rejected("invalid_ruleset", "the ruleset has errors", error, folder)
    try:
        loaded = _snapshot(compiled, snapshot, max_bytes)
    except LawcodeError as error:
        return _rejected("invalid_snapshot", "the snapshot does not fit the ruleset's schema", error, folder)
    try:
        tree = explaining.explain(compiled, loaded, rule, subject)
    except LawcodeError as error:
        if any(d.code.startswith("P01") for d in error.diagnostics):
            return _rejected("invalid_request", "the rule or subject to explain is unknown", error, folder)
        return _rejected("invalid_snapshot", "the snapshot's policy values are unusable", error, folder)
    for clause in tree["clauses"]:
        _show_spans(clause["tree"], folder)
    return 200, tree


def _show_spans(node: dict[str, Any], folder: Folder) -> None:
    node["span"]["file"] = folder.show_file(node["span"]["file"])
    for child in node["children"]:
        _show_spans(child, folder)


JOBS = {"lint": lint, "evaluate": evaluate, "graph": graph, "explain": explain}

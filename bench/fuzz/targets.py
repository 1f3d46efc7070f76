"""The fuzz targets: each runs one input through lawcode and asserts its contract.

A target's run returns the outcome's signature (the diagnostic codes, or `ok` and the
report's size) and raises only when the contract is broken: any exception but
`LawcodeError`, or `Broken`. See bench/fuzz/__init__.py for the table of targets.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.fuzz.mutate import mutate_folder, mutate_request, mutate_ruleset, mutate_snapshot

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "data" / "mini"
REPRODUCERS = ROOT / "tests" / "bad_inputs" / "fuzz"

Run = Callable[[bytes], str]  # runs one input, returns its outcome's signature; raises on a broken contract


class Broken(AssertionError):
    """The input broke a contract without an exception of its own (an HTTP 500, a bad body).

    `where` tells such crashes apart as a traceback cannot: the route and the status.
    """

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.where = where


class Slow(Exception):
    """The input ran past the per-input time limit (`--timeout`)."""


# ---------------------------------------------------------------- the targets


@dataclass(frozen=True, slots=True)
class Target:
    """One fuzz target: its seeds, how to mutate an input, and how to run one (`open` sets it up)."""

    name: str
    ext: str
    seeds: Callable[[], list[bytes]]
    mutate: Callable[[random.Random, bytes, list[bytes]], bytes]
    open: Callable[[], contextlib.AbstractContextManager[Run]]


def _signature(error: Any) -> str:
    return " ".join(sorted({d.code for d in error.diagnostics})) or "no-diagnostic"


def _rendered(error: Any) -> str:
    """What `lawcode lint` prints of an error: every diagnostic as text and as JSON."""
    import orjson

    error.render()
    orjson.dumps([d.to_json() for d in error.diagnostics])
    return _signature(error)


def _mini_ruleset() -> Any:
    import lawcode

    return lawcode.load_ruleset(MINI / "mini.law")


@contextlib.contextmanager
def _lint() -> Iterator[Run]:
    from lawcode.api import load_ruleset
    from lawcode.dsl.diagnostics import LawcodeError
    from lawcode.dsl.formatter import format_text

    def run(data: bytes) -> str:
        text = data.decode("utf-8", "replace")
        try:
            ruleset = load_ruleset(text, base_dir=MINI)
        except LawcodeError as error:
            return _rendered(error)
        for warning in ruleset.warnings:
            warning.render(ruleset.program.sources)
        try:
            format_text(text, "<input>")
        except LawcodeError as error:
            return "fmt " + _rendered(error)
        return "ok " + " ".join(sorted({w.code for w in ruleset.warnings}))

    yield run


@contextlib.contextmanager
def _python() -> Iterator[Run]:
    from lawcode.dsl.diagnostics import LawcodeError
    from lawcode.engine.formats import FORMATS

    ruleset = _mini_ruleset()

    def run(data: bytes) -> str:
        try:
            report = ruleset.evaluate(ruleset.load_snapshot(data))
        except LawcodeError as error:
            return _rendered(error)
        for render in FORMATS.values():
            render(report, ruleset.program)
        return f"ok {len(report.violations)} {len(report.undetermined)}"

    yield run


def _clear(backend: Any) -> None:
    """Drop what an evaluation left in the shared DuckDB connection (its tables stay after a failure)."""
    for (name,) in backend.con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'lawcode_db' OR temporary").fetchall():
        backend.con.execute('DROP TABLE IF EXISTS "' + name.replace('"', '""') + '"')
    for (name,) in backend.con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall():
        backend.con.execute('DROP VIEW IF EXISTS "' + name.replace('"', '""') + '"')


@contextlib.contextmanager
def _duckdb_run(to_source: Callable[[bytes], Any]) -> Iterator[Run]:
    from lawcode.dsl.diagnostics import LawcodeError
    from lawcode.engine.sql import evaluate, make_backend

    ruleset = _mini_ruleset()
    backend = make_backend("duckdb", threads=1)

    def run(data: bytes) -> str:
        try:
            report = evaluate(ruleset.program, to_source(data), backend="duckdb", engine=backend)
        except LawcodeError as error:
            return _rendered(error)
        finally:
            _clear(backend)
        report.to_dict()
        return f"ok {len(report.violations)} {len(report.undetermined)}"

    try:
        yield run
    finally:
        backend.close()


def _duckdb() -> contextlib.AbstractContextManager[Run]:
    return _duckdb_run(lambda data: data)


@contextlib.contextmanager
def _jsonl() -> Iterator[Run]:
    folder = Path(tempfile.mkdtemp(prefix="lawcode-fuzz-jsonl-"))

    def to_folder(data: bytes) -> str:
        files = json.loads(data)
        for old in folder.iterdir():
            old.unlink()
        for name, text in files.items():
            if re.fullmatch(r"[a-z_]+\.(jsonl|ndjson|json)", name):  # never a path: the envelope names files of the folder
                (folder / name).write_bytes(str(text).encode("utf-8", "surrogatepass"))
        return str(folder)

    try:
        with _duckdb_run(to_folder) as run:
            yield run
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(slots=True)
class _InlinePool:
    """The app's worker pool, run in this process: a job's exception reaches the fuzzer with its traceback.

    As `workers._serve` does, a RecursionError is the client's input nesting too deeply
    (422 `too_complex`); any other exception would be a 500 there, a crash here.
    """

    size: int
    timeout: float

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def run(self, job: str, kwargs: dict[str, Any]) -> tuple[int, bytes]:
        import orjson

        from lawcode.playground.service import JOBS

        try:
            status, body = JOBS[job](**kwargs)
        except RecursionError:
            status, body = 422, {"error": "too_complex", "message": "the input nests too deeply to process", "diagnostics": []}
        return status, orjson.dumps(body, default=str)


@contextlib.contextmanager
def _http() -> Iterator[Run]:
    from unittest import mock

    from jsonschema import Draft202012Validator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # StarletteDeprecationWarning: its TestClient on httpx
        from starlette.testclient import TestClient

    from lawcode.playground import app as playground
    from lawcode.playground import openapi

    spec = openapi.document()
    with mock.patch.object(playground, "WorkerPool", _InlinePool):
        app = playground.create_app(folders=[MINI])
    validators: dict[tuple[str, str, str], Draft202012Validator] = {}

    def check(method: str, path: str, status: int, body: bytes, content_type: str) -> None:
        if status >= 500:
            raise Broken(f"{method} {path} answered {status}: {body[:300]!r}", f"{method} {path.split('?')[0][:40]} {status}")
        route = "/api/examples/{folder}/{name}" if re.fullmatch(r"/api/examples/[^/]+/.+", path) else path
        operation = spec["paths"].get(route, {}).get(method.lower())
        if operation is None or status == 405:
            return
        declared = operation["responses"].get(str(status))
        if declared is None:
            raise Broken(f"{method} {route} answered {status}, undeclared in the OpenAPI document: {body[:300]!r}", f"{method} {route} {status} undeclared")
        if not content_type.startswith("application/json"):
            raise Broken(f"{method} {route} answered {status} as {content_type}, not JSON", f"{method} {route} {status} not JSON")
        key = (route, method, str(status))
        if key not in validators:
            schema = declared["content"]["application/json"]["schema"]
            validators[key] = Draft202012Validator({**schema, "components": spec["components"]})
        errors = sorted(validators[key].iter_errors(json.loads(body)), key=str)
        if errors:
            raise Broken(f"{method} {route} {status} does not fit its schema: {errors[0].message[:200]} at {list(errors[0].absolute_path)}", f"{method} {route} {status} schema")

    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=True) as client:

        def run(data: bytes) -> str:
            request = json.loads(data)
            method, path = str(request.get("method", "GET")), str(request.get("path", "/"))
            headers = {str(k): str(v) for k, v in dict(request.get("headers", {})).items()}
            body = str(request.get("body", "")).encode("utf-8", "surrogatepass")
            try:
                response = client.request(method, path, content=body, headers=headers)
            except (ValueError, UnicodeError) as exc:  # httpx refuses to send it: no request reached the app
                return f"unsendable {type(exc).__name__}"
            # the path answered (after redirects), as the router saw it
            check(response.request.method, response.url.path, response.status_code, response.content, response.headers.get("content-type", ""))
            return f"{method} {path[:24]} {response.status_code}"

        yield run


# ---------------------------------------------------------------- seeds


def reproducers(target: str) -> list[bytes]:
    """The inputs kept in tests/bad_inputs/fuzz/ for a target (its crashes, found before)."""
    return [p.read_bytes() for p in sorted(REPRODUCERS.glob(f"{target}--*")) if p.suffix != ".txt"] if REPRODUCERS.is_dir() else []


def _generated_rulesets(count: int = 40) -> list[str]:
    """Well-typed rulesets over the mini schema from tests/dsl/strategies.py, printed untidily by Messy."""
    sys.path.insert(0, str(ROOT))
    try:
        from hypothesis import HealthCheck, given, seed, settings
        from hypothesis import strategies as st

        from lawcode.dsl import parse_module
        from tests.dsl.messy import Messy
        from tests.dsl.strategies import rules
    finally:
        sys.path.remove(str(ROOT))
    prelude = parse_module((MINI / "mini.law").read_text(encoding="utf-8"), "mini.law").declarations
    out: list[str] = []

    @seed(0)
    @settings(max_examples=count, database=None, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.tuples(rules("r-one"), rules("r-two")), st.integers(0, 2**32))
    def collect(generated: tuple[Any, ...], layout: int) -> None:
        out.append(Messy(random.Random(layout)).module((*prelude, *generated)))

    collect()
    return out


def _ruleset_seeds() -> list[bytes]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(MINI.glob("*.law"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "rulesets" / "cac").rglob("*.law"))]
    texts += _generated_rulesets()
    return [t.encode() for t in texts]


def _snapshot_documents() -> list[Any]:
    return [json.loads((MINI / name).read_text(encoding="utf-8")) for name in ("violations.json", "compliant.json")]


def _snapshot_seeds() -> list[bytes]:
    return [json.dumps(d).encode() for d in _snapshot_documents()] + [(MINI / "violations.json").read_bytes()]


def _as_folder(document: Any) -> bytes:
    """A JSON Lines snapshot folder of a document, as the envelope the `jsonl` target reads."""
    if not isinstance(document, dict):
        return json.dumps({"root.snapshot.json": json.dumps(document)}).encode()
    files: dict[str, str] = {}
    root = {k: v for k, v in document.items() if not isinstance(v, list)}
    files["root.snapshot.json"] = json.dumps(root)
    for name, items in document.items():
        if isinstance(items, list) and re.fullmatch(r"[a-z_]+", name):
            files[f"{name}.jsonl"] = "".join(json.dumps(item) + "\n" for item in items)
    return json.dumps(files).encode()


def _jsonl_seeds() -> list[bytes]:
    return [_as_folder(d) for d in _snapshot_documents()]


def _requests() -> list[dict[str, Any]]:
    ruleset = (MINI / "mini.law").read_text(encoding="utf-8")
    snapshot = (MINI / "violations.json").read_text(encoding="utf-8")
    json_type = {"content-type": "application/json"}
    bodies: list[tuple[str, dict[str, Any]]] = [
        ("/api/lint", {"ruleset": ruleset, "folder": "mini", "snapshot": snapshot}),
        ("/api/lint", {"ruleset": ruleset, "folder": "mini", "path": "mini.law"}),
        ("/api/evaluate", {"ruleset": ruleset, "folder": "mini", "snapshot": snapshot}),
        ("/api/evaluate", {"ruleset": ruleset, "folder": "mini", "snapshot": json.loads(snapshot)}),
        ("/api/graph", {"ruleset": ruleset, "folder": "mini"}),
        ("/api/explain", {"ruleset": ruleset, "folder": "mini", "snapshot": snapshot, "rule": "group-member-cap", "subject": "/groups/0"}),
        ("/api/explain", {"ruleset": ruleset, "folder": "mini", "snapshot": snapshot, "rule": "log-retention", "subject": None}),
    ]
    out = [{"method": "POST", "path": path, "headers": json_type, "body": json.dumps(body)} for path, body in bodies]
    out += [{"method": "GET", "path": p, "headers": {}, "body": ""} for p in ("/", "/api/examples", "/api/examples/mini/mini.law", "/openapi.json", "/static/style.css")]
    return out


def _http_seeds() -> list[bytes]:
    return [json.dumps(r).encode() for r in _requests()]


# ---------------------------------------------------------------- all of them

TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("lint", ".law", _ruleset_seeds, mutate_ruleset, _lint),
        Target("python", ".json", _snapshot_seeds, mutate_snapshot, _python),
        Target("duckdb", ".json", _snapshot_seeds, mutate_snapshot, _duckdb),
        Target("jsonl", ".json", _jsonl_seeds, mutate_folder, _jsonl),
        Target("http", ".json", _http_seeds, mutate_request, _http),
    )
}

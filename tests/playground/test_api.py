"""The playground's JSON API against a real server (uvicorn, started through the CLI).

Every answer is checked against the OpenAPI document the server serves, so the
description stays true; results are compared with the library's own, so the API adds
nothing and loses nothing.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

import lawcode
from helpers import DATA
from lawcode.engine.explain import explain
from lawcode.rulesets import bundled_path

MINI = DATA / "mini"
VIOLATIONS = (MINI / "violations.json").read_text(encoding="utf-8")
HOSTILE = (DATA / "playground" / "hostile.json").read_text(encoding="utf-8")


def post(url: str, path: str, body: Any, **kwargs: Any) -> httpx.Response:
    return httpx.post(url + path.lstrip("/"), json=body, timeout=60, **kwargs)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# ---------------------------------------------------------------- the document and the page


def test_openapi_document_is_valid(openapi: dict[str, Any]) -> None:
    validate(openapi)
    assert set(openapi["paths"]) >= {"/api/lint", "/api/evaluate", "/api/graph", "/api/explain", "/api/examples"}


def test_page_and_assets_are_served_with_a_strict_policy(url: str) -> None:
    page = httpx.get(url)
    assert page.status_code == 200
    assert 'src="/static/js/main.js"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert page.headers["x-content-type-options"] == "nosniff"
    for asset in ("static/js/main.js", "static/vendor/codemirror.js", "static/style.css", "static/vendor/LICENSES.txt"):
        response = httpx.get(url + asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 500, asset


@pytest.mark.parametrize("host", ["attacker.example", ""])
def test_a_foreign_host_header_is_refused_on_every_route(url: str, check: Any, openapi: dict[str, Any], host: str) -> None:
    # A page on another site, rebound by DNS to 127.0.0.1, must not reach the API; the
    # document declares that 400 on every operation (the fuzzer found GETs without it).
    concrete = {"/api/examples/{folder}/{name}": "/api/examples/mini/mini.law"}
    for path, item in openapi["paths"].items():
        for method in item:
            response = httpx.request(method, url + concrete.get(path, path).lstrip("/"), json={}, headers={"host": host})
            assert response.status_code == 400, (method, path)
            assert check(response, path, method)["error"] == "invalid_request"


# ---------------------------------------------------------------- examples


def test_examples_list_the_offered_folders(url: str, check: Any) -> None:
    body = check(httpx.get(url + "api/examples"), "/api/examples", "get")
    mini = next(f for f in body["folders"] if f["id"] == "mini")
    assert {"name": "mini.law", "rules": 4, "documents": []} in mini["rulesets"]
    assert {"name": "documents.law", "rules": 0, "documents": ["groups-2017"]} in mini["rulesets"]
    assert mini["examples"] == ["compliant.json", "violations.json"]
    assert body["default"]["folder"] in {f["id"] for f in body["folders"]}


def test_example_files_are_served_only_when_listed(url: str, check: Any) -> None:
    body = check(httpx.get(url + "api/examples/mini/violations.json"), "/api/examples/{folder}/{name}", "get")
    assert body["text"] == VIOLATIONS
    for sneaky in ("mini/..%2F..%2F..%2Fpyproject.toml", "mini/snapshot.schema.json", "nope/mini.law", "mini/%2Fetc%2Fpasswd"):
        response = httpx.get(url + "api/examples/" + sneaky)
        assert response.status_code == 404, sneaky
        check(response, "/api/examples/{folder}/{name}", "get")


# ---------------------------------------------------------------- lint


def test_lint_accepts_the_mini_ruleset(url: str, check: Any, mini_text: str) -> None:
    body = check(post(url, "/api/lint", {"ruleset": mini_text, "folder": "mini"}), "/api/lint")
    assert body == {"ok": True, "rules": 4, "documents": ["groups-2017"], "diagnostics": []}


def test_lint_points_at_a_syntax_error(url: str, check: Any, mini_text: str) -> None:
    broken = mini_text.replace("  severity high\n", "  severity high\n  oops oops\n", 1)
    line = line_of(broken, "oops oops")
    body = check(post(url, "/api/lint", {"ruleset": broken, "folder": "mini"}), "/api/lint")
    assert body["ok"] is False and body["rules"] is None
    [diagnostic] = body["diagnostics"]
    assert diagnostic["level"] == "error" and diagnostic["source"] == "ruleset"
    assert diagnostic["span"]["file"] == "<input>"
    assert (diagnostic["span"]["line"], diagnostic["span"]["column"]) == (line, 3)
    assert diagnostic["hint"]


def test_lint_reports_the_same_diagnostics_as_the_library(url: str, check: Any, mini_text: str) -> None:
    broken = mini_text.replace("require members(g) <= max_group_members", "require member(g) <= max_group_member")
    body = check(post(url, "/api/lint", {"ruleset": broken, "folder": "mini"}), "/api/lint")
    with pytest.raises(lawcode.LawcodeError) as caught:
        lawcode.load_ruleset(broken, base_dir=MINI)
    expected = [(d.code, d.message, d.hint, d.span.line, d.span.column) for d in caught.value.diagnostics if d.span]
    got = [(d["code"], d["message"], d["hint"], d["span"]["line"], d["span"]["column"]) for d in body["diagnostics"]]
    assert got == expected and len(got) == 2


def test_lint_checks_a_snapshot_against_the_schema(url: str, check: Any, mini_text: str) -> None:
    snapshot = VIOLATIONS.replace('"status": "closed"', '"status": "archived"')
    body = check(post(url, "/api/lint", {"ruleset": mini_text, "folder": "mini", "snapshot": snapshot}), "/api/lint")
    assert body["ok"] is False
    [diagnostic] = body["diagnostics"]
    assert diagnostic["source"] == "snapshot" and diagnostic["pointer"] == "/groups/1/status"
    assert "archived" in diagnostic["message"]


# ---------------------------------------------------------------- evaluate


def test_evaluate_gives_the_library_report(url: str, check: Any, mini_text: str) -> None:
    body = check(post(url, "/api/evaluate", {"ruleset": mini_text, "folder": "mini", "snapshot": VIOLATIONS}), "/api/evaluate")
    expected = lawcode.load_ruleset(mini_text, base_dir=MINI).evaluate(VIOLATIONS.encode()).to_dict()
    for key in ("as_of", "violations", "undetermined", "not_in_force", "summary"):
        assert body[key] == expected[key], key
    assert [(v["rule"], v["subject"]["id"]) for v in body["violations"]][:1] == [("group-member-cap", "g1")]
    assert body["documents"]["groups-2017"]["articles"]["8"]["summary"] == "Group caps and info pages."
    rules = lawcode.load_ruleset(mini_text, base_dir=MINI).rules
    assert body["rules"] == [{"id": r.id, "title": r.title, "severity": r.severity, "collection": r.collection} for r in rules]
    assert any(r["id"] == "group-member-cap" and r["collection"] == "groups" for r in body["rules"])


def test_evaluate_accepts_a_snapshot_object(url: str, check: Any, mini_text: str) -> None:
    as_object = post(url, "/api/evaluate", {"ruleset": mini_text, "folder": "mini", "snapshot": json.loads(VIOLATIONS)})
    as_text = post(url, "/api/evaluate", {"ruleset": mini_text, "folder": "mini", "snapshot": VIOLATIONS})
    assert check(as_object, "/api/evaluate")["violations"] == check(as_text, "/api/evaluate")["violations"]


def test_evaluate_refuses_a_broken_ruleset_with_diagnostics(url: str, check: Any, mini_text: str) -> None:
    broken = mini_text.replace("rule log-retention {", "rule log-retention {{")
    body = check(post(url, "/api/evaluate", {"ruleset": broken, "folder": "mini", "snapshot": VIOLATIONS}), "/api/evaluate")
    assert body["error"] == "invalid_ruleset"
    assert [(d["span"]["line"], d["span"]["column"]) for d in body["diagnostics"]] == [(line_of(broken, "{{"), 21)]


def test_evaluate_refuses_a_broken_snapshot_with_its_position(url: str, check: Any, mini_text: str) -> None:
    snapshot = '{"as_of": "2024-08-31",\n "users": [,]}'
    response = post(url, "/api/evaluate", {"ruleset": mini_text, "folder": "mini", "snapshot": snapshot})
    assert response.status_code == 422
    body = check(response, "/api/evaluate")
    assert body["error"] == "invalid_snapshot"
    [diagnostic] = body["diagnostics"]
    assert diagnostic["code"] == "S002" and diagnostic["span"]["line"] == 2


def test_snapshot_text_is_never_read_as_a_path(url: str, check: Any, mini_text: str) -> None:
    # `Ruleset.load_snapshot` reads a file when given a string that is not JSON text.
    for path in ("tests/data/mini/violations.json", str(MINI / "violations.json"), "/etc/passwd"):
        response = post(url, "/api/evaluate", {"ruleset": mini_text, "folder": "mini", "snapshot": path})
        body = check(response, "/api/evaluate")
        assert response.status_code == 422 and body["diagnostics"][0]["code"] == "S002", path


def test_hostile_strings_come_back_as_data(url: str, check: Any, mini_text: str) -> None:
    body = check(post(url, "/api/evaluate", {"ruleset": mini_text, "folder": "mini", "snapshot": HOSTILE}), "/api/evaluate")
    messages = [v["message"] for v in body["violations"]]
    assert "group <img src=x onerror=\"window.__pwned='img'\"> has 2 members; the cap is 1" in messages
    assert any("<script>window.__pwned = 'script'</script>" in m for m in messages)


# ---------------------------------------------------------------- confinement


@pytest.mark.parametrize(
    "declaration",
    ['import "../../../pyproject.toml"', 'import "/etc/passwd"', 'schema "../../../pyproject.toml"', 'import "."'],
)
def test_ruleset_text_cannot_read_outside_its_folder(url: str, check: Any, declaration: str) -> None:
    text = f'schema "snapshot.schema.json"\n\n{declaration}\n'
    body = check(post(url, "/api/lint", {"ruleset": text, "folder": "mini"}), "/api/lint")
    codes = [(d["code"], d["span"]["line"]) for d in body["diagnostics"]]
    assert ("P001", 3) in codes
    assert all("[project]" not in d["message"] and "root:" not in d["message"] for d in body["diagnostics"])


def test_imports_inside_the_folder_still_resolve(url: str, check: Any) -> None:
    text = 'schema "snapshot.schema.json"\nimport "documents.law"\n'
    body = check(post(url, "/api/lint", {"ruleset": text, "folder": "mini"}), "/api/lint")
    assert body["ok"] is True and body["documents"] == ["groups-2017"]


# ---------------------------------------------------------------- graph and explain


def test_graph_has_the_rules_inputs(url: str, check: Any, mini_text: str) -> None:
    body = check(post(url, "/api/graph", {"ruleset": mini_text, "folder": "mini"}), "/api/graph")
    ids = {n["id"] for n in body["nodes"]}
    assert {"rule:group-member-cap", "def:members", "param:max_group_members", "article:groups-2017 art 8 para 1"} <= ids
    edges = {(e["source"], e["target"]) for e in body["edges"]}
    assert ("def:members", "rule:group-member-cap") in edges
    assert ("field:memberships.group_id", "def:members") in edges
    assert ("rule:group-member-cap", "article:groups-2017 art 8 para 1") in edges
    expected = lawcode.load_ruleset(mini_text, base_dir=MINI).graph
    assert ids == set(expected.nodes) and edges == set(expected.edges)


def test_explain_shows_the_decision_with_values(url: str, check: Any, mini_text: str) -> None:
    request = {"ruleset": mini_text, "folder": "mini", "snapshot": VIOLATIONS, "rule": "group-member-cap", "subject": "/groups/0"}
    body = check(post(url, "/api/explain", request), "/api/explain")
    assert body["outcome"] == "violated"
    assert body["message"] == "group g1 has 3 members; the cap is 2"
    clauses = {c["clause"]: c["tree"] for c in body["clauses"]}
    assert clauses["where"]["expr"] == 'g.status == "active"' and clauses["where"]["value"] is True
    require = clauses["require"]
    assert (require["expr"], require["value"]) == ("members(g) <= max_group_members", False)
    values = {(c["expr"], json.dumps(c["value"])) for c in require["children"]}
    assert ("members(g)", "3") in values and ("max_group_members", "2") in values


def test_explain_a_satisfied_subject(url: str, check: Any, mini_text: str) -> None:
    request = {"ruleset": mini_text, "folder": "mini", "snapshot": VIOLATIONS, "rule": "verified-before-posting", "subject": "/users/0"}
    body = check(post(url, "/api/explain", request), "/api/explain")
    assert (body["outcome"], body["reason"]) == ("satisfied", "`require` is true")


def _files_as_the_page_sees_them(node: dict[str, Any]) -> dict[str, Any]:
    return {**node, "span": {**node["span"], "file": "<input>"}, "children": [_files_as_the_page_sees_them(c) for c in node["children"]]}


@pytest.mark.parametrize(
    ("rule", "subject"),
    [("group-member-cap", "/groups/0"), ("group-member-cap", "g2"), ("verified-before-posting", "/users/2"), ("sanction-step", "#1"), ("log-retention", None)],
)
def test_explain_is_the_clis_explanation(url: str, check: Any, mini_text: str, rule: str, subject: str | None) -> None:
    # One explain: the answer is `lawcode explain --format json`'s, file names aside.
    request = {"ruleset": mini_text, "folder": "mini", "snapshot": VIOLATIONS, "rule": rule, "subject": subject}
    body = check(post(url, "/api/explain", request), "/api/explain")
    ruleset = lawcode.load_ruleset(MINI / "mini.law")
    (expected,) = explain(ruleset.program, ruleset.load_snapshot(MINI / "violations.json"), rule, subject).to_json()["explanations"]
    expected["source"]["file"] = "<input>"
    expected["clauses"] = [{**c, "tree": _files_as_the_page_sees_them(c["tree"])} for c in expected["clauses"]]
    assert body == expected


def test_explain_of_an_imported_definition_names_its_file(url: str, check: Any) -> None:
    cac = bundled_path("cac")
    request = {
        "ruleset": (cac / "forum-2017.law").read_text(encoding="utf-8"),
        "folder": "cac",
        "path": "forum-2017.law",
        "snapshot": (cac / "examples" / "violations.json").read_text(encoding="utf-8"),
        "rule": "forum-account-verified-at-registration",
        "subject": "/accounts/0",
    }
    body = check(post(url, "/api/explain", request), "/api/explain")
    assert body["outcome"] == "violated" and body["source"]["file"] == "<input>"
    files: set[str] = set()
    nodes = [c["tree"] for c in body["clauses"]]
    while nodes:
        node = nodes.pop()
        files.add(node["span"]["file"])
        nodes.extend(node["children"])
    assert files == {"<input>", "cac/common/identity.law", "cac/common/snapshot.law"}  # never a server path


@pytest.mark.parametrize(
    ("rule", "subject", "code"),
    [
        ("no-such-rule", "/groups/0", "X001"),
        ("group-member-cap", "/groups/99", "X002"),
        ("group-member-cap", "/users/0", "X002"),
        ("log-retention", "/groups/0", "X003"),
        ("group-member-cap", None, "X004"),
    ],
)
def test_explain_refuses_an_unknown_rule_or_subject(url: str, check: Any, mini_text: str, rule: str, subject: str | None, code: str) -> None:
    request = {"ruleset": mini_text, "folder": "mini", "snapshot": VIOLATIONS, "rule": rule, "subject": subject}
    response = post(url, "/api/explain", request)
    body = check(response, "/api/explain")
    assert response.status_code == 422 and body["error"] == "invalid_request"
    assert [d["code"] for d in body["diagnostics"]] == [code]


# ---------------------------------------------------------------- bad requests


def test_malformed_json_is_a_400(url: str, check: Any) -> None:
    response = httpx.post(url + "api/evaluate", content=b'{"ruleset": "x", ', headers={"content-type": "application/json"})
    body = check(response, "/api/evaluate")
    assert response.status_code == 400 and body["error"] == "malformed_json"
    assert "not valid JSON" in body["message"]


def test_a_body_that_is_not_json_is_a_415(url: str, check: Any) -> None:
    response = httpx.post(url + "api/lint", content=b"ruleset=x", headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    check(response, "/api/lint")


@pytest.mark.parametrize(
    "body",
    [[], {"ruleset": 3}, {"ruleset": "x", "surprise": 1}, {"snapshot": "{}"}, {"ruleset": "x", "folder": "no-such-folder"}],
)
def test_a_request_of_the_wrong_shape_is_a_422(url: str, check: Any, body: Any) -> None:
    response = post(url, "/api/lint", body)
    assert response.status_code == 422
    assert check(response, "/api/lint")["error"] == "invalid_request"


def test_a_50_mb_snapshot_is_refused_with_413(url: str, check: Any, mini_text: str) -> None:
    snapshot = '{"as_of": "2024-08-31", "users": [' + ",".join(['{"id": "u"}'] * 4_600_000) + "]}"
    body = json.dumps({"ruleset": mini_text, "folder": "mini", "snapshot": snapshot}).encode()
    assert len(body) > 50_000_000
    response = httpx.post(url + "api/evaluate", content=body, headers={"content-type": "application/json"}, timeout=60)
    assert response.status_code == 413
    assert check(response, "/api/evaluate")["limit"] == 8 * 1024 * 1024


def test_an_oversized_body_without_a_length_is_refused_while_streaming(url: str, check: Any) -> None:
    def chunks() -> Any:
        yield b'{"ruleset": "'
        for _ in range(10):
            yield b"x" * 1_000_000
        yield b'"}'

    response = httpx.post(url + "api/lint", content=chunks(), headers={"content-type": "application/json"}, timeout=60)
    assert response.status_code == 413
    check(response, "/api/lint")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/lint", {"ruleset": "rule x { require " + "(" * 5000 + "1" + ")" * 5000 + " }"}),
        ("/api/lint", {"ruleset": "\x00\ud7ff\ufffe" * 100}),
        ("/api/lint", {"ruleset": ""}),
        ("/api/evaluate", {"ruleset": 'schema "snapshot.schema.json"', "folder": "mini", "snapshot": "[1, 2]"}),
        ("/api/evaluate", {"ruleset": 'schema "snapshot.schema.json"', "folder": "mini", "snapshot": '{"as_of": "2024-02-30"}'}),
        ("/api/evaluate", {"ruleset": 'schema "snapshot.schema.json"', "folder": "mini", "snapshot": "[" * 100_000}),
        ("/api/graph", {"ruleset": "def x = 1 +"}),
        ("/api/explain", {"ruleset": "", "snapshot": {}, "rule": "r"}),
    ],
)
def test_strange_input_is_never_a_server_error(url: str, check: Any, path: str, body: Any) -> None:
    response = post(url, path, body)
    assert response.status_code < 500, response.text[:500]
    check(response, path)


def test_deeply_nested_request_json_is_a_400(url: str, check: Any) -> None:
    response = httpx.post(url + "api/lint", content=b"[" * 100_000, headers={"content-type": "application/json"})
    assert response.status_code == 400
    check(response, "/api/lint")


@pytest.mark.parametrize("text", ["", ".", "tests/data/mini", "tests/data/mini/mini.law", "/etc/passwd", "/etc"])
def test_ruleset_text_that_looks_like_a_path_is_still_text(url: str, check: Any, text: str) -> None:
    # `lawcode.load_ruleset` reads a string naming an existing file or folder from disk.
    body = check(post(url, "/api/lint", {"ruleset": text, "folder": "mini"}), "/api/lint")
    assert body["ok"] is False
    files = {d["span"]["file"] for d in body["diagnostics"] if d["span"]}
    assert files <= {"<input>"}, files
    assert all("root:" not in d["message"] and "groups-2017" not in d["message"] for d in body["diagnostics"])


# ---------------------------------------------------------------- a file of a folder


def test_text_standing_for_a_file_is_compiled_with_its_folder(url: str, check: Any) -> None:
    # documents.law alone has no schema-bound rules; as the folder's file, mini.law's rules
    # are checked against its edited article summaries.
    text = (MINI / "documents.law").read_text(encoding="utf-8").replace("Group caps and info pages.", "Caps, edited in the browser.")
    request = {"ruleset": text, "folder": "mini", "path": "documents.law", "snapshot": VIOLATIONS}
    body = check(post(url, "/api/evaluate", request), "/api/evaluate")
    assert body["documents"]["groups-2017"]["articles"]["8"]["summary"] == "Caps, edited in the browser."
    assert body["summary"]["rules"] == 4 and body["rulesets"] == ["mini/documents.law"]
    broken = text.replace("article 8", "article eight")
    lint = check(post(url, "/api/lint", {"ruleset": broken, "folder": "mini", "path": "documents.law"}), "/api/lint")
    assert lint["diagnostics"][0]["span"]["file"] == "<input>"
    assert lint["diagnostics"][0]["span"]["line"] == line_of(broken, "article eight")


def test_errors_in_sibling_files_name_their_file(url: str, check: Any, mini_text: str) -> None:
    # Standing for documents.law, text that drops the documents leaves mini.law's citations dangling.
    body = check(post(url, "/api/lint", {"ruleset": 'schema "snapshot.schema.json"\n', "folder": "mini", "path": "documents.law"}), "/api/lint")
    files = {d["span"]["file"] for d in body["diagnostics"]}
    assert body["ok"] is False and files == {"mini/mini.law"}


def test_a_path_the_folder_does_not_list_is_refused(url: str, check: Any, mini_text: str) -> None:
    for path in ("nope.law", "../mini/mini.law", "snapshot.schema.json"):
        response = post(url, "/api/lint", {"ruleset": mini_text, "folder": "mini", "path": path})
        assert response.status_code == 422, path
        assert path in check(response, "/api/lint")["message"]


CAC = bundled_path("cac")


@pytest.mark.skipif(not (CAC / "examples" / "violations.json").is_file(), reason="the CAC rulesets have no examples yet")
def test_the_cac_forum_ruleset_as_the_playground_offers_it(url: str, check: Any) -> None:
    examples = check(httpx.get(url + "api/examples"), "/api/examples", "get")
    cac = next(f for f in examples["folders"] if f["id"] == "cac")
    assert "examples/violations.json" in cac["examples"]
    assert examples["default"]["folder"] == "cac"
    text = (CAC / "forum-2017.law").read_text(encoding="utf-8")
    snapshot = (CAC / "examples" / "violations.json").read_text(encoding="utf-8")
    body = check(post(url, "/api/evaluate", {"ruleset": text, "folder": "cac", "path": "forum-2017.law", "snapshot": snapshot}), "/api/evaluate")
    expected = lawcode.load_ruleset(CAC).evaluate(CAC / "examples" / "violations.json")
    forum = [v for v in expected.to_dict()["violations"] if v["source"]["file"].endswith("forum-2017.law")]
    assert forum and [(v["rule"], v["subject"], v["message"]) for v in body["violations"]] == [(v["rule"], v["subject"], v["message"]) for v in forum]
    assert {v["source"]["file"] for v in body["violations"]} == {"<input>"}

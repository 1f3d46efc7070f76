"""`POST /api/evaluate` with waivers: marked, never dropped; mistakes answer 422 at their line."""

from __future__ import annotations

from typing import Any

import httpx

from helpers import DATA

VIOLATIONS = (DATA / "mini" / "violations.json").read_text(encoding="utf-8")
WAIVERS = (DATA / "cycle" / "waivers" / "states.yaml").read_text(encoding="utf-8")


def post(url: str, body: Any) -> httpx.Response:
    return httpx.post(url + "api/evaluate", json=body, timeout=60)


def test_waived_violations_are_marked_and_kept(url: str, check: Any, mini_text: str) -> None:
    plain = check(post(url, {"ruleset": mini_text, "folder": "mini", "snapshot": VIOLATIONS}), "/api/evaluate")
    body = check(post(url, {"ruleset": mini_text, "folder": "mini", "snapshot": VIOLATIONS, "waivers": WAIVERS}), "/api/evaluate")
    assert len(body["violations"]) == len(plain["violations"]) == 4
    marks = {(v["rule"], v["subject"]["id"]): v.get("waiver", {}).get("state") for v in body["violations"]}
    assert marks[("group-member-cap", "g1")] == "active"
    assert marks[("verified-before-posting", "u3")] == "expired"
    assert {w["id"]: w["state"] for w in body["cycle"]["waivers"]["waivers"]} == {"cap-g1": "active", "u3-expired": "expired", "nobody": "stale"}
    assert body["cycle"]["waivers"]["source"] == "<waivers>"


def test_bad_waivers_answer_422_with_positions(url: str, check: Any, mini_text: str) -> None:
    bad = (DATA / "cycle" / "waivers" / "errors.yaml").read_text(encoding="utf-8")
    response = post(url, {"ruleset": mini_text, "folder": "mini", "snapshot": VIOLATIONS, "waivers": bad})
    assert response.status_code == 422
    body = check(response, "/api/evaluate")
    assert body["error"] == "invalid_waivers"
    assert {d["source"] for d in body["diagnostics"]} == {"waivers"}
    assert [(d["span"]["line"], d["span"]["column"]) for d in body["diagnostics"]][:2] == [(2, 11), (7, 17)]
    assert body["diagnostics"][0]["hint"] == "did you mean `group-member-cap`?"

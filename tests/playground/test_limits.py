"""The time limit: a job that runs too long is stopped, and the server goes on serving."""

from __future__ import annotations

import json
from typing import Any

import httpx

# Each group scans every membership (`!=` is not an indexed key): 3000 × 3000 filters.
SLOW = """schema "snapshot.schema.json"
import "documents.law"

rule slow {
  cites groups-2017 art 8 para 1
  for each g in groups
  require count(m in memberships where m.group_id != g.id) >= 0
}
"""


def slow_snapshot(n: int = 3000) -> str:
    return json.dumps({
        "as_of": "2024-08-31",
        "policy": {},
        "users": [],
        "groups": [{"id": f"g{i}", "status": "active"} for i in range(n)],
        "memberships": [{"user_id": "u", "group_id": f"g{i}"} for i in range(n)],
        "logs": [],
        "sanctions": [],
    })


def test_a_slow_evaluation_is_stopped_with_503(strict_url: str, check: Any, mini_text: str) -> None:
    url = strict_url
    response = httpx.post(url + "api/evaluate", json={"ruleset": SLOW, "folder": "mini", "snapshot": slow_snapshot()}, timeout=60)
    assert response.status_code == 503, response.text[:300]
    body = check(response, "/api/evaluate")
    assert body["error"] == "timeout" and body["limit"] == 1
    assert "time limit" in body["message"]
    assert response.headers["retry-after"] == "1"
    # The one worker was killed and replaced: were it still busy, this would time out too.
    after = httpx.post(url + "api/lint", json={"ruleset": mini_text, "folder": "mini"}, timeout=60)
    assert after.status_code == 200 and after.json()["ok"] is True

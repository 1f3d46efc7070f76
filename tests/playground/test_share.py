"""Short share links: the share store behind `POST /api/share`, `GET /api/share/{id}`, `/s/{id}`.

Against real servers started through the CLI, each with its own SQLite file under
pytest's temporary folder: ids come from the content, states survive a restart, the
oldest are evicted past the cap, limits and bad ids are clear 4xx answers, a store
path that is not safe or not ours is one line and exit 2 with the file untouched.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpers import DATA, ROOT, PlaygroundServer

MINI_TEXT = (DATA / "mini" / "mini.law").read_text(encoding="utf-8")
VIOLATIONS = (DATA / "mini" / "violations.json").read_text(encoding="utf-8")


def started(*args: str, store: Path | None = None) -> PlaygroundServer:
    where = ("--store", str(store)) if store is not None else ("--no-store",)
    return PlaygroundServer("--rulesets", str(DATA / "mini"), "--workers", "1", *where, *args)


def state(**changes: Any) -> dict[str, Any]:
    return {"folder": "mini", "ruleset": MINI_TEXT, "snapshot": VIOLATIONS, "rulesetName": "mini.law", "snapshotName": "violations.json", **changes}


def share(url: str, body: Any) -> httpx.Response:
    return httpx.post(url + "api/share", json=body, timeout=60)


def fetch(url: str, key: str) -> httpx.Response:
    return httpx.get(url + "api/share/" + key, timeout=60)


def private_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    folder.mkdir(mode=0o700)
    return folder


def test_a_shared_state_comes_back_exactly_under_a_short_id(url: str, check: Any) -> None:
    sent = state(snapshot=VIOLATIONS.replace("g1", "g1 — 群组 \u2028"))
    link = check(share(url, sent), "/api/share")
    assert link["url"] == f"{url}s/{link['id']}"
    assert len(link["url"]) < 60
    assert check(fetch(url, link["id"]), "/api/share/{id}", "get") == sent
    page = httpx.get(link["url"])
    assert page.status_code == 200 and 'src="/static/js/main.js"' in page.text


def test_the_same_state_gets_the_same_id_whatever_its_key_order(url: str, check: Any) -> None:
    first = check(share(url, state()), "/api/share")
    reordered = dict(reversed(list(state().items())))
    assert check(share(url, reordered), "/api/share")["id"] == first["id"]
    other = check(share(url, state(snapshotName=None)), "/api/share")
    assert other["id"] != first["id"]


@pytest.mark.parametrize(
    "key, status",
    [
        ("short", 400),
        ("a" * 17, 400),
        ("AAAAAAAAAAAAAAA%2F", 400),  # a slash, decoded into the id
        ("AAAAAAAAAAAAAA.!", 400),
        ("%C3%A9" * 16, 400),
        ("AAAAAAAAAAAAAAAA", 404),  # well formed, never shared
    ],
)
def test_bad_or_unknown_ids_are_clear_4xx_answers(url: str, check: Any, key: str, status: int) -> None:
    response = fetch(url, key)
    assert response.status_code == status, response.text
    body = check(response, "/api/share/{id}", "get")
    assert body["error"] == ("invalid_request" if status == 400 else "not_found")
    assert ("16 characters" in body["message"]) if status == 400 else ("never shared" in body["message"])
    if status == 404:
        assert httpx.get(url + "s/" + key).status_code == 404  # the page still loads, and says so


@pytest.mark.parametrize(
    "body, where",
    [
        ({"ruleset": MINI_TEXT}, "snapshot"),
        ({"ruleset": MINI_TEXT, "snapshot": {"as_of": "2024-01-01"}}, "snapshot"),
        ({"ruleset": MINI_TEXT, "snapshot": "{}", "script": "alert(1)"}, "script"),
        ([1, 2], "the body"),
    ],
)
def test_a_state_of_the_wrong_shape_is_a_422(url: str, check: Any, body: Any, where: str) -> None:
    response = share(url, body)
    assert response.status_code == 422
    assert where in check(response, "/api/share")["message"]


def test_a_state_over_the_entry_limit_is_a_413_and_not_kept(url: str, check: Any, store_folder: Path) -> None:
    config = httpx.get(url + "api/config").json()
    limit = config["share"]["max_entry_bytes"]
    assert config["share"]["store"] is True and limit < config["max_body_bytes"]
    big = state(snapshot=json.dumps({"pad": "x" * limit}))
    before = sqlite3.connect(store_folder / "shares.sqlite3").execute("SELECT COUNT(*) FROM shares").fetchone()[0]
    response = share(url, big)
    assert response.status_code == 413
    body = check(response, "/api/share")
    assert body["limit"] == limit and "over the limit" in body["message"]
    after = sqlite3.connect(store_folder / "shares.sqlite3").execute("SELECT COUNT(*) FROM shares").fetchone()[0]
    assert after == before


def test_shares_from_many_clients_at_once_are_all_kept(url: str, check: Any) -> None:
    states = [state(snapshotName=f"parallel-{i}.json") for i in range(24)]
    with ThreadPoolExecutor(8) as pool:
        links = list(pool.map(lambda s: share(url, s), states))
    assert all(r.status_code == 200 for r in links), [r.text for r in links if r.status_code != 200][:1]
    for sent, link in zip(states, links, strict=True):
        assert fetch(url, link.json()["id"]).json() == sent


def test_links_survive_a_restart_and_the_store_is_private(tmp_path: Path) -> None:
    path = private_folder(tmp_path) / "nested" / "shares.sqlite3"
    first = started(store=path)
    try:
        key = share(first.url, state()).json()["id"]
    finally:
        first.stop()
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = started(store=path)
    try:
        assert fetch(second.url, key).json() == state()
        assert httpx.get(second.url + "s/" + key).status_code == 200
    finally:
        second.stop()


def test_past_the_cap_the_oldest_shares_are_evicted_first(tmp_path: Path) -> None:
    path = private_folder(tmp_path) / "shares.sqlite3"
    running = started("--store-max-mb", "0.05", store=path)  # 52,428 bytes as kept
    try:
        # Random text hardly compresses: each state keeps about 12 KB as kept, four fit.
        states = [state(snapshot=json.dumps({"pad": secrets.token_urlsafe(11000)})) for _ in range(6)]
        keys = [share(running.url, s).json()["id"] for s in states[:4]]
        assert all(fetch(running.url, k).status_code == 200 for k in keys)
        share(running.url, states[0])  # shared again: now the newest
        keys += [share(running.url, s).json()["id"] for s in states[4:]]
        present = [fetch(running.url, k).status_code == 200 for k in keys]
        assert present == [True, False, False, True, True, True]
        gone = fetch(running.url, keys[1]).json()
        assert gone["error"] == "not_found" and "dropped to make room" in gone["message"]
        total = sqlite3.connect(path).execute("SELECT SUM(size) FROM shares").fetchone()[0]
        assert total <= 0.05 * 1024 * 1024
    finally:
        running.stop()


def test_without_a_store_the_share_routes_say_so(tmp_path: Path) -> None:
    running = started()  # --no-store
    try:
        assert httpx.get(running.url + "api/config").json()["share"] == {"store": False, "max_entry_bytes": None}
        for response in (share(running.url, state()), fetch(running.url, "AAAAAAAAAAAAAAAA")):
            assert response.status_code == 404
            assert response.json()["error"] == "no_store"
            assert "--no-store" in response.json()["message"]
    finally:
        running.stop()


def _playground(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_STATE_HOME": str(home / "state")}
    command = [sys.executable, "-c", "from lawcode.cli import main; main()", "playground", "--port", "0", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def _other_database(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
        db.execute("INSERT INTO notes VALUES ('mine')")


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: p.parent.chmod(0o777), "can be written by other users"),
        (lambda p: p.write_text("my notes\n" * 200, encoding="utf-8"), "is not a usable share store"),
        (_other_database, "is an SQLite database, but not a lawcode share store"),
        (lambda p: p.mkdir(), "is a directory"),  # click's own check of --store
        (lambda p: p.symlink_to(p.parent / "elsewhere.sqlite3"), "is not a regular file"),
    ],
    ids=["world-writable folder", "not a database", "another database", "a folder", "a symlink"],
)
def test_an_unusable_store_path_is_one_line_and_exit_2(tmp_path: Path, make: Any, expected: str) -> None:
    path = private_folder(tmp_path) / "shares.sqlite3"
    make(path)
    before = {p.name: p.read_bytes() for p in path.parent.iterdir() if p.is_file()}
    result = _playground("--store", str(path), home=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert expected in lines[-1] and "--store" in lines[-1], result.stderr
    assert len(lines) == 1 or lines[-1].startswith("Error: Invalid value for '--store'"), result.stderr
    assert "Traceback" not in result.stderr
    assert {p.name: p.read_bytes() for p in path.parent.iterdir() if p.is_file()} == before
    path.parent.chmod(0o700)


def test_store_and_no_store_together_are_a_usage_error(tmp_path: Path) -> None:
    result = _playground("--store", str(tmp_path / "x.sqlite3"), "--no-store", home=tmp_path)
    assert result.returncode == 2
    assert "--store and --no-store contradict each other" in result.stderr
    assert not (tmp_path / "x.sqlite3").exists()


def test_the_default_store_is_the_users_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    running = PlaygroundServer("--rulesets", str(DATA / "mini"), "--workers", "1")  # neither --store nor --no-store
    try:
        key = share(running.url, state()).json()["id"]
    finally:
        running.stop()
    path = tmp_path / "state" / "lawcode" / "playground-shares.sqlite3"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700 and stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT id FROM shares").fetchall() == [(key,)]
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_store_file_removed_under_the_server_is_a_503_not_a_new_file(tmp_path: Path, check: Any) -> None:
    path = private_folder(tmp_path) / "shares.sqlite3"
    running = started(store=path)
    try:
        key = share(running.url, state()).json()["id"]
        for leftover in path.parent.iterdir():
            leftover.unlink()
        for response, route, method in ((share(running.url, state()), "/api/share", "post"), (fetch(running.url, key), "/api/share/{id}", "get")):
            assert response.status_code == 503, response.text
            assert check(response, route, method)["error"] == "store_failed"
        assert list(path.parent.iterdir()) == []
        assert httpx.get(running.url + "api/examples").status_code == 200  # the rest still serves
    finally:
        running.stop()
    assert "Traceback" not in "".join(running.output)

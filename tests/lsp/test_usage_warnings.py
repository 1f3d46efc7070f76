"""The usage warnings W001–W003 in the editor: the same as `lawcode lint` gives, with
severity Warning at the declaration's name, through the real `lawcode lsp` over stdio.

The server compiles only the rules that changed (another file's rules not at all while
one file is typed in), so these cases are about declarations read from elsewhere:
`shared.law` declares what only `rules.law` reads (tests/data/lsp/usage)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.lspclient import Client, position

ROOT = Path(__file__).resolve().parents[2]
USAGE = ROOT / "tests" / "data" / "lsp" / "usage"
WARNING = 2  # lsprotocol's DiagnosticSeverity.Warning
versions = itertools.count(2)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    client = Client(cwd=ROOT, env={"LAWCODE_CACHE_DIR": ""})
    client.initialize(USAGE)
    yield client
    assert client.close() == 0
    assert b"Traceback" not in client.stderr


def uri_of(name: str) -> str:
    return (USAGE / name).resolve().as_uri()


def summary(diagnostics: list[dict[str, Any]], text: str) -> list[tuple[str, int, str]]:
    """(code, severity, the text the range covers) of each diagnostic."""
    lines = text.split("\n")
    out = []
    for d in diagnostics:
        start, end = d["range"]["start"], d["range"]["end"]
        assert start["line"] == end["line"], d
        out.append((d["code"], d["severity"], lines[start["line"]][start["character"] : end["character"]]))
    return sorted(out)


def published(client: Client, name: str, wanted: Any = None) -> list[dict[str, Any]]:
    """The next diagnostics of `name` (that `wanted` accepts, if given)."""
    uri = uri_of(name)
    found = client.wait(
        lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri and (wanted is None or wanted(m["params"]["diagnostics"])),
        timeout=60,
    )
    return found["params"]["diagnostics"]  # type: ignore[no-any-return]


def edit(client: Client, name: str, text: str) -> list[dict[str, Any]]:
    """Send the whole text as a new version; that version's diagnostics (a focused check)."""
    version = next(versions)
    client.change(uri_of(name), version, [{"text": text}])
    return client.diagnostics(uri_of(name), version=version)


SHARED = (USAGE / "shared.law").read_text(encoding="utf-8")
RULES = (USAGE / "rules.law").read_text(encoding="utf-8")
UNUSED_IN_SHARED = [("W001", WARNING, "forgotten_limit"), ("W002", WARNING, "never_called")]


def test_unused_declarations_are_warnings_at_their_names(client: Client) -> None:
    client.open(USAGE / "rules.law")
    assert summary(published(client, "rules.law"), RULES) == [("W003", WARNING, 'import "extra.law"')]
    client.open(USAGE / "shared.law")
    diagnostics = published(client, "shared.law", lambda ds: ds)
    assert summary(diagnostics, SHARED) == UNUSED_IN_SHARED
    w001 = next(d for d in diagnostics if d["code"] == "W001")
    assert w001["range"]["start"] == position(SHARED, "parameter forgotten_limit", after=10)
    assert "never used" in w001["message"] and "hint:" in w001["message"] and w001["source"] == "lawcode"


def test_a_keystroke_in_the_declaring_file_still_sees_the_other_files_rules(client: Client) -> None:
    """While `shared.law` is typed in, `rules.law`'s rules are not compiled: what they read
    still counts, so `max_group_members` and `active` are not reported."""
    typed = SHARED + "\n# a comment being typed"
    assert summary(edit(client, "shared.law", typed), typed) == UNUSED_IN_SHARED
    assert summary(edit(client, "shared.law", SHARED), SHARED) == UNUSED_IN_SHARED


def test_an_edit_in_the_reading_file_updates_the_declaring_files_warnings(client: Client) -> None:
    """`rules.law` stops reading `max_group_members` and starts reading `forgotten_limit`:
    once the whole ruleset is checked again, `shared.law`'s warnings follow."""
    changed = RULES.replace("g.member_count <= max_group_members", "g.member_count <= forgotten_limit")
    expected = [("W001", WARNING, "max_group_members"), ("W002", WARNING, "never_called")]
    try:
        edit(client, "rules.law", changed)
        diagnostics = published(client, "shared.law", lambda ds: summary(ds, SHARED) == expected)
        assert summary(diagnostics, SHARED) == expected
    finally:
        edit(client, "rules.law", RULES)
        published(client, "shared.law", lambda ds: summary(ds, SHARED) == UNUSED_IN_SHARED)


def test_a_rule_shadowing_a_parameter_does_not_read_it(client: Client) -> None:
    """A rule's own variable named like a parameter is not a use of the parameter."""
    changed = RULES.replace("for each g in groups where active(g)", "for each forgotten_limit in groups where active(forgotten_limit)")
    changed = changed.replace("g.member_count <= max_group_members", "forgotten_limit.member_count <= max_group_members")
    try:
        assert [d["code"] for d in edit(client, "rules.law", changed)] == ["W003"]
        # a keystroke in shared.law: rules.law's rules are left out of this check
        assert summary(edit(client, "shared.law", SHARED + "\n"), SHARED) == UNUSED_IN_SHARED
    finally:
        edit(client, "rules.law", RULES)
        assert summary(edit(client, "shared.law", SHARED), SHARED) == UNUSED_IN_SHARED


def test_message_warnings_come_as_lint_gives_them(client: Client) -> None:
    """W010 (no placeholder) and W011 (a parameter the `require` checks, never shown) at
    the message text, for the rule being typed; gone once the message shows the value."""
    bare = RULES.replace("  require g.member_count <= max_group_members\n", '  require g.member_count <= max_group_members\n  message "too many members"\n')
    hiding = bare.replace('"too many members"', '"group {g.id} has {g.member_count} members"')
    showing = bare.replace('"too many members"', '"group {g.id} has {g.member_count} members; the cap is {max_group_members}"')
    try:
        assert summary(edit(client, "rules.law", bare), bare) == [("W003", WARNING, 'import "extra.law"'), ("W010", WARNING, '"too many members"')]
        found = edit(client, "rules.law", hiding)
        assert summary(found, hiding) == [("W003", WARNING, 'import "extra.law"'), ("W011", WARNING, '"group {g.id} has {g.member_count} members"')]
        assert "max_group_members" in next(d for d in found if d["code"] == "W011")["message"]
        assert summary(edit(client, "rules.law", showing), showing) == [("W003", WARNING, 'import "extra.law"')]
    finally:
        edit(client, "rules.law", RULES)

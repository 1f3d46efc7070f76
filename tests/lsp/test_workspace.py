"""What the workspace keeps between checks (trees by piece, rules' diagnostics by text)
changes no diagnostic: after any edits, a focused check and a whole-ruleset check give
for each file what a fresh workspace, keeping nothing, gives; a rule id declared in both
files (`shared-id`) included."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from lawcode.dsl.diagnostics import Diagnostic
from lawcode.lsp.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "data" / "mini"
SHARED = "\nrule shared-id {\n  cites groups-2017 art 8\n  on platform\n  require true\n}\n"  # in documents.law too
PIECES = [SHARED, "\nrule verified-before-posting {\n  cites groups-2017 art 8\n  on platform\n  require true\n}\n", "\n", " ", "{", "}", "(", ")", ".", "g.", "x", "1", "\nrule r {\n  cites groups-2017 art 8\n  on platform\n  require true\n}\n", "require u.verified_at <= as_of", "severity hihg", "members(g)", "max_group_members", "#", '"']
EDIT = st.tuples(st.floats(0, 1), st.integers(0, 6), st.lists(st.sampled_from(PIECES), max_size=3).map("".join))


def keys(found: list[Diagnostic]) -> list[tuple[str, ...]]:
    return sorted((d.code, d.message, repr(d.span), d.hint or "") for d in found)


def test_a_fresh_workspace_agrees_on_the_files_as_written(tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "mini")
    workspace = Workspace()
    root = workspace.root_of(tmp_path / "mini" / "mini.law")
    assert all(found == [] for found in workspace.check(root).diagnostics.values())


@settings(max_examples=40, deadline=None)
@example(edits=[(0.0, 0, SHARED)])  # a rule id declared in both files, found while typing
@given(st.lists(EDIT, min_size=1, max_size=6))
def test_kept_state_changes_no_diagnostic(edits: list[tuple[float, int, str]]) -> None:
    path = (MINI / "mini.law").resolve()
    text = path.read_text(encoding="utf-8")
    other = (MINI / "documents.law").resolve()
    shared = other.read_text(encoding="utf-8") + SHARED
    workspace = Workspace()
    root = workspace.root_of(path)
    workspace.open[path] = text
    workspace.open[other] = shared
    workspace.check(root)
    name = next(n for n, p in workspace.analysis(root).paths.items() if p == path)
    for where, cut, insert in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + cut :]
        workspace.open[path] = text
        focused = workspace.check(root, focus=name).diagnostics[name]
        fresh = Workspace()
        fresh.open[path] = text
        fresh.open[other] = shared
        expected = fresh.check(root).diagnostics
        assert keys(focused) == keys(expected[name])
    whole = workspace.check(root).diagnostics
    for module, found in expected.items():
        assert keys(whole.get(module, [])) == keys(found), module

"""The language server on `applies when` blocks: the outline puts a block's rules under
it, hover says a rule's scope, a name in the condition is one reference however many
rules the block holds, and the file parsed piece by piece is the file parsed whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawcode.dsl.diagnostics import LawcodeError
from lawcode.dsl.parser import parse_module
from lawcode.lsp.chunks import ChunkedParser
from lawcode.lsp.hover import hover
from lawcode.lsp.navigation import Navigator
from lawcode.lsp.positions import LineIndex
from lawcode.lsp.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "data" / "mini"

BLOCK = """
applies when max_group_members > 0 {
  rule cap-one {
    cites groups-2017 art 8 para 1
    for each g in groups
    require g.member_count <= max_group_members
  }

  rule cap-two {
    cites groups-2017 art 8 para 1
    for each g in groups where g.status == "active"
    require g.member_count <= max_group_members
  }
}
"""


@pytest.fixture
def checked(tmp_path: Path) -> tuple[Workspace, object, str, str]:
    shutil.copytree(MINI, tmp_path / "mini")
    path = tmp_path / "mini" / "mini.law"
    text = path.read_text(encoding="utf-8") + BLOCK
    path.write_text(text, encoding="utf-8")
    workspace = Workspace()
    root = workspace.root_of(path)
    analysis = workspace.check(root)
    assert all(found == [] for found in analysis.diagnostics.values())
    name = next(n for n, p in analysis.paths.items() if p == path.resolve())
    return workspace, analysis, name, text


def test_the_outline_holds_a_blocks_rules_under_it(checked: tuple[Workspace, object, str, str]) -> None:
    _, analysis, name, text = checked
    symbols = Navigator().outline(analysis, name, LineIndex(text))  # type: ignore[arg-type]
    block = symbols[-1]
    assert block.name == "applies when max_group_members > 0" and block.detail == "scope"
    assert [child.name for child in block.children or []] == ["cap-one", "cap-two"]
    start = text.index("applies when")
    assert block.selection_range.start.line == text.count("\n", 0, start)
    assert "cap-one" not in [s.name for s in symbols]


def test_hover_on_a_rule_says_its_scope(checked: tuple[Workspace, object, str, str]) -> None:
    _, analysis, name, text = checked
    lines = LineIndex(text)
    shown = hover(analysis, Navigator(), name, lines, text.index("cap-two") + 2)  # type: ignore[arg-type]
    assert shown is not None and "applies when `max_group_members > 0`" in shown.contents.value  # type: ignore[union-attr]


def test_a_name_in_the_condition_is_one_reference(checked: tuple[Workspace, object, str, str]) -> None:
    _, analysis, name, text = checked
    lines = LineIndex(text)
    at = text.index("applies when max_group_members") + len("applies when ") + 2
    found = Navigator().references(analysis, name, lines, at, include_declaration=False)  # type: ignore[arg-type]
    in_condition = [p for p in found if p.span.line == text.count("\n", 0, at) + 1]
    assert len(in_condition) == 1


@pytest.mark.parametrize(
    "text",
    [
        BLOCK,
        BLOCK.replace("\n  rule", "\nrule"),  # rules at column 1 inside the block: a cut inside it
        BLOCK.replace("require g.member_count", "require g.member_count <", 1),  # a syntax error inside
        "applies when x {\n" + BLOCK,  # a scope in a scope
    ],
)
def test_pieces_parse_as_the_whole_file(text: str) -> None:
    def outcome(parse: object) -> object:
        try:
            return parse(text, "f.law").declarations  # type: ignore[operator]
        except LawcodeError as exc:
            return [d.to_json() for d in exc.diagnostics]

    assert outcome(ChunkedParser().parse) == outcome(parse_module)


EDITS = ["\n", " ", "{", "}", "rule", "\n  rule x {\n    on platform\n    require true\n  }\n", "\n}\n", "applies when y {\n", "#", '"', "(", "  "]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.sampled_from(EDITS)), min_size=1, max_size=3))
def test_pieces_parse_as_the_whole_file_after_edits(edits: list[tuple[float, str]]) -> None:
    """A block's rules are parsed one by one when it is in fmt's layout; whatever the
    edits, the trees or the diagnostics are those of the whole file."""
    text = BLOCK + "\nrule after { on platform require z }\n" + BLOCK.replace("cap-", "other-")
    for where, insert in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at:]
    parser = ChunkedParser()

    def outcome(parse: object) -> object:
        try:
            return parse(text, "f.law").declarations  # type: ignore[operator]
        except LawcodeError as exc:
            return [d.to_json() for d in exc.diagnostics]

    assert outcome(parser.parse) == outcome(parse_module)

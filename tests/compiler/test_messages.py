"""Warnings for messages that hide the value found or the limit broken (compiler/messages.py).

Each case in tests/data/messages/ is a `.law` file; the ones with warnings have an
`.expected` file holding them as `lawcode lint` renders them (`LAWCODE_REGEN=1` rewrites
them; review the diff). The bundled rulesets must stay clean, and the check must catch a
CAC message that loses its placeholders.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lawcode
from helpers import DATA, ROOT, golden
from lawcode.compiler.messages import MESSAGE_HIDES_PARAMETER, MESSAGE_WITHOUT_PLACEHOLDER

CASES = DATA / "messages"
WARNED = {"no-placeholder": {MESSAGE_WITHOUT_PLACEHOLDER}, "hidden-parameter": {MESSAGE_HIDES_PARAMETER}}
OURS = {MESSAGE_WITHOUT_PLACEHOLDER, MESSAGE_HIDES_PARAMETER}


def _ours(ruleset: lawcode.Ruleset) -> list[lawcode.Diagnostic]:
    return [w for w in ruleset.warnings if w.code in OURS]


@pytest.mark.parametrize("case", sorted(WARNED))
def test_warning_text(case: str) -> None:
    ruleset = lawcode.load_ruleset((CASES / f"{case}.law").relative_to(Path.cwd()))
    found = _ours(ruleset)
    assert {w.code for w in found} == WARNED[case]
    assert all(not w.is_error and w.span is not None and w.hint for w in found)
    golden(CASES / f"{case}.expected", "\n\n".join(w.render(ruleset.program.sources) for w in found) + "\n")


def test_limits_shown_through_definitions_and_ladders_are_enough() -> None:
    """shown.law shows each limit directly, through a definition or as a ladder step; it has
    a rule with no message and a parameter read only in `where`: none of these is warned."""
    assert _ours(lawcode.load_ruleset(CASES / "shown.law")) == []


@pytest.mark.parametrize("ruleset", ["rulesets/cac", "src/lawcode/starter", "docs/examples/phone-and-complaints"])
def test_bundled_messages_show_the_value_and_the_limit(ruleset: str) -> None:
    assert [w.render() for w in _ours(lawcode.load_ruleset(ROOT / ruleset))] == []


def _cac_copy(tmp_path: Path, edit: tuple[str, str]) -> lawcode.Ruleset:
    target = tmp_path / "cac"
    shutil.copytree(ROOT / "rulesets" / "cac", target, ignore=shutil.ignore_patterns("examples", "tests"))
    law = target / "groups-2017.law"
    text = law.read_text(encoding="utf-8")
    old, new = edit
    assert len(re.findall(old, text)) == 1, f"groups-2017.law no longer has one message matching {old!r}"
    law.write_text(re.sub(old, new, text), encoding="utf-8")
    return lawcode.load_ruleset(target)


def test_a_cac_message_that_drops_its_cap_is_caught(tmp_path: Path) -> None:
    ruleset = _cac_copy(tmp_path, (r"; the cap is \{max_group_members\}", ""))
    assert [(w.code, w.message) for w in _ours(ruleset)] == [
        (MESSAGE_HIDES_PARAMETER, "the message of rule `group-member-cap` never shows parameter `max_group_members`, which its `require` checks against"),
    ]


def test_a_cac_message_without_placeholders_is_caught(tmp_path: Path) -> None:
    ruleset = _cac_copy(tmp_path, (r'message "group \{g\.id\} has \{members\(g\)\} active members; the cap is \{max_group_members\}"', 'message "a group is over the cap"'))
    assert [(w.code, w.span.file.endswith("groups-2017.law")) for w in _ours(ruleset) if w.span] == [(MESSAGE_WITHOUT_PLACEHOLDER, True)]


def test_lint_lists_them_and_exits_0() -> None:
    done = subprocess.run([sys.executable, "-m", "lawcode", "lint", str(CASES / "no-placeholder.law")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "warning[W010]: the message of rule `verified-before-posting` has no placeholder" in done.stderr
    assert "1 warning(s)" in done.stdout


@st.composite
def _chains(draw: st.DrawFn) -> tuple[str, set[str]]:
    """A ruleset of parameters and definitions reading each other at random, one rule whose
    `require` and message read some of them; and the parameters W011 must name: those
    `require` reaches, through definitions, that the message does not."""
    params = [f"p{i}" for i in range(draw(st.integers(1, 4)))]
    reads: dict[str, set[str]] = {p: {p} for p in params}
    lines = [f"parameter {p}: number = 1" for p in params]
    for i in range(draw(st.integers(0, 4))):
        body = draw(st.lists(st.sampled_from([*params, *(f"d{j}" for j in range(i))]), min_size=1, max_size=3, unique=True))
        reads[f"d{i}"] = set().union(*(reads[n] for n in body))
        lines.append(f"def d{i} = {' + '.join(body)}")
    names = sorted(reads)
    required = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    shown = draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    holes = "".join(f" {{{n}}}" for n in shown)
    lines.append(f'rule r {{\n  cites groups-2017 art 8 para 1\n  on platform\n  require {" + ".join(required)} >= 0\n  message "found {{as_of}}{holes}"\n}}')
    expected = set().union(*(reads[n] for n in required)) - set().union(set(), *(reads[n] for n in shown))
    text = 'schema "snapshot.schema.json"\nimport "documents.law"\n\n' + "\n".join(lines) + "\n"
    return text, expected


@settings(max_examples=40, deadline=None)
@given(_chains())
def test_w011_names_exactly_the_limits_required_and_not_shown(case: tuple[str, set[str]]) -> None:
    text, expected = case
    ruleset = lawcode.load_ruleset(text, base_dir=DATA / "mini")
    named = {re.search(r"parameter `(\w+)`", w.message).group(1) for w in _ours(ruleset) if w.code == MESSAGE_HIDES_PARAMETER}  # type: ignore[union-attr]
    assert named == expected

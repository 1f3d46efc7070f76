"""The waivers file, a baseline report and history's sources are read as every named file
is (`compiler/reading.py`).

Each refusal keeps its command's code (E081 for waivers, E080 for a baseline, E088 for
history) and says why:
a name of the wrong kind, also once a symlink is followed (nothing is read from the
target), something that is not a regular file, a file over the limit, one that is not
there. A `.yml` waivers file is read like a `.yaml` one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import lawcode
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine import formats
from lawcode.engine.cycle import Baseline, load_waivers, sources
from lawcode.engine.cycle.waivers import MAX_WAIVERS_BYTES

DATA = Path(__file__).parents[2] / "data"
WAIVERS = DATA / "cycle" / "waivers" / "states.yaml"
DAY = DATA / "cycle" / "deadlines" / "day1.json"


@pytest.fixture(scope="module")
def mini() -> lawcode.Ruleset:
    return lawcode.load_ruleset(DATA / "mini" / "mini.law")


@pytest.fixture(scope="module")
def deadlines() -> lawcode.Ruleset:
    return lawcode.load_ruleset(DATA / "cycle" / "deadlines" / "deadlines.law")


def refusal(caught: pytest.ExceptionInfo[LawcodeError]) -> tuple[str, str, str | None]:
    (diagnostic,) = caught.value.diagnostics
    return diagnostic.code, diagnostic.message, diagnostic.hint


def test_a_yml_waivers_file_is_read_as_a_yaml_one(mini: lawcode.Ruleset, tmp_path: Path) -> None:
    copy = tmp_path / "waivers.yml"
    shutil.copy(WAIVERS, copy)
    assert [w.id for w in load_waivers(copy, mini.program).waivers] == [w.id for w in load_waivers(WAIVERS, mini.program).waivers] != []


def test_a_waivers_link_to_another_kind_of_file_is_refused_unread(mini: lawcode.Ruleset, tmp_path: Path) -> None:
    secret = tmp_path / "notes.txt"
    secret.write_text("waivers: []\n")  # valid waivers: only the name refuses it
    link = tmp_path / "waivers.yaml"
    link.symlink_to(secret)
    with pytest.raises(LawcodeError) as caught:
        load_waivers(link, mini.program)
    code, message, hint = refusal(caught)
    assert code == "E081" and "links to" in message and "notes.txt" in message and ".yaml" in message
    assert hint is not None


@pytest.mark.parametrize("name", ["waivers.yaml", "waivers.txt"])
def test_a_waivers_file_that_is_a_folder_or_of_another_kind_is_refused(mini: lawcode.Ruleset, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.mkdir()
    with pytest.raises(LawcodeError) as caught:
        load_waivers(path, mini.program)
    code, message, _ = refusal(caught)
    assert code == "E081"
    assert ("folder" in message) if name.endswith(".yaml") else ("not a waivers file" in message)


def test_a_waivers_file_over_the_limit_keeps_its_message(mini: lawcode.Ruleset, tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_bytes(b"#" * (MAX_WAIVERS_BYTES + 1))
    with pytest.raises(LawcodeError) as caught:
        load_waivers(path, mini.program)
    assert refusal(caught) == ("E081", f"the waivers file is over {MAX_WAIVERS_BYTES >> 20} MB", "split it")


def test_a_missing_waivers_file_keeps_its_message(mini: lawcode.Ruleset, tmp_path: Path) -> None:
    with pytest.raises(LawcodeError) as caught:
        load_waivers(tmp_path / "none.yaml", mini.program)
    code, message, _ = refusal(caught)
    assert code == "E081" and message.startswith("cannot read the waivers file: ")


def test_a_history_source_linking_to_another_kind_of_file_is_refused(deadlines: lawcode.Ruleset, tmp_path: Path) -> None:
    secret = tmp_path / "day.txt"
    shutil.copy(DAY, secret)  # a valid snapshot: only the name refuses it
    folder = tmp_path / "days"
    folder.mkdir()
    (folder / "day1.json").symlink_to(secret)
    with pytest.raises(LawcodeError) as caught:
        sources.load([folder], deadlines.program, deadlines.paths)
    code, message, _ = refusal(caught)
    assert code == "E088" and "links to" in message and "day.txt" in message


def test_a_history_source_of_another_kind_or_not_a_file_is_refused(deadlines: lawcode.Ruleset, tmp_path: Path) -> None:
    named = tmp_path / "day1.snapshot"
    shutil.copy(DAY, named)
    with pytest.raises(LawcodeError) as caught:
        sources.load([named], deadlines.program, deadlines.paths)
    assert refusal(caught)[0] == "E088" and "only `.json` files are read" in refusal(caught)[1]
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(LawcodeError) as caught:
        sources.load([fifo], deadlines.program, deadlines.paths)  # refused, not waited on
    assert refusal(caught)[0] == "E088" and "FIFO" in refusal(caught)[1].upper()


def test_a_history_source_still_reads(deadlines: lawcode.Ruleset) -> None:
    assert sources.load([DAY], deadlines.program, deadlines.paths).evaluated == 1


def test_a_baseline_linking_to_another_kind_of_file_is_refused(mini: lawcode.Ruleset, tmp_path: Path) -> None:
    saved = tmp_path / "report.txt"
    saved.write_bytes(b"".join(formats.pieces("json", mini.evaluate(DATA / "mini" / "violations.json").stream(), mini.program)))
    link = tmp_path / "baseline.json"
    link.symlink_to(saved)
    with pytest.raises(LawcodeError) as caught:
        Baseline.load(link)
    code, message, _ = refusal(caught)
    assert code == "E080" and "links to" in message and "report.txt" in message
    shutil.copy(saved, tmp_path / "copy.json")
    assert Baseline.load(tmp_path / "copy.json").entries  # the same report under a `.json` name reads

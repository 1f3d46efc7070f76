"""The parse cache: an unchanged file is parsed once, and the cache can never change a result."""

from __future__ import annotations

from pathlib import Path

import pytest

import lawcode
from helpers import ROOT
from lawcode.dsl import cache, parse_module

FORUM = ROOT / "rulesets" / "cac" / "forum-2017.law"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAWCODE_CACHE_DIR", str(tmp_path))
    cache.clear_memory()
    yield tmp_path / cache.FOLDER
    cache.clear_memory()


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(text: str, path: str = "<input>") -> None:
        raise AssertionError(f"{path} was parsed again")

    monkeypatch.setattr(cache, "parse_module", fail)


def test_a_cached_tree_equals_a_fresh_parse(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = FORUM.read_text(encoding="utf-8")
    fresh = parse_module(text, "forum.law")
    assert cache.parse_file(text, "forum.law") == fresh
    assert len(list(cache_dir.rglob("*.json"))) == 1
    cache.clear_memory()
    _no_parsing(monkeypatch)
    assert cache.parse_file(text, "forum.law") == fresh  # from disk
    assert cache.parse_file(text, "forum.law") == fresh  # from memory


def test_a_changed_text_or_name_is_parsed_again(cache_dir: Path) -> None:
    first = cache.parse_file('parameter cap: number = 1\n', "a.law")
    second = cache.parse_file('parameter cap: number = 2\n', "a.law")
    third = cache.parse_file('parameter cap: number = 2\n', "b.law")
    assert first != second and second.path == "a.law" and third.path == "b.law"
    assert len(list(cache_dir.rglob("*.json"))) == 3


@pytest.mark.parametrize("damage", [b"", b"not json", b"\x80\x05garbage", b"[1, 2]", b'{"path": "forum.law", "declarations": [-9], "comments": [-1]}'])
def test_a_damaged_entry_means_parsing_again(cache_dir: Path, damage: bytes) -> None:
    text = FORUM.read_text(encoding="utf-8")
    expected = parse_module(text, "forum.law")
    cache.parse_file(text, "forum.law")
    (entry,) = cache_dir.rglob("*.json")
    entry.write_bytes(damage)
    cache.clear_memory()
    assert cache.parse_file(text, "forum.law") == expected


def test_syntax_errors_are_never_kept(cache_dir: Path) -> None:
    for _ in range(2):
        with pytest.raises(lawcode.LawcodeError) as raised:
            cache.parse_file("rule broken {\n  require 'x'\n}\n", "broken.law")
        assert raised.value.errors[0].code == "E001"
    assert not list(cache_dir.rglob("*.json"))


def test_an_empty_setting_keeps_nothing_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAWCODE_CACHE_DIR", "")
    monkeypatch.chdir(tmp_path)
    cache.clear_memory()
    assert cache.cache_dir() is None
    cache.parse_file(FORUM.read_text(encoding="utf-8"), "forum.law")
    assert not list(tmp_path.rglob("*"))


def test_an_unwritable_cache_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("LAWCODE_CACHE_DIR", str(blocker))
    cache.clear_memory()
    text = FORUM.read_text(encoding="utf-8")
    assert cache.parse_file(text, "forum.law") == parse_module(text, "forum.law")


def test_compiling_from_the_cache_gives_the_same_program(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cac = ROOT / "rulesets" / "cac"
    fresh = lawcode.load_ruleset(cac).program
    cache.clear_memory()
    _no_parsing(monkeypatch)
    cached = lawcode.load_ruleset(cac).program
    assert cached.rules == fresh.rules
    assert cached.definitions == fresh.definitions
    assert cached.modules == fresh.modules

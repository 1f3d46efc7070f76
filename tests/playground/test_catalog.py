"""The example picker's catalog: discovered at request time, listing only what it should."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import DATA
from lawcode.playground.catalog import Catalog, NotListed


def make_folder(root: Path) -> Path:
    (root / "examples").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "shared.law").write_text('schema "snapshot.schema.json"\ndocument a-1 {\n}\n', encoding="utf-8")
    (root / "entry.law").write_text("rule r-1 {\n}\nrule r-2 {\n}\n", encoding="utf-8")
    (root / "tests" / "case.law").write_text("rule hidden {\n}\n", encoding="utf-8")
    (root / "snapshot.schema.json").write_text("{}", encoding="utf-8")
    (root / "examples" / "violations.json").write_text("{}", encoding="utf-8")
    (root / "examples" / "compliant.json").write_text("{}", encoding="utf-8")
    (root / "tests" / "expected.json").write_text("{}", encoding="utf-8")
    return root


def test_a_folder_lists_its_rulesets_and_examples(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "demo")
    catalog = Catalog.discover([folder])
    demo = catalog.folder("demo")
    assert [(f.name, f.rules, f.documents) for f in demo.rulesets] == [("entry.law", 2, ()), ("shared.law", 0, ("a-1",))]
    assert demo.examples == ("examples/compliant.json", "examples/violations.json")


def test_files_are_read_only_when_listed(tmp_path: Path) -> None:
    catalog = Catalog.discover([make_folder(tmp_path / "demo")])
    assert catalog.read("demo", "entry.law").startswith("rule r-1")
    for name in ("tests/case.law", "snapshot.schema.json", "../demo/entry.law", "/etc/passwd"):
        with pytest.raises(NotListed):
            catalog.read("demo", name)
    with pytest.raises(NotListed):
        catalog.folder("elsewhere")


def test_new_files_appear_without_a_restart(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "demo")
    assert [f.name for f in Catalog.discover([folder]).folder("demo").rulesets] == ["entry.law", "shared.law"]
    (folder / "forum.law").write_text("rule f-1 {\n}\n", encoding="utf-8")
    assert "forum.law" in [f.name for f in Catalog.discover([folder]).folder("demo").rulesets]


def test_the_default_is_the_first_folder_with_rules_and_its_violations_example(tmp_path: Path) -> None:
    empty = tmp_path / "modules"
    empty.mkdir()
    (empty / "only.law").write_text("# nothing yet\n", encoding="utf-8")
    catalog = Catalog.discover([empty, make_folder(tmp_path / "demo")])
    choice = catalog.to_json()["default"]
    bundled_with_rules = [f for f in catalog.folders if f.bundled and f.rule_count]
    if not bundled_with_rules:
        assert choice == {"folder": "demo", "ruleset": "entry.law", "snapshot": "examples/violations.json"}
    else:  # the CAC rulesets have landed: they come first
        assert choice["folder"] == "cac"


def test_folder_ids_stay_unique(tmp_path: Path) -> None:
    catalog = Catalog.discover([make_folder(tmp_path / "a" / "demo"), make_folder(tmp_path / "b" / "demo")])
    ids = [f.id for f in catalog.folders if not f.bundled]
    assert ids == ["demo", "demo-2"]


def test_the_mini_folder() -> None:
    mini = Catalog.discover([DATA / "mini"]).folder("mini")
    assert mini.examples == ("compliant.json", "violations.json")
    assert {f.name: f.rules for f in mini.rulesets} == {"documents.law": 0, "mini.law": 4}

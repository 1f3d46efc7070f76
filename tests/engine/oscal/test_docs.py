"""docs/oscal.md shows real output: its excerpts are what docs/generate_oscal.py writes
from today's code, and every model and command it names exists."""

from __future__ import annotations

import importlib.util
import re

from helpers import ROOT
from lawcode.engine.formats import FORMATS
from lawcode.engine.oscal import SCHEMAS

PAGE = ROOT / "docs" / "oscal.md"


def generator() -> object:
    spec = importlib.util.spec_from_file_location("generate_oscal", ROOT / "docs" / "generate_oscal.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_excerpts_are_current() -> None:
    text = PAGE.read_text(encoding="utf-8")
    markers = re.findall(r"<!-- oscal: ([a-z-]+) ", text)
    assert set(markers) == set(SCHEMAS) and len(markers) >= 8
    assert generator().render(text) == text, "docs/oscal.md is stale: run python docs/generate_oscal.py"  # type: ignore[attr-defined]


def test_the_formats_it_names_exist() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for fmt in re.findall(r"-f (oscal[a-z-]*)", text):
        assert fmt in FORMATS

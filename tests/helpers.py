"""Helpers shared by the tests (importable as `helpers`: pytest puts tests/ on the path)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
REGENERATE = os.environ.get("LAWCODE_REGEN") == "1"


def golden(path: Path, actual: str) -> None:
    """Compare with a golden file; `LAWCODE_REGEN=1 pytest` rewrites them."""
    if REGENERATE or not path.exists():
        if not REGENERATE:
            pytest.fail(f"golden file {path} is missing; run with LAWCODE_REGEN=1 to create it")
        path.write_text(actual, encoding="utf-8")
        return
    assert actual == path.read_text(encoding="utf-8"), f"output differs from {path} (LAWCODE_REGEN=1 to update)"

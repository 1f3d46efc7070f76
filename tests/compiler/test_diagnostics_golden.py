"""The exact text a writer sees for typical mistakes (tests/data/diagnostics/*).

Each case is a `.law` file or a folder; its `.expected` file holds the rendered
diagnostics. Regenerate with `LAWCODE_REGEN=1 pytest tests/compiler/test_diagnostics_golden.py`
and review the diff: these texts are part of the user interface.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import lawcode
from helpers import DATA, golden

CASES = sorted(p for p in (DATA / "diagnostics").iterdir() if p.suffix == ".law" or p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_diagnostic_text(case: Path) -> None:
    with pytest.raises(lawcode.LawcodeError) as caught:
        lawcode.load_ruleset(case.relative_to(Path.cwd()))
    rendered = caught.value.render() + "\n"
    for diagnostic in caught.value.diagnostics:
        assert diagnostic.span is not None, "every ruleset diagnostic points at the text"
        assert diagnostic.span.line >= 1 and diagnostic.span.column >= 1
    golden(case.with_suffix(".expected"), rendered)


def test_four_mistakes_in_one_run() -> None:
    """A typo in a field, an unknown article, a type error and a cycle: four diagnostics at once."""
    with pytest.raises(lawcode.LawcodeError) as caught:
        lawcode.load_ruleset(DATA / "diagnostics" / "four-mistakes.law")
    codes = sorted(d.code for d in caught.value.diagnostics)
    assert codes == ["E025", "E031", "E036", "E040"]
    lines = sorted(d.span.line for d in caught.value.diagnostics if d.span)
    assert lines == [16, 19, 21, 22]

"""Rule test files (`*.test.yaml`, docs/testing.md) as the editor saves them.

A test file is read as `lawcode test` reads it (`lawcode.testing.load_test_file`: its
YAML, keys, snapshots, patches, expectations), and each case's `rule`/`rules` are looked
up in its ruleset's last check, so a misspelt rule id is shown with a did-you-mean (and a
quick fix) before the tests are run. Only the saved file is read: the checks need its
snapshots and patches applied, which is a run's work, not a keystroke's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from lawcode.dsl.diagnostics import Diagnostic, did_you_mean
from lawcode.dsl.spans import Span
from lawcode.testing import TEST_SUFFIX, TestFileError, load_test_file

CODE = "T001"  # the test file cannot be used
CODE_RULE = "T002"  # a case names a rule the ruleset does not have


def is_test_file(path: Path) -> bool:
    return path.name.endswith(TEST_SUFFIX)


def check(path: Path, name: str, text: str, rules_of: Callable[[Path], set[str] | None]) -> list[Diagnostic]:
    """The problems of the test file at `path` (as saved, whose text is `text`); `rules_of(folder)`
    gives the rule ids of the ruleset in that folder, or None when it does not compile."""
    try:
        cases = load_test_file(path)
    except TestFileError as problem:
        return [Diagnostic(CODE, problem.message, _line(name, text, problem.line or 1), problem.hint)]
    out: list[Diagnostic] = []
    lines = text.split("\n")
    for case in cases:
        known = rules_of(case.ruleset)
        if known is None:
            continue
        for rule in case.rules:
            if rule not in known:
                out.append(Diagnostic(CODE_RULE, f"case {case.name!r} names rule `{rule}`, which the ruleset does not have", _word(name, lines, case.line, rule), did_you_mean(rule, known) or "name a rule id of the ruleset"))
    return out


def _line(name: str, text: str, line: int) -> Span:
    lines = text.split("\n")
    index = min(max(line, 1), len(lines)) - 1
    content = lines[index].rstrip("\r")
    start = len(content) - len(content.lstrip()) + 1
    return Span(name, index + 1, start, index + 1, max(start + 1, len(content) + 1))


def _word(name: str, lines: list[str], line: int, word: str) -> Span:
    """Where `word` is first written at or after `line` (the case's `rule:` line)."""
    pattern = re.compile(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])")
    for index in range(max(line, 1) - 1, len(lines)):
        found = pattern.search(lines[index])
        if found:
            return Span(name, index + 1, found.start() + 1, index + 1, found.end() + 1)
    return _line(name, "\n".join(lines), line)


__all__ = ["CODE", "CODE_RULE", "check", "is_test_file"]

"""`text_at`: what evidence and explanations quote of the source. An expression that
`lawcode fmt` broke over lines reads as its one-line form, so a report does not change
when a file is reformatted."""

from __future__ import annotations

import pytest

from lawcode.dsl import ast, parse_module
from lawcode.dsl.formatter import format_expression, format_text
from lawcode.dsl.spans import text_at

BODIES = [
    "exists(a in attestations where a.system == system and a.since <= as_of and a.review_due >= as_of and len(a.evidence) > 0)",
    'if present(c.user_id) then exists(e in list_entries where e.user_id == c.user_id and not present(e.lifted_at)) else [c.id, "x"] == []',
    "count(m in memberships where m.group_id == g.id and m.status == \"active\" and m.role == \"founder\") + max(s.level for s in staff)",
]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("width", [30, 60, 100])
def test_a_broken_expression_is_quoted_as_one_line(body: str, width: int) -> None:
    text = format_text(f"def d = {body}\n", "d.law", width)
    [definition] = parse_module(text, "d.law").declarations
    assert isinstance(definition, ast.Definition)
    if width < 100:
        assert definition.body.span.end_line > definition.body.span.line  # really broken
    assert text_at({"d.law": text}, definition.body.span) == format_expression(definition.body)

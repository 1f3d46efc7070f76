"""The parser's own LALR loop (`lawcode.dsl.lalr`) against Lark's: same trees, positions and errors.

The loop runs on what Lark makes of the grammar but replaces Lark's lexer loop, parser
loop and tree builder, so these tests build Lark's tree both ways, with
`propagate_positions`, and compare every node, token and position, and every syntax
error: a Lark release that changes any of them, or what `lalr` reads of Lark, fails here.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import Any

import pytest
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from helpers import DATA, ROOT
from lawcode.dsl import lalr, parser

FILES = sorted((ROOT / "rulesets").rglob("*.law")) + sorted(DATA.rglob("*.law"))

EXPRESSIONS = [
    "(a or b) and c",
    "if x.y then (1) else -2.5",
    "not (a in [1, 2]) ?? {1: x, 2: (y)}",
    "count(x in xs where x.a >= 2017-01-01) + sum(v.n for v in vs)",
    'f(g(h), "s\\n", 6 months, 2024-05-01T10:00:00Z)[0]',
]


@cache
def _reference() -> Lark:
    """Lark as the parser used it before: its parser, its tree builder, its positions."""
    return Lark(parser._grammar(), cache=True, propagate_positions=True, **parser._LARK_OPTIONS)


def _ours(text: str, start: str) -> Any:
    """The same tree, built by `lalr.Machine` from its callbacks."""

    def method(name: str) -> Callable[[lalr.Node, list[Any]], Tree[Token]]:
        def build(node: lalr.Node, children: list[Any]) -> Tree[Token]:
            tree: Tree[Token] = Tree(name, children)
            if node.line is not None:
                meta = tree.meta
                meta.line, meta.column, meta.end_line, meta.end_column = (
                    node.line,
                    node.column,
                    node.end_line,
                    node.end_column,
                )
                meta.empty = False
            return tree

        return build

    machine = parser._machine()
    return machine.run(text, start, machine.callbacks(method)).value


def _shape(node: Any) -> Any:
    """A tree as plain data: names, token texts and kinds, and every position."""
    if isinstance(node, Tree):
        meta = node.meta
        where = None if meta.empty else (meta.line, meta.column, meta.end_line, meta.end_column)
        return (node.data, where, [_shape(child) for child in node.children])
    if isinstance(node, Token):
        return (node.type, str(node), node.line, node.column, node.end_line, node.end_column, node.start_pos)
    return node


def _result(parse: Callable[[], object]) -> Any:
    """The tree as plain data, or the syntax error's kind, place and expected terminals."""
    try:
        return _shape(parse())
    except UnexpectedCharacters as exc:
        return ("characters", exc.line, exc.column, exc.pos_in_stream, sorted(exc.allowed or ()))
    except UnexpectedToken as exc:
        return ("token", _shape(exc.token), sorted(exc.expected))
    except UnexpectedInput as exc:  # pragma: no cover - LALR raises only the two above
        return (type(exc).__name__, exc.line, exc.column)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_gives_lark_s_tree_or_error(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _result(lambda: _ours(text, "start")) == _result(lambda: _reference().parse(text, start="start"))


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_expressions_give_lark_s_tree(text: str) -> None:
    assert _shape(_ours(text, "expr")) == _shape(_reference().parse(text, start="expr"))


def test_a_terminal_only_other_states_allow_is_lexed_as_lark_does() -> None:
    """`in_force` is a keyword, but only `in` is allowed after `for each g`: Lark reads `in _force`."""
    text = "rule r {\n  for each g in_force\n  require true\n}\n"
    ours = _result(lambda: _ours(text, "start"))
    assert ours == _result(lambda: _reference().parse(text, start="start"))
    assert "'_force'" in repr(ours)


def test_broken_text_gives_lark_s_errors() -> None:
    """Characters deleted or put in at random: the same tree or the same error as Lark.

    As an expression, a whole file is an error at its first keyword; as a file, most of
    the changes are errors somewhere in it.
    """
    rng = random.Random(2017)
    source = (DATA / "mini" / "mini.law").read_text(encoding="utf-8")  # every construct, in 2 KB
    pieces = ["", "", "'", "=", ";", "&&", "{", "}", "(", ")", '"', "\\", "#", ".", "<", "-", "\n", "x", "1", "in"]
    errors = 0
    for _ in range(300):
        at = rng.randrange(len(source))
        text = source[:at] + rng.choice(pieces) + source[at + rng.choice([0, 1, 1, 3]) :]
        for start in ("start", "expr"):
            ours = _result(partial(_ours, text, start))
            theirs = _result(partial(_reference().parse, text, start=start))
            assert ours == theirs, text
            errors += ours[0] in ("characters", "token")
    assert errors > 400  # most of them are broken


def test_the_tables_read_back_from_json_are_the_same() -> None:
    tables = lalr.Tables.of(parser._lark())
    again = lalr.Tables.from_json(json.loads(json.dumps(tables.to_json())))
    assert again == tables


def test_tables_are_kept_in_the_temp_folder_and_remade_when_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    made = parser._tables()
    (kept,) = tmp_path.glob(".lawcode_tables_*.json")
    assert parser._tables() == made  # read back
    kept.write_text('{"format": 1, "states": "no"}', encoding="utf-8")
    assert parser._tables() == made  # made again from Lark
    assert lalr.Tables.from_json(json.loads(kept.read_text(encoding="utf-8"))) == made  # and kept again

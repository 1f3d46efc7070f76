"""The parser's LALR tables, shipped in the package as JSON, never pickled.

Building the tables from `grammar.lark` takes about 0.2 s, more than compiling the CAC
rulesets once they are built. Lark's own remedy (`cache=True`) pickles them into the
temporary folder, under a name anyone can predict, and unpickles whatever is found
there: another local user, or a restored CI cache, could run code as you. So the tables
are built once, when the grammar changes, by

    python -m lawcode.dsl.tables

which writes `grammar.tables.json` beside the grammar, keyed by the grammar's digest, the
parser options and Lark's version. Loading it is plain JSON (`Lark.load` takes the same
dict that `Lark.save` would pickle). A missing or stale file (the grammar changed, another
Lark) means building the tables in the process: slower, never wrong; the corpus test
`test_the_shipped_parser_tables_are_those_of_the_grammar` says when to run the command.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

GRAMMAR = "grammar.lark"
TABLES = "grammar.tables.json"
OPTIONS: dict[str, Any] = {
    "parser": "lalr",
    "lexer": "contextual",
    "propagate_positions": True,
    "maybe_placeholders": True,
    "start": ["start", "expr"],
}


def grammar_text() -> str:
    return resources.files("lawcode.dsl").joinpath(GRAMMAR).read_text(encoding="utf-8")


def key(grammar: str) -> str:
    """What the tables depend on: the grammar, the options, the Lark that built them."""
    digest = hashlib.sha256(grammar.encode("utf-8"))
    digest.update(json.dumps(OPTIONS, sort_keys=True).encode())
    digest.update(lark.__version__.encode())
    return digest.hexdigest()


@cache
def lark_parser() -> Lark:
    """The process's one parser, loaded when first needed: parsing and the syntax-error
    messages (which name its terminals) share it."""
    return load_parser()


def load_parser() -> Lark:
    """The parser, from the shipped tables when they are those of this grammar."""
    grammar = grammar_text()
    wanted = key(grammar)
    try:
        stored = json.loads(resources.files("lawcode.dsl").joinpath(TABLES).read_bytes())
        if isinstance(stored, dict) and stored.get("key") == wanted:
            return Lark.load(_from_json(stored))
    except (OSError, ValueError, LookupError, TypeError, AttributeError, AssertionError, lark.exceptions.LarkError):
        pass  # missing, stale or damaged: build them (slower, the same parser)
    return build(grammar)


def build(grammar: str) -> Lark:
    return Lark(grammar, **OPTIONS)


def to_json(parser: Lark, grammar: str) -> bytes:
    """The tables as `Lark.save` would pickle them, as JSON (integer keys as strings)."""
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    # The standard library's json: a regex's unbounded width is 2**64, past orjson's integers.
    return json.dumps({"key": key(grammar), "data": data, "memo": memo}, sort_keys=True, separators=(",", ":")).encode()


def _from_json(stored: dict[str, Any]) -> dict[str, Any]:
    """JSON's string keys back to the integers Lark numbers states, tokens and memo entries by."""
    table = stored["data"]["parser"]["parser"]
    table["tokens"] = {int(k): v for k, v in table["tokens"].items()}
    table["states"] = {int(state): {int(k): v for k, v in actions.items()} for state, actions in table["states"].items()}
    return {"data": stored["data"], "memo": {int(k): v for k, v in stored["memo"].items()}}


def write() -> Path:
    """Rebuild `grammar.tables.json` from the grammar (run after changing the grammar)."""
    grammar = grammar_text()
    target = Path(__file__).with_name(TABLES)
    target.write_bytes(to_json(build(grammar), grammar))
    return target


if __name__ == "__main__":
    print(f"wrote {write()}")


__all__ = ["OPTIONS", "build", "key", "lark_parser", "load_parser", "to_json", "write"]

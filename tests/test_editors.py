"""editors/lawcode.tmLanguage.json: a TextMate grammar that is valid JSON, whose regular
expressions compile, and whose scopes colour every keyword of dsl/grammar.lark and every
builtin function of the operator registry."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from helpers import ROOT
from lawcode.compiler.operators import FUNCTIONS

GRAMMAR = json.loads((ROOT / "editors" / "lawcode.tmLanguage.json").read_text(encoding="utf-8"))
LARK = (ROOT / "dsl" / "grammar.lark").read_text(encoding="utf-8")
COLOURED = ("keyword.", "support.function.", "constant.language.", "storage.type.")


def keywords() -> set[str]:
    """Every word the grammar spells: quoted literals and the alternatives of its word terminals."""
    words = set(re.findall(r'"([a-z_]+)"', LARK))
    return {w for w in words if w}


def patterns(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "match" in node or "begin" in node:
            yield node
        for value in node.values():
            yield from patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from patterns(value)


def scopes_of(word: str) -> set[str]:
    """The scopes a keyword gets where it is written as in a ruleset (a function before `(`)."""
    found = set()
    for pattern in patterns(GRAMMAR["repository"]):
        if "match" not in pattern or "name" not in pattern:
            continue
        for text in (word, f"{word}(", f"x: {word}", f"rule {word}"):
            m = re.search(pattern["match"], text)
            if m and m.group(0).strip() == word:
                found.add(pattern["name"])
    return found


def test_the_grammar_is_a_textmate_grammar() -> None:
    assert GRAMMAR["scopeName"] == "source.lawcode" and GRAMMAR["fileTypes"] == ["law"]
    for include in GRAMMAR["patterns"]:
        assert include["include"].removeprefix("#") in GRAMMAR["repository"]


def test_every_regular_expression_compiles() -> None:
    for pattern in patterns(GRAMMAR):
        for key in ("match", "begin", "end"):
            if key in pattern:
                re.compile(pattern[key])


@pytest.mark.parametrize("word", sorted(keywords()))
def test_every_keyword_of_the_grammar_is_coloured(word: str) -> None:
    assert any(s.startswith(COLOURED) for s in scopes_of(word)), f"`{word}` (dsl/grammar.lark) has no keyword scope in editors/lawcode.tmLanguage.json"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_builtin_function_is_coloured(function: str) -> None:
    assert any(s.startswith("support.function.") for s in scopes_of(function)), function


def test_comments_strings_and_interpolations() -> None:
    comment = GRAMMAR["repository"]["comment"]
    assert re.search(comment["match"], 'rule x { # a comment "x"').group(0) == '# a comment "x"'
    string = GRAMMAR["repository"]["string"]
    assert string["name"].startswith("string.quoted") and any(p.get("name") == "meta.interpolation.lawcode" for p in string["patterns"])


def test_the_vscode_language_extension_names_the_grammar() -> None:
    folder = ROOT / "editors" / "vscode"
    package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    (language,) = package["contributes"]["languages"]
    (grammar,) = package["contributes"]["grammars"]
    assert language["id"] == grammar["language"] == "lawcode" and language["extensions"] == [".law"]
    assert grammar["scopeName"] == GRAMMAR["scopeName"]
    assert grammar["path"] == "./lawcode.tmLanguage.json"  # copied beside it (docs/editors.md)
    configuration = json.loads((folder / language["configuration"]).read_text(encoding="utf-8"))
    assert configuration["comments"]["lineComment"] == "#"

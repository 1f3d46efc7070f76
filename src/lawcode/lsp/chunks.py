"""Parsing a file declaration by declaration, so a keystroke re-parses one declaration.

The grammar is a sequence of declarations (`start: _declaration*`), and the LALR parser
is in the same state at the start of each, so a file parses to the concatenation of its
declarations parsed one by one. A file is cut before every line that starts (at column
1) with a declaration's keyword; strings hold no line break, so such a line is always a
declaration's start (or a syntax error either way). Each piece is parsed on its own and
kept by its text, its spans counted from its own first line; the file's tree is the
pieces' trees moved down to their lines (a new tree, not a re-parse), so typing inside
one declaration re-parses that declaration only, and a line break typed moves the trees
below it without parsing them again.

The diagnostics are those of `parse_module` on the whole text: Lark stops at the first
syntax error, so a piece with one is parsed again from its start to the end of the file
(which stops at that same first error: cheap), and the whole file's other problems
(reserved names, bad escapes, nesting) are reported only when no piece has a syntax
error, each piece parsed again at its own line.
"""

from __future__ import annotations

import dataclasses
import re
from collections import OrderedDict
from functools import cache
from typing import Any

from lawcode.dsl import ast
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError, error
from lawcode.dsl.parser import parse_module
from lawcode.dsl.spans import Span

_START = re.compile(r"^(?=(?:rule|def|parameter|ladder|document|import|schema|applies)\b)", re.MULTILINE)
_RULE_IN_BLOCK = re.compile(r"^  rule\b", re.MULTILINE)  # a rule of an `applies when` block, as fmt lays it out
_BLOCK_END = re.compile(r"^\}[ \t]*$", re.MULTILINE)
SYNTAX_CODES = frozenset({"E001", "E002"})
KEPT = 4096  # pieces kept (each version of a piece being typed is one): all an editor has open
MOVED = 1024  # pieces kept moved to another line (a line break typed moves all below it)


def pieces(text: str) -> list[tuple[int, int, str]]:
    """(offset, line number from 0, text) of each piece of a file."""
    starts = sorted({0, *(m.start() for m in _START.finditer(text))})
    out = []
    line = 0
    for index, start in enumerate(starts):
        stop = starts[index + 1] if index + 1 < len(starts) else len(text)
        piece = text[start:stop]
        out.append((start, line, piece))
        line += piece.count("\n")
    return out


@cache
def _fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


def moved(value: Any, lines: int) -> Any:
    """A tree with every span `lines` lines further down (columns stay: a piece starts a line)."""
    if isinstance(value, Span):
        return Span(value.file, value.line + lines, value.column, value.end_line + lines, value.end_column)
    if isinstance(value, tuple):
        return tuple(moved(v, lines) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value)(*[moved(getattr(value, name), lines) for name in _fields(type(value))])
    return value


class ChunkedParser:
    """`parse(text, name)` with each declaration's tree kept by its text."""

    def __init__(self) -> None:
        self._pieces: OrderedDict[tuple[str, str], tuple[tuple[ast.Declaration, ...] | None, tuple[Diagnostic, ...]]] = OrderedDict()
        self._moved: OrderedDict[tuple[str, str, int], tuple[ast.Declaration, ...]] = OrderedDict()

    def _piece(self, name: str, text: str) -> tuple[tuple[ast.Declaration, ...] | None, tuple[Diagnostic, ...]]:
        key = (name, text)
        found = self._pieces.get(key)
        if found is None:
            try:
                block = self._block(name, text) if text.startswith("applies") else None
                found = (block if block is not None else parse_module(text, name).declarations, ())
            except LawcodeError as exc:
                found = (None, exc.diagnostics)
            except RecursionError:  # nested past what the parser bounds: the whole file says so
                found = (None, ())
            self._pieces[key] = found
            if len(self._pieces) > KEPT:
                self._pieces.popitem(last=False)
        else:
            self._pieces.move_to_end(key)
        return found

    def _block(self, name: str, text: str) -> tuple[ast.Declaration, ...] | None:
        """An `applies when` block in `lawcode fmt`'s layout, its rules parsed one by one,
        so a keystroke in one rule re-parses that rule, not the block (in groups-2017's
        largest, about 6 ms instead of 25). None when the block is laid out otherwise or a
        part of it does not parse: the caller parses it whole (and reports what it says)."""
        close = _BLOCK_END.search(text)
        starts = [m.start() for m in _RULE_IN_BLOCK.finditer(text, 0, close.start())] if close else []
        if close is None or not starts or any(line.strip() and not line.lstrip().startswith("#") for line in text[close.end() :].split("\n")):
            return None
        try:
            [head] = parse_module(text[: starts[0]] + "rule block-head { }\n}\n", name).declarations
        except (LawcodeError, ValueError):
            return None
        if not isinstance(head, ast.Rule) or head.scope is None:
            return None
        end_line = text.count("\n", 0, close.start()) + 1
        scope = dataclasses.replace(head.scope, span=Span(name, head.scope.span.line, head.scope.span.column, end_line, 2))
        rules: list[ast.Declaration] = []
        for index, start in enumerate(starts):
            piece = text[start : starts[index + 1] if index + 1 < len(starts) else close.start()]
            found, _ = self._piece(name, piece)
            if found is None or len(found) != 1 or not isinstance(found[0], ast.Rule) or found[0].scope is not None:
                return None
            [rule] = self._at(name, piece, text.count("\n", 0, start), found)
            assert isinstance(rule, ast.Rule)
            rules.append(dataclasses.replace(rule, scope=scope, unless=(ast.Not(scope.condition, scope.head_span), *rule.unless)))
        return tuple(rules)

    def _at(self, name: str, text: str, line: int, declarations: tuple[ast.Declaration, ...]) -> tuple[ast.Declaration, ...]:
        if line == 0:
            return declarations
        key = (name, text, line)
        found = self._moved.get(key)
        if found is None:
            try:
                found = moved(declarations, line)
            except RecursionError:  # a chain deeper than Python recurses: parse it where it is
                found = parse_module("\n" * line + text, name).declarations
            self._moved[key] = found
            if len(self._moved) > MOVED:
                self._moved.popitem(last=False)
        return found

    def parse(self, text: str, name: str) -> ast.Module:
        """What `parse_module(text, name)` gives (comments aside: none are kept), or raises."""
        parts = pieces(text)
        results = [self._piece(name, piece) for _, _, piece in parts]
        failed = [(part, result) for part, result in zip(parts, results, strict=True) if result[0] is None]
        if failed:
            problems = self._problems(text, name, parts, failed)
            if not problems:  # a cut inside a block (a rule at column 1 in an `applies when`): the file whole
                return parse_module(text, name)
            raise LawcodeError(problems, {name: text})
        declarations: list[ast.Declaration] = []
        for (_, line, piece), (found, _) in zip(parts, results, strict=True):
            assert found is not None
            declarations.extend(self._at(name, piece, line, found))
        return ast.Module(name, tuple(declarations), (), text)

    def _problems(self, text: str, name: str, parts: list[tuple[int, int, str]], failed: list[Any]) -> list[Diagnostic]:
        """The whole file's diagnostics, from the pieces that failed."""
        for (offset, line, _), (_, problems) in failed:
            if not problems or any(d.code in SYNTAX_CODES for d in problems):
                return _errors("\n" * line + text[offset:], name)  # stops at this first syntax error
        out: list[Diagnostic] = []
        for (_, line, piece), _ in failed:
            out.extend(_errors("\n" * line + piece, name))
        return out


def _errors(text: str, name: str) -> list[Diagnostic]:
    try:
        parse_module(text, name)
    except LawcodeError as exc:
        return list(exc.diagnostics)
    except RecursionError:
        return [error("E001", "the file is nested too deeply to read", Span(name, 1, 1, 1, 2))]
    return []


__all__ = ["ChunkedParser", "moved", "pieces"]

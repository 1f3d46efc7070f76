"""Lark's LALR tables and contextual lexer, run by one loop that builds the result as it reduces.

`Lark.parse` lexes through a generator, a `LexerThread`, a `LineCounter` and a `Token`
constructor per token, then calls a tree-building wrapper at every reduction, eleven of
them for each name in an expression (one per precedence level); a Transformer then walks
the tree again. For the CAC rulesets that was most of the time of a cold compile. This
module keeps what Lark works out from the grammar (the parse table, and for each parser
state the regexes of its contextual lexer), so what is accepted and every error are
Lark's own, and replaces only the driving loop:

- a token is matched as Lark's lexer for the parser's state matches it (with fewer
  regexes to compile: see `_families`) and made directly;
- a reduction calls the callback of its rule, or does nothing at all for a `?rule`
  that passes its one child on;
- a syntax error is raised by Lark itself: its lexer is run at the failing position
  (`UnexpectedCharacters`, or `UnexpectedToken` for a terminal that is not allowed
  there), and the parser's error carries the same token and expected terminals.

`Shape` says what Lark's tree builder would have made of each rule (which children are
kept, where `[optional]` parts put None, positions), so a builder gets exactly the
children and spans a `Transformer` with `v_args(meta=True)` received.

All of that is plain data (`Tables`), kept as JSON between runs: reading it takes a
few milliseconds, against ~20 for loading Lark from its own cache, so Lark itself is
loaded only when the tables are made or a syntax error is reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Any, NoReturn

from lark import Lark, Token
from lark.exceptions import UnexpectedToken
from lark.grammar import Rule, Terminal
from lark.lexer import (
    AbstractBasicLexer,
    BasicLexer,
    ContextualLexer,
    LexerThread,
    TerminalDef,
    UnlessCallback,
)
from lark.parsers.lalr_analysis import Reduce, Shift

__all__ = ["Machine", "Node", "Reducer", "Shape", "Tables"]


class Node:
    """A reduced rule on the value stack: the builder's value and where its text lies.

    The positions cover the rule's whole match, keywords and brackets included (Lark's
    "container" positions), so a parent starts where its first child's text starts: the
    `and` in `(a or b) and c` starts at the `(`, while the `or` node itself starts at `a`.
    A rule that matched no text (an empty file) has no positions: None.
    """

    __slots__ = ("column", "end_column", "end_line", "line", "value")

    def __init__(self, value: Any, line: int | None, column: int, end_line: int, end_column: int) -> None:
        self.value = value
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column


Reducer = Callable[[list[Any]], Any]
"""A rule's callback: the values of one match of its expansion → the rule's value."""

Method = Callable[[Node, list[Any]], Any]
"""A builder method: the rule's node (its positions) and its children → the rule's value."""


def _covering(value: Any, children: list[Any]) -> Node:
    """`value` with the positions from the first child's start to the last child's end.

    Children are tokens and `Node`s, both with `line`, `column`, `end_line` and
    `end_column`; nodes that matched no text are skipped, as Lark does.
    """
    for first in children:
        if first.line is not None:
            break
    else:
        return Node(value, None, 0, 0, 0)
    for last in reversed(children):
        if last.line is not None:
            break
    return Node(value, first.line, first.column, last.end_line, last.end_column)


@dataclass(frozen=True, slots=True)
class Shape:
    """What Lark's tree builder does with one match of a rule, worked out once per rule."""

    name: str  # the callback: the alias (`-> name`), else the rule's own name
    size: int  # symbols in one match
    picks: tuple[tuple[int, bool, int], ...]  # (index in the match, splice a `_rule`, Nones to put first)
    trailing: int  # Nones after the last child: `[optional]` parts that matched nothing
    inline: bool  # `?rule` without an alias: its one child is passed on instead of a node
    plain: tuple[int, ...] | None  # the picks, when none is spliced and no None is added

    @classmethod
    def of(cls, rule: Rule) -> Shape:
        """As `lark.parse_tree_builder.maybe_create_child_filter`, with `maybe_placeholders`."""
        expansion = rule.expansion
        empty = rule.options.empty_indices
        # how many Nones go before each symbol, and after the last one
        nones = [len(ones) for ones in "".join(str(int(b)) for b in empty).split("0")] if empty else []
        nones = nones or [0] * (len(expansion) + 1)
        picks: list[tuple[int, bool, int]] = []
        pending = 0
        for i, symbol in enumerate(expansion):
            pending += nones[i]
            if rule.options.keep_all_tokens or not (isinstance(symbol, Terminal) and symbol.filter_out):
                picks.append((i, not symbol.is_term and symbol.name.startswith("_"), pending))
                pending = 0
        name = str(rule.alias or rule.options.template_source or rule.origin.name)
        inline = bool(rule.options.expand1 and not rule.alias)
        return cls.make(name, len(expansion), picks, pending + nones[len(expansion)], inline)

    def to_json(self) -> list[Any]:
        return [self.name, self.size, [list(pick) for pick in self.picks], self.trailing, self.inline]

    @classmethod
    def from_json(cls, data: list[Any]) -> Shape:
        name, size, picks, trailing, inline = data
        return cls.make(str(name), int(size), [(int(i), bool(s), int(n)) for i, s, n in picks], int(trailing), bool(inline))

    @classmethod
    def make(cls, name: str, size: int, picks: list[tuple[int, bool, int]], trailing: int, inline: bool) -> Shape:
        if inline and (len(picks) != 1 or picks[0][1:] != (False, 0) or trailing):
            raise TypeError(f"`?{name}`: only a `?rule` that keeps exactly one child is supported")
        plain = None if trailing or any(splice or put for _, splice, put in picks) else tuple(i for i, _, _ in picks)
        return cls(name, size, tuple(picks), trailing, inline, plain)

    @property
    def passes_on(self) -> bool:
        """`?a: b`: the value, positions and all, is the child's; nothing is called."""
        return self.inline and self.size == 1

    def reducer(self, method: Method | None) -> Reducer:
        """The callback for this rule: `method` (None for a `_rule`) on the picked values."""
        if self.passes_on:
            return itemgetter(0)
        if self.inline:
            return self._widen  # `?atom: "(" expr ")"`: expr, its positions widened to the brackets
        if method is not None:
            values = self._values

            def reduce(children: list[Any]) -> Node:
                if children and children[0].line is not None and children[-1].line is not None:
                    first, last = children[0], children[-1]  # the usual case, without a call
                    node = Node(None, first.line, first.column, last.end_line, last.end_column)
                else:
                    node = _covering(None, children)
                node.value = method(node, values(children))
                return node

            return reduce
        if not self.name.startswith("_"):
            raise TypeError(f"the builder has no method for the grammar rule `{self.name}`")
        return self._splice

    def _values(self, children: list[Any]) -> list[Any]:
        """The children a `Transformer` method got: tokens, builder values and Nones."""
        if self.plain is not None:
            return [child.value if type(child) is Node else child for child in map(children.__getitem__, self.plain)]
        values: list[Any] = []
        for i, splice, nones in self.picks:
            if nones:
                values += [None] * nones
            child = children[i]
            if splice and not values:
                values = child.value  # the list so far, taken over: a long `x*` is not copied at each item
            elif splice:
                values += child.value
            else:
                values.append(child.value if type(child) is Node else child)
        if self.trailing:
            values += [None] * self.trailing
        return values

    def _splice(self, children: list[Any]) -> Node:
        """A `_rule`'s values, for its parent to take in as its own children."""
        return _covering(self._values(children), children)

    def _widen(self, children: list[Any]) -> Any:
        child = children[self.picks[0][0]]
        if type(child) is not Node:
            return child  # a token passed on keeps its own positions, as with Lark
        return _covering(child.value, children)


@dataclass(frozen=True, slots=True)
class Lexing:
    """How Lark's contextual lexer lexes in one parser state: its regexes, as text."""

    patterns: tuple[str, ...]  # tried in turn; the first match's group names the terminal
    allowed: frozenset[str]  # the terminals in them
    family: int  # the union that is tried first (see `_families`)
    keywords: dict[str, tuple[str, ...]]  # NAME → the keywords allowed here that NAME would match
    ignore: frozenset[str]
    newlines: frozenset[str]  # terminals that may hold a line break
    flags: int

    @classmethod
    def of(cls, lexer: BasicLexer, family: int) -> Lexing:
        scanner = lexer.scanner  # compiles Lark's regexes, and makes `lexer.callback`
        keywords: dict[str, tuple[str, ...]] = {}
        for terminal, callback in lexer.callback.items():
            if not isinstance(callback, UnlessCallback):
                raise TypeError(f"a lexer callback for {terminal}: the grammar is used without any")
            keywords[terminal] = tuple(regex.pattern for regex in callback.scanner._mres)
        patterns = tuple(regex.pattern for regex in scanner._mres)
        allowed = frozenset(terminal.name for terminal in scanner.terminals)
        return cls(patterns, allowed, family, keywords, lexer.ignore_types, lexer.newline_types, lexer.g_regex_flags)

    def to_json(self) -> dict[str, Any]:
        return {
            "patterns": list(self.patterns),
            "allowed": sorted(self.allowed),
            "family": self.family,
            "keywords": {terminal: list(patterns) for terminal, patterns in self.keywords.items()},
            "ignore": sorted(self.ignore),
            "newlines": sorted(self.newlines),
            "flags": self.flags,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Lexing:
        keywords = {str(terminal): tuple(map(str, patterns)) for terminal, patterns in data["keywords"].items()}
        return cls(
            tuple(map(str, data["patterns"])),
            frozenset(map(str, data["allowed"])),
            int(data["family"]),
            keywords,
            frozenset(map(str, data["ignore"])),
            frozenset(map(str, data["newlines"])),
            int(data["flags"]),
        )


def _families(lexer: ContextualLexer) -> tuple[list[str], dict[int, int]]:
    """Unions of the terminals of many states, each tried before a state's own: fewer regexes.

    Lark compiles a union of the terminals each parser state allows, and the CAC rulesets
    need 43 different ones: ~15 ms of a cold compile. A union tries its terminals in
    turn and the first that matches wins, and Lark orders every state's terminals the
    same way (its root lexer's order, checked below). So a union of more terminals, in
    that order, that matches a terminal the state allows, matched what the state's own
    union would have: no terminal of the state that comes earlier matched either. Only
    when it matches one the state does not allow is the state's own union needed. States
    are grouped by the regex terminals they allow (NAME, KEY, STRING...), which decide
    most matches: 13 unions for the whole grammar, and no valid text of the CAC rulesets
    needs a state's own union.

    Returns the unions' patterns and, by `id` of Lark's lexers, the union of each.
    """
    root = lexer.root_lexer
    assert isinstance(root, BasicLexer)
    order = root.terminals  # all of them, in Lark's order
    state_lexers = {id(state_lexer): state_lexer for state_lexer in lexer.lexers.values()}
    groups: dict[frozenset[str], set[str]] = {}
    for state_lexer in state_lexers.values():
        terminals = _terminals(state_lexer)
        groups.setdefault(_regex_terminals(terminals), set()).update(terminal.name for terminal in terminals)
    patterns: list[str] = []
    numbers: dict[frozenset[str], int] = {}
    ranks: dict[frozenset[str], dict[str, int]] = {}
    for key, names in groups.items():
        members = [terminal for terminal in order if terminal.name in names]
        numbers[key] = len(patterns)
        patterns.append("|".join(f"(?P<{terminal.name}>{terminal.pattern.to_regexp()})" for terminal in members))
        ranks[key] = {terminal.name: rank for rank, terminal in enumerate(members)}
    family_of: dict[int, int] = {}
    for lexer_id, state_lexer in state_lexers.items():
        terminals = _terminals(state_lexer)
        key = _regex_terminals(terminals)
        own_order = [ranks[key][terminal.name] for terminal in terminals]
        if own_order != sorted(own_order):  # what makes the family's match the state's
            raise TypeError("Lark orders the terminals of a parser state otherwise than all terminals")
        family_of[lexer_id] = numbers[key]
    return patterns, family_of


def _terminals(lexer: AbstractBasicLexer) -> list[TerminalDef]:
    """The terminals of a state's union, in Lark's order, without the keywords that NAME
    matches (NAME's match is checked against them instead)."""
    if not isinstance(lexer, BasicLexer):
        raise TypeError(f"Lark's lexer for a parser state is a {type(lexer).__name__}")
    return list(lexer.scanner.terminals)


def _regex_terminals(terminals: list[TerminalDef]) -> frozenset[str]:
    return frozenset(terminal.name for terminal in terminals if terminal.pattern.type == "re")


@dataclass(frozen=True, slots=True)
class _Scan:
    """A `Lexing` compiled: built when a parser state first lexes, as Lark's lexers are."""

    family: re.Pattern[str]
    allowed: frozenset[str]
    lexing: Lexing  # its own regexes are compiled only if the family's match a terminal it does not allow
    keywords: dict[str, tuple[re.Pattern[str], ...]]
    ignore: frozenset[str]
    newlines: frozenset[str]

    @classmethod
    def of(cls, lexing: Lexing, family: re.Pattern[str]) -> _Scan:
        keywords = {terminal: _compiled(patterns, lexing.flags) for terminal, patterns in lexing.keywords.items()}
        return cls(family, lexing.allowed, lexing, keywords, lexing.ignore, lexing.newlines)


def _compiled(patterns: tuple[str, ...], flags: int) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern, flags) for pattern in patterns)


def _keyword(regexes: tuple[re.Pattern[str], ...], value: str) -> str | None:
    """The keyword `value` is, if it is one (Lark's `UnlessCallback`)."""
    for regex in regexes:
        match = regex.fullmatch(value)
        if match is not None:
            return match.lastgroup
    return None


_Action = int | list[Any]
"""Shift: the next state. Reduce: [rule number, symbols, the rule's name, passes its child on].

Lists, not tuples, as JSON has them: the tables are used as they are read."""

_States = list[dict[str, _Action]]
"""By state number (Lark numbers them from 0): symbol → action (a shift, a reduction, a goto)."""

FORMAT = 2
"""The version of `Tables.to_json`'s layout."""


@dataclass(frozen=True, slots=True)
class Tables:
    """What Lark works out from a grammar, as plain data: all that parsing needs."""

    states: _States
    start_states: dict[str, int]
    end_states: dict[str, int]
    shapes: list[Shape]  # by rule number
    lexings: list[Lexing]
    lexing_of: list[int]  # by state
    families: list[str]  # the unions tried first, by number (`Lexing.family`)

    @classmethod
    def of(cls, lark: Lark) -> Tables:
        table = lark.parser.parser.parser.parse_table
        numbers: dict[Rule, int] = {}
        shapes: list[Shape] = []
        states: _States = [{} for _ in table.states]
        for state, actions in table.states.items():
            row = states[state]
            for symbol, (action, arg) in actions.items():
                if action is Shift:
                    row[symbol] = arg
                    continue
                assert action is Reduce
                if arg not in numbers:
                    numbers[arg] = len(shapes)
                    shapes.append(Shape.of(arg))
                shape = shapes[numbers[arg]]
                row[symbol] = [numbers[arg], shape.size, arg.origin.name, shape.passes_on]
        lexer = _lark_lexer(lark)
        families, family_of = _families(lexer)
        lexings: dict[int, int] = {}  # id(Lark's lexer) → index: states share lexers
        built: list[Lexing] = []
        lexing_of = [0] * len(states)
        for state, state_lexer in lexer.lexers.items():
            if id(state_lexer) not in lexings:
                assert isinstance(state_lexer, BasicLexer)
                lexings[id(state_lexer)] = len(built)
                built.append(Lexing.of(state_lexer, family_of[id(state_lexer)]))
            lexing_of[state] = lexings[id(state_lexer)]
        return cls(states, dict(table.start_states), dict(table.end_states), shapes, built, lexing_of, families)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "states": self.states,
            "start_states": self.start_states,
            "end_states": self.end_states,
            "shapes": [shape.to_json() for shape in self.shapes],
            "lexings": [lexing.to_json() for lexing in self.lexings],
            "lexing_of": self.lexing_of,
            "families": self.families,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tables:
        """The tables `to_json` wrote; KeyError, TypeError or ValueError if it was not that."""
        if data["format"] != FORMAT:
            raise ValueError(f"tables in format {data['format']}, not {FORMAT}")
        states, lexing_of = data["states"], data["lexing_of"]
        if not (isinstance(states, list) and isinstance(lexing_of, list) and len(states) == len(lexing_of)):
            raise TypeError("tables without a row and a lexer for each state")
        return cls(
            states,
            {str(start): int(state) for start, state in data["start_states"].items()},
            {str(start): int(state) for start, state in data["end_states"].items()},
            [Shape.from_json(shape) for shape in data["shapes"]],
            [Lexing.from_json(lexing) for lexing in data["lexings"]],
            lexing_of,
            [str(pattern) for pattern in data["families"]],
        )


def _lark_lexer(lark: Lark) -> ContextualLexer:
    lexer = lark.parser.lexer
    if not isinstance(lexer, ContextualLexer):
        raise TypeError("the grammar is to be built with lexer='contextual'")
    return lexer


def _calls_no_method(shape: Shape) -> bool:
    """A rule that calls no builder method: a `_rule` spliced into its parent, or a `?rule`."""
    return shape.inline or shape.name.startswith("_")


class _At:
    """Stands for Lark's parser state where Lark's lexer is asked to raise an error."""

    __slots__ = ("position",)

    def __init__(self, position: int) -> None:
        self.position = position


class Machine:
    """Parses with `Tables`; `lark` gives the Lark instance they were made from, for errors."""

    def __init__(self, tables: Tables, lark: Callable[[], Lark]) -> None:
        self.tables = tables
        self._lark = lark
        self._states = tables.states
        self._scans: dict[int, _Scan] = {}  # by state, as they are first needed
        self._compiled: dict[int, _Scan] = {}  # by lexing: states share them
        self._families: dict[int, re.Pattern[str]] = {}  # by number, compiled when first needed
        self._own: dict[int, tuple[re.Pattern[str], ...]] = {}  # a state's own regexes, if ever needed
        self._chains: dict[tuple[int, int, str], int] = {}  # see `_chain`
        self._end_states = frozenset(tables.end_states.values())
        # the callbacks of rules that call no builder method, made once for all builders
        self._shared = [shape.reducer(None) if _calls_no_method(shape) else None for shape in tables.shapes]

    def callbacks(self, methods: Callable[[str], Method | None]) -> list[Reducer]:
        """One callback per rule number; `methods` finds the builder's method by name."""
        return [
            shared or shape.reducer(methods(shape.name))
            for shape, shared in zip(self.tables.shapes, self._shared, strict=True)
        ]

    def _scan(self, state: int) -> _Scan:
        number = self.tables.lexing_of[state]
        scan = self._compiled.get(number)
        if scan is None:
            lexing = self.tables.lexings[number]
            family = self._families.get(lexing.family)
            if family is None:
                family = self._families[lexing.family] = re.compile(self.tables.families[lexing.family], lexing.flags)
            scan = self._compiled[number] = _Scan.of(lexing, family)
        self._scans[state] = scan
        return scan

    def _chain(self, below: int, state: int, kind: str) -> int:
        """The state after the `?a: b` reductions that `kind` calls for in a row, from `state`.

        A name in an expression is reduced through every precedence level above it, each a
        `?rule` of one child: eleven reductions that leave the value as it is and replace
        only the state on top, each time with the goto of the same state below. So where
        they end depends on those two states and the token alone, and is worked out once.
        A chain stops at an end state on `$END`, where the parse is complete.
        """
        states, top = self._states, state
        action = states[state].get(kind)
        while type(action) is list and action[3]:
            state = states[below][action[2]]  # type: ignore[assignment]
            if kind == "$END" and state in self._end_states:
                break
            action = states[state].get(kind)
        self._chains[below, top, kind] = state
        return state

    def _match_own(self, state: int, text: str, pos: int) -> re.Match[str] | None:
        """The state's own union at `pos`: its family's matched a terminal it does not allow."""
        number = self.tables.lexing_of[state]
        regexes = self._own.get(number)
        if regexes is None:
            lexing = self.tables.lexings[number]
            regexes = self._own[number] = _compiled(lexing.patterns, lexing.flags)
        for regex in regexes:
            match = regex.match(text, pos)
            if match is not None:
                return match
        return None

    def run(self, text: str, start: str, callbacks: Sequence[Reducer]) -> Any:
        """The value of `text` parsed from the grammar rule `start`; raises Lark's syntax errors.

        One loop, as Lark's `ContextualLexer.lex` and `ParserState.feed_token` are two: it
        runs once per token and once per reduction, so calls are kept out of it. The end
        of the text is a last token, `$END`, as in Lark.
        """
        states, scans, chains = self._states, self._scans, self._chains
        state = self.tables.start_states[start]
        end_state = self.tables.end_states[start]
        state_stack = [state]
        value_stack: list[Any] = []
        pos, line, line_start, end = 0, 1, 0, len(text)
        token: Token | None = None
        kind = ""
        while True:
            if pos < end:
                # -- the next token, lexed with the terminals the parser can take in `state`
                scan = scans.get(state) or self._scan(state)
                match = scan.family.match(text, pos)
                if match is not None and match.lastgroup not in scan.allowed:
                    match = self._match_own(state, text, pos)
                if match is None:
                    self._lex_error(text, pos, line, line_start, state, token)
                value, kind = match.group(), match.lastgroup or ""  # each alternative is a named group
                start_pos, start_line, column = pos, line, pos - line_start + 1
                if kind in scan.newlines:
                    breaks = value.count("\n")
                    if breaks:
                        line += breaks
                        line_start = pos + value.rindex("\n") + 1
                pos += len(value)
                if kind in scan.ignore:
                    continue
                if kind in scan.keywords:
                    kind = _keyword(scan.keywords[kind], value) or kind
                token = _new_str(Token, value)  # as `Token.__new__`, without its keyword-argument shims
                token.type, token.value, token.start_pos, token.end_pos = kind, value, start_pos, pos
                token.line, token.column, token.end_line, token.end_column = start_line, column, line, pos - line_start + 1
            elif kind != "$END":  # the end of the text: the start rule must now be complete
                token = Token.new_borrow_pos("$END", "", token) if token is not None else Token("$END", "", 0, 1, 1)
                kind = "$END"
            else:
                raise AssertionError("the parse table shifted the end of the text")
            # -- reduce as the token calls for, then shift it
            while True:
                action = states[state].get(kind)
                if action is None:
                    raise _unexpected(states, state, token)
                if type(action) is int:
                    state = action
                    state_stack.append(state)
                    value_stack.append(token)
                    break
                number, size, origin, passes_on = action  # type: ignore[misc]
                if passes_on:  # `?a: b`: the value stays; the state changes, along all such in a row
                    chain = (state_stack[-2], state, kind)
                    state = chains.get(chain, -1)
                    if state < 0:
                        state = self._chain(*chain)
                    state_stack[-1] = state
                else:
                    if size:
                        children = value_stack[-size:]
                        del state_stack[-size:]
                        del value_stack[-size:]
                    else:
                        children = []
                    value_stack.append(callbacks[number](children))
                    state = states[state_stack[-1]][origin]  # type: ignore[assignment]
                    state_stack.append(state)
                if state == end_state and kind == "$END":
                    return value_stack[-1]

    def _lex_error(self, text: str, pos: int, line: int, line_start: int, state: int, last: Token | None) -> NoReturn:
        """Raise what Lark's contextual lexer raises at `pos`, by running it there."""
        thread = LexerThread.from_text(self._contextual, text)
        assert thread.state is not None
        counter = thread.state.line_ctr
        counter.char_pos, counter.line, counter.line_start_pos = pos, line, line_start
        counter.column = pos - line_start + 1
        thread.state.last_token = last
        at: Any = _At(state)  # all Lark's lexer asks of the parser's state
        next(iter(self._contextual.lex(thread.state, at)))
        raise AssertionError(f"Lark's lexer accepted the text at {line}:{pos - line_start + 1} that ours did not")

    @cached_property
    def _contextual(self) -> ContextualLexer:
        """Lark's lexer for the states of these tables (Lark's own may number them otherwise)."""
        lark = self._lark()
        accepts: dict[int, Collection[str]] = {state: list(row) for state, row in enumerate(self._states)}
        return ContextualLexer(lark.lexer_conf, accepts, always_accept=())


_new_str = str.__new__


def _unexpected(states: _States, state: int, token: Token) -> UnexpectedToken:
    """Lark's error for a token the parser cannot take in `state`."""
    expected = {symbol for symbol in states[state] if symbol.isupper()}
    return UnexpectedToken(token, expected, state=_At(state), interactive_parser=None)  # type: ignore[no-untyped-call]

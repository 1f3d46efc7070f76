"""Message placeholders the lexer reads: strings inside `{…}` need no escaping, spans
point at the file's own columns, the older escaped spelling reads the same and `lawcode
fmt` rewrites it."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meaning import without_spans

from lawcode.dsl import ast, parse_module
from lawcode.dsl import templates as message_templates
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.dsl.formatter import format_template, format_text
from lawcode.dsl.tables import grammar_text

from .strategies import expressions, templates

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rule(message: str) -> str:
    return f"rule r {{\n  on platform\n  require x\n  message {message}\n}}\n"


def _message(text: str) -> ast.Template:
    rule = parse_module(text).declarations[0]
    assert isinstance(rule, ast.Rule) and rule.message is not None
    return rule.message


def test_the_grammar_and_the_template_cutter_share_one_pattern() -> None:
    written = re.search(r"^MESSAGE: /(.*)/$", grammar_text(), re.MULTILINE)
    assert written is not None and written.group(1) == message_templates.MESSAGE


def test_a_string_in_a_placeholder_needs_no_escaping() -> None:
    text = _rule('"status {attestation_status("groups-2017/art-8")}; {x ?? "none, {or} \\"quoted\\""}"')
    parts = _message(text).parts
    assert parts[0] == "status "
    call = parts[1]
    assert isinstance(call, ast.Call) and call.func == "attestation_status"
    assert call.args == (ast.StringLit("groups-2017/art-8", call.args[0].span),)
    default = parts[3]
    assert isinstance(default, ast.Default) and isinstance(default.fallback, ast.StringLit)
    assert default.fallback.value == 'none, {or} "quoted"'


def test_placeholder_spans_are_the_file_columns() -> None:
    text = _rule('"a {attestation_status("x")} and {u.id}" "b {f("}", y)}"')
    lines = text.split("\n")
    for part in _message(text).parts:
        if isinstance(part, str):
            continue
        span = part.span
        written = lines[span.line - 1][span.column - 1 : span.end_column - 1]
        assert written in ('attestation_status("x")', "u.id", 'f("}", y)')
        for arg in getattr(part, "args", ()):
            assert lines[arg.span.line - 1][arg.span.column - 1 : arg.span.end_column - 1] in ('"x"', '"}"', "y")


def test_the_escaped_spelling_reads_the_same_and_fmt_unescapes_it() -> None:
    old = _rule('"status {attestation_status(\\"x\\")} of {g(\\"a b\\", 1)}"')
    new = _rule('"status {attestation_status("x")} of {g("a b", 1)}"')
    assert without_spans(_message(old).parts) == without_spans(_message(new).parts)
    assert format_text(old) == format_text(new) == new


def test_a_comment_sign_inside_a_placeholder_string_is_no_comment() -> None:
    module = parse_module(_rule('"{f("#1")} #2"  # the only comment'))
    assert [c.text for c in module.comments] == ["# the only comment"]


def test_an_unclosed_placeholder_says_where() -> None:
    try:
        parse_module(_rule('"open {f("x") here"'))
    except LawcodeError as exc:
        [diagnostic] = exc.diagnostics
        assert diagnostic.code == "E006" and diagnostic.span is not None
        assert (diagnostic.span.line, diagnostic.span.column) == (4, 17)
    else:
        raise AssertionError("an unclosed `{` was accepted")


@SETTINGS
@given(templates(expressions(in_message=True)))
def test_messages_with_strings_in_placeholders_round_trip(template: ast.Template) -> None:
    text = _rule(format_template(template))
    assert without_spans(_message(text).parts) == without_spans(template.parts)
    formatted = format_text(text)
    assert format_text(formatted) == formatted


_MESSAGE_TEXT = st.text(alphabet=st.sampled_from([*'{}"\\#() ,ax1n', "\n"]), max_size=30)


@SETTINGS
@given(_MESSAGE_TEXT, _MESSAGE_TEXT)
def test_the_parser_never_crashes_on_a_message(first: str, second: str) -> None:
    """Any text after `message`: a tree or diagnostics with positions, never a crash;
    what parses formats to text that parses to the same message."""
    text = f'rule r {{\n  on platform\n  require x\n  message "{first}" "{second}"\n}}\n'
    try:
        module = parse_module(text)
    except LawcodeError as exc:
        assert exc.diagnostics and all(d.span is not None for d in exc.diagnostics)
        return
    formatted = format_text(text)
    again = parse_module(formatted)
    rule, rule_again = module.declarations[0], again.declarations[0]
    assert isinstance(rule, ast.Rule) and isinstance(rule_again, ast.Rule)
    assert rule.message is not None and rule_again.message is not None
    assert without_spans(rule.message.parts) == without_spans(rule_again.message.parts)

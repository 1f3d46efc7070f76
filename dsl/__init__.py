"""The lawcode language: grammar, parser and syntax tree."""

from lawcode.dsl.parser import parse_expression, parse_module
from lawcode.dsl.spans import Span

__all__ = ["Span", "parse_expression", "parse_module"]

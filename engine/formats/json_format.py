"""The JSON report: the stable contract (docs/api.md)."""

from __future__ import annotations

from lawcode.compiler import Program
from lawcode.engine.report import Report


def render(report: Report, program: Program) -> str:
    return report.to_json() + "\n"

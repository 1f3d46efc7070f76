"""OSCAL 1.2.1: the report as assessment results (`oscal`) or as a POA&M (`oscal-poam`).

The documents themselves are built by `lawcode.engine.oscal` (mapping in docs/oscal.md);
this module only renders them, as indented JSON with a final newline.
"""

from __future__ import annotations

from lawcode.compiler import Program
from lawcode.engine.oscal import build_assessment_results, build_poam, dumps
from lawcode.engine.report import Report


def render(report: Report, program: Program) -> str:
    """The run as OSCAL assessment results: one result, an observation per violation."""
    return dumps(build_assessment_results(report, program))


def render_poam(report: Report, program: Program) -> str:
    """The run's open violations as an OSCAL plan of action and milestones."""
    return dumps(build_poam(report, program))

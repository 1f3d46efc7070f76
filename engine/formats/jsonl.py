"""The report as JSON Lines, for pipelines: one record per line, the summary line last.

Each line is one compact JSON object whose `record` says what it is: `violation`,
`undetermined` or `not_in_force` (the fields of the JSON report's items, in the same
order), then one `summary` line with the JSON report's header (`lawcode_report`,
`as_of`, `snapshot`, `rulesets`) and its `summary`. A consumer can act on each violation
as it arrives (`jq`, `grep`, a queue); a stream without its summary line was cut short.
The lines' shapes are docs/report-lines.schema.json.
"""

from __future__ import annotations

from collections.abc import Iterator

import orjson

from lawcode.compiler import Program
from lawcode.engine.report import Report, ReportStream, Tally, Violation


def pieces(stream: ReportStream, program: Program | None = None) -> Iterator[bytes]:
    """The lines, one per item, as they are produced."""
    tally = Tally()
    for part in stream.violation_parts():
        if isinstance(part, Violation):
            tally.violation(part)
            yield orjson.dumps({"record": "violation", **part.to_json()}) + b"\n"
            continue
        for text, count in part.chunks("jsonl"):  # lines written by the engine: copied through
            tally.written(part, count)
            yield text + b"\n"
    for u in stream.undetermined():
        tally.undetermined += 1
        yield orjson.dumps({"record": "undetermined", **u.to_json()}) + b"\n"
    for n in stream.not_in_force:
        yield orjson.dumps({"record": "not_in_force", **n.to_json()}) + b"\n"
    summary = tally.summary(len(stream.rules), len(stream.not_in_force), stream.subjects_checked)
    yield orjson.dumps({"record": "summary", **stream.header(), "summary": summary}) + b"\n"


def render(report: Report, program: Program) -> str:
    return b"".join(pieces(report.stream(), program)).decode()

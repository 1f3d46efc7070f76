"""Write docs/compliance-cycle.md: baselines, waivers, history and the audit report, run for real.

    python docs/generate_cycle.py        # from the repository root; rewrites the page

It generates the CAC week (`bench/cycle_week.py`, into bench/data/week/, git-ignored),
runs each command from the repository root with colour and progress off, and pastes
what they print between the page's prose. Regenerate it after changing any of them.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cycle_week import generate  # noqa: E402

WEEK = "bench/data/week"
CAC = "rulesets/cac"
WAIVERS = "docs/examples/cac-waivers.yaml"
ENV = {**os.environ, "NO_COLOR": "1", "CI": "1", "COLUMNS": "110", "TERM": "dumb"}


def run(command: str, max_lines: int = 40, keep: str | tuple[str, ...] | None = None) -> str:
    """A fenced block: the command and its output (or only the lines containing one of
    `keep`, the rest elided), its exit code."""
    args = shlex.split(command)
    argv = [sys.executable, "-m", "lawcode", *args[1:]] if args[0] == "lawcode" else args
    done = subprocess.run(argv, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
    output = (done.stdout + done.stderr).rstrip("\n").splitlines()
    if keep is not None:
        wanted = (keep,) if isinstance(keep, str) else keep
        kept = [line for line in output if any(k in line for k in wanted) or line.startswith("lawcode ")]
        output = [*kept, "… (other lines left out here)"] if len(kept) < len(output) else kept
    if len(output) > max_lines:
        output = [*output[:max_lines], f"… ({len(output) - max_lines} more lines)"]
    return "```console\n" + "\n".join([f"$ {command}", *output, f"[exit {done.returncode}]"]) + "\n```\n"


def quiet(command: str) -> None:
    subprocess.run([sys.executable, "-m", "lawcode", *shlex.split(command)[1:]], cwd=ROOT, env=ENV, capture_output=True, timeout=600)


def excerpt(path: str, pointer: list[str | int]) -> str:
    data = json.loads((ROOT / path).read_text())
    for step in pointer:
        data = data[step]
    return "```json\n" + json.dumps(data, indent=2, ensure_ascii=False) + "\n```\n"


def page() -> str:
    generate(7, ROOT / WEEK / "snapshots")
    (ROOT / WEEK / "reports").mkdir(parents=True, exist_ok=True)
    first, last = f"{WEEK}/snapshots/cac-2022-11-30.json", f"{WEEK}/snapshots/cac-2022-12-06.json"
    baseline = f"{WEEK}/reports/cac-2022-11-30.json"
    quiet(f"lawcode check {CAC} -s {first} -f json -o {baseline}")
    quiet(f"lawcode check {CAC} -s {last} --baseline {baseline} --waivers {WAIVERS} -f json -o {WEEK}/last.json")
    quiet(f"lawcode check {CAC} -s {last} --baseline {baseline} --waivers {WAIVERS} -f sarif -o {WEEK}/last.sarif")
    last_json = json.loads((ROOT / WEEK / "last.json").read_text())
    waived = next(v for v in last_json["violations"] if v.get("waiver", {}).get("state") == "active")
    sarif = json.loads((ROOT / WEEK / "last.sarif").read_text())
    absent = next(r for r in sarif["runs"][0]["results"] if r.get("baselineState") == "absent")
    (ROOT / WEEK / "bad-waivers.yaml").write_text(
        "waivers:\n  - rule: account-verified-at-registraton\n    subject: {collection: accounts, where: \"it.registered_on > 3\"}\n"
        "    reason: typo and type error\n    approved_by: x\n    approved_on: 2022-11-01\n    expires_on: 2022-10-01\n"
    )
    for day in sorted((ROOT / WEEK / "snapshots").glob("*.json")):
        quiet(f"lawcode check {CAC} -s {day.relative_to(ROOT)} -f json -o {WEEK}/reports/{day.name}")
    cache = ROOT / WEEK / "history.sqlite"
    cache.unlink(missing_ok=True)
    return TEMPLATE.format(
        check_text=run(f"lawcode check {CAC} -s {last} --baseline {baseline} --waivers {WAIVERS}", keep=("waived until", "waiver expired", "]  new  ", " resolved (baseline"), max_lines=14),
        waived_json=json.dumps({k: waived[k] for k in ("rule", "subject", "message", "baseline", "first_seen", "age_days", "waiver")}, indent=2, ensure_ascii=False),
        cycle_waivers=excerpt(f"{WEEK}/last.json", ["cycle", "waivers", "waivers", 1]),
        absent_json=json.dumps({k: absent[k] for k in ("ruleId", "kind", "baselineState", "properties")}, indent=2, ensure_ascii=False),
        fail_new=run(f"lawcode check {CAC} -s {last} --baseline {WEEK}/reports/cac-2022-12-05.json --fail-on new", keep=(" resolved (baseline",), max_lines=12),
        lint_bad=run(f"lawcode lint {CAC} --waivers {WEEK}/bad-waivers.yaml"),
        lint_good=run(f"lawcode lint {CAC} --waivers {WAIVERS}"),
        history_text=run(f"lawcode history {WEEK}/snapshots --rules {CAC} --waivers {WAIVERS} --cache {WEEK}/history.sqlite", max_lines=60),
        history_cached=run(f"lawcode history {WEEK}/snapshots --rules {CAC} --cache {WEEK}/history.sqlite", keep="report(s) read"),
        history_reports=run(f"lawcode history {WEEK}/reports", keep="report(s) read"),
        history_json=run(f"lawcode history {WEEK}/reports -f json", keep="cp-week-2", max_lines=5),
        timeline=_timeline(),
        waivers_yaml=(ROOT / WAIVERS).read_text(),
    )


def _timeline() -> str:
    done = subprocess.run([sys.executable, "-m", "lawcode", "history", f"{WEEK}/reports", "-f", "json"], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
    data = json.loads(done.stdout)
    pick = [t for t in data["timelines"] if t["subject"] and str(t["subject"]["id"]).startswith("cp-week-")]
    return "```json\n" + json.dumps(pick, indent=2, ensure_ascii=False) + "\n```\n"


TEMPLATE = """# The compliance cycle: baselines, waivers, history and the audit report

<!-- Generated by docs/generate_cycle.py: edit the prose there, then run it. -->

A compliance team checks every day, fixes what it can, accepts some risks on the record
for a while, and answers auditors who ask "since when, and what did you do about it".
lawcode supports that cycle on top of the report contract (docs/api.md), and never by
hiding a violation: a baseline or a waiver changes a violation's *standing*, never its
presence in the report.

Every example below is real output on a generated week of daily CAC snapshots
(`python -m bench.cycle_week`, from the CAC violations example: day 0 is that example,
each later day fixes some records, breaks one again, and receives one forum complaint
whose handling runs across snapshots).

## Baselines

`lawcode check … --baseline PREVIOUS_REPORT.json` compares today's violations with a
report saved earlier (`lawcode check -f json -o FILE`). A violation is the same one in
both when its **rule id and subject (collection and id)** are equal, never by its place
in the snapshot or its JSON pointer: reordering a collection, inserting records or
writing the snapshot with another tool changes every pointer and nothing else. An id
keeps its JSON type (`7` and `"7"` are different subjects, as in the snapshot);
platform-wide rules match by rule alone.

- each violation is `new` or `unchanged`, with `first_seen` (the `as_of` of the earliest
  report it was in: a baseline that was itself compared with an older one passes its
  `first_seen` on) and `age_days` (from `first_seen` to today's `as_of`);
- the baseline's violations no longer reported are listed as `resolved`;
- the text report ends with one line of counts, `N new, N unchanged, N resolved`;
- `--fail-on new` fails only on new violations that no active waiver covers: the way a
  linter is adopted on a code base that already has findings;
- SARIF results carry `baselineState` (`new`, `unchanged`, and `absent` results of kind
  `pass` for the resolved ones), so code-scanning services show what changed.

{check_text}
One violation of that report in JSON (`-f json`): the fields added to the contract are
`baseline`, `first_seen`, `age_days` and `waiver`, present only when asked for, and the
report gains a `cycle` member (docs/report.schema.json):

```json
{waived_json}
```

A resolved violation in SARIF:

```json
{absent_json}
```

Against yesterday's report, only what is new fails the gate:

{fail_new}
## Waivers

A waivers file is YAML, validated by a published JSON Schema
([`waivers.schema.json`](waivers.schema.json)). Each waiver names a rule, the subject it
covers (an `id`, or a `where` expression over the subject, written in the rule language
with the subject named `it`; left out for a rule `on platform`), the reason, who approved
it and when, when it expires, and optionally where the decision is recorded:

```yaml
{waivers_yaml}```

On the report's `as_of`, each waiver is in one state:

| state | when | what the report says |
|---|---|---|
| `active` | not expired, and covers at least one violation | each violation it covers carries `waiver` with `state: active`; `--fail-on` ignores them |
| `expired` | `expires_on` is before `as_of` | the violations it covers still carry it, with `state: expired`: the acceptance ran out, and they fail the gate again |
| `stale` | not expired, and covers nothing | listed in `cycle.waivers` with `matched: 0`: the risk is gone, or the waiver names the wrong subject |

{cycle_waivers}
`where` expressions are parsed and type-checked by the compiler against the snapshot
schema (fields of the subject and of the snapshot, literals, aggregates; not the
ruleset's parameters or definitions, so a waiver cannot break when a definition is
renamed), and evaluated by the reference evaluator: they need the snapshot as JSON
(`--backend python`, which `auto` picks for JSON snapshots of ordinary size). Waivers
naming subjects by `id` work with every backend. `lawcode lint --waivers FILE` checks a
waivers file against the rulesets without a snapshot; every mistake has its line and
column, and an unknown rule id gets a did-you-mean:

{lint_bad}
{lint_good}
`--waivers` is accepted by `check`, `history` (each report marked on its own day) and the
playground API (`POST /api/evaluate` with `"waivers": "<YAML text>"`; mistakes answer 422
`invalid_waivers` at `<waivers>` line and column).

## History

`lawcode history SOURCE...` reads a series of dated snapshots (checked with `--rules`)
or of saved JSON reports, files or folders of `.json` files, one per `as_of`, and gives
for each rule and subject its timeline: `opened` (the first report it is in), `resolved`
(the first later report it is not in), `reopened` (in a report again after being
resolved), the days each open spell lasted, and whether it is open on the last day and
since when. The same figures are summed per document and article (the violation's first
basis citation) and per day. Output in text, JSON (`-f json`) and HTML (`-f html`).

{history_text}
Reports evaluated once are reused. Either keep the daily JSON reports (CI usually does)
and point `history` at their folder, or give `--cache FILE`: an SQLite file keeping each
snapshot's report under the digest of the ruleset's sources and schema, lawcode's
version and the snapshot's bytes, so a year of daily snapshots is evaluated once and
each new day costs one evaluation. The cache stores JSON text, nothing executable; a
row that does not parse is evaluated again.

{history_cached}
{history_reports}
"Resolved" means "no longer reported": a subject whose record left the snapshot (deleted,
or past its retention) also resolves its violations. Keep records in the snapshot for
as long as their violations should stay visible.

### Deadlines that run across snapshots

Several CAC duties are deadlines: a complaint is decided within the handling time the
platform declares (three days by default; `common/complaints.law`), a prohibited post
is reported to the cyberspace office within the declared report time
(`common/records.law`), a security incident is remedied and reported in time. A
deadline often starts before one snapshot and ends after it. lawcode judges each
snapshot alone, by its own `as_of` and its own timestamps, and the history is made of
those judgements:

- while an item is pending and its deadline's day has not passed on the snapshot's
  `as_of`, it is no violation at all (the rules say so: `date(deadline) >= as_of`);
- when a later snapshot records it handled, the **timestamps the later snapshot holds**
  decide: handled at or before the deadline is on time even if that snapshot was taken
  after the deadline (the even days' complaints of the week: handled two days after
  receipt, first recorded four days after, never a violation); handled after it is late;
- pending past the deadline's day is a violation from that snapshot on (`opened` on its
  `as_of`), and a late handling does not cure it: the breach happened, so the violation
  stays open while the record is in the snapshot. Its time to resolve is not a figure
  of merit; accepting it on the record is what a waiver is for;
- each snapshot uses the handling time it declares: if the platform lengthens it, an item
  overdue under the old time may be on time under the new one and resolve; the evidence
  of both reports shows the declared value, so an auditor sees why.

The week's odd-day complaints show the third case: `cp-week-2` (received on 1 December)
is pending on the 2nd, 3rd and 4th, overdue on the 5th, and handled late on the 6th; the
even days' complaints never appear:

{timeline}
lawcode does not compare timestamps across snapshots: a snapshot that backdates a
handling (recording on the 6th a `handled_at` earlier than a snapshot that still showed
the item pending) is not detected; compare the saved reports' evidence to audit that.

## The audit report (HTML)

`lawcode check … -f html -o report.html` and `lawcode history … -f html -o history.html`
write one self-contained page for auditors: summary counts; charts of violations by
severity, document and article (and, for a history, over time, with what was opened and
resolved each day); the violations with their citations, article summaries, evidence,
baseline standing and waiver; the resolved ones; every waiver with its state and
expiry; article summaries; undetermined subjects and rules not in force. It is built
with Jinja2 templates (autoescaping on; every string from a ruleset, snapshot or
waivers file also has its control characters and bidi overrides shown, as in the
terminal), charts are SVG drawn by the templates, styles and the one script (a filter
for the long tables) are inline, and the page's Content-Security-Policy allows that
script by its SHA-256 and nothing else: the page makes no request, and a string in the
data cannot load or run anything (tests/engine/cycle/test_html_browser.py opens both
pages in Chromium with hostile ids and reasons).

The report's baselines and waivers read the whole report: with `--baseline`,
`--waivers` or `-f html`, `check` collects the report before writing it (the JSON and
JSON Lines outputs are otherwise written as they are produced).

## OSCAL

`-f oscal` and `-f oscal-poam` carry the standing too: props `baseline`, `first-seen`
and `waiver…` on observations, risks and POA&M items, and a risk under an active waiver
is `deviation-approved` until the waiver's expiry (docs/oscal.md says what is not there
yet: resolved findings and risk logs over a history).
"""


if __name__ == "__main__":
    (ROOT / "docs" / "compliance-cycle.md").write_text(page())
    print("wrote docs/compliance-cycle.md")

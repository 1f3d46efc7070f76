"""Write docs/cli.md: every `lawcode` command, run for real, its output pasted in.

    python docs/generate_cli.py          # rewrites docs/cli.md from the repository root
    python docs/generate_cli.py --check  # exit 1 if docs/cli.md is not what it would write

Each example runs the `lawcode` command line from the repository root, with colour
and progress off (NO_COLOR, CI), so the page shows what a user sees in a log. A
`lawcode …` example runs in this process, through click's `CliRunner` (its stdout, then
its stderr, as a log shows them): one interpreter for the page instead of one per
example, which had made the page's test take minutes. Any other command (`env …`, for
the completion example) runs as a subprocess.
Regenerate it after changing a command or its output: the whole page is written here,
nothing is spliced in by hand, and `tests/test_docs_cli.py` fails when the page is not
what this script writes (timings aside).

Files the examples write go to a fresh private folder, shown on the page as
`/tmp/lawcode-cli-doc-…` (never a fixed name in /tmp, which another user could own).
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import shlex
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MINI = "tests/data/mini/mini.law"
SNAP = "tests/data/mini/violations.json"
CAC = "rulesets/cac"
CAC_SNAP = "rulesets/cac/examples/violations.json"
QUIET = {"NO_COLOR": "1", "CI": "1", "COLUMNS": "100", "TERM": "dumb"}
ENV = {**os.environ, **QUIET}
SCRATCH: list[Path] = []  # the private folder the examples write to (shown as /tmp), while `page` runs
TIMING = re.compile(r"\bin \d+(\.\d+)? s\b")


def run(command: str, max_lines: int = 60, stdin: str | None = None) -> str:
    """A fenced block: the command, its output (stdout then stderr), its exit code."""
    real = str(SCRATCH[-1]) + "/" if SCRATCH else "/tmp/"
    args = shlex.split(command.replace("/tmp/", real))
    if args[0] == "lawcode":
        code, text = in_process(args[1:], stdin)
    else:
        done = subprocess.run(args, cwd=ROOT, env=ENV, capture_output=True, text=True, input=stdin, timeout=600)
        code, text = done.returncode, done.stdout + done.stderr
    output = text.replace(real, "/tmp/").rstrip("\n").splitlines()
    if len(output) > max_lines:
        output = [*output[:max_lines], f"… ({len(output) - max_lines} more lines)"]
    shown = f"$ {command}" if stdin is None else f"$ {command} <<'EOF'\n{stdin}EOF"
    return "```console\n" + "\n".join([shown, *output, f"[exit {code}]"]) + "\n```\n\n"


def in_process(args: list[str], stdin: str | None) -> tuple[int, str]:
    """`lawcode args…` run by click's CliRunner from the repository root: (exit code,
    stdout then stderr). A crash shows its traceback and exit 1, as the interpreter would."""
    from click.testing import CliRunner

    from lawcode.cli import cli

    # The help width click computes in a terminal of COLUMNS (click.formatting.HelpFormatter:
    # at most the group's max_content_width, less 2); the runner would force 80 instead.
    width = max(min(int(QUIET["COLUMNS"]), cli.context_settings.get("max_content_width", 80)) - 2, 50)
    with contextlib.chdir(ROOT):
        done = CliRunner(env=QUIET).invoke(cli, args, input=stdin, prog_name="lawcode", terminal_width=width)
    text = done.stdout + done.stderr
    if done.exception is not None and done.exc_info is not None and not isinstance(done.exception, SystemExit):
        text += "".join(traceback.format_exception(*done.exc_info))
    return done.exit_code, text


def page() -> str:
    parts: list[str] = []
    add = parts.append
    add("""# The `lawcode` command line

Every command below was run from the repository root by `docs/generate_cli.py`, and
its output pasted in unedited (long outputs are cut, with the count of lines left out).
Examples use the small test ruleset in `tests/data/mini/` (four rules) or the bundled
CAC rulesets in `rulesets/cac/`.

Exit codes are the same everywhere: **0** success (compliant, formatted, …), **1** the
check found something (violations or undetermined subjects at or above `--fail-on`,
files not formatted under `fmt --check`, failing rule tests), **2** a usage or input
error (bad ruleset, unreadable snapshot, unknown rule), reported as diagnostics with
`file:line:col`, never as a traceback. `python -m lawcode` is the same program.

""")
    add(run("lawcode --help"))

    add("""
## lawcode init

Writes a starter ruleset into a folder (default: the current one): a document, a
parameter, a rule, the snapshot schema, an example snapshot and rule tests, which `lint`,
`check` and `test` pass at once. It never replaces a file: if any file of the starter is
already there, nothing is written (exit 2). Then replace the document, the rule and the
schema with yours (`lawcode schema infer` drafts a schema from your data).

""")
    add(run("lawcode init /tmp/lawcode-cli-doc-init"))
    add(run("lawcode test /tmp/lawcode-cli-doc-init/tests"))
    add(run("lawcode init /tmp/lawcode-cli-doc-init"))

    add("""
## lawcode check

Checks a snapshot against rulesets (files, or folders of `.law` files) and prints the
report. Formats: `text` (default; grouped by document and article, the evidence of each
violation in a dim line below it, a summary table; coloured on a terminal), `json` (the
stable contract, docs/api.md), `jsonl` (JSON Lines for pipelines: one record per line,
violations first, the summary line last), `sarif` (SARIF 2.1.0 for code scanning), `junit`
(JUnit XML for CI dashboards) and `markdown` (for a ticket or a pull request). `json` and
`jsonl` are written as they are produced, one violation at a time, so a report with a
million violations is never held whole (the other formats need it whole). `-o FILE` writes
the report atomically (a file keeps its mode; through a symlink its target is written; a
device or a FIFO is written through), and is checked before the evaluation starts: a
missing folder, a folder, a read-only file or an input of the run (the snapshot, a
ruleset or schema file) is refused with exit 2. Ctrl-C exits 130 and leaves no partial
output. `--fail-on SEVERITY` sets the lowest severity (of a violation or
an undetermined subject) that makes the exit code 1. On a terminal, a large snapshot
gets a spinner while it loads and a progress bar over the subjects, on stderr; never in
a pipe or when `CI` is set.

`--backend` picks the evaluator: `python` (the reference), `duckdb` (embedded; streams
JSON of any size, reads folders of JSON Lines or Parquet, see `lawcode snapshot convert`)
or `spark` (`pip install 'lawcode[spark]'` and Java 17; `--spark-master URL` for a cluster,
`local[*]` by default; with `--format jsonl`, `-o FOLDER/`, a trailing slash or an empty
folder, is a folder of JSON Lines parts Spark writes itself, so the violations do not pass
through the driver: docs/api.md, "A folder of parts"). `auto`, the default, takes duckdb for a folder and, for JSON, the
backend a cost model measured on both expects to be faster for the file's size and the
rules' size (python up to about 1 MB, duckdb beyond; `python -m bench.auto_cost`).
Every backend gives the same report (docs/performance.md lists the few
constructs the SQL backends do not compile: they say so, B001, and name the construct).

For people, the text report wraps at the terminal's width (`COLUMNS`; 100 in a file),
keeping each line's indentation; `--color auto|always|never` (auto: on a terminal, unless
`NO_COLOR` is set) and `--evidence N|all` (values shown per violation, 4 by default). The
markdown report fits a GitHub comment: over `--max-bytes` (65,536 by default; 0 for no
limit) it keeps the summary, shows the first violations of each article, says how many more
each has, and ends with a line saying what was left out and how to get it all.

""")
    add(run(f"lawcode check {MINI} --snapshot {SNAP}"))
    add(run(f"lawcode check {MINI} -s {SNAP} --fail-on critical", max_lines=3))
    add("\nThe JSON report (the contract; first lines):\n\n")
    add(run(f"lawcode check {MINI} -s {SNAP} -f json", max_lines=30))
    add("\nJSON Lines: each line one compact record, `violation`, `undetermined` or `not_in_force`\n"
        "(the JSON report's items, with a `record` field), then a `summary` line with the report's\n"
        "header and summary; a stream without it was cut short. The shapes: docs/report-lines.schema.json.\n\n")
    add(run(f"lawcode check {MINI} -s {SNAP} -f jsonl", max_lines=6))
    add("\nSARIF 2.1.0: one SARIF rule per lawcode rule (with its citations and a GitHub\n"
        "`security-severity`), one result per violation (`kind: fail`) or undetermined subject\n"
        "(`kind: open`), located at the rule's source line, with the citation, subject and\n"
        "evidence in `properties`:\n\n")
    add(run(f"lawcode check {MINI} -s {SNAP} -f sarif", max_lines=45))
    add("\nJUnit XML: a test suite per document; a passing case per rule that no subject\n"
        "fails, a `<failure>` per violated subject, an `<error>` per undetermined one, a\n"
        "`<skipped>` case per rule not in force:\n\n")
    add(run(f"lawcode check {MINI} -s {SNAP} -f junit", max_lines=30))
    add("\nMarkdown, for a reviewer (status, summary tables, findings by document and article,\n"
        "evidence folded in `<details>`; all text from the snapshot is escaped):\n\n")
    add(run(f"lawcode check {MINI} -s {SNAP} -f markdown", max_lines=40))
    add("\nOSCAL 1.2.1 assessment results (`-f oscal`: an observation, risk and finding per\n"
        "violation) or a plan of action and milestones (`-f oscal-poam`); see docs/oscal.md:\n\n")
    add(run(f"lawcode check {MINI} -s {SNAP} -f oscal", max_lines=25))
    add("\nOn the bundled rulesets (first lines):\n\n")
    add(run(f"lawcode check {CAC} -s {CAC_SNAP}", max_lines=14))

    add("""
## lawcode lint

Compiles rulesets and prints every diagnostic, each with its position and a hint.

""")
    add(run(f"lawcode lint {CAC}"))
    add(run("lawcode lint tests/data/diagnostics/unknown-field.law"))

    add("""
## lawcode fmt

Rewrites rulesets in the one canonical layout (the style of `tests/data/mini/mini.law`):
two-space indent, one clause per line in a fixed order, a blank line around blocks,
aligned document headers, the fewest parentheses, strings escaped one way. Past 100
columns, an expression is broken at its outermost operator or bracket first (`and`/`or`,
`implies`, a comparison, `else if`, a call's, aggregate's or list's brackets), continuation
lines one level deeper; a message, title, summary or note becomes several strings (read
as one), broken between words; citations and ladders continue on the next lines. Comments
are kept as written, never re-wrapped: a comment on its own line stays above the clause,
article or declaration that follows it; one at the end of a line stays there.
Formatting is idempotent and never
changes meaning (tested: the formatted text compiles to the same IR). Files are
replaced atomically (temp file + rename, permissions kept). `--check` changes nothing
and exits 1 with a diff when a file is not formatted; `--diff` prints the diff and
exits 0; `-` formats stdin to stdout.

""")
    add(run("lawcode fmt -", stdin='# a cap\nrule cap {  require members(g)<= max_group_members   # the law\n'
            "  for each g in groups where (g.status == \"active\")  cites groups-2017 article 8 para 1 severity high }\n"))
    add(run(f"lawcode fmt --check {MINI}"))
    add(run(f"lawcode fmt --check {CAC}/common/records.law", max_lines=30))

    add("""
## lawcode graph

The dependency graph: snapshot fields → parameters, ladders, definitions → rules →
articles. Without a question it lists every rule with what it reads and cites.
`--impact FIELD_OR_PARAM` lists every parameter, definition, rule and article that
depends on a snapshot field (`groups.member_count`; a record covers its fields), a
parameter, a ladder or a definition; `--rule RULE` what one rule reads and cites.
`--format dot|json|mermaid` writes the same answer as a graph for other tools
(`dot -Tsvg`, scripts, GitHub markdown). Unknown names get a did-you-mean.

""")
    add(run(f"lawcode graph {MINI}"))
    add(run(f"lawcode graph {MINI} --impact policy.max_group_members"))
    add(run(f"lawcode graph {MINI} --rule sanction-step"))
    add(run(f"lawcode graph {MINI} --impact members --format mermaid"))
    add(run(f"lawcode graph {MINI} --rule log-retention --format dot"))
    add(run(f"lawcode graph {MINI} --impact users.verified_at --format json", max_lines=40))
    add(run(f"lawcode graph {MINI} --impact groups.membercount"))
    add(run(f"lawcode graph {CAC} --impact policy.groups.max_members"))

    add("""
## lawcode explain

`lawcode explain RULE PATH... --snapshot FILE [--subject ID]`: why a rule fired or
stayed silent, as the tree of sub-decisions that decided it: ✓ true, ✗ false, ?
missing, • a value; each line ends with the JSON pointer the value was read from and
the `file:line:col` of the expression. Clauses appear in the order the decision reads
them (`where`, `unless`, `require`, each `require` clause as written) and only as far
as it reads them. Aggregates show the filter of their first elements.

The subject is named by its id, its JSON pointer (`/groups/0`) or its position (`#0`).
Without `--subject`, a rule over a collection is explained for every subject it is
violated or undetermined on (the first `--limit`, default 10), or the command says that
there is none; a platform rule is always explained. `--format json` gives the same tree
as data (`lawcode.engine.explain`, also used by the playground). Exit 0 whatever the
outcome; 2 for an unknown rule or subject (with a did-you-mean).

""")
    add(run(f"lawcode explain group-member-cap {MINI} --snapshot {SNAP}"))
    add(run(f"lawcode explain verified-before-posting {MINI} -s {SNAP} --subject u3"))
    add(run(f"lawcode explain log-retention {MINI} -s {SNAP}"))
    add(run(f"lawcode explain group-member-cap {MINI} -s {SNAP} --subject /groups/1 --format json", max_lines=40))
    add(run(f"lawcode explain self-inspection {CAC} -s {CAC_SNAP}"))
    add(run(f"lawcode explain group-member-cap {MINI} -s {SNAP} --subject g11"))

    add("""
## lawcode test

Runs rule tests (`*.test.yaml`): each case's snapshot and exact expected violations
(docs/testing.md).

""")
    add(run(f"lawcode test {CAC}", max_lines=20))

    add("""
## lawcode coverage

Shows, per document, which articles are checked by data or attestation rules, which
are not applicable, and which are not encoded.

""")
    add(run(f"lawcode coverage {CAC}", max_lines=30))

    add("""
## lawcode history

Timelines of violations over dated snapshots (checked with `--rules`, each evaluated
once with `--cache FILE`) or over saved JSON reports: when each rule and subject opened,
resolved and reopened, the days to resolve, what is open now and since when, per document
and article; `-f json` and `-f html` too (docs/compliance-cycle.md).

""")
    add(run("lawcode history tests/data/cycle/deadlines/day1.json tests/data/cycle/deadlines/day2.json tests/data/cycle/deadlines/day3.json --rules tests/data/cycle/deadlines/deadlines.law", max_lines=40))

    add("""
## lawcode export

`lawcode export catalog` writes the regulations the rulesets cite as one OSCAL 1.2.1
catalog: a group per document, a control per article, paragraphs and items as statement
parts, rules as assessment methods, parameters with their defaults (docs/oscal.md).
`--document KEY` keeps only some documents; `-o FILE` writes a file (never an input).

""")
    add(run(f"lawcode export catalog {MINI}", max_lines=40))
    add(run(f"lawcode export catalog {CAC} --document groups-2071"))

    add("""
## lawcode playground

Serves the web playground (docs/playground.md).

""")
    add(run("lawcode playground --help"))

    add("""
## lawcode lsp

The language server, for editors (docs/editors.md): started by the editor, it speaks the
Language Server Protocol over stdin and stdout. Diagnostics as you type (those of `lint`),
hover on citations, fields and names, go to definition, references, the outline,
completion, formatting (`fmt`) and quick fixes for did-you-mean hints.

""")
    add(run("lawcode lsp --help"))

    add("""
## lawcode snapshot

Converts a snapshot between its input forms (one JSON file; a folder of JSON Lines files,
one per collection; a folder of Parquet files), validating it against the ruleset's schema
on the way. `lawcode check --backend duckdb` reads the columnar forms directly. The output
is written whole or not at all: a folder is built beside its destination and renamed into
place when complete, with a manifest that `check` verifies (docs/snapshot.md); an output
that already exists is refused unless `--force`.

""")
    add(run("lawcode snapshot convert rulesets/cac/examples/compliant.json /tmp/lawcode-cli-doc-parquet --to parquet --ruleset rulesets/cac"))
    add(run("lawcode check rulesets/cac --snapshot /tmp/lawcode-cli-doc-parquet --backend duckdb --format json --output /tmp/lawcode-cli-doc.json"))

    add("""
## lawcode schema

`lawcode schema infer SAMPLE...` drafts a snapshot JSON Schema from sample snapshots (JSON
files, or folders of JSON Lines or Parquet files): types; `date`, `date-time` and `duration`
formats where every string parses as one; small sets of repeated strings as an `enum`;
`required` where every sampled object has the field; `[T, "null"]` where null appears. It
prints the draft, or writes it with `-o FILE` (never over an existing file without
`--force`). Review it: it only knows the samples (docs/snapshot.md).

""")
    add(run("lawcode schema infer tests/data/schema_infer/day1.json tests/data/schema_infer/day2.json", max_lines=30))

    add("""
## Shell completion

Completion comes from click. Add one line to your shell's startup file:

| shell | line |
|---|---|
| bash (`~/.bashrc`) | `eval "$(_LAWCODE_COMPLETE=bash_source lawcode)"` |
| zsh (`~/.zshrc`) | `eval "$(_LAWCODE_COMPLETE=zsh_source lawcode)"` |
| fish (`~/.config/fish/completions/lawcode.fish`) | `_LAWCODE_COMPLETE=fish_source lawcode \\| source` |

Commands, options and file paths complete; so do rule ids after `graph … --rule` (from
the rulesets named earlier on the line) and for `explain RULE` (the bundled CAC rules,
since the rule comes before the paths), and subject ids after `explain … --subject`
(from the snapshot named with `-s`). What bash is offered, through click's protocol:

""")
    add(run(f"env COMP_WORDS='lawcode explain group-member-cap {MINI} -s {SNAP} --subject ' COMP_CWORD=7 _LAWCODE_COMPLETE=bash_complete lawcode"))
    return "".join(parts)


def written() -> str:
    """The page, its examples run in a private folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="lawcode-cli-doc-") as folder:
        SCRATCH.append(Path(folder).resolve())
        try:
            return page()
        finally:
            SCRATCH.pop()


def normalised(text: str) -> str:
    """The page without what changes from run to run (how long a command took)."""
    return TIMING.sub("in … s", text)


def stale(current: str, fresh: str) -> list[str]:
    """A unified diff of the page as it is against the page as written now, timings aside."""
    return list(difflib.unified_diff(normalised(current).splitlines(), normalised(fresh).splitlines(), "docs/cli.md", "docs/generate_cli.py", lineterm=""))


def main() -> None:
    target = ROOT / "docs" / "cli.md"
    fresh = written()
    if "--check" in sys.argv[1:]:
        diff = stale(target.read_text(encoding="utf-8"), fresh)
        print("\n".join(diff) or "docs/cli.md is up to date")
        sys.exit(1 if diff else 0)
    target.write_text(fresh, encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

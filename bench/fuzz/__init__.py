"""Fuzzing lawcode: `python -m bench.fuzz [--target NAME] [--inputs N] [--seed S] [--seconds T] [--crashes DIR]`.

Every target is a function of bytes that asserts lawcode's contract with its users:
whatever the input, the only exception is `LawcodeError` (a user's mistake, with its
diagnostics), and the HTTP API never answers 5xx nor a body outside its OpenAPI
document. The targets (`targets.py`):

| target | input | through |
|---|---|---|
| `lint` | ruleset text | `lawcode.api.load_ruleset(text)` as `lawcode lint` uses it: diagnostics rendered as text and JSON, warnings rendered, the text formatted |
| `python` | snapshot JSON bytes | the mini ruleset's `load_snapshot`, `evaluate`, every report format |
| `duckdb` | snapshot JSON bytes | the DuckDB backend's loader and evaluation (one connection for the whole run) |
| `jsonl` | a JSON Lines snapshot folder (a JSON object: file name → text) | the DuckDB backend's JSON Lines loader and evaluation |
| `http` | a request (a JSON object: method, path, headers, body) | the playground's Starlette app in process, its jobs run inline rather than in worker processes; every answer below 500 and, for the API, fitting the OpenAPI document |

Inputs are mutations of valid seeds, structure-aware rather than random bytes
(`mutate.py`): ruleset tokens are replaced, repeated and spliced with the grammar's own
keywords, seeded with the mini and CAC rulesets and with rulesets drawn from the
hypothesis strategies of tests/dsl (printed untidily by `Messy`); snapshots are mutated
as JSON trees (values of the wrong type, extreme numbers and dates, deep nesting,
duplicated elements and keys) before a few byte-level edits. An input whose outcome (the
set of diagnostic codes, or the status) is new joins the corpus: a cheap stand-in for
coverage feedback (atheris would need clang to build on Python 3.11). Reproducers kept
in tests/bad_inputs/fuzz/ (`<target>--*`) are seeds too.

A crash is told apart by its exception type and its innermost lawcode frame; the first
input of each is minimised (lines, then characters, while it still crashes the same
way) and written to `--crashes DIR`, its traceback beside it (`campaign.py`). Exit 1 if
any target crashed. Spark is not a target: its JVM makes an input cost seconds.
"""

"""What `--backend auto` expects each backend to take, and so which it picks.

The python backend reads the whole JSON, validates it with jsonschema and decides each rule
for each subject: its time grows with the snapshot's bytes, and its evaluation with the
bytes times the size of the rules (subjects grow with the bytes; each subject costs about
the rules' IR nodes). DuckDB pays a start-up (the process, the schema's tables, one query
per rule batch, so it grows with the rules' size too) and then reads and validates in
C++, much faster per byte. So python wins small snapshots and DuckDB large ones; where
they cross depends on the rules. The constants below are measured (`python -m bench.auto_cost`,
which prints them) on the machine and date written beside them; they are medians of
fresh processes, load and evaluation, compiling excluded (it is the same for both).

A columnar input (a folder of JSON Lines or Parquet) only DuckDB or Spark reads; an
in-memory snapshot (a dict, bytes) goes to python, which takes it without a file.
"""

from __future__ import annotations

from lawcode.compiler import ir
from lawcode.compiler.lower import children
from lawcode.compiler.program import Program

# Measured 2026-12-07 14:09 UTC by `python -m bench.auto_cost --runs 3` on the 2-core build VM,
# shared and loaded (load average 19.7: every time is several times what an idle machine
# takes, both backends alike), bench/five at 10k and 100k users (1.1 and 10.6 MB) and
# rulesets/cac (1,668 nodes) on its example snapshot. The fit, against the medians:
# python 1.7 / 19.0 s on five-10k / five-100k, duckdb 2.2 / 4.6 s; on the CAC example
# python 0.56 s, duckdb 15.1 s (its SQL for 1,668 nodes, generated and planned).
PYTHON_LOAD_PER_BYTE = 1.54e-6  # s/byte: orjson + jsonschema validation + id checks
PYTHON_EVAL_PER_BYTE_NODE = 8.09e-9  # s/(byte × IR node of the rules): the compiled evaluator
DUCKDB_START = 1.60  # s: the connection, the schema's tables
DUCKDB_PER_NODE = 8.07e-3  # s per IR node of the rules: generating and planning their SQL
DUCKDB_PER_BYTE = 2.49e-7  # s/byte: read_json, validation in SQL, the queries
TYPICAL_RULE_SIZE = 1668  # IR nodes of rulesets/cac: assumed when the caller has no program


def rule_size(program: Program) -> int:
    """The IR nodes a subject's decisions walk: every rule's parts and the definitions they
    call (each definition once: the compiled evaluator memoises repeated calls)."""
    seen: set[str] = set()
    stack: list[ir.Expr] = [p for rule in program.rules for p in (rule.where, rule.unless, rule.require) if p is not None]
    count = 0
    while stack:
        node = stack.pop()
        count += 1
        if isinstance(node, ir.DefCall) and node.name not in seen:
            seen.add(node.name)
            stack.append(program.definitions[node.name].body)
        stack.extend(children(node))
    return count


def expected_seconds(backend: str, size: int, nodes: int) -> float:
    """The model's time for `backend` on a JSON snapshot of `size` bytes and rules of `nodes` IR nodes."""
    if backend == "python":
        return size * (PYTHON_LOAD_PER_BYTE + PYTHON_EVAL_PER_BYTE_NODE * nodes)
    if backend == "duckdb":
        return DUCKDB_START + DUCKDB_PER_NODE * nodes + DUCKDB_PER_BYTE * size
    raise ValueError(f"no cost model for backend {backend!r}")


def cheaper(size: int, nodes: int) -> str:
    """python or duckdb, whichever the model expects to be faster on this JSON."""
    return "python" if expected_seconds("python", size, nodes) <= expected_seconds("duckdb", size, nodes) else "duckdb"

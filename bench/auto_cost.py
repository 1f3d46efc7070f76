"""Measure the constants of `--backend auto`'s cost model (engine/sql/cost.py) and print them.

    python -m bench.auto_cost [--runs 3]

Runs bench/one.py (fresh processes, so start-up counts as a user sees it) for the python
and duckdb backends, interleaved, on the five-rule snapshots at 10k and 100k users and on
the CAC rulesets' example snapshot, and fits:

- python: load seconds per byte; evaluation seconds per (byte × IR node of the rules);
- duckdb: a start-up, a cost per IR node (its SQL generated and planned) and a cost per byte
  (from the two five-rule sizes).

Load and evaluation are timed, compiling the ruleset is not (it is the same for both).
Paste the printed lines into engine/sql/cost.py with the date and machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"


def run(engine: str, ruleset: Path, snapshot: Path) -> tuple[float, float, float]:
    """(load + eval, load, eval) seconds of one fresh process."""
    out = subprocess.run([sys.executable, str(HERE / "one.py"), engine, str(ruleset), str(snapshot)], cwd=ROOT, check=True, capture_output=True)
    found = orjson.loads(out.stdout.splitlines()[-1])
    return float(found["load"]) + float(found["eval"]), float(found["load"]), float(found["eval"])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.auto_cost", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE / "five"))
    import generate

    from lawcode.api import load_ruleset
    from lawcode.engine.sql.cost import rule_size

    five, cac = HERE / "five", ROOT / "rulesets" / "cac"
    nodes = {five: rule_size(load_ruleset(five).program), cac: rule_size(load_ruleset(cac).program)}
    DATA.mkdir(exist_ok=True)
    cases = []
    for users in (10_000, 100_000):
        path = DATA / f"five-{users}.json"
        if not path.exists():
            generate.write(path, users)
        cases.append((five, path))
    cases.append((cac, cac / "examples" / "violations.json"))
    times: dict[tuple[str, Path], list[tuple[float, float, float]]] = {}
    for _ in range(args.runs):  # interleaved: a change in the machine's load hits every case alike
        for ruleset, path in cases:
            for engine in ("python", "duckdb"):
                times.setdefault((engine, path), []).append(run(engine, ruleset, path))

    def median(engine: str, path: Path, part: int) -> float:
        return statistics.median(t[part] for t in times[(engine, path)])

    small, large, example = (c[1] for c in cases)
    size = {p: p.stat().st_size for p in (small, large, example)}
    load_per_byte = median("python", large, 1) / size[large]
    eval_per = median("python", large, 2) / (size[large] * nodes[five])
    per_byte = (median("duckdb", large, 0) - median("duckdb", small, 0)) / (size[large] - size[small])
    fixed_five = median("duckdb", small, 0) - per_byte * size[small]
    fixed_cac = median("duckdb", example, 0) - per_byte * size[example]
    per_node = max((fixed_cac - fixed_five) / (nodes[cac] - nodes[five]), 0.0)
    start = max(fixed_five - per_node * nodes[five], 0.0)
    print(f"# rule sizes: five {nodes[five]} nodes, cac {nodes[cac]} nodes; snapshots {', '.join(f'{p.name} {size[p]:,} B' for p in size)}")
    for (engine, path), found in times.items():
        print(f"# {engine:7s} {path.name:22s} load+eval {statistics.median(t[0] for t in found):.3f} s (runs {', '.join(f'{t[0]:.2f}' for t in found)})")
    print(f"# measured on {platform.node()} ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}), median of {args.runs}")
    print(f"PYTHON_LOAD_PER_BYTE = {load_per_byte:.2e}")
    print(f"PYTHON_EVAL_PER_BYTE_NODE = {eval_per:.2e}")
    print(f"DUCKDB_START = {start:.2f}")
    print(f"DUCKDB_PER_NODE = {per_node:.2e}")
    print(f"DUCKDB_PER_BYTE = {per_byte:.2e}")


if __name__ == "__main__":
    main()

"""Where the time of one duckdb evaluation goes: per statement, planning vs execution.

    python bench/profile_cac.py SNAPSHOT [--ruleset rulesets/cac] [--top 15] [--cprofile OUT]

Runs `lawcode.engine.sql.evaluate` once with DuckDB's detailed profiling on every
statement the backend sends (loading, schema checks, rule queries, lazy fetches) and
prints a table: per statement its wall time, DuckDB's own planning time (binding,
optimizer, physical planning) and execution time, rows returned, and the operators that
took longest. The phases (compile, load, plan, queries, report) are summed at the end.
Profiling costs a little; the harness (`bench/one.py`) gives the clean figures.
`--cprofile OUT` also writes a cProfile of the Python side.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _operators(node: dict[str, Any], out: list[tuple[float, str, int]]) -> None:
    for child in node.get("children", []):
        info = child.get("extra_info", {})
        label = child.get("type", "?")
        for key in ("Table", "Function", "Join Type", "Groups", "Conditions"):
            if key in info:
                text = str(info[key]).replace("\n", " ")
                label += f" {text[:40]}"
                break
        out.append((float(child.get("timing", 0.0)), label, int(child.get("intermediate_rows", 0))))
        _operators(child, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot")
    parser.add_argument("--ruleset", default=str(ROOT / "rulesets" / "cac"))
    parser.add_argument("--top", type=int, default=15, help="statements to list")
    parser.add_argument("--cprofile", help="write a cProfile of the whole run here")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--verbose", action="store_true", help="print each statement as it finishes (on stderr)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    import lawcode
    from lawcode.engine.sql import evaluate
    from lawcode.engine.sql.duckdb_backend import DuckDBBackend

    rules = lawcode.load_ruleset(args.ruleset)
    compiled = time.perf_counter() - t0
    backend = DuckDBBackend(threads=args.threads)
    out = Path(tempfile.mkdtemp(prefix="lawcode-profile-")) / "p.json"
    backend.con.execute("SET enable_profiling = 'json'")
    backend.con.execute("SET profiling_mode = 'detailed'")
    backend.con.execute(f"SET profiling_output = '{out}'")
    records: list[dict[str, Any]] = []
    raw_execute = backend.con.execute

    class Spy:
        """Wraps the connection: times each statement and keeps DuckDB's profile of it."""

        def __getattr__(self, name: str) -> Any:
            return getattr(backend_con, name)

        def execute(self, sql: str, *rest: Any) -> Any:
            start = time.perf_counter()
            result = raw_execute(sql, *rest)
            rows = None
            if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                rows = result.fetchall()
            wall = time.perf_counter() - start
            try:
                prof = json.loads(out.read_text())
            except (OSError, ValueError):
                prof = {}
            planning = sum(float(prof.get(k, {}).get("total_time", 0.0)) for k in ("planner", "optimizer", "physical_planner"))
            ops: list[tuple[float, str, int]] = []
            for node in prof.get("operator", []) if isinstance(prof.get("operator"), list) else []:
                _operators({"children": [node]}, ops)
            ops.sort(reverse=True)
            records.append({"sql": sql, "wall": wall, "planning": planning, "exec": float(prof.get("query", {}).get("total_time", 0.0)) - planning, "rows": len(rows) if rows is not None else None, "ops": ops[:4], "phase": phase[0]})
            if args.verbose:
                print(f"{len(records) - 1:4d} {phase[0]:5s} {wall:7.2f} s  {' '.join(sql.split())[:100]}", file=sys.stderr, flush=True)
            return _Rows(rows) if rows is not None else result

    backend_con = backend.con
    backend.con = Spy()  # type: ignore[assignment]
    phase = ["load"]
    timings: dict[str, float] = {}
    profiler = cProfile.Profile() if args.cprofile else None
    import lawcode.engine.sql as sqlmod

    original_plan = sqlmod.plan

    def timed_plan(*a: Any, **k: Any) -> Any:
        start = time.perf_counter()
        phase[0] = "plan"
        found = original_plan(*a, **k)
        timings["plan"] = time.perf_counter() - start
        phase[0] = "query"
        return found

    sqlmod.plan = timed_plan  # type: ignore[assignment]
    if profiler:
        profiler.enable()
    start = time.perf_counter()
    report = evaluate(rules.program, args.snapshot, backend="duckdb", engine=backend, timings=timings)  # type: ignore[arg-type]
    total = time.perf_counter() - start
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.cprofile)
    backend.con = backend_con
    backend.close()

    by_phase: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_phase.setdefault(r["phase"], []).append(r)
    print(f"snapshot {args.snapshot}: {len(report.violations)} violations, {len(report.undetermined)} undetermined")
    print(f"compile {compiled:.2f} s; evaluate {total:.2f} s = load {timings['load']:.2f} + eval {timings['eval']:.2f} (generating SQL {timings.get('plan', 0):.2f})")
    print("\n| phase | statements | wall s | DuckDB planning s | DuckDB execution s |")
    print("|---|---:|---:|---:|---:|")
    for name, rs in by_phase.items():
        print(f"| {name} | {len(rs)} | {sum(r['wall'] for r in rs):.2f} | {sum(r['planning'] for r in rs):.2f} | {sum(r['exec'] for r in rs):.2f} |")
    queried = sum(r["wall"] for r in by_phase.get("query", []))
    print(f"\nreport building (eval minus generating SQL minus its statements): {timings['eval'] - timings.get('plan', 0) - queried:.2f} s")
    print(f"\n## top {args.top} statements by wall time")
    print("| # | phase | wall s | planning s | exec s | rows | top operators (s, rows) | SQL |")
    print("|---:|---|---:|---:|---:|---:|---|---|")
    ranked = sorted(enumerate(records), key=lambda x: -x[1]["wall"])[: args.top]
    for i, r in ranked:
        ops = "; ".join(f"{label} {t:.2f} ({n:,})" for t, label, n in r["ops"])
        sql = " ".join(r["sql"].split())[:90]
        print(f"| {i} | {r['phase']} | {r['wall']:.2f} | {r['planning']:.2f} | {r['exec']:.2f} | {r['rows'] if r['rows'] is not None else ''} | {ops} | `{sql}` |")


class _Rows:
    """A fetched result, standing in for the cursor the backend would have read."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows = rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def fetchmany(self, n: int) -> list[tuple[Any, ...]]:
        head, self._rows = self._rows[:n], self._rows[n:]
        return head


if __name__ == "__main__":
    sys.exit(main())

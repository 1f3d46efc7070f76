"""The benchmark: `python -m bench [--quick] [--runs 3] [--sizes …]` (never part of the tests).

Two tables, each row the median of `--runs` runs in fresh processes (peak RSS is each
process's own VmHWM; end to end is the wall time of the whole process, imports included):

1. five rules (bench/five: log retention, member cap, groups founded per person,
   verified before posting, sanction step) on seeded slim CAC-shaped snapshots:
   lawcode python/duckdb from JSON, duckdb from JSON Lines and Parquet, OPA (the Go engine, same rules in
   Rego), and the same rules hand-written in Python on the JSON (bench/five/hand.py) and in
   DuckDB SQL on the Parquet files. Every
   engine's violations are compared (a digest of the sorted (rule, subject) pairs).
2. the full CAC rulesets on the CAC example scaled to N users (bench/cac_scale.py: whole
   copies with ids, references and unique fields renumbered, ~1 % of them violating), per
   backend and input form.

Data goes to bench/data/ (git-ignored) and is reused when present.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"


def measure(engine: str, ruleset: str, snapshot: str, runs: int) -> dict[str, object]:
    results = []
    for _ in range(runs):
        start = time.perf_counter()
        # stderr goes to a file, shown only when the run fails: Spark's JVM logs its start-up there.
        with tempfile.TemporaryFile() as errors:
            proc = subprocess.Popen([sys.executable, str(HERE / "one.py"), engine, ruleset, snapshot], stdout=subprocess.PIPE, stderr=errors, cwd=ROOT)
            assert proc.stdout is not None
            out = proc.stdout.read()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            if status != 0:
                errors.seek(0)
                sys.stderr.write(errors.read().decode("utf-8", "replace")[-4000:])
                return {"error": f"exit {status}"}
        found = orjson.loads(out.splitlines()[-1])
        found["wall"] = wall
        # The process's own CPU, steadier than wall time on a loaded machine: as one.py
        # counts it (without the child that reads the report back), else as `wait4` does.
        found.setdefault("cpu", usage.ru_utime + usage.ru_stime)
        results.append(found)
    keys = ("total", "load", "eval", "wall", "cpu", "rss_mb", "compile")
    row = {k: statistics.median(float(r[k]) for r in results) for k in keys}
    row.update({k: results[0][k] for k in ("violations", "digest", "undetermined")})
    return row


def measure_interleaved(plan: list[tuple[str, Path]], ruleset: str, runs: int) -> list[dict[str, object]]:
    """Each row of `plan` measured `runs` times, taking turns (row 1, row 2, …, row 1, …), so
    that a load that comes and goes on the machine weighs on every row alike."""
    results: list[list[dict[str, object]]] = [[] for _ in plan]
    for _ in range(runs):
        for i, (engine, path) in enumerate(plan):
            if results[i] and "error" in results[i][-1]:
                continue
            results[i].append(measure(engine, ruleset, str(path), 1))
    rows = []
    for found in results:
        if "error" in found[-1]:
            rows.append(found[-1])
            continue
        row = {k: statistics.median(float(r[k]) for r in found) for k in ("total", "load", "eval", "wall", "cpu", "rss_mb", "compile")}
        row.update({k: found[0][k] for k in ("violations", "digest", "undetermined")})
        rows.append(row)
    return rows


def size_mb(path: Path) -> float:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir()) / 1e6
    return path.stat().st_size / 1e6


def wanted(plan: list[tuple[str, Path]], only: set[str] | None) -> list[tuple[str, Path]]:
    """The rows of `plan` named in `only` (`engine:input`, e.g. `duckdb:parquet`; None: all)."""
    return [(engine, path) for engine, path in plan if only is None or f"{engine}:{path.suffix[1:]}" in only]


def five(sizes: list[int], runs: int, opa_max: int, rates: tuple[float, ...] = (0.01, 0.05), only: set[str] | None = None) -> None:
    sys.path.insert(0, str(HERE / "five"))
    import generate

    from lawcode.api import load_ruleset
    from lawcode.engine.sql.convert import convert

    schema = load_ruleset(HERE / "five").program.schema
    print("\n## Five rules (bench/five), median of", runs, "interleaved runs")
    print("| users | violating | engine | input | MB | end to end s | CPU s | load s | eval s | peak RSS MB | violations | same |")
    print("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for n, rate in ((n, rate) for n in sizes for rate in rates):
        stem = f"five-{n}" if rate == 0.01 else f"five-{n}-{round(rate * 100)}pct"  # the 1 % files keep their names
        json_path = DATA / f"{stem}.json"
        parquet = DATA / f"{stem}.parquet"
        DATA.mkdir(exist_ok=True)
        if not json_path.exists():
            generate.write(json_path, n, rate=rate)
        if not parquet.exists():
            convert(str(json_path), schema, "parquet", str(parquet))
        jsonl = DATA / f"{stem}.jsonl"
        if not jsonl.exists():
            convert(str(json_path), schema, "jsonl", str(jsonl))
        plan = [("python", json_path), ("python-hand", json_path), ("duckdb", json_path), ("duckdb", jsonl), ("duckdb", parquet), ("duckdb-bare", parquet)]
        if n <= opa_max:
            plan.append(("opa", json_path))
        plan = wanted(plan, only)
        reference = None
        for (engine, path), row in zip(plan, measure_interleaved(plan, "bench/five", runs), strict=True):
            share = f"{rate:.0%}"
            if "error" in row:
                print(f"| {n:,} | {share} | {engine} | {path.suffix[1:]} | | {row['error']} | | | | | | |")
                continue
            reference = reference or row["digest"]
            same = "yes" if row["digest"] == reference else "NO"
            print(f"| {n:,} | {share} | {engine} | {path.suffix[1:]} | {size_mb(path):.0f} | {row['wall']:.2f} | {row['cpu']:.2f} | {row['load']:.2f} | {row['eval']:.2f} | {row['rss_mb']:.0f} | {row['violations']:,} | {same} |", flush=True)


def cac(sizes: list[int], parquet_only: list[int], runs: int, spark_max: int, python_max: int, only: set[str] | None = None) -> None:
    import cac_scale

    from lawcode.api import load_ruleset
    from lawcode.engine.sql.convert import convert

    schema = load_ruleset(ROOT / "rulesets" / "cac").program.schema
    print("\n## Full CAC rulesets, median of", runs)
    print("| users | backend | input | MB | end to end s | CPU s | compile s | load s | eval s | peak RSS MB | violations | same |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for n in sorted(set(sizes) | set(parquet_only)):
        parquet = DATA / f"cac-{n}.parquet"
        json_path = DATA / f"cac-{n}.json"
        DATA.mkdir(exist_ok=True)
        if not parquet.exists():
            cac_scale.build(n, parquet)
        jsonl = DATA / f"cac-{n}.jsonl"
        plan = [("duckdb", parquet)]
        if n in sizes:  # every input form
            if not json_path.exists():
                convert(str(parquet), schema, "json", str(json_path))
            if not jsonl.exists():
                convert(str(parquet), schema, "jsonl", str(jsonl))
            plan = [("duckdb", json_path), ("duckdb", jsonl), ("duckdb", parquet)]
            if n <= python_max:
                plan.insert(0, ("python", json_path))
        if n <= spark_max:
            plan += [("spark", form) for form in ((json_path, jsonl, parquet) if n in sizes else (parquet,))]
        plan = wanted(plan, only)
        reference = None
        for engine, path in plan:
            row = measure(engine, "rulesets/cac", str(path), runs if engine != "spark" else 1)
            if "error" in row:
                print(f"| {n:,} | {engine} | {path.suffix[1:]} | | {row['error']} | | | | | | | |")
                continue
            reference = reference or row["digest"]
            same = "yes" if row["digest"] == reference else "NO"
            print(f"| {n:,} | {engine} | {path.suffix[1:]} | {size_mb(path):.0f} | {row['wall']:.2f} | {row['cpu']:.2f} | {row['compile']:.2f} | {row['load']:.2f} | {row['eval']:.2f} | {row['rss_mb']:.0f} | {row['violations']:,} | {same} |", flush=True)


_COMPILE_ONCE = """
import sys, time
from lawcode import load_ruleset  # `lawcode` is lazy: this imports the API, before the clock starts
start = time.perf_counter()
load_ruleset(sys.argv[1])
print(time.perf_counter() - start)
"""


def _compile_in_fresh_process(cache_dir: str) -> float:
    """`load_ruleset` timed inside a new interpreter (imports excluded), with the given parse cache."""
    env = {**os.environ, "LAWCODE_CACHE_DIR": cache_dir}
    out = subprocess.run([sys.executable, "-c", _COMPILE_ONCE, str(ROOT / "rulesets" / "cac")], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def compile_time(runs: int) -> None:
    """Compiling rulesets/cac three ways: cold (a fresh process, nothing cached on disk:
    the first run after a change), from the parse cache on disk (a fresh process, every
    later run), and again in the same process (a service or the playground)."""
    import lawcode

    runs = max(runs, 3)
    cold = [_compile_in_fresh_process("") for _ in range(runs)]
    with tempfile.TemporaryDirectory() as cache_dir:
        _compile_in_fresh_process(cache_dir)  # fills the cache
        warm = [_compile_in_fresh_process(cache_dir) for _ in range(runs)]
    lawcode.load_ruleset(ROOT / "rulesets" / "cac")
    again = []
    for _ in range(runs):
        start = time.perf_counter()
        lawcode.load_ruleset(ROOT / "rulesets" / "cac")
        again.append(time.perf_counter() - start)
    print(f"\n## Compiling rulesets/cac, median of {runs} (min-max), imports excluded")
    print("| how | ms |")
    print("|---|---|")
    for name, times in (("cold: fresh process, empty parse cache", cold), ("fresh process, parse cache on disk", warm), ("again in the same process", again)):
        print(f"| {name} | {statistics.median(times) * 1000:.0f} ({min(times) * 1000:.0f}-{max(times) * 1000:.0f}) |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--five", default="10000,100000,1000000", help="users for the five-rule table")
    parser.add_argument("--cac", default="10000,100000", help="users for the full-CAC table, JSON and Parquet")
    parser.add_argument("--cac-parquet", default="1000000,10000000", help="users for the full-CAC table, Parquet only")
    parser.add_argument("--opa-max", type=int, default=1_000_000)
    parser.add_argument("--rates", default="0.01,0.05", help="shares of violating subjects for the five-rule table (one dataset each)")
    parser.add_argument("--spark-max", type=int, default=10_000)
    parser.add_argument("--python-max", type=int, default=10_000, help="largest CAC snapshot for the python backend (the reference compares every sanction with its peers: minutes at 10k users)")
    parser.add_argument("--quick", action="store_true", help="10k users, one run: a smoke test of the harness")
    parser.add_argument("--only", help="rows to run, as engine:input (`duckdb:parquet,duckdb-bare:parquet`); leaves out the compile table")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))

    def ints(text: str) -> list[int]:
        return [int(x) for x in text.split(",") if x]

    if args.quick:
        args.runs, args.five, args.cac, args.cac_parquet = 1, "10000", "10000", ""
    only = set(args.only.split(",")) if args.only else None
    if only is None:
        compile_time(args.runs)
    five(ints(args.five), args.runs, args.opa_max, tuple(float(x) for x in args.rates.split(",") if x), only)
    cac(ints(args.cac), ints(args.cac_parquet), args.runs, args.spark_max, args.python_max, only)


if __name__ == "__main__":
    main()

"""One timed measurement, in its own process (so peak RSS is its own): prints a JSON line.

*total* is the wall time from before `import lawcode` to the report written (the hand loop:
from its import to its pairs); *total_cpu* the process's CPU time over the same span (the
steadier figure on a loaded machine); *cpu* the whole process's, start-up included.

    python bench/one.py ENGINE RULESET SNAPSHOT

ENGINE: python | duckdb | spark (lawcode backends), opa (five rules only), duckdb-bare
(the five rules hand-written in SQL on the Parquet files: the floor for DuckDB),
python-hand (the five rules hand-written in Python on the JSON: the floor for python).
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent


def digest(pairs: list[tuple[str, str]]) -> str:
    return hashlib.sha256(orjson.dumps(sorted(pairs))).hexdigest()[:16]


_DIGEST = """
import sys, orjson
sys.path.insert(0, sys.argv[2])
from one import digest
report = orjson.loads(open(sys.argv[1], "rb").read())
pairs = [(v["rule"], str(v["subject"]["id"]) if v["subject"] else "platform") for v in report["violations"]]
print(orjson.dumps({"violations": len(pairs), "digest": digest(pairs), "undetermined": len(report["undetermined"])}).decode())
"""


def lawcode_run(engine: str, ruleset: str, snapshot: str) -> dict[str, object]:
    """The report written as `lawcode check --format json` writes it (streamed, to a file):
    end to end includes the report. Its (rule, subject) pairs are read back off the clock,
    in another process (so this one's peak memory is the run's own)."""
    import subprocess
    import tempfile

    t0, c0 = time.perf_counter(), time.process_time()
    import lawcode
    from lawcode.engine import formats

    rules = lawcode.load_ruleset(ruleset)
    t1 = time.perf_counter()
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        if engine == "python":
            loaded = rules.load_snapshot(snapshot, max_bytes=1 << 34)
            t2 = time.perf_counter()
            for piece in formats.pieces("json", rules.evaluate(loaded).stream(), rules.program):
                out.write(piece)
            load = t2 - t1
        else:
            from lawcode.engine.sql import evaluating

            timings: dict[str, float] = {}
            with evaluating(rules.program, snapshot, backend=engine, rulesets=rules.paths, timings=timings) as stream:
                for piece in formats.pieces("json", stream, rules.program):
                    out.write(piece)
            load = timings["load"]
    t3, c3 = time.perf_counter(), time.process_time()
    cpu = own_cpu()  # before the digest's child process, which `wait4` would count as ours
    try:
        found = subprocess.run([sys.executable, "-c", _DIGEST, out.name, str(HERE)], check=True, capture_output=True)
    finally:
        Path(out.name).unlink()
    counted = orjson.loads(found.stdout.splitlines()[-1])
    return {"compile": t1 - t0, "load": load, "eval": t3 - t1 - load, "total": t3 - t0, "total_cpu": c3 - c0, "cpu": cpu, **counted}


def opa_run(snapshot: str) -> dict[str, object]:
    t0 = time.perf_counter()
    from opa_bindings import OpaEngine
    from opa_bindings.engine import _cstr

    engine = OpaEngine()
    engine.add_policy("bench", (HERE / "five" / "policy.rego").read_text())
    raw = Path(snapshot).read_bytes()
    t1 = time.perf_counter()
    with engine._eval_lock:  # the raw JSON goes to Go as is: OPA parses it, not Python
        engine._eval_reset()
        result = engine._eval_result(engine._call(engine._lib.OpaEvalQuery, _cstr("x := data.bench.violations"), raw, 0, 0))
    t2 = time.perf_counter()
    found = result[0]["bindings"]["x"]
    pairs = [(r, s) for r, s in found]
    return {"compile": 0.0, "load": t1 - t0, "eval": t2 - t1, "total": t2 - t0, "violations": len(pairs), "digest": digest(pairs), "undetermined": 0}


def hand_run(snapshot: str) -> dict[str, object]:
    """The five rules hand-written in Python over the JSON (bench/five/hand.py): the floor for `python`."""
    t0, c0 = time.perf_counter(), time.process_time()
    sys.path.insert(0, str(HERE / "five"))
    import hand

    data = hand.load(snapshot)
    t1 = time.perf_counter()
    pairs, undetermined = hand.check(data)
    t2, c2 = time.perf_counter(), time.process_time()
    return {"compile": 0.0, "load": t1 - t0, "eval": t2 - t1, "total": t2 - t0, "total_cpu": c2 - c0, "violations": len(pairs), "digest": digest(pairs), "undetermined": undetermined}


def bare_run(directory: str) -> dict[str, object]:
    """The five rules written by hand in DuckDB SQL over the Parquet files: the same
    (rule, subject) pairs as lawcode's violations, kept as a DuckDB table (the floor:
    the same decisions minus the report)."""
    t0 = time.perf_counter()
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    d = directory.rstrip("/")
    sql = f"""
    WITH users AS (SELECT * FROM read_parquet('{d}/users.parquet')),
         groups AS (SELECT * FROM read_parquet('{d}/groups.parquet')),
         sanctions AS (SELECT * FROM read_parquet('{d}/sanctions.parquet')),
         logs AS (SELECT * FROM read_parquet('{d}/logs.parquet')),
         founded AS (SELECT creator_id, count(*) AS n FROM groups GROUP BY creator_id)
    SELECT 'log-retention', 'platform' FROM logs HAVING CAST(min("at") AS DATE) > CAST(DATE '2024-06-15' - INTERVAL 6 MONTH AS DATE)
    UNION ALL SELECT 'member-cap', id FROM groups WHERE status = 'active' AND member_count > 500
    UNION ALL SELECT 'groups-founded', u.id FROM users u JOIN founded f ON f.creator_id = u.id WHERE f.n > 3
    UNION ALL SELECT 'verified-before-posting', id FROM users WHERE first_post_at IS NOT NULL AND (verified_at IS NULL OR verified_at > first_post_at)
    UNION ALL SELECT 'sanction-step', id FROM sanctions
      WHERE CASE measure WHEN 'warning_and_rectification' THEN 0 WHEN 'suspend_posting' THEN 1 ELSE 2 END
          < CASE WHEN prior_violations + 1 >= 5 THEN 2 WHEN prior_violations + 1 >= 3 THEN 1 ELSE 0 END
    """
    con.execute(f"CREATE TEMP TABLE pairs AS {sql}")  # the pairs as a table: no Python object per pair
    t1 = time.perf_counter()
    cpu = own_cpu()
    pairs = [(r, s) for r, s in con.execute("SELECT * FROM pairs").fetchall()]  # for the digest, off the clock
    return {"compile": 0.0, "load": 0.0, "eval": t1 - t0, "total": t1 - t0, "cpu": cpu, "violations": len(pairs), "digest": digest(pairs), "undetermined": 0}


def main() -> None:
    engine, ruleset, snapshot = sys.argv[1:4]
    if engine == "opa":
        result = opa_run(snapshot)
    elif engine == "duckdb-bare":
        result = bare_run(snapshot)
    elif engine == "python-hand":
        result = hand_run(snapshot)
    else:
        result = lawcode_run(engine, ruleset, snapshot)
    result["rss_mb"] = peak_rss_mb()
    result.setdefault("cpu", own_cpu())
    print(orjson.dumps(result).decode())


def own_cpu() -> float:
    """This process's user + system CPU seconds, every thread, no child process."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM is per address space: not inherited through fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    main()

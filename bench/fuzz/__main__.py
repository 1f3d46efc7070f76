"""`python -m bench.fuzz`: run the fuzz targets and report crashes (see bench/fuzz/__init__.py)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench.fuzz.campaign import campaign
from bench.fuzz.targets import TARGETS

DEFAULT_INPUTS = 100_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description="Fuzz lawcode's inputs; exit 1 if any target crashed.")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS), help="a target to run (repeatable; default: all)")
    parser.add_argument("--inputs", type=int, default=DEFAULT_INPUTS, help=f"inputs per target (default {DEFAULT_INPUTS:,})")
    parser.add_argument("--seed", type=int, default=0, help="the random seed (runs are reproducible)")
    parser.add_argument("--seconds", type=float, default=None, help="stop each target after this many seconds")
    parser.add_argument("--timeout", type=float, default=10.0, help="an input running longer is a crash (`Slow`)")
    parser.add_argument("--crashes", type=Path, default=None, help="write each crash's minimised input and traceback here")
    args = parser.parse_args(argv)
    # Parsed imports go to a cache of the run's own, never the user's ~/.cache/lawcode.
    os.environ.setdefault("LAWCODE_CACHE_DIR", tempfile.mkdtemp(prefix="lawcode-fuzz-cache-"))

    def say(line: str) -> None:
        print(line, flush=True)

    total = 0
    print(f"{'target':<8} {'inputs':>9} {'crashes':>8} {'inputs/s':>9} {'seconds':>8} {'outcomes':>9}")
    for name in args.target or list(TARGETS):
        result = campaign(TARGETS[name], args.inputs, args.seed, args.seconds, args.timeout, args.crashes, say)
        total += len(result.crashes)
        print(f"{name:<8} {result.inputs:>9,} {len(result.crashes):>8} {result.rate:>9.0f} {result.seconds:>8.1f} {result.outcomes:>9}", flush=True)
        for crash in result.crashes.values():
            hits = result.hits[crash.key]
            print(f"    {crash.kind} at {crash.where} ({hits} input{'s' if hits != 1 else ''}, reproducer {len(crash.data)} bytes): {crash.message[:200]}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())

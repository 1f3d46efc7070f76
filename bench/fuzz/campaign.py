"""One fuzz campaign per target: run N inputs, tell crashes apart, minimise and keep them.

A crash is any exception out of a target's run (they catch `LawcodeError` themselves),
`Broken` (a contract broken without an exception) or `Slow` (past the time limit). Two
crashes are the same when their exception type and innermost lawcode frame are; the
first input of each is minimised and kept.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import random
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.fuzz.mutate import get, json_paths
from bench.fuzz.targets import ROOT, Broken, Run, Slow, Target, reproducers

PRODUCT_DIRS = tuple(str(ROOT / d) + os.sep for d in ("dsl", "compiler", "engine", "src", "playground"))
CORPUS_LIMIT = 400
MINIMISE_SECONDS = 20.0


@dataclass(frozen=True, slots=True)
class Crash:
    """A distinct way a target broke its contract, with the (minimised) input that shows it."""

    target: str
    kind: str  # the exception's type, `Broken` or `Slow`
    where: str  # the innermost lawcode frame: file:line in function
    message: str
    trace: str
    data: bytes

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.where)

    def file_name(self, ext: str) -> str:
        digest = hashlib.sha1(f"{self.kind} {self.where}".encode()).hexdigest()[:10]
        return f"{self.target}--{self.kind.lower()}-{digest}{ext}"


@dataclass(slots=True)
class Result:
    target: str
    inputs: int = 0
    seconds: float = 0.0
    crashes: dict[tuple[str, str], Crash] = field(default_factory=dict)
    hits: dict[tuple[str, str], int] = field(default_factory=dict)  # inputs per distinct crash
    outcomes: int = 0  # distinct outcome signatures seen

    @property
    def rate(self) -> float:
        return self.inputs / self.seconds if self.seconds else 0.0


def _alarm(signum: int, frame: object) -> None:
    raise Slow("past the per-input time limit")


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise `Slow` in this (main) thread after `seconds`; no limit off the main thread or at 0."""
    if seconds <= 0 or sys.platform == "win32":
        yield
        return
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def where(exc: BaseException) -> str:
    """The innermost frame in lawcode's own code (else the innermost at all), as `file in function`.

    No line number: the same defect stays one crash while the code around it is edited.
    A RecursionError is placed by file alone, as where it overflows depends on the stack
    the run started from.
    """
    if isinstance(exc, Broken):
        return exc.where
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f.filename.startswith(PRODUCT_DIRS)]
    if not (ours or frames):
        return "?"
    frame = (ours or frames)[-1]
    name = os.path.relpath(frame.filename, ROOT) if frame.filename.startswith(str(ROOT)) else Path(frame.filename).name
    return name if isinstance(exc, RecursionError) else f"{name} in {frame.name}"


def line_of(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f.filename.startswith(PRODUCT_DIRS)] or frames
    return f"line {ours[-1].lineno}: " if ours else ""


def attempt(run: Run, data: bytes, timeout: float) -> tuple[str | None, BaseException | None]:
    """One input: its outcome signature, or the exception that broke the contract."""
    try:
        with deadline(timeout):
            return run(data), None
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        return None, exc


def crash_of(target: str, data: bytes, exc: BaseException) -> Crash:
    kind = type(exc).__name__
    message = (line_of(exc) + str(exc).replace("\n", " "))[:300]
    trace = "".join(traceback.format_exception(exc))[-6000:]
    return Crash(target, kind, where(exc), message, trace, data)


def minimise(run: Run, crash: Crash, timeout: float, seconds: float = MINIMISE_SECONDS) -> Crash:
    """Delta debugging on lines, then on characters: the smallest input that still crashes the same way."""
    stop = time.monotonic() + seconds
    best = crash

    def same(candidate: bytes) -> Crash | None:
        _, exc = attempt(run, candidate, timeout)
        if exc is None:
            return None
        found = crash_of(crash.target, candidate, exc)
        return found if found.key == crash.key else None

    with contextlib.suppress(RecursionError):  # nested too deep for Python's json: lines and characters only
        best = _shrink_json(best, same, stop)
    for unit in (b"\n", b""):
        pieces = best.data.split(b"\n") if unit else [bytes([c]) for c in best.data]
        if len(pieces) > 20_000:
            continue
        chunk = max(1, len(pieces) // 2)
        while chunk >= 1 and time.monotonic() < stop:
            i, shrunk = 0, False
            while i < len(pieces) and time.monotonic() < stop:
                candidate = pieces[:i] + pieces[i + chunk :]
                found = same(unit.join(candidate)) if candidate else None
                if found is not None:
                    pieces, best, shrunk = candidate, found, True
                else:
                    i += chunk
            if not shrunk:
                chunk //= 2
    return best


def _shrink_json(crash: Crash, same: Callable[[bytes], Crash | None], stop: float) -> Crash:
    """A JSON input shrunk as a tree: members and elements dropped, shallow ones first, while it crashes the same way."""
    try:
        document = json.loads(crash.data)
    except (ValueError, RecursionError):
        return crash
    best, progress = crash, True
    while progress and time.monotonic() < stop:
        progress = False
        for path in sorted(json_paths(document), key=len):
            if not path or time.monotonic() > stop:
                continue
            candidate = copy.deepcopy(document)
            parent = get(candidate, path[:-1])
            if isinstance(parent, dict | list) and path[-1] in (parent if isinstance(parent, dict) else range(len(parent))):
                del parent[path[-1]]
            else:
                continue
            found = same(json.dumps(candidate, ensure_ascii=False).encode("utf-8", "surrogatepass"))
            if found is not None:
                document, best, progress = candidate, found, True
                break
    return best


def campaign(
    target: Target,
    inputs: int,
    seed: int = 0,
    seconds: float | None = None,
    timeout: float = 10.0,
    crashes: Path | None = None,
    report: Callable[[str], None] | None = None,
    minimise_seconds: float = MINIMISE_SECONDS,
    replay: bool = True,
) -> Result:
    """Run `inputs` inputs (seeds first, then mutations of the corpus), or until `seconds` pass.

    `replay`: the kept reproducers are seeds too (a campaign then starts by checking them).
    """
    rng = random.Random(f"{seed}:{target.name}")
    corpus = target.seeds() + (reproducers(target.name) if replay else [])
    seen: set[str] = set()
    result = Result(target.name)
    started = time.perf_counter()
    with target.open() as run:
        for n in range(inputs):
            if seconds is not None and time.perf_counter() - started > seconds:
                break
            data = corpus[n] if n < len(corpus) else target.mutate(rng, rng.choice(corpus), corpus)
            outcome, exc = attempt(run, data, timeout)
            result.inputs += 1
            if exc is not None:
                key = (type(exc).__name__, where(exc))  # the traceback's text only for a new crash: deep ones are long
                result.hits[key] = result.hits.get(key, 0) + 1
                if key not in result.crashes:
                    crash = crash_of(target.name, data, exc)
                    crash = minimise(run, crash, timeout, minimise_seconds) if minimise_seconds > 0 else crash
                    result.crashes[crash.key] = crash
                    if crashes is not None:
                        keep(crash, target.ext, crashes)
                    if report is not None:
                        report(f"  {target.name}: {crash.kind} at {crash.where}: {crash.message[:160]}")
            elif outcome is not None and outcome not in seen:
                seen.add(outcome)
                if n >= len(corpus) and len(corpus) < CORPUS_LIMIT:
                    corpus.append(data)
            if report is not None and n and n % 5000 == 0:
                report(f"  {target.name}: {n} inputs, {len(result.crashes)} crashes, {n / (time.perf_counter() - started):.0f}/s")
    result.seconds = time.perf_counter() - started
    result.outcomes = len(seen)
    return result


def keep(crash: Crash, ext: str, folder: Path) -> Path:
    """The reproducer as `<target>--<kind>-<hash><ext>`, its traceback beside it (`.txt`)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / crash.file_name(ext)
    path.write_bytes(crash.data)
    path.with_suffix(".txt").write_text(f"{crash.kind} at {crash.where}\n{crash.message}\n\n{crash.trace}", encoding="utf-8")
    return path

"""Run service jobs in worker processes that can be killed at the time limit.

A compile or an evaluation is CPU-bound Python: a thread running it cannot be stopped,
so a pathological ruleset would keep a core busy long after its request gave up. Each
worker is a separate process (spawned, so it shares no locks with the server's threads)
that answers one job at a time over a pipe; a job that outlives the limit has its
worker killed and replaced. The time limit starts when the job is sent, not while a
fresh worker is still importing lawcode.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
import traceback
from multiprocessing.connection import Connection
from typing import Any

import orjson

STARTUP_SECONDS = 60.0


class JobTimeout(Exception):
    """The job ran past the time limit; its worker was killed."""


class PoolBusy(Exception):
    """Every worker stayed busy for the whole time limit."""


class WorkerFailed(Exception):
    """The worker died or could not start (out of memory, killed from outside)."""


def _serve(conn: Connection) -> None:
    """The worker's loop: receive `(job, kwargs)`, answer `(status, JSON bytes)`."""
    from lawcode.playground.service import JOBS

    conn.send("ready")
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        job, kwargs = message
        try:
            status, body = JOBS[job](**kwargs)
        except RecursionError:
            status, body = 422, {"error": "too_complex", "message": "the input nests too deeply to process", "diagnostics": []}
        except Exception as exc:  # a lawcode bug: report it, keep serving
            traceback.print_exc()
            status, body = 500, {"error": "internal", "message": f"internal error in lawcode ({type(exc).__name__}); please report it", "diagnostics": []}
        conn.send((status, orjson.dumps(body, default=str)))


class Worker:
    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child,), daemon=True, name="lawcode-playground-worker")
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self) -> None:
        if self.ready:
            return
        try:
            if self.conn.poll(STARTUP_SECONDS) and self.conn.recv() == "ready":
                self.ready = True
                return
        except (EOFError, OSError):
            pass
        raise WorkerFailed("a worker process did not start")

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(2)
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


class WorkerPool:
    """A fixed number of worker processes; `run` blocks the calling thread until done."""

    def __init__(self, size: int, timeout: float) -> None:
        self.size = size
        self.timeout = timeout
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._all: set[Worker] = set()

    def start(self) -> None:
        for _ in range(self.size):
            self._add()

    def _add(self) -> None:
        worker = Worker()
        with self._lock:
            self._all.add(worker)
        self._idle.put(worker)

    def _discard(self, worker: Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            closed = self._closed
        if not closed:
            self._add()

    def run(self, job: str, kwargs: dict[str, Any]) -> tuple[int, bytes]:
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise PoolBusy from None
        try:
            worker.wait_ready()
            worker.conn.send((job, kwargs))
            if not worker.conn.poll(self.timeout):
                self._discard(worker)
                raise JobTimeout
            status, body = worker.conn.recv()
        except (WorkerFailed, EOFError, OSError) as exc:
            self._discard(worker)
            raise WorkerFailed(str(exc) or "a worker process died") from None
        self._idle.put(worker)
        return status, body

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()

"""The playground's resource limits, in one place so the CLI, the app and the tests agree.

A playground is a web page anyone on the machine can paste anything into: bodies are
capped before they are read, and every compile/evaluation runs in a worker process that
is killed when it runs past the time limit (a Python thread cannot be stopped).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_WORKERS = 2


@dataclass(frozen=True, slots=True)
class Limits:
    """Request size, time per job, and how many jobs may run at once."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    workers: int = DEFAULT_WORKERS

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1024:
            raise ValueError("max_body_bytes must be at least 1024")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")

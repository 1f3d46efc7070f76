"""The playground's resource limits, in one place so the CLI, the app and the tests agree.

A playground is a web page anyone on the machine can paste anything into: bodies are
capped before they are read, and every compile/evaluation runs in a worker process that
is killed when it runs past the time limit (a Python thread cannot be stopped). Clients
are bounded too: a request (its head, then its body) must arrive within
`request_seconds`, so a client trickling a byte a second cannot hold a connection, and
beyond `max_connections` open connections a request is answered 503 at once. Shared
states are kept within `share_entry_bytes` each and `share_total_bytes` in all.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_WORKERS = 2
DEFAULT_REQUEST_SECONDS = 20.0
DEFAULT_MAX_CONNECTIONS = 100
DEFAULT_SHARE_ENTRY_BYTES = 2 * 1024 * 1024  # one shared state (ruleset + snapshot), before compression
DEFAULT_SHARE_TOTAL_BYTES = 256 * 1024 * 1024  # the whole share store, compressed as kept


@dataclass(frozen=True, slots=True)
class Limits:
    """Request size, time per job, how many jobs may run at once, and what a client may hold."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    workers: int = DEFAULT_WORKERS
    request_seconds: float = DEFAULT_REQUEST_SECONDS  # to send a request's head, then its body
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    share_entry_bytes: int = DEFAULT_SHARE_ENTRY_BYTES  # one shared state
    share_total_bytes: int = DEFAULT_SHARE_TOTAL_BYTES  # the share store, oldest entries evicted past it

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1024:
            raise ValueError("max_body_bytes must be at least 1024")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.request_seconds <= 0:
            raise ValueError("request_seconds must be positive")
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if self.share_entry_bytes < 1024 or self.share_total_bytes < 1024:
            raise ValueError("share_entry_bytes and share_total_bytes must be at least 1024")

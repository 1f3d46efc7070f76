"""`lawcode playground`: serve the web playground on this machine.

Only the options live here; the server (binding, limits, announcing the URL) is
`lawcode.playground.serve`, which knows nothing of the command line. An address that
cannot be listened on, or a share store path that cannot be used, is one line on stderr
and exit 2, as for any other input error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lawcode.cli.common import EXIT_ERROR
from lawcode.playground.limits import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_REQUEST_SECONDS,
    DEFAULT_SHARE_TOTAL_BYTES,
    DEFAULT_TIMEOUT_SECONDS,
    DEFAULT_WORKERS,
    Limits,
)
from lawcode.playground.serve import CannotListen, serve
from lawcode.playground.store import StoreRefused, default_path


@click.command("playground")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; anything but loopback exposes the playground to the network.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0: any free port).")
@click.option("--rulesets", "folders", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path), help="Another ruleset folder to offer beside the bundled ones (repeatable).")
@click.option("--max-body-mb", type=click.FloatRange(min=0.01), default=DEFAULT_MAX_BODY_BYTES / 1024 / 1024, show_default=True, help="Largest request body (ruleset + snapshot).")
@click.option("--timeout", type=click.FloatRange(min=0.01), default=DEFAULT_TIMEOUT_SECONDS, show_default=True, help="Seconds a compile or evaluation may take before it is stopped.")
@click.option("--workers", type=click.IntRange(min=1), default=DEFAULT_WORKERS, show_default=True, help="Worker processes (jobs that run at once).")
@click.option("--request-timeout", type=click.FloatRange(min=0.01), default=DEFAULT_REQUEST_SECONDS, show_default=True, help="Seconds a client has to send a request's head, then as many for its body (else 408).")
@click.option("--max-connections", type=click.IntRange(min=1), default=DEFAULT_MAX_CONNECTIONS, show_default=True, help="Open connections beyond which a request is answered 503.")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None, help="SQLite file keeping shared states for short links  [default: $XDG_STATE_HOME/lawcode/playground-shares.sqlite3, else under ~/.local/state]")
@click.option("--no-store", is_flag=True, help="Keep nothing: share links carry the whole state in the URL.")
@click.option("--store-max-mb", type=click.FloatRange(min=0.01), default=DEFAULT_SHARE_TOTAL_BYTES / 1024 / 1024, show_default=True, help="Size of the share store, past which the oldest shared states are dropped.")
def playground_command(
    host: str, port: int, folders: tuple[Path, ...], max_body_mb: float, timeout: float, workers: int,
    request_timeout: float, max_connections: int, store: Path | None, no_store: bool, store_max_mb: float,
) -> None:
    """Serve the web playground: edit a ruleset and a snapshot, evaluate, explain, share."""
    if store is not None and no_store:
        raise click.UsageError("--store and --no-store contradict each other; give one")
    limits = Limits(
        max_body_bytes=int(max_body_mb * 1024 * 1024), timeout_seconds=timeout, workers=workers,
        request_seconds=request_timeout, max_connections=max_connections, share_total_bytes=max(1024, int(store_max_mb * 1024 * 1024)),
    )
    try:
        serve(host, port, folders, limits, store=None if no_store else store or default_path())
    except (CannotListen, StoreRefused) as refusal:
        click.echo(f"lawcode playground: {refusal}", err=True)
        sys.exit(EXIT_ERROR)

"""`lawcode playground`: serve the page on uvicorn and print where it is.

The URL is printed once the socket is actually listening (so a script or test can wait
for that line), and with the real port when `--port 0` asked for any free one.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

import click

from lawcode import cli
from lawcode.playground.limits import DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT_SECONDS, DEFAULT_WORKERS, Limits


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; anything but loopback exposes the playground to the network.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0: any free port).")
@click.option("--rulesets", "folders", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path), help="Another ruleset folder to offer beside the bundled ones (repeatable).")
@click.option("--max-body-mb", type=click.FloatRange(min=0.01), default=DEFAULT_MAX_BODY_BYTES / 1024 / 1024, show_default=True, help="Largest request body (ruleset + snapshot).")
@click.option("--timeout", type=click.FloatRange(min=0.01), default=DEFAULT_TIMEOUT_SECONDS, show_default=True, help="Seconds a compile or evaluation may take before it is stopped.")
@click.option("--workers", type=click.IntRange(min=1), default=DEFAULT_WORKERS, show_default=True, help="Worker processes (jobs that run at once).")
def playground(host: str, port: int, folders: tuple[Path, ...], max_body_mb: float, timeout: float, workers: int) -> None:
    """Serve the web playground: edit a ruleset and a snapshot, evaluate, explain, share."""
    import uvicorn

    from lawcode.playground.app import LOOPBACK_HOSTS, create_app

    limits = Limits(max_body_bytes=int(max_body_mb * 1024 * 1024), timeout_seconds=timeout, workers=workers)
    allowed = (*LOOPBACK_HOSTS, host) if _loopback(host) else ("*",)
    if not _loopback(host):
        click.echo(f"warning: listening on {host}: anyone who can reach this machine can use the playground", err=True)
    app = create_app(limits, folders, allowed_hosts=allowed)

    class Server(uvicorn.Server):
        async def startup(self, sockets: list | None = None) -> None:  # type: ignore[type-arg]
            await super().startup(sockets)
            if self.started and self.servers:
                bound = self.servers[0].sockets[0].getsockname()
                click.echo(f"lawcode playground: {_url(host, bound[1])}", nl=True)
                sys.stdout.flush()

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=2)
    Server(config).run()


cli.register(playground)

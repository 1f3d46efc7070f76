"""`lawcode playground`: serve the page on uvicorn and print where it is.

The URL is printed once the socket is actually listening (so a script or test can wait
for that line), and with the real port when `--port 0` asked for any free one.

The sockets are bound here, before uvicorn starts, so a port in use or an address not on
this machine is one line and exit 2 (uvicorn would log it and exit 3). Clients are
bounded: beyond `--max-connections` open connections a request is answered 503 at once
(uvicorn's `limit_concurrency`), and a connection must send each request's head within
`--request-timeout` seconds of connecting or of its previous answer, else it is closed
(uvicorn never closes a connection that sends nothing, so idle sockets would pile up);
the body's own deadline is the app's (408, `lawcode.playground.app`).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import logging
import socket
import sys
from pathlib import Path
from typing import Any

import click

from lawcode import cli
from lawcode.playground.limits import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_REQUEST_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    DEFAULT_WORKERS,
    Limits,
)

KEEP_ALIVE_SECONDS = 5  # an idle kept-alive connection is closed after this (uvicorn's default)


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


class CannotListen(Exception):
    """The address or port cannot be listened on: the message says why and what to pick instead."""


def listen(host: str, port: int) -> list[socket.socket]:
    """Bound sockets for every address `host` names (`localhost`: IPv4 and IPv6), on one port."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise CannotListen(f"cannot listen on {host}: no such host name or address; pick another with --host") from None
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(addresses):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if port == 0 and len(sockets) > 1:  # one free port for all of host's addresses
                address = (address[0], sockets[0].getsockname()[1], *address[2:])
            try:
                sock.bind(address)
            except OSError as exc:
                raise CannotListen(_refusal(exc, host, port)) from None
        return sockets
    except BaseException:
        for sock in sockets:
            sock.close()
        raise


def _refusal(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is in use on {host}; pick another with --port"
    if exc.errno == errno.EACCES:
        return f"cannot listen on port {port} of {host}: permission denied (ports below 1024 need privileges); pick another with --port"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host}: it is not an address of this machine; pick one with --host"
    return f"cannot listen on port {port} of {host}: {exc.strerror or exc}"


def deadline_protocol(request_seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol, closing a connection that has not sent a request's head in time.

    The deadline runs from the connection (or its previous answer) until the head has
    arrived; while a request is being answered it does not apply (the app bounds the
    body). A connection closed with part of a head sent is one line of log.
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    log = logging.getLogger("uvicorn.error")

    class DeadlineProtocol(H11Protocol):
        head_deadline: asyncio.TimerHandle | None = None
        heard = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            self.heard = True
            super().data_received(data)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self.heard = False
            self.head_deadline = self.loop.call_later(request_seconds, self._overdue)

        def _disarm(self) -> None:
            if self.head_deadline is not None:
                self.head_deadline.cancel()
                self.head_deadline = None

        def _overdue(self) -> None:
            self.head_deadline = None
            if self.transport.is_closing() or (self.cycle is not None and not self.cycle.response_complete):
                return  # gone already, or a request is being answered
            if self.heard:
                client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
                log.warning("%s: connection closed, no whole request head within %g s", client, request_seconds)
            with contextlib.suppress(h11.LocalProtocolError):  # h11 already failed the connection
                self.conn.send(h11.ConnectionClosed())
            self.transport.close()

    return DeadlineProtocol


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; anything but loopback exposes the playground to the network.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0: any free port).")
@click.option("--rulesets", "folders", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path), help="Another ruleset folder to offer beside the bundled ones (repeatable).")
@click.option("--max-body-mb", type=click.FloatRange(min=0.01), default=DEFAULT_MAX_BODY_BYTES / 1024 / 1024, show_default=True, help="Largest request body (ruleset + snapshot).")
@click.option("--timeout", type=click.FloatRange(min=0.01), default=DEFAULT_TIMEOUT_SECONDS, show_default=True, help="Seconds a compile or evaluation may take before it is stopped.")
@click.option("--workers", type=click.IntRange(min=1), default=DEFAULT_WORKERS, show_default=True, help="Worker processes (jobs that run at once).")
@click.option("--request-timeout", type=click.FloatRange(min=0.01), default=DEFAULT_REQUEST_SECONDS, show_default=True, help="Seconds a client has to send a request's head, then as many for its body (else 408).")
@click.option("--max-connections", type=click.IntRange(min=1), default=DEFAULT_MAX_CONNECTIONS, show_default=True, help="Open connections beyond which a request is answered 503.")
def playground(host: str, port: int, folders: tuple[Path, ...], max_body_mb: float, timeout: float, workers: int, request_timeout: float, max_connections: int) -> None:
    """Serve the web playground: edit a ruleset and a snapshot, evaluate, explain, share."""
    import uvicorn

    from lawcode.playground.app import LOOPBACK_HOSTS, create_app

    limits = Limits(
        max_body_bytes=int(max_body_mb * 1024 * 1024), timeout_seconds=timeout, workers=workers,
        request_seconds=request_timeout, max_connections=max_connections,
    )
    try:
        sockets = listen(host, port)
    except CannotListen as refusal:
        click.echo(f"lawcode playground: {refusal}", err=True)
        sys.exit(cli.EXIT_ERROR)
    allowed = (*LOOPBACK_HOSTS, host) if _loopback(host) else ("*",)
    if not _loopback(host):
        click.echo(f"warning: listening on {host}: anyone who can reach this machine can use the playground", err=True)
    app = create_app(limits, folders, allowed_hosts=allowed)

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[Any] | None = None) -> None:
            await super().startup(sockets)
            if self.started and self.servers:
                bound = self.servers[0].sockets[0].getsockname()
                click.echo(f"lawcode playground: {_url(host, bound[1])}", nl=True)
                sys.stdout.flush()

    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=2,
        http=deadline_protocol(limits.request_seconds), limit_concurrency=limits.max_connections,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    try:
        Server(config).run(sockets=sockets)
    finally:
        for sock in sockets:
            sock.close()


cli.register(playground)

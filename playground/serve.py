"""Serve the playground on uvicorn: bind first, then say where it is.

`serve(host, port, folders, limits)` is the whole server, a plain function with no
command line in it (`lawcode playground`, in `lawcode.cli.playground`, only reads the
options). The URL is announced once the socket is actually listening (so a script or test
can wait for that line), and with the real port when port 0 asked for any free one.

The sockets are bound before uvicorn starts, so a port in use or an address not on this
machine is a `CannotListen` with one line saying what to pick instead (uvicorn would log
it and exit 3). Clients are bounded: beyond `limits.max_connections` open connections a
request is answered 503 at once (uvicorn's `limit_concurrency`), and a connection must
send each request's head within `limits.request_seconds` of connecting or of its
previous answer, else it is closed (uvicorn never closes a connection that sends
nothing, so idle sockets would pile up); the body's own deadline is the app's (408,
`lawcode.playground.app`).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import logging
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lawcode.playground.limits import Limits

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



def announce(url: str) -> None:
    """The default announcement: one line on stdout, flushed, for people and scripts alike."""
    print(f"lawcode playground: {url}", flush=True)


def serve(
    host: str, port: int, folders: Sequence[Path], limits: Limits,
    on_listening: Callable[[str], None] = announce, store: Path | None = None,
) -> None:
    """Serve the playground until stopped (Ctrl-C), offering `folders` beside the bundled rulesets.

    `store` is the share store's database file (None: share links carry the whole state).
    Raises `StoreRefused` when that file cannot be used, and `CannotListen` when
    `host`/`port` cannot be bound, both before anything starts.
    `on_listening` gets the URL, with the real port, once the server accepts connections.
    A loopback host only answers requests addressed to a loopback name (against DNS
    rebinding); any other host answers every name, as it is meant to be reached, and is
    warned about on stderr once bound: it lets anyone on the network run rulesets here.
    """
    import uvicorn

    from lawcode.playground.app import LOOPBACK_HOSTS, create_app
    from lawcode.playground.store import ShareStore

    sockets = listen(host, port)
    try:  # from here on, whatever stops the server closes the sockets
        shares = ShareStore.open(store, limits.share_entry_bytes, limits.share_total_bytes) if store is not None else None
        allowed = (*LOOPBACK_HOSTS, host) if _loopback(host) else ("*",)
        if not _loopback(host):
            print(f"warning: listening on {host}: anyone who can reach this machine can use the playground", file=sys.stderr, flush=True)
        app = create_app(limits, folders, allowed_hosts=allowed, store=shares)

        class Server(uvicorn.Server):
            async def startup(self, sockets: list[Any] | None = None) -> None:
                await super().startup(sockets)
                if self.started and self.servers:
                    bound = self.servers[0].sockets[0].getsockname()
                    on_listening(_url(host, bound[1]))

        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=2,
            http=deadline_protocol(limits.request_seconds), limit_concurrency=limits.max_connections,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
        Server(config).run(sockets=sockets)
    finally:
        for sock in sockets:
            sock.close()

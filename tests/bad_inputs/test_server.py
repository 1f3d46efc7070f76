"""The playground's server against slow, idle and vanishing clients, busy ports and IPv6.

A real `lawcode playground` in a subprocess, reached with raw sockets on loopback only,
a bounded number of them, each read with a time-out: a body trickled a byte a second is
cut off (408), a connection that sends no request is closed, connections beyond the cap
are answered 503, a client leaving mid-body is one line of log, a port in use is one
line and exit 2, and `--host ::1` answers its own Host header.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing

import pytest
from bad_inputs.support import MINI, assert_user_error, lawcode

from helpers import PlaygroundServer

REQUEST_SECONDS = 1  # --request-timeout of the server under test
MAX_CONNECTIONS = 8
READ_SECONDS = 10  # a read that gets nothing by then: the server did not act


class Server(PlaygroundServer):
    """The playground on one worker, serving the mini ruleset, reached with raw sockets."""

    def __init__(self, *args: str) -> None:
        super().__init__("--rulesets", str(MINI), "--workers", "1", "--no-store", *args)

    def connect(self) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=READ_SECONDS)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = Server("--request-timeout", str(REQUEST_SECONDS), "--max-connections", str(MAX_CONNECTIONS))
    yield running
    running.stop()


def _head(server: Server, length: int) -> bytes:
    return (
        f"POST /api/lint HTTP/1.1\r\nHost: {server.host_header}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def _answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (b"" when it closes without a word)."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:  # a reset after the answer (bytes of ours it never read)
        pass
    return received


def _get(server: Server, path: str = "/api/examples") -> bytes:
    with closing(server.connect()) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {server.host_header}\r\nConnection: close\r\n\r\n".encode())
        return _answer(sock)


def test_a_body_trickled_byte_by_byte_is_cut_off_with_408(server: Server) -> None:
    with closing(server.connect()) as sock:
        sock.sendall(_head(server, 1000) + b"{")
        for _ in range(4 * READ_SECONDS):  # a byte every quarter of a second until it answers
            if select.select([sock], [], [], 0.25)[0]:
                break
            try:
                sock.sendall(b" ")
            except OSError:  # it closed its side: its answer is waiting to be read
                break
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b'"error":"timeout"' in answer


@pytest.mark.parametrize("sent", [b"", b"POST /api/li"], ids=["nothing", "part of a head"])
def test_a_connection_that_sends_no_whole_request_is_closed(server: Server, sent: bytes) -> None:
    with closing(server.connect()) as sock:
        sock.sendall(sent)
        assert _answer(sock) == b""


def test_connections_beyond_the_cap_are_answered_503_until_idle_ones_are_closed(server: Server) -> None:
    with ExitStack() as stack:
        for _ in range(MAX_CONNECTIONS):
            stack.enter_context(closing(server.connect()))
        assert _get(server).startswith(b"HTTP/1.1 503 "), "over the cap"
        time.sleep(REQUEST_SECONDS + 0.5)  # the idle ones are closed by then
        assert _get(server).startswith(b"HTTP/1.1 200 "), "the idle connections were closed"


def test_a_client_leaving_mid_body_is_one_line_of_log(server: Server) -> None:
    clients = 5
    for _ in range(clients):
        with closing(server.connect()) as sock:
            sock.sendall(_head(server, 1000) + b'{"ruleset": ')
            time.sleep(0.1)
    assert _get(server).startswith(b"HTTP/1.1 200 ")  # it still serves, and has logged by now
    deadline = time.monotonic() + READ_SECONDS
    while sum("disconnected" in line for line in server.output) < clients and time.monotonic() < deadline:
        time.sleep(0.1)
    log = "".join(server.output)
    assert "Traceback" not in log and "ClientDisconnect" not in log, log[-3000:]
    assert sum("disconnected" in line for line in server.output) == clients, log[-3000:]


def test_a_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = lawcode("playground", "--port", str(port), timeout=60)
    assert_user_error(result, f"port {port} is in use on 127.0.0.1; pick another with --port")
    assert len((result.stdout + result.stderr).strip().splitlines()) == 1, result.stderr


def _ipv6_loopback() -> str | None:
    """Why IPv6 loopback cannot be used here, or None when it can."""
    if not socket.has_ipv6:
        return "this Python has no IPv6"
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError as exc:
        return f"no IPv6 loopback on this machine ({exc.strerror})"
    return None


@pytest.mark.skipif(_ipv6_loopback() is not None, reason=str(_ipv6_loopback()))
def test_the_ipv6_loopback_answers_its_own_host_header() -> None:
    running = Server("--host", "::1")
    try:
        assert running.host_header == f"[::1]:{running.port}"
        answer = _get(running)
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]
    finally:
        running.stop()

"""The Starlette application: the page, its static files, and the JSON API.

Handlers stay thin: cap and parse the body, validate it against the OpenAPI request
schema, pick the ruleset folder from the catalog, and hand the job to a worker process.
Every failure a client can cause has its own status and a JSON body
`{"error", "message", "diagnostics"}`; a 500 only ever means a bug in lawcode. A body
must arrive whole within `Limits.request_seconds` (else 408, and the connection is
closed); a client that goes away mid-body costs one line of log, not a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lawcode.playground import openapi
from lawcode.playground.catalog import Catalog, NotListed
from lawcode.playground.limits import Limits
from lawcode.playground.store import EntryTooLarge, ShareStore, valid_id
from lawcode.playground.workers import JobTimeout, PoolBusy, WorkerFailed, WorkerPool

STATIC = Path(__file__).resolve().parent / "static"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# uvicorn's logger: its handler and format are the ones the server's own lines use.
log = logging.getLogger("uvicorn.error")
# The page loads only its own files; CodeMirror injects <style> elements, hence inline styles.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
REQUEST_SCHEMAS = {"lint": "LintRequest", "evaluate": "EvaluateRequest", "graph": "GraphRequest", "explain": "ExplainRequest"}
BAD_ID = "a share id is 16 characters of A-Z, a-z, 0-9, `-` and `_`, as in the link `/s/<id>`"


class ApiError(Exception):
    """A client error, answered as `{"error", "message", "diagnostics"}` with its status."""

    def __init__(self, status: int, error: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.extra = status, error, message, extra

    def response(self) -> JSONResponse:
        body = {"error": self.error, "message": self.message, "diagnostics": [], **self.extra}
        headers = {"Retry-After": "1"} if self.status == 503 else {"Connection": "close"} if self.status == 408 else None
        return JSONResponse(body, status_code=self.status, headers=headers)


class SecurityHeaders:
    """Adds the CSP and friends to every response (pure ASGI, so streaming is untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


class TrustedHosts:
    """Refuses requests whose Host is not ours (a DNS-rebinding page cannot reach the API)."""

    def __init__(self, app: ASGIApp, allowed: Sequence[str]) -> None:
        self.app = app
        self.allowed = set(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "*" not in self.allowed:
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if host_name(host) not in self.allowed:
                response = JSONResponse({"error": "invalid_request", "message": f"unknown host `{host}`", "diagnostics": []}, status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def host_name(host: str) -> str:
    """The name in a Host header, without its port: `[::1]:8000` → `::1`, `localhost:80` → `localhost`."""
    if host.startswith("["):
        name, bracket, _ = host[1:].partition("]")
        return name if bracket else host
    return host.rsplit(":", 1)[0]


def _client(request: Request) -> str:
    client = request.client
    return f"{client.host}:{client.port}" if client else "a client"


async def read_json(request: Request, limit: int, seconds: float) -> Any:
    """The body as JSON: refused before it is read when it is too large, or when it has
    not arrived whole within `seconds` (a client trickling a byte a second)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", f"send the request as application/json, not `{content_type or 'nothing'}`")
    declared = request.headers.get("content-length")
    too_large = ApiError(413, "too_large", f"the request body is over the limit of {limit / 1048576:g} MiB", limit=limit)
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    with anyio.move_on_after(seconds) as deadline:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
    if deadline.cancelled_caught:
        log.warning("%s %s from %s: 408, the body did not arrive within %g s", request.method, request.url.path, _client(request), seconds)
        raise ApiError(408, "timeout", f"the request body did not arrive within {seconds:g} s", limit=seconds)
    try:
        return orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "malformed_json", f"the request body is not valid JSON: {exc}") from None


def check_shape(validator: Any, body: Any) -> None:
    """422 naming the first place (JSON path) where `body` does not fit the request schema."""
    problems = sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.path)))
    if problems:
        first = problems[0]
        where = "/".join(map(str, first.absolute_path)) or "the body"
        raise ApiError(422, "invalid_request", f"{where}: {first.message}")


@dataclass(frozen=True, slots=True)
class Playground:
    """What the handlers share, kept on `app.state.playground`: the handlers are module
    functions that find it through their request rather than closures inside `create_app`,
    so each reads on its own and the factory only wires them."""

    limits: Limits
    pool: WorkerPool
    store: ShareStore | None  # None: share links carry the whole state, the share routes answer 404
    folders: tuple[Path, ...]  # ruleset folders offered beside the bundled ones
    validators: dict[str, Any]  # per job, its request schema's validator
    share_validator: Any
    spec: dict[str, Any]  # the OpenAPI document

    def catalog(self) -> Catalog:
        return Catalog.discover(self.folders)

    def kept(self) -> ShareStore:
        if self.store is None:
            raise ApiError(404, "no_store", "this server keeps no shared states (started with --no-store): share links carry the state themselves")
        return self.store

    async def in_store(self, call: Any, *args: Any) -> Any:
        """Run a store call off the event loop; a database that fails (disk full, file gone) is a 503."""
        try:
            return await anyio.to_thread.run_sync(call, *args)
        except sqlite3.Error as exc:
            log.warning("share store %s: %s", self.store.path if self.store else "-", exc)
            raise ApiError(503, "store_failed", f"the share store cannot be used right now ({exc}); try again, or tell whoever runs this server") from None


def playground_of(request: Request) -> Playground:
    state: Playground = request.app.state.playground
    return state


async def run_job(job: str, request: Request) -> Response:
    """One API job: the body checked, its folder and file picked from the catalog, the job run in a worker."""
    pg = playground_of(request)
    limits = pg.limits
    body = await read_json(request, limits.max_body_bytes, limits.request_seconds)
    check_shape(pg.validators[job], body)
    try:
        folder = pg.catalog().folder(body.get("folder"))
    except NotListed as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None
    files = [f.name for f in folder.rulesets]
    path = body.get("path")
    if path is not None and path not in files:
        raise ApiError(422, "invalid_request", f"`{path}` is not a ruleset file of `{folder.id}`; files: {', '.join(files)}")
    kwargs = {k: v for k, v in body.items() if k not in ("folder", "path")}
    others = tuple(name for name in files if name != path) if path is not None else ()
    kwargs["source"] = {"folder_id": folder.id, "folder_path": str(folder.path), "path": path, "others": others}
    if job != "graph":
        kwargs["max_bytes"] = limits.max_body_bytes
    try:
        status, payload = await anyio.to_thread.run_sync(pg.pool.run, job, kwargs)
    except JobTimeout:
        raise ApiError(503, "timeout", f"stopped after the time limit of {limits.timeout_seconds:g} s", limit=limits.timeout_seconds) from None
    except PoolBusy:
        raise ApiError(503, "busy", "every worker stayed busy for the whole time limit; try again") from None
    except WorkerFailed as exc:
        raise ApiError(503, "worker_failed", f"the worker process failed ({exc}); try again") from None
    return Response(payload, status_code=status, media_type="application/json")


def endpoint(job: str) -> Any:
    """The handler of `POST /api/<job>` (a function, as Starlette's `Route` wants, named after the job)."""

    async def handle(request: Request) -> Response:
        return await run_job(job, request)

    handle.__name__ = job
    return handle


async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def examples(request: Request) -> Response:
    return JSONResponse(playground_of(request).catalog().to_json())


async def example_file(request: Request) -> Response:
    folder, name = request.path_params["folder"], request.path_params["name"]
    try:
        text = playground_of(request).catalog().read(folder, name)
    except NotListed as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    return JSONResponse({"folder": folder, "name": name, "text": text})


async def openapi_json(request: Request) -> Response:
    return JSONResponse(playground_of(request).spec)


async def config(request: Request) -> Response:
    """What the page must know of this server: its body limit (for files it loads) and the store."""
    pg = playground_of(request)
    share = {"store": pg.store is not None, "max_entry_bytes": pg.store.max_entry_bytes if pg.store else None}
    return JSONResponse({"max_body_bytes": pg.limits.max_body_bytes, "share": share})


async def share_post(request: Request) -> Response:
    pg = playground_of(request)
    body = await read_json(request, pg.limits.max_body_bytes, pg.limits.request_seconds)
    check_shape(pg.share_validator, body)
    try:
        key = await pg.in_store(pg.kept().put, body)
    except EntryTooLarge as exc:
        raise ApiError(413, "too_large", f"{exc}; share a smaller snapshot", limit=exc.limit) from None
    return JSONResponse({"id": key, "url": f"{request.base_url}s/{key}"})


async def share_get(request: Request) -> Response:
    pg = playground_of(request)
    key = request.path_params["id"]
    if not valid_id(key):
        raise ApiError(400, "invalid_request", f"`{key[:40]}` is not a share id: {BAD_ID}")
    state = await pg.in_store(pg.kept().get, key)
    if state is None:
        raise ApiError(404, "not_found", f"no shared state `{key}` here: it was never shared with this server, or the oldest links were dropped to make room")
    return JSONResponse(state)


async def shared_page(request: Request) -> Response:
    # The page reads the state through /api/share/{id} and says what is wrong with a bad link.
    pg = playground_of(request)
    key = request.path_params["id"]
    found = pg.store is not None and valid_id(key) and await pg.in_store(pg.store.get, key) is not None
    return FileResponse(STATIC / "index.html", status_code=200 if found else 404, headers={"Cache-Control": "no-cache"})


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = "not_found" if exc.status_code == 404 else "invalid_request"
    return JSONResponse({"error": code, "message": str(exc.detail), "diagnostics": []}, status_code=exc.status_code)


async def client_gone(request: Request, exc: Exception) -> Response:
    """Nobody is left to answer: one line of log (this is no bug), an empty response."""
    log.warning("%s %s from %s: the client disconnected before its whole body arrived", request.method, request.url.path, _client(request))
    return Response(status_code=400)


async def server_error(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "internal", "message": f"internal error in lawcode ({type(exc).__name__}); please report it", "diagnostics": []}, status_code=500)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """The worker pool runs while the server does: started before the first request, closed at shutdown."""
    pool: WorkerPool = app.state.playground.pool
    pool.start()
    try:
        yield
    finally:
        await anyio.to_thread.run_sync(pool.close)


ROUTES = [
    Route("/", index),
    Route("/openapi.json", openapi_json),
    Route("/api/examples", examples),
    Route("/api/examples/{folder}/{name:path}", example_file),
    Route("/api/config", config),
    Route("/api/share", share_post, methods=["POST"]),
    Route("/api/share/{id:path}", share_get),
    Route("/s/{id:path}", shared_page),
    *(Route(f"/api/{job}", endpoint(job), methods=["POST"]) for job in REQUEST_SCHEMAS),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]


def create_app(
    limits: Limits | None = None,
    folders: Sequence[Path] = (),
    allowed_hosts: Sequence[str] = LOOPBACK_HOSTS,
    store: ShareStore | None = None,
) -> Starlette:
    """The playground app; `folders` are ruleset folders offered beside the bundled ones.

    `store` keeps shared states for short links (`/s/<id>`); without one the page puts
    the whole state in the link instead, and the share routes answer 404 `no_store`.
    """
    limits = limits or Limits()
    playground = Playground(
        limits=limits,
        pool=WorkerPool(limits.workers, limits.timeout_seconds),
        store=store,
        folders=tuple(Path(f).resolve() for f in folders),
        validators={job: openapi.validator(name) for job, name in REQUEST_SCHEMAS.items()},
        share_validator=openapi.validator("ShareState"),
        spec=openapi.document(),
    )
    app = Starlette(
        routes=ROUTES,
        lifespan=lifespan,
        exception_handlers={ApiError: api_error, HTTPException: http_error, ClientDisconnect: client_gone, Exception: server_error},
    )
    app.add_middleware(TrustedHosts, allowed=allowed_hosts)
    app.add_middleware(SecurityHeaders)
    app.state.playground = playground
    app.state.limits = limits
    app.state.store = store
    return app

"""`lawcode lsp`: the language server's wiring (pygls), one handler per LSP method.

The handlers are thin: each finds the file's ruleset and its last check
(`lawcode.lsp.workspace`) and asks a feature module (`hover`, `navigation`,
`completion`, `actions`). Text sync is incremental; this module applies the changes
itself (`positions.apply_change`), by the protocol's own line rules, rather than pygls'
copy of the text, which splits lines at every character Python calls a line break.

Checking is scheduled, not done in the `didChange` handler: changes that arrive together
are checked once, the edited file first (a focused check), then the whole ruleset once
typing has paused for `FULL_CHECK_DELAY` seconds. A handler never lets an exception out:
a bug is logged to the client (`window/logMessage`) and answered with nothing, so no
input can stop the server.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from lawcode.compiler.modules import EXTENSION, display
from lawcode.dsl import ast
from lawcode.dsl.diagnostics import Diagnostic
from lawcode.lsp import actions, completion, hover, testfiles
from lawcode.lsp.diagnostics import to_lsp
from lawcode.lsp.navigation import Navigator, Place
from lawcode.lsp.positions import LineIndex, apply_change, line_index
from lawcode.lsp.workspace import Analysis, Workspace

FULL_CHECK_DELAY = 0.3  # seconds of quiet before the whole ruleset is checked again
log = logging.getLogger("lawcode.lsp")
F = TypeVar("F", bound=Callable[..., Any])


def _version() -> str:
    try:
        return version("lawcode")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "0"


class LawcodeServer(LanguageServer):
    """The server's state: the rulesets, open files' versions, what was published."""

    def __init__(self, rulesets: tuple[Path, ...] = ()) -> None:
        super().__init__("lawcode", _version())
        self.rulesets = Workspace(rulesets)
        self.declared = rulesets
        self.navigator = Navigator()
        self.versions: dict[Path, int | None] = {}
        self.published: dict[str, list[types.Diagnostic]] = {}
        self.pending: dict[Path, str | None] = {}  # ruleset root → file to check first
        self.full_timers: dict[Path, asyncio.TimerHandle] = {}
        self.test_files: dict[Path, tuple[str, list[Diagnostic]]] = {}  # as last checked

    @property
    def encoding(self) -> str:
        """The position encoding agreed at `initialize` (UTF-16 unless the client offered another)."""
        try:
            chosen = self.workspace.position_encoding
        except RuntimeError:  # before `initialize`
            chosen = None
        return str(chosen or types.PositionEncodingKind.Utf16)

    # ------------------------------------------------------------ files
    def place(self, uri: str) -> tuple[Path, Path, str] | None:
        """The file a URI names, its ruleset's root and its module name (None: not a file)."""
        fs_path = to_fs_path(uri)
        if fs_path is None or not uri.startswith("file:"):
            return None
        path = Path(fs_path).resolve()
        return path, self.rulesets.root_of(path), self.rulesets.name_of(path)

    def lines(self, analysis: Analysis, name: str) -> LineIndex:
        return line_index(analysis.texts.get(name, ""), self.encoding)

    def locate(self, analysis: Analysis) -> Callable[[str], tuple[str, LineIndex] | None]:
        def found(module: str) -> tuple[str, LineIndex] | None:
            path = analysis.paths.get(module)
            if path is None:
                return None
            return from_fs_path(str(path)) or str(path), self.lines(analysis, module)

        return found

    def location(self, analysis: Analysis, place: Place) -> types.Location | None:
        found = self.locate(analysis)(place.module)
        if found is None:
            return None
        uri, lines = found
        return types.Location(uri, lines.span_range(place.span))

    # ------------------------------------------------------------ checks
    def schedule(self, root: Path, focus: str | None) -> None:
        """Check soon; changes that arrive before the check runs are checked together."""
        first = root not in self.pending
        if not first and self.pending[root] != focus:
            focus = None  # two files changed: the whole ruleset
        self.pending[root] = focus
        if first:
            asyncio.get_running_loop().call_soon(self._run, root)

    def _run(self, root: Path) -> None:
        focus = self.pending.pop(root, None)
        try:
            analysis = self.rulesets.check(root, focus)
            self.publish(analysis, only=focus)
        except Exception:  # a bug, never the user's text: keep serving
            self.report_bug("checking the ruleset")
        if focus is None:
            # The trees kept are many objects and hold no cycles: the collector need not walk
            # them again at every collection of its oldest generation (a pause of hundreds
            # of ms in the middle of a keystroke); reference counting still frees them.
            # Cycles made since the last freeze are collected first (a short walk: the rest
            # is frozen), so none is kept for good.
            gc.collect()
            gc.freeze()
        if focus is not None:
            timer = self.full_timers.pop(root, None)
            if timer is not None:
                timer.cancel()
            self.full_timers[root] = asyncio.get_running_loop().call_later(FULL_CHECK_DELAY, self.schedule, root, None)

    def publish(self, analysis: Analysis, only: str | None = None) -> None:
        names = [only] if only is not None else list(analysis.diagnostics)
        for name in names:
            path = analysis.paths.get(name)
            if path is None:
                continue
            uri = from_fs_path(str(path)) or str(path)
            lines = self.lines(analysis, name)
            found = [to_lsp(d, lines, self.locate(analysis)) for d in analysis.diagnostics.get(name, [])]
            if only is None and self.published.get(uri) == found:
                continue
            self.published[uri] = found
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=self.versions.get(path)))

    def check_test_file(self, path: Path) -> None:
        """Publish the problems of a saved rule test file (`lawcode.lsp.testfiles`)."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            text = ""
        problems = testfiles.check(path, display(path), text, self.rule_ids)
        self.test_files[path] = (text, problems)
        lines = LineIndex(text, self.encoding)
        uri = from_fs_path(str(path)) or str(path)
        found = [to_lsp(d, lines, lambda module: None) for d in problems]
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=self.versions.get(path)))

    def rule_ids(self, folder: Path) -> set[str] | None:
        """The rule ids of the ruleset in `folder` (None: it has no file that parses)."""
        analysis = self.rulesets.analysis(self.rulesets.root_of(folder / f"ruleset{EXTENSION}"))
        if not analysis.modules:
            return None
        return {d.id for module in analysis.modules.values() for d in module.declarations if isinstance(d, ast.Rule)}

    def report_bug(self, doing: str) -> None:
        text = f"lawcode: internal error while {doing}; please report it:\n{traceback.format_exc()}"
        log.error(text)
        try:
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=text))
        except Exception:  # the connection itself is gone
            log.exception("cannot tell the client")


def _safe(doing: str) -> Callable[[F], F]:
    """A handler that answers nothing, and logs, where it would have raised."""

    def wrap(handler: F) -> F:
        @functools.wraps(handler)
        def guarded(ls: LawcodeServer, params: Any) -> Any:
            try:
                return handler(ls, params)
            except Exception:
                ls.report_bug(doing)
                return None

        return guarded  # type: ignore[return-value]

    return wrap


def _request(ls: LawcodeServer, uri: str) -> tuple[Analysis, str, LineIndex] | None:
    found = ls.place(uri)
    if found is None:
        return None
    path, root, name = found
    analysis = ls.rulesets.analysis(root)
    if name not in analysis.texts and path in ls.rulesets.open:
        analysis = ls.rulesets.check(root)
    return analysis, name, ls.lines(analysis, name)


# ---------------------------------------------------------------- lifecycle and sync


def register_sync(ls: LawcodeServer) -> None:
    """Attach the handlers of the session and of the files' texts to `ls`."""

    @ls.feature(types.INITIALIZE)
    @_safe("starting")
    def initialize(ls: LawcodeServer, params: types.InitializeParams) -> None:
        """The client's folder bounds the search for rulesets; it may name them too."""
        root = to_fs_path(params.root_uri) if params.root_uri else params.root_path
        if params.workspace_folders:
            root = to_fs_path(params.workspace_folders[0].uri) or root
        base = Path(root) if root else Path.cwd()
        declared = list(ls.declared)
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("rulesets"), list):
            declared += [base / p for p in options["rulesets"] if isinstance(p, str)]
        ls.rulesets = Workspace(declared, Path(root) if root else None)

    @ls.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @_safe("opening a file")
    def did_open(ls: LawcodeServer, params: types.DidOpenTextDocumentParams) -> None:
        found = ls.place(params.text_document.uri)
        if found is None:
            return
        path, root, _ = found
        ls.versions[path] = params.text_document.version
        if path.suffix != EXTENSION:
            if testfiles.is_test_file(path):
                ls.check_test_file(path)
            return
        ls.rulesets.open[path] = params.text_document.text
        ls.schedule(root, None)

    @ls.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @_safe("applying an edit")
    def did_change(ls: LawcodeServer, params: types.DidChangeTextDocumentParams) -> None:
        found = ls.place(params.text_document.uri)
        if found is None:
            return
        path, root, name = found
        if path.suffix != EXTENSION:
            return  # a test file is checked as saved
        text = ls.rulesets.open.get(path, "")
        for change in params.content_changes:
            text = apply_change(text, change, ls.encoding)
        ls.rulesets.open[path] = text
        ls.versions[path] = params.text_document.version
        ls.schedule(root, name)

    @ls.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @_safe("saving a file")
    def did_save(ls: LawcodeServer, params: types.DidSaveTextDocumentParams) -> None:
        found = ls.place(params.text_document.uri)
        if found is not None and testfiles.is_test_file(found[0]):
            ls.check_test_file(found[0])
        elif found is not None:
            ls.schedule(found[1], None)

    @ls.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @_safe("closing a file")
    def did_close(ls: LawcodeServer, params: types.DidCloseTextDocumentParams) -> None:
        found = ls.place(params.text_document.uri)
        if found is None:
            return
        ls.rulesets.forget(found[0])
        ls.versions.pop(found[0], None)
        ls.schedule(found[1], None)


@dataclass(frozen=True, slots=True)
class FileRequest:
    """A request about one file: its ruleset's last check, its module name, its text."""

    analysis: Analysis
    name: str
    lines: LineIndex


def _about_file(doing: str) -> Callable[[Callable[[LawcodeServer, Any, FileRequest], Any]], Callable[[LawcodeServer, Any], Any]]:
    """A handler given the file its request is about (nothing is answered for what is not a
    file), answering nothing, and logging, where it would have raised."""

    def wrap(handler: Callable[[LawcodeServer, Any, FileRequest], Any]) -> Callable[[LawcodeServer, Any], Any]:
        def guarded(ls: LawcodeServer, params: Any) -> Any:
            try:
                found = _request(ls, params.text_document.uri)
                return None if found is None else handler(ls, params, FileRequest(*found))
            except Exception:
                ls.report_bug(doing)
                return None

        guarded.__name__ = handler.__name__
        guarded.__doc__ = handler.__doc__
        return guarded

    return wrap


def register_features(ls: LawcodeServer) -> None:
    """Attach the handlers of requests about a file (hover, definition, …) to `ls`."""

    @ls.feature(types.TEXT_DOCUMENT_HOVER)
    @_about_file("answering a hover")
    def on_hover(ls: LawcodeServer, params: types.HoverParams, file: FileRequest) -> types.Hover | None:
        return hover.hover(file.analysis, ls.navigator, file.name, file.lines, file.lines.offset(params.position))

    @ls.feature(types.TEXT_DOCUMENT_DEFINITION)
    @_about_file("finding a definition")
    def on_definition(ls: LawcodeServer, params: types.DefinitionParams, file: FileRequest) -> list[types.Location] | None:
        places = ls.navigator.definition(file.analysis, file.name, file.lines, file.lines.offset(params.position))
        return [loc for p in places if (loc := ls.location(file.analysis, p)) is not None] or None

    @ls.feature(types.TEXT_DOCUMENT_REFERENCES)
    @_about_file("finding references")
    def on_references(ls: LawcodeServer, params: types.ReferenceParams, file: FileRequest) -> list[types.Location] | None:
        offset = file.lines.offset(params.position)
        places = ls.navigator.references(file.analysis, file.name, file.lines, offset, params.context.include_declaration)
        return [loc for p in places if (loc := ls.location(file.analysis, p)) is not None] or None

    @ls.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @_about_file("listing symbols")
    def on_symbols(ls: LawcodeServer, params: types.DocumentSymbolParams, file: FileRequest) -> list[types.DocumentSymbol]:
        return ls.navigator.outline(file.analysis, file.name, file.lines)

    @ls.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", " "]))
    @_about_file("completing")
    def on_completion(ls: LawcodeServer, params: types.CompletionParams, file: FileRequest) -> types.CompletionList:
        items = completion.complete(file.analysis, file.name, file.lines, file.lines.offset(params.position))
        return types.CompletionList(is_incomplete=False, items=items)

    @ls.feature(types.TEXT_DOCUMENT_FORMATTING)
    @_about_file("formatting")
    def on_formatting(ls: LawcodeServer, params: types.DocumentFormattingParams, file: FileRequest) -> list[types.TextEdit]:
        return actions.formatting(file.lines.text, file.name, file.lines)

    @ls.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    @_about_file("offering fixes")
    def on_code_action(ls: LawcodeServer, params: types.CodeActionParams, file: FileRequest) -> list[types.CodeAction]:
        return code_actions(ls, params, file)


def code_actions(ls: LawcodeServer, params: types.CodeActionParams, file: FileRequest) -> list[types.CodeAction]:
    """A quick fix for each did-you-mean diagnostic the requested range touches."""
    wanted = params.range
    lines = file.lines
    diagnostics = file.analysis.diagnostics.get(file.name, [])
    path = ls.place(params.text_document.uri)
    if path is not None and path[0] in ls.test_files:
        text, diagnostics = ls.test_files[path[0]]
        lines = LineIndex(text, ls.encoding)
    out = []
    for d in diagnostics:
        if d.span is None:
            continue
        where = lines.span_range(d.span)
        if (where.end.line, where.end.character) < (wanted.start.line, wanted.start.character):
            continue
        if (where.start.line, where.start.character) > (wanted.end.line, wanted.end.character):
            continue
        action = actions.quick_fix(d, params.text_document.uri, lines)
        if action is not None:
            action.diagnostics = [to_lsp(d, lines, ls.locate(file.analysis))]
            out.append(action)
    return out


def build(rulesets: tuple[Path, ...] = ()) -> LawcodeServer:
    """A server with every handler attached; `rulesets` are folders named on the command line."""
    ls = LawcodeServer(rulesets)
    register_sync(ls)
    register_features(ls)
    return ls


class _OneLine(logging.Formatter):
    """pygls' log lines without the tracebacks it attaches to a message it could not read
    (a client's malformed JSON is the client's to fix, and the first line says what it
    was); lawcode's own bug reports keep theirs."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name.startswith("pygls"):
            first = record.getMessage().split("\n", 1)[0]
            record = logging.makeLogRecord({**record.__dict__, "msg": first, "args": None, "exc_info": None, "exc_text": None})
        return super().format(record)


def serve(rulesets: tuple[Path, ...] = ()) -> None:
    """Serve over stdin/stdout until the client says `exit` (logs go to stderr)."""
    handler = logging.StreamHandler()
    handler.setFormatter(_OneLine("%(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    build(rulesets).start_io()


__all__ = ["FULL_CHECK_DELAY", "LawcodeServer", "build", "serve"]

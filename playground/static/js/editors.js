// The two editors (ruleset DSL, snapshot JSON) and their lint-as-you-type.
// Lint runs on the server (the same compiler and schema check as the CLI), debounced by
// CodeMirror's linter; a diagnostic shows at its line and column with message and hint.
import {
  EditorState, EditorView, basicSetup, forEachDiagnostic, forceLinting, json, jsonParseLinter, keymap, lintGutter, linter,
} from "../vendor/codemirror.js";
import { post } from "./api.js";
import { h } from "./dom.js";
import { lawcodeLanguage } from "./lawmode.js";
import { pointerRange, spanRange } from "./positions.js";

const LINT_DELAY = 400;

function renderMessage(d) {
  return () => h("div", { className: "cm-diag" },
    h("div", { className: "cm-diag-message" }, h("code", { text: d.code }), " ", d.message),
    d.hint ? h("div", { className: "cm-diag-hint", text: `hint: ${d.hint}` }) : null);
}

function toEditor(d, range) {
  return {
    from: range.from,
    to: range.to,
    severity: d.level === "warning" ? "warning" : "error",
    source: d.code,
    message: d.hint ? `${d.message} (hint: ${d.hint})` : d.message,
    renderMessage: renderMessage(d),
  };
}

/**
 * Create both editors. `context()` gives {folder, path} (the ruleset file the text stands for); `onLint(kind, diagnostics, result)` is
 * told every server answer (the page lists them, including ones in imported files).
 */
export function createEditors({ rulesetParent, snapshotParent, context, onLint, onEvaluate, onChange }) {
  // Ctrl-Enter (Cmd-Enter on a Mac) evaluates. basicSetup's keymap binds Mod-Enter to
  // "insert a blank line"; keymaps listed earlier take precedence, so this one goes first.
  const shortcuts = keymap.of([{ key: "Mod-Enter", preventDefault: true, run: () => { onEvaluate(); return true; } }]);
  const changes = EditorView.updateListener.of((update) => { if (update.docChanged) onChange(); });
  let snapshotView = null;

  const rulesetLint = linter(async (view) => {
    const text = view.state.doc.toString();
    const { status, body } = await post("/api/lint", { ruleset: text, ...context() });
    if (view.state.doc.toString() !== text) return [];
    const diagnostics = status === 200 ? body.diagnostics : [];
    onLint("ruleset", diagnostics, { status, body });
    if (snapshotView) forceLinting(snapshotView);
    return diagnostics
      .filter((d) => d.source === "ruleset" && d.span && d.span.file === "<input>")
      .map((d) => toEditor(d, spanRange(view.state.doc, d.span)));
  }, { delay: LINT_DELAY });

  const parseLint = jsonParseLinter();
  const snapshotLint = linter(async (view) => {
    const syntax = parseLint(view);
    if (syntax.length) {
      onLint("snapshot", syntax.map((d) => ({ level: "error", code: "JSON", message: d.message, hint: null, span: null, pointer: null, source: "snapshot", line: view.state.doc.lineAt(d.from).number })), null);
      return syntax;
    }
    const text = view.state.doc.toString();
    const ruleset = rulesetView.state.doc.toString();
    const { status, body } = await post("/api/lint", { ruleset, snapshot: text, ...context() });
    if (view.state.doc.toString() !== text) return [];
    const found = status === 200 ? body.diagnostics.filter((d) => d.source === "snapshot") : [];
    onLint("snapshot", found, { status, body });
    const out = [];
    for (const d of found) {
      const range = d.span ? spanRange(view.state.doc, d.span) : pointerRange(view.state, d.pointer);
      if (range) out.push(toEditor(d, range));
    }
    return out;
  }, { delay: LINT_DELAY });

  const theme = EditorView.theme({ "&": { height: "100%" }, ".cm-scroller": { overflow: "auto" } });
  const rulesetView = new EditorView({
    parent: rulesetParent,
    state: EditorState.create({ doc: "", extensions: [shortcuts, basicSetup, lawcodeLanguage, rulesetLint, lintGutter(), theme, changes] }),
  });
  snapshotView = new EditorView({
    parent: snapshotParent,
    state: EditorState.create({ doc: "", extensions: [shortcuts, basicSetup, json(), snapshotLint, lintGutter(), theme, changes] }),
  });
  return { rulesetView, snapshotView };
}

/** Replace an editor's whole text (one undoable change). */
export function setText(view, text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

/**
 * Put the cursor at a span or range, centred in the editor, and bring the whole editor
 * into the window (not just the line: a jump from the report far below would otherwise
 * leave one line of the editor showing at the top of the window). The editor's own
 * scroller is set here rather than by CodeMirror's scrollIntoView, which would also
 * scroll the window to centre the line in it.
 */
export function reveal(view, range) {
  const from = Math.min(range.from, view.state.doc.length);
  const to = Math.min(range.to ?? from, view.state.doc.length);
  view.dispatch({ selection: { anchor: from, head: to } });
  const line = view.lineBlockAt(from);
  view.scrollDOM.scrollTop = Math.max(0, line.top + line.height / 2 - view.scrollDOM.clientHeight / 2);
  view.dom.closest(".pane").scrollIntoView({ block: "nearest" });
  view.focus({ preventScroll: true });
}

/** The diagnostics an editor shows now, with their line numbers (for tests and the status bar). */
export function shownDiagnostics(view) {
  const out = [];
  forEachDiagnostic(view.state, (d, from, to) => {
    out.push({ line: view.state.doc.lineAt(from).number, column: from - view.state.doc.lineAt(from).from + 1, from, to, severity: d.severity, message: d.message });
  });
  return out;
}

export { pointerRange, spanRange };

// The playground page: wires the pickers, editors, report, explain panel, graph and share link.
import { get, post } from "./api.js";
import { h, replace } from "./dom.js";
import { createEditors, pointerRange, reveal, setText, shownDiagnostics, spanRange } from "./editors.js";
import { renderExplanation } from "./explain.js";
import { renderGraph } from "./graph.js";
import { diagnosticItem, renderFailure, renderReport } from "./report.js";
import { decodeState, encodeState } from "./share.js";

const $ = (id) => document.getElementById(id);
// `loading` counts file loads in flight (the tests wait for 0); `tickets` drops a load
// that a newer pick of the same editor superseded, so a slow answer never overwrites it.
const state = { catalog: null, folder: null, rulesetName: null, snapshotName: null, graphedKey: null, graph: null, loading: 0 };
const tickets = { ruleset: 0, snapshot: 0 };
let editors;

function status(text, kind = "info") {
  const el = $("status");
  el.textContent = text;
  el.dataset.kind = kind;
}

function folderInfo(id) {
  return state.catalog?.folders.find((f) => f.id === id) || null;
}

function filePath(folder, name) {
  return `/api/examples/${encodeURIComponent(folder)}/${name.split("/").map(encodeURIComponent).join("/")}`;
}

// ---------------------------------------------------------------- pickers

function fillRulesetPicker() {
  const picker = $("ruleset-picker");
  replace(picker, h("option", { attrs: { value: "" }, text: "— choose a ruleset —" }),
    state.catalog.folders.map((f) => h("optgroup", { attrs: { label: f.bundled ? `${f.id} (bundled)` : f.id } },
      f.rulesets.map((r) => h("option", {
        attrs: { value: JSON.stringify([f.id, r.name]) },
        text: `${r.name} — ${r.rules ? `${r.rules} rule${r.rules === 1 ? "" : "s"}` : "shared module"}`,
      })))));
  picker.value = state.rulesetName ? JSON.stringify([state.folder, state.rulesetName]) : "";
}

function fillSnapshotPicker() {
  const picker = $("snapshot-picker");
  const folder = folderInfo(state.folder);
  replace(picker, h("option", { attrs: { value: "" }, text: "— choose an example snapshot —" }),
    (folder?.examples || []).map((name) => h("option", { attrs: { value: name }, text: name })));
  picker.value = state.snapshotName && folder?.examples.includes(state.snapshotName) ? state.snapshotName : "";
}

async function loadFile(folder, name) {
  state.loading += 1;
  try {
    const { status: code, body } = await get(filePath(folder, name));
    if (code !== 200) throw new Error(body.message || `cannot load ${name}`);
    return body.text;
  } finally {
    state.loading -= 1;
  }
}

/** Load a ruleset file into its editor; false when a newer pick superseded this one. */
async function loadRuleset(folder, name) {
  const ticket = ++tickets.ruleset;
  const text = await loadFile(folder, name);
  if (ticket !== tickets.ruleset) return false;
  const folderChanged = folder !== state.folder;
  state.folder = folder;
  state.rulesetName = name;
  setText(editors.rulesetView, text);
  $("ruleset-name").textContent = `${folder}/${name}`;
  fillRulesetPicker();
  if (folderChanged) {
    const examples = folderInfo(folder)?.examples || [];
    const example = examples.find((e) => e.includes("violation")) || examples[0];
    if (example) await loadSnapshot(example);
    else fillSnapshotPicker();
  }
  return true;
}

/** Load an example snapshot into its editor; false when a newer pick superseded this one. */
async function loadSnapshot(name) {
  const ticket = ++tickets.snapshot;
  const text = await loadFile(state.folder, name);
  if (ticket !== tickets.snapshot) return false;
  setText(editors.snapshotView, text);
  state.snapshotName = name;
  $("snapshot-name").textContent = name;
  fillSnapshotPicker();
  return true;
}

// ---------------------------------------------------------------- lint, graph

function onLint(kind, diagnostics, result) {
  const list = $(`${kind}-problems`);
  const view = kind === "ruleset" ? editors.rulesetView : editors.snapshotView;
  const goTo = (d) => {
    if (d.span && (d.span.file === "<input>" || d.span.file === "<snapshot>")) reveal(view, spanRange(view.state.doc, d.span));
    else if (d.pointer != null) { const r = pointerRange(view.state, d.pointer); if (r) reveal(view, r); }
    else if (d.line) reveal(view, { from: view.state.doc.line(d.line).from });
  };
  if (result && result.status !== 200) {
    replace(list, h("li", { className: "diag diag-error", text: result.body.message || "lint failed" }));
    return;
  }
  replace(list, diagnostics.map((d) => diagnosticItem(d, goTo)));
  list.dataset.count = String(diagnostics.length);
  if (kind === "ruleset") {
    const errors = diagnostics.filter((d) => d.level === "error").length;
    $("ruleset-state").textContent = errors ? `${errors} error${errors === 1 ? "" : "s"}` : `ok · ${result.body.rules} rules`;
    $("ruleset-state").dataset.kind = errors ? "error" : "ok";
    if (!errors) refreshGraph(editors.rulesetView.state.doc.toString());
  } else {
    const errors = diagnostics.filter((d) => d.level === "error").length;
    $("snapshot-state").textContent = errors ? `${errors} error${errors === 1 ? "" : "s"}` : "ok";
    $("snapshot-state").dataset.kind = errors ? "error" : "ok";
  }
}

async function refreshGraph(text) {
  const key = JSON.stringify([text, context()]);
  if (key === state.graphedKey) return;
  state.graphedKey = key;
  const { status: code, body } = await post("/api/graph", { ruleset: text, ...context() });
  if (code !== 200 || key !== state.graphedKey) return;
  state.graph = renderGraph($("graph"), body, { onSelect: (node) => node.span && node.span.file === "<input>" && reveal(editors.rulesetView, spanRange(editors.rulesetView.state.doc, node.span)) });
}

// ---------------------------------------------------------------- evaluate, explain

/** Which folder the ruleset text belongs to, and which of its files it stands for. */
function context() {
  return { folder: state.folder, path: state.rulesetName };
}

function request() {
  return { ruleset: editors.rulesetView.state.doc.toString(), snapshot: editors.snapshotView.state.doc.toString(), ...context() };
}

async function evaluate() {
  status("Evaluating…");
  const started = performance.now();
  const { status: code, body } = await post("/api/evaluate", request());
  const ms = Math.round(performance.now() - started);
  replace($("explain"), h("p", { className: "muted", text: "Click a violation to see why it fired." }));
  if (code === 200) {
    renderReport($("report"), body, { explain, showRule, showPointer });
    status(`Evaluated in ${ms} ms: ${body.summary.status}`, body.summary.status === "compliant" ? "ok" : "warn");
  } else {
    renderFailure($("report"), body);
    status(body.message || `error ${code}`, "error");
  }
}

async function explain(item, row) {
  document.querySelectorAll("tr.selected").forEach((r) => r.classList.remove("selected"));
  row?.classList.add("selected");
  state.graph?.select(`rule:${item.rule}`);
  const { status: code, body } = await post("/api/explain", { ...request(), rule: item.rule, subject: item.subject ? item.subject.pointer : null });
  if (code === 200) {
    renderExplanation($("explain"), body, (span) => span.file === "<input>" && reveal(editors.rulesetView, spanRange(editors.rulesetView.state.doc, span)));
    $("explain").scrollIntoView({ block: "nearest" });
  } else {
    renderFailure($("explain"), body);
  }
}

function showRule(rule, source) {
  const view = editors.rulesetView;
  if (source && source.file === "<input>") {
    reveal(view, { from: view.state.doc.line(Math.min(source.line, view.state.doc.lines)).from });
  } else {
    const at = view.state.doc.toString().search(new RegExp(`\\brule\\s+${rule.replace(/[^a-z0-9-]/g, "")}\\b`));
    if (at >= 0) reveal(view, { from: at });
  }
  state.graph?.select(`rule:${rule}`);
}

function showPointer(pointer) {
  const range = pointerRange(editors.snapshotView.state, pointer);
  if (range) reveal(editors.snapshotView, range);
}

// ---------------------------------------------------------------- share

async function share() {
  const hash = await encodeState({ ...request(), rulesetName: state.rulesetName, snapshotName: state.snapshotName });
  history.replaceState(null, "", hash);
  const link = $("share-link");
  link.value = location.href;
  link.hidden = false;
  link.select();
  try {
    await navigator.clipboard.writeText(location.href);
    status(`Link copied (${location.href.length} characters)`, "ok");
  } catch {
    status(`Link ready (${location.href.length} characters): copy it from the box`, "ok");
  }
}

async function openShared(hash) {
  let shared;
  try {
    shared = await decodeState(hash);
  } catch (err) {
    status(`This share link is damaged: ${err.message}`, "error");
    return false;
  }
  if (!shared) return false;
  state.folder = folderInfo(shared.folder) ? shared.folder : state.catalog.default?.folder ?? null;
  // The file the text stood for, if this server's folder still has it; else the text stands alone.
  const files = folderInfo(state.folder)?.rulesets.map((r) => r.name) || [];
  state.rulesetName = shared.folder === state.folder && files.includes(shared.rulesetName) ? shared.rulesetName : null;
  state.snapshotName = shared.snapshotName || null;
  tickets.ruleset += 1;  // a link's text wins over any file load still in flight
  tickets.snapshot += 1;
  setText(editors.rulesetView, shared.ruleset);
  setText(editors.snapshotView, shared.snapshot);
  $("ruleset-name").textContent = `${state.folder}/${state.rulesetName || "(shared)"} — from a link`;
  $("snapshot-name").textContent = `${state.snapshotName || "(shared)"} — from a link`;
  fillRulesetPicker();
  fillSnapshotPicker();
  if (shared.folder !== state.folder) status(`The link's ruleset folder \`${shared.folder}\` is not here; using \`${state.folder}\``, "warn");
  return true;
}

// ---------------------------------------------------------------- start

async function start() {
  editors = createEditors({
    rulesetParent: $("ruleset-editor"),
    snapshotParent: $("snapshot-editor"),
    context,
    onLint,
    onEvaluate: evaluate,
  });
  const { status: code, body } = await get("/api/examples");
  if (code !== 200) {
    status(body.message || "cannot load the examples", "error");
    return;
  }
  state.catalog = body;
  fillRulesetPicker();
  fillSnapshotPicker();

  $("ruleset-picker").addEventListener("change", async (ev) => {
    if (!ev.target.value) return;
    const [folder, name] = JSON.parse(ev.target.value);
    if (await loadRuleset(folder, name)) status(`Loaded ${folder}/${name}`);
  });
  $("snapshot-picker").addEventListener("change", async (ev) => {
    if (!ev.target.value) return;
    const name = ev.target.value;
    if (await loadSnapshot(name)) status(`Loaded ${name}`);
  });
  $("evaluate").addEventListener("click", evaluate);
  $("share").addEventListener("click", share);
  window.addEventListener("hashchange", async () => { if (await openShared(location.hash)) await evaluate(); });

  const opened = await openShared(location.hash);
  if (!opened && body.default) {
    state.folder = body.default.folder;
    if (body.default.ruleset) await loadRuleset(body.default.folder, body.default.ruleset);
    if (body.default.snapshot) await loadSnapshot(body.default.snapshot);
  }
  if (editors.rulesetView.state.doc.length && editors.snapshotView.state.doc.length) await evaluate();
  window.playground = { ...editors, state, shownDiagnostics, ready: true };
  document.body.dataset.ready = "true";
}

start().catch((err) => status(`The playground failed to start: ${err.message}`, "error"));

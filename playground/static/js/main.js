// The playground page: wires the pickers, editors, report, explain, graph and share link.
import { get, post } from "./api.js";
import { h, replace } from "./dom.js";
import { createEditors, pointerRange, reveal, setText, shownDiagnostics, spanRange } from "./editors.js";
import { renderExplanation } from "./explain.js";
import { defaultFilters } from "./filters.js";
import { renderGraph } from "./graph.js";
import { diagnosticItem, renderFailure, renderReport } from "./report.js";
import { decodeState, encodeState, loadShared, storeState } from "./share.js";
import { acceptSnapshotFiles, readSnapshotFile } from "./snapshotfile.js";
import { explainAnyPicker } from "./subjects.js";

const $ = (id) => document.getElementById(id);
// `loading` counts file loads in flight (the tests wait for 0); `tickets` drops a load
// that a newer pick of the same editor superseded, so a slow answer never overwrites it.
// `reportKey` is the request the report shown was computed from (null: none shown), and
// `invalid` which inputs the last lint found errors in: together, whether it is stale.
const state = {
  catalog: null, config: null, folder: null, rulesetName: null, snapshotName: null, graphedKey: null, graph: null, loading: 0,
  reportKey: null, invalid: { ruleset: false, snapshot: false }, filters: defaultFilters(), evaluations: 0,
};
const tickets = { ruleset: 0, snapshot: 0 };
let editors;
let anySubject;

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

/** A snapshot file of the reviewer's own (picked or dropped), held to the server's limits. */
async function loadSnapshotFile(file) {
  const text = await readSnapshotFile(file, state.config.max_body_bytes);
  if (text instanceof Error) {
    status(text.message, "error");
    return;
  }
  tickets.snapshot += 1; // the file wins over an example load still in flight
  setText(editors.snapshotView, text);
  state.snapshotName = null;
  $("snapshot-name").textContent = `${file.name} — your file`;
  fillSnapshotPicker();
  status(`Loaded ${file.name} (${text.length} characters)`);
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
  state.invalid[kind] = diagnostics.some((d) => d.level === "error");
  markStale();
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

/** Mark the report stale when an input changed since it was computed, or is invalid now. */
function markStale() {
  const marker = $("stale");
  const changed = state.reportKey !== null && JSON.stringify(request()) !== state.reportKey;
  const broken = ["ruleset", "snapshot"].filter((k) => state.invalid[k]);
  const stale = state.reportKey !== null && (changed || broken.length > 0);
  marker.hidden = !stale;
  marker.textContent = !stale ? "" : broken.length
    ? `stale: the ${broken.join(" and ")} ha${broken.length === 1 ? "s" : "ve"} errors`
    : "stale: inputs changed since this report — Evaluate (Ctrl-Enter)";
  $("report-panel").classList.toggle("is-stale", stale);
}

async function evaluate() {
  status("Evaluating…");
  const sent = request();
  const started = performance.now();
  const { status: code, body } = await post("/api/evaluate", sent);
  const ms = Math.round(performance.now() - started);
  state.evaluations += 1;
  closeExplanations();
  if (code === 200) {
    state.reportKey = JSON.stringify(sent);
    renderReport($("report"), body, { explain: explainRow, showRule, showPointer }, state.filters);
    anySubject.refresh(body);
    status(`Evaluated in ${ms} ms: ${body.summary.status}`, body.summary.status === "compliant" ? "ok" : "warn");
  } else {
    state.reportKey = null;
    renderFailure($("report"), body);
    anySubject.refresh(null);
    status(body.message || `error ${code}`, "error");
  }
  markStale();
}

/** Remove every explanation shown (one is open at a time, under what it explains). */
function closeExplanations() {
  document.querySelectorAll(".explain-inline").forEach((el) => el.remove());
  document.querySelectorAll(".item.selected").forEach((el) => el.classList.remove("selected"));
  document.querySelectorAll(".explain-button[aria-expanded=true]").forEach((el) => el.setAttribute("aria-expanded", "false"));
}

/** An explanation box: placed by `place(box)`, filled when /api/explain answers. */
async function showExplanation(rule, subject, place) {
  closeExplanations();
  const box = h("div", { className: "explain-inline", attrs: { "data-testid": "explain", role: "region", "aria-label": `Why ${rule}` } },
    h("p", { className: "muted", text: "Explaining…" }));
  place(box);
  state.graph?.select(`rule:${rule}`);
  const { status: code, body } = await post("/api/explain", { ...request(), rule, subject });
  if (!box.isConnected) return;
  const close = h("button", { className: "close", text: "×", title: "Close the explanation", attrs: { "aria-label": "Close", "data-testid": "explain-close" }, on: { click: closeExplanations } });
  if (code === 200) {
    renderExplanation(box, body, (span) => span.file === "<input>" && reveal(editors.rulesetView, spanRange(editors.rulesetView.state.doc, span)));
  } else {
    renderFailure(box, body);
  }
  box.prepend(close);
  box.scrollIntoView({ block: "nearest" });
}

function explainRow(row, element) {
  showExplanation(row.rule, row.subject ? row.subject.pointer : null, (box) => {
    element.classList.add("selected");
    element.querySelector(".explain-button")?.setAttribute("aria-expanded", "true");
    element.after(box);
  });
}

function explainAny(rule, subject) {
  showExplanation(rule, subject, (box) => $("explain-any-result").append(box));
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

function shareState() {
  const { ruleset, snapshot, folder } = request();
  return { folder, ruleset, snapshot, rulesetName: state.rulesetName, snapshotName: state.snapshotName };
}

/** A short link kept by the server (`/s/<id>`), or the whole state in the fragment without a store. */
async function share() {
  let link;
  if (state.config?.share.store) {
    const { status: code, body } = await storeState(shareState());
    if (code !== 200) {
      status(`Cannot share: ${body.message || `error ${code}`}`, "error");
      return;
    }
    link = body.url;
    history.replaceState(null, "", `/s/${body.id}`);
  } else {
    history.replaceState(null, "", `/${await encodeState(shareState())}`);
    link = location.href;
  }
  const box = $("share-link");
  box.value = link;
  box.hidden = false;
  box.select();
  try {
    await navigator.clipboard.writeText(link);
    status(`Link copied (${link.length} characters)`, "ok");
  } catch {
    status(`Link ready (${link.length} characters): copy it from the box`, "ok");
  }
}

/** The state a link names: `/s/<id>` (kept by the server) or `#v1.…` (in the link itself). */
async function sharedState() {
  const kept = location.pathname.match(/^\/s\/(.+)$/);
  if (kept) return loadShared(decodeURIComponent(kept[1]));
  return decodeState(location.hash);
}

/** Open the state a link names: true when opened, false for no link, "failed" (and said so) for a bad one. */
async function openShared() {
  let shared;
  try {
    shared = await sharedState();
  } catch (err) {
    status(`This share link cannot be opened: ${err.message}`, "error");
    return "failed";
  }
  if (!shared) return false;
  state.folder = folderInfo(shared.folder) ? shared.folder : state.catalog.default?.folder ?? null;
  // The file the text stood for, if this server's folder still has it; else the text stands alone.
  const files = folderInfo(state.folder)?.rulesets.map((r) => r.name) || [];
  state.rulesetName = shared.folder === state.folder && files.includes(shared.rulesetName) ? shared.rulesetName : null;
  state.snapshotName = shared.snapshotName ?? null;
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
    onChange: markStale,
  });
  anySubject = explainAnyPicker({
    rulePicker: $("explain-rule"), subjectPicker: $("explain-subject"), button: $("explain-go"),
    snapshotText: () => editors.snapshotView.state.doc.toString(), explain: explainAny,
  });
  anySubject.refresh(null);
  const [{ status: code, body }, config] = await Promise.all([get("/api/examples"), get("/api/config")]);
  if (code !== 200 || config.status !== 200) {
    status(body.message || config.body.message || "cannot load the examples", "error");
    return;
  }
  state.catalog = body;
  state.config = config.body;
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
  acceptSnapshotFiles({ input: $("snapshot-file"), pane: $("snapshot-pane"), load: loadSnapshotFile });
  window.addEventListener("hashchange", async () => { if (await openShared() === true) await evaluate(); });

  const opened = await openShared();
  if (opened !== true && body.default) {
    state.folder = body.default.folder;
    if (body.default.ruleset) await loadRuleset(body.default.folder, body.default.ruleset);
    if (body.default.snapshot) await loadSnapshot(body.default.snapshot);
  }
  // After a bad link the examples are loaded but not evaluated: the status keeps saying what was wrong.
  if (opened !== "failed" && editors.rulesetView.state.doc.length && editors.snapshotView.state.doc.length) await evaluate();
  window.playground = { ...editors, state, shownDiagnostics, ready: true };
  document.body.dataset.ready = "true";
}

start().catch((err) => status(`The playground failed to start: ${err.message}`, "error"));

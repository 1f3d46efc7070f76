// The dependency graph as SVG: a layered layout (longest path from the snapshot fields,
// articles last), node order within a layer by barycentre sweeps, edges as curves.
// Selecting a node highlights everything it reads (its ancestors) and what it cites.
import { h, replace, svg } from "./dom.js";

const NODE_W = 190;
const NODE_H = 22;
const GAP_Y = 8;
const GAP_X = 80;
const PAD = 12;
const KIND_ORDER = ["field", "param", "ladder", "def", "rule", "article"];

/** Layers and positions for {nodes, edges}; pure, so it can be reasoned about apart from the DOM. */
export function layout(graph) {
  const preds = new Map(graph.nodes.map((n) => [n.id, []]));
  const succs = new Map(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) {
    if (preds.has(e.target) && succs.has(e.source)) {
      preds.get(e.target).push(e.source);
      succs.get(e.source).push(e.target);
    }
  }
  const layer = new Map();
  const visiting = new Set();
  const depth = (id) => {
    if (layer.has(id)) return layer.get(id);
    if (visiting.has(id)) return 0; // the compiler rejects cycles; stay finite anyway
    visiting.add(id);
    const d = preds.get(id).length ? 1 + Math.max(...preds.get(id).map(depth)) : 0;
    visiting.delete(id);
    layer.set(id, d);
    return d;
  };
  graph.nodes.forEach((n) => depth(n.id));
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const nonArticle = graph.nodes.filter((n) => n.kind !== "article").map((n) => layer.get(n.id));
  const last = (nonArticle.length ? Math.max(...nonArticle) : 0) + 1;
  for (const n of graph.nodes) if (n.kind === "article") layer.set(n.id, last);

  const layers = [];
  for (const n of graph.nodes) {
    const l = layer.get(n.id);
    (layers[l] ||= []).push(n.id);
  }
  for (let i = 0; i < layers.length; i++) layers[i] ||= [];
  const rank = (id) => KIND_ORDER.indexOf(byId.get(id).kind);
  layers.forEach((ids) => ids.sort((a, b) => rank(a) - rank(b) || byId.get(a).label.localeCompare(byId.get(b).label)));

  const position = new Map();
  const index = () => layers.forEach((ids) => ids.forEach((id, i) => position.set(id, i)));
  index();
  const barycentre = (ids, neighbours) => {
    const score = new Map(ids.map((id, i) => {
      const ns = neighbours.get(id).filter((n) => position.has(n));
      return [id, ns.length ? ns.reduce((s, n) => s + position.get(n), 0) / ns.length : i];
    }));
    ids.sort((a, b) => score.get(a) - score.get(b));
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    for (let l = 1; l < layers.length; l++) { barycentre(layers[l], preds); index(); }
    for (let l = layers.length - 2; l >= 0; l--) { barycentre(layers[l], succs); index(); }
  }

  const tallest = Math.max(1, ...layers.map((ids) => ids.length));
  const height = PAD * 2 + tallest * (NODE_H + GAP_Y);
  const coords = new Map();
  layers.forEach((ids, l) => {
    const offset = ((tallest - ids.length) * (NODE_H + GAP_Y)) / 2;
    ids.forEach((id, i) => coords.set(id, { x: PAD + l * (NODE_W + GAP_X), y: PAD + offset + i * (NODE_H + GAP_Y) }));
  });
  return { coords, preds, succs, width: PAD * 2 + layers.length * (NODE_W + GAP_X) - GAP_X, height, layers };
}

/** Everything `id` reads, directly or not (its ancestors). */
export function inputsOf(id, preds) {
  const seen = new Set();
  const stack = [id];
  while (stack.length) {
    for (const p of preds.get(stack.pop()) || []) {
      if (!seen.has(p)) { seen.add(p); stack.push(p); }
    }
  }
  return seen;
}

function shorten(text, max = 28) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Draw the graph into `root`; returns {select(id)} so the page can select a rule. */
export function renderGraph(root, graph, { onSelect } = {}) {
  if (!graph.nodes.length) {
    replace(root, h("p", { className: "muted", text: "The ruleset has no nodes to draw." }));
    return { select() {} };
  }
  const { coords, preds, succs, width, height } = layout(graph);
  const edgeEls = [];
  const nodeEls = new Map();
  const edgesLayer = svg("g", { class: "edges" });
  for (const e of graph.edges) {
    const a = coords.get(e.source);
    const b = coords.get(e.target);
    if (!a || !b) continue;
    const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2, x2 = b.x, y2 = b.y + NODE_H / 2;
    const mid = (x1 + x2) / 2;
    const path = svg("path", { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, class: "edge" });
    edgeEls.push({ edge: e, el: path });
    edgesLayer.append(path);
  }
  const nodesLayer = svg("g", { class: "nodes" });
  for (const n of graph.nodes) {
    const c = coords.get(n.id);
    const g = svg("g", { class: `node kind-${n.kind}`, transform: `translate(${c.x},${c.y})`, "data-id": n.id, tabindex: 0, role: "button" },
      svg("title", {}, `${n.kind}: ${n.label}${n.span ? ` (${n.span.file}:${n.span.line})` : ""}`),
      svg("rect", { width: NODE_W, height: NODE_H, rx: 4 }),
      svg("text", { x: 8, y: NODE_H / 2 + 4 }, `${n.kind === "rule" ? "⚖ " : ""}${shorten(n.label)}`));
    g.addEventListener("click", () => select(n.id, true));
    g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") select(n.id, true); });
    nodeEls.set(n.id, g);
    nodesLayer.append(g);
  }
  const drawing = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "graph", "data-testid": "graph" }, edgesLayer, nodesLayer);
  const picker = h("select", { attrs: { "aria-label": "Select a rule", "data-testid": "graph-rule" } },
    h("option", { attrs: { value: "" }, text: "— select a rule to highlight its inputs —" }),
    graph.nodes.filter((n) => n.kind === "rule").map((n) => h("option", { attrs: { value: n.id }, text: n.label })));
  picker.addEventListener("change", () => select(picker.value || null, true));
  const legend = h("div", { className: "legend" }, KIND_ORDER.map((k) => h("span", { className: `chip kind-${k}`, text: k })));
  replace(root, h("div", { className: "graph-tools" }, picker, legend), h("div", { className: "graph-scroll" }, drawing));

  function select(id, fromUser = false) {
    const active = id ? new Set([id, ...inputsOf(id, preds), ...(succs.get(id) || []).filter((s) => s.startsWith("article:"))]) : null;
    drawing.classList.toggle("has-selection", Boolean(id));
    for (const [nid, el] of nodeEls) {
      el.classList.toggle("selected", nid === id);
      el.classList.toggle("input", Boolean(active && active.has(nid) && nid !== id));
    }
    for (const { edge, el } of edgeEls) el.classList.toggle("active", Boolean(active && active.has(edge.source) && active.has(edge.target)));
    picker.value = id && id.startsWith("rule:") ? id : "";
    if (id && nodeEls.get(id)) {
      const el = nodeEls.get(id);
      if (fromUser && onSelect) onSelect(graph.nodes.find((n) => n.id === id));
      // Within the graph's own scroller only: the window stays where the reviewer is
      // (scrollIntoView would pull the page down to the graph from the report or editor).
      if (!fromUser) {
        const scroller = drawing.parentElement;
        const c = coords.get(id);
        scroller.scrollLeft = Math.max(0, c.x + NODE_W / 2 - scroller.clientWidth / 2);
        scroller.scrollTop = Math.max(0, c.y + NODE_H / 2 - scroller.clientHeight / 2);
      }
    }
  }
  return { select: (id) => select(id, false) };
}

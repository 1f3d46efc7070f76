// Why a rule fired: each clause's decision tree with the value of every sub-expression.
import { h, replace, showValue } from "./dom.js";

function valueClass(value) {
  if (value === true) return "v-true";
  if (value === false) return "v-false";
  if (value === null) return "v-missing";
  return "v-value";
}

function nodeLine(node, onSpan) {
  const constant = node.kind === "Const";
  return h("span", { className: "trace-line" },
    h("button", { className: "link expr", text: node.expr || node.kind, title: `${node.kind} — show in the ruleset`, on: { click: (ev) => { ev.preventDefault(); onSpan(node.span); } } }),
    constant ? null : [" → ", h("span", { className: `value ${valueClass(node.value)}`, text: node.value === null ? "missing" : node.display ?? showValue(node.value) })],
    node.pointer ? h("span", { className: "pointer", text: ` ${node.pointer}` }) : null,
    node.note ? h("span", { className: "muted", text: ` (${node.note})` }) : null,
    node.missing.length ? h("span", { className: "missing", text: ` missing: ${node.missing.join(", ")}` }) : null);
}

function treeNode(node, onSpan) {
  // Variables under a field (`g` in `g.status`) say nothing the parent does not.
  const children = node.children.filter((c) => !(c.kind === "Var" && node.kind === "Field"));
  if (!children.length) return h("li", { className: "leaf" }, nodeLine(node, onSpan));
  return h("li", {}, h("details", { attrs: { open: true } },
    h("summary", {}, nodeLine(node, onSpan)),
    h("ul", {}, children.map((c) => treeNode(c, onSpan)))));
}

/** Render an /api/explain answer; `onSpan(span)` shows a sub-expression in the ruleset editor. */
export function renderExplanation(root, explanation, onSpan) {
  const subject = explanation.subject ? `${explanation.subject.collection} ${showValue(explanation.subject.id)} (${explanation.subject.pointer})` : "the platform";
  replace(root,
    h("h3", {}, "Why ", h("code", { text: explanation.rule }), ` for ${subject}: `,
      h("span", { className: `status-badge status-${explanation.outcome}`, attrs: { "data-testid": "outcome" }, text: explanation.outcome.replace(/_/g, " ") })),
    explanation.title ? h("p", { className: "muted", text: explanation.title }) : null,
    explanation.message ? h("p", { className: "message", text: explanation.message }) : null,
    explanation.clauses.map((clause) => h("div", { className: "clause" },
      h("div", { className: "clause-name", text: clause.clause }),
      h("ul", { className: "trace" }, treeNode(clause.tree, onSpan)))));
}

// Why a rule fired: each clause's decision tree with the value of every sub-expression.
// The tree is the engine's (`lawcode.engine.explain`, the one `lawcode explain` prints):
// bindings and literals are already folded into their parents, so every node is a line.
import { h, replace, showValue } from "./dom.js";

const OUTCOME_CLASS = { true: "v-true", false: "v-false", missing: "v-missing", value: "v-value" };

/** Text with `code` spans (the engine's reasons name clauses so) as text and <code> nodes. */
function withCode(text) {
  return text.split("`").map((part, i) => (i % 2 ? h("code", { text: part }) : part));
}

function nodeLine(node, onSpan) {
  // A literal's value is its own text (`2`, `true`): shown once, as `lawcode explain` does.
  const literal = node.display === node.expr;
  const missing = node.missing.filter((m) => m !== node.pointer);
  return h("span", { className: "trace-line" },
    h("button", { className: "link expr", text: node.expr || node.kind, title: `${node.kind} — show in the ruleset`, on: { click: (ev) => { ev.preventDefault(); onSpan(node.span); } } }),
    literal ? null : [" → ", h("span", { className: `value ${OUTCOME_CLASS[node.outcome]}`, text: node.outcome === "missing" ? "missing" : node.display })],
    node.pointer ? h("span", { className: "pointer", text: ` ${node.pointer}` }) : null,
    node.note ? h("span", { className: "muted", text: ` (${node.note})` }) : null,
    missing.length ? h("span", { className: "missing", text: ` missing: ${missing.join(", ")}` }) : null);
}

function treeNode(node, onSpan) {
  if (!node.children.length) return h("li", { className: "leaf" }, nodeLine(node, onSpan));
  return h("li", {}, h("details", { attrs: { open: true } },
    h("summary", {}, nodeLine(node, onSpan)),
    h("ul", {}, node.children.map((c) => treeNode(c, onSpan)))));
}

/** Render an /api/explain answer (`Explanation.to_json()`); `onSpan(span)` shows a sub-expression in the ruleset editor. */
export function renderExplanation(root, explanation, onSpan) {
  const subject = explanation.subject ? `${explanation.subject.collection} ${showValue(explanation.subject.id)} (${explanation.subject.pointer})` : "the platform";
  const failing = explanation.outcome === "violated" || explanation.outcome === "undetermined";
  replace(root,
    h("h3", {}, "Why ", h("code", { text: explanation.rule }), ` for ${subject}: `,
      h("span", { className: `status-badge status-${explanation.outcome}`, attrs: { "data-testid": "outcome" }, text: explanation.outcome.replace(/_/g, " ") }),
      h("span", { className: "reason", attrs: { "data-testid": "reason" } }, " — ", withCode(explanation.reason))),
    explanation.title ? h("p", { className: "muted", text: explanation.title }) : null,
    explanation.message && failing ? h("p", { className: "message", text: explanation.message }) : null,
    // One block per clause, in the order the decision read them: two `require` clauses
    // are two blocks, each its own line, never run together.
    explanation.clauses.map((clause) => h("div", { className: "clause", attrs: { "data-testid": "clause" }, dataset: { clause: clause.clause } },
      h("div", { className: "clause-name", text: clause.clause }),
      h("ul", { className: "trace" }, treeNode(clause.tree, onSpan)))),
    // Undetermined: these facts are why; otherwise they were read as absent and decided.
    explanation.missing.length ? h("p", { className: "missing", attrs: { "data-testid": "missing" } },
      h("strong", { text: explanation.outcome === "undetermined" ? "missing " : "absent " }), explanation.missing.join(", ")) : null);
}

// The evaluation report: summary, violations (with citation and evidence), undetermined
// subjects, rules not in force, warnings. All text goes in through dom.js (text nodes).
import { h, replace, showValue } from "./dom.js";

const SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"];

/** As `Citation.label` writes it: `groups-2017 art 8 para 1` (`task` for documents counted in tasks). */
export function citationLabel(c, documents) {
  const unit = documents?.[c.document]?.articles?.[String(c.article)]?.unit === "task" ? "task" : "art";
  let text = `${c.document} ${unit} ${c.article}`;
  if (c.paragraph != null) text += ` para ${c.paragraph}`;
  if (c.item != null) text += ` item ${c.item}`;
  return text;
}

/** The article text we hold for a citation: document title, article and paragraph summaries. */
export function citationDetails(c, documents) {
  const doc = documents?.[c.document];
  const lines = [];
  if (doc) lines.push(`${doc.title} (${doc.issuer}${doc.in_force ? `, in force ${doc.in_force}` : ""})`);
  const article = doc?.articles?.[String(c.article)];
  if (article?.summary) lines.push(`Article ${c.article}: ${article.summary}`);
  const paragraph = c.paragraph != null ? article?.paragraphs?.[String(c.paragraph)] : null;
  if (paragraph?.summary) lines.push(`Paragraph ${c.paragraph}: ${paragraph.summary}`);
  const item = c.item != null ? paragraph?.items?.[String(c.item)] : null;
  if (item) lines.push(`Item ${c.item}: ${item}`);
  if (!lines.length && c.summary) lines.push(c.summary);
  return lines;
}

function citationCell(c, documents) {
  const details = citationDetails(c, documents);
  const source = documents?.[c.document]?.source;
  // Opening the citation is not a request to explain the row it sits in.
  return h("details", { className: "citation", title: details.join("\n"), on: { click: (ev) => ev.stopPropagation() } },
    h("summary", { text: citationLabel(c, documents) }),
    details.map((line) => h("div", { text: line })),
    source ? h("div", { className: "muted", text: source }) : null);
}

function subjectText(subject) {
  return subject ? `${subject.collection} ${showValue(subject.id)}` : "platform";
}

function severity(level) {
  return h("span", { className: `severity severity-${SEVERITY_ORDER.includes(level) ? level : "info"}`, text: level });
}

function evidenceList(evidence) {
  return h("ul", { className: "evidence" }, evidence.map((e) => h("li", {},
    h("code", { text: e.expr }), " = ", h("strong", { text: showValue(e.value) }),
    e.pointer ? h("span", { className: "pointer", text: ` ${e.pointer}` }) : null,
    e.note ? h("span", { className: "muted", text: ` (${e.note})` }) : null)));
}

/**
 * Render a report into `root`. `actions`: {explain(violation, row), showRule(rule, source),
 * showPointer(pointer)}.
 */
export function renderReport(root, report, actions) {
  const s = report.summary;
  const status = h("span", { className: `status-badge status-${s.status}`, text: s.status });
  const bySeverity = Object.entries(s.by_severity).map(([k, v]) => `${v} ${k}`).join(", ");
  const summary = h("p", { className: "summary", attrs: { "data-testid": "summary" } },
    status, " ",
    `${s.violations} violation${s.violations === 1 ? "" : "s"}${bySeverity ? ` (${bySeverity})` : ""} · `,
    `${s.undetermined} undetermined · ${s.rules_in_force} of ${s.rules} rules in force · `,
    `${s.subjects_checked} subject checks · as of ${report.as_of}`);

  const violations = report.violations.length
    ? h("table", { className: "violations", attrs: { "data-testid": "violations" } },
      h("colgroup", {}, ["severity", "rule", "subject", "message", "citation", "evidence", "action"].map((c) => h("col", { className: `c-${c}` }))),
      h("thead", {}, h("tr", {}, ["Severity", "Rule", "Subject", "Message", "Citation", "Evidence", ""].map((t) => h("th", { text: t })))),
      h("tbody", {}, report.violations.map((v, i) => {
        const row = h("tr", { dataset: { index: i, rule: v.rule } },
          h("td", {}, severity(v.severity)),
          h("td", {}, h("button", { className: "link rule-link", text: v.rule, title: v.title || "show the rule", on: { click: (ev) => { ev.stopPropagation(); actions.showRule(v.rule, v.source); } } })),
          h("td", {}, v.subject
            ? h("button", { className: "link", text: subjectText(v.subject), title: v.subject.pointer, on: { click: (ev) => { ev.stopPropagation(); actions.showPointer(v.subject.pointer); } } })
            : "platform"),
          h("td", { className: "message", text: v.message }),
          h("td", {}, v.citations.map((c) => citationCell(c, report.documents))),
          h("td", {}, evidenceList(v.evidence)),
          h("td", {}, h("button", { className: "explain-button", text: "Explain", on: { click: (ev) => { ev.stopPropagation(); actions.explain(v, row); } } })));
        row.addEventListener("click", () => actions.explain(v, row));
        return row;
      })))
    : h("p", { className: "muted", text: "No violations." });

  const undetermined = report.undetermined.length
    ? h("table", { className: "undetermined", attrs: { "data-testid": "undetermined" } },
      h("colgroup", {}, ["severity", "rule", "subject", "missing", "citation", "action"].map((c) => h("col", { className: `c-${c}` }))),
      h("thead", {}, h("tr", {}, ["Severity", "Rule", "Subject", "Missing facts", "Citation", ""].map((t) => h("th", { text: t })))),
      h("tbody", {}, report.undetermined.map((u) => {
        const row = h("tr", {},
          h("td", {}, severity(u.severity)),
          h("td", {}, h("button", { className: "link rule-link", text: u.rule, on: { click: () => actions.showRule(u.rule, null) } })),
          h("td", { text: subjectText(u.subject) }),
          h("td", {}, u.missing.map((p) => h("button", { className: "link pointer", text: p, on: { click: () => actions.showPointer(p.split("?")[0]) } }))),
          h("td", {}, citationCell(u.citation, report.documents)),
          h("td", {}, h("button", { className: "explain-button", text: "Explain", on: { click: () => actions.explain(u, row) } })));
        return row;
      })))
    : h("p", { className: "muted", text: "Nothing undetermined." });

  const notInForce = report.not_in_force.length
    ? h("ul", { className: "not-in-force", attrs: { "data-testid": "not-in-force" } }, report.not_in_force.map((n) => h("li", {},
      h("code", { text: n.rule }), ` — ${citationLabel(n.citation, report.documents)} — in force `,
      n.in_force_from ? `from ${n.in_force_from}` : "", n.in_force_until ? ` until ${n.in_force_until}` : "")))
    : h("p", { className: "muted", text: "Every rule is in force on this date." });

  const warnings = report.warnings?.length
    ? [h("h3", { text: "Warnings" }), h("ul", { className: "problems" }, report.warnings.map((d) => h("li", { text: `${d.code}: ${d.message}` })))]
    : [];

  replace(root,
    summary,
    h("h3", { text: `Violations (${report.violations.length})` }), violations,
    h("h3", { text: `Undetermined (${report.undetermined.length})` }), undetermined,
    h("h3", { text: `Not in force (${report.not_in_force.length})` }), notInForce,
    warnings);
}

/** An error answer (422 with diagnostics, 413, 503, …) in the report area. */
export function renderFailure(root, body) {
  replace(root,
    h("p", { className: "failure", attrs: { "data-testid": "failure" } }, h("strong", { text: body.error || "error" }), ": ", body.message || ""),
    body.diagnostics?.length ? h("ul", { className: "problems" }, body.diagnostics.map(diagnosticItem)) : null);
}

export function diagnosticItem(d, onClick) {
  const where = d.span ? `${d.span.file === "<input>" ? "" : `${d.span.file} `}${d.span.line}:${d.span.column}` : (d.pointer ?? d.where ?? (d.line ? `line ${d.line}` : ""));
  const item = h("li", { className: `diag diag-${d.level}` },
    where ? h("span", { className: "where", text: where }) : null, " ",
    h("span", { className: "level", text: `${d.level}[${d.code}]` }), " ", d.message,
    d.hint ? h("div", { className: "hint", text: `hint: ${d.hint}` }) : null);
  if (onClick) {
    item.classList.add("clickable");
    item.addEventListener("click", () => onClick(d));
  }
  return item;
}

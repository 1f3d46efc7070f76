// The evaluation report: summary, filters, the violations and undetermined subjects
// grouped by document and article (with citation and evidence), rules not in force,
// warnings. All text goes in through dom.js (text nodes).
import { append, h, replace, showValue } from "./dom.js";
import { filterToolbar, groupRows, rowsOf, SEVERITY_ORDER } from "./filters.js";

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

/** The subject's collection and id, and its display name beside the id where the schema declares one. */
function subjectText(subject) {
  if (!subject) return "platform";
  return `${subject.collection} ${showValue(subject.id)}` + (subject.name ? ` (${subject.name})` : "");
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

// On a narrow screen the rows are cards and their evidence starts folded (a phone
// would otherwise scroll through every value read); on a wide one it is open.
const NARROW = "(max-width: 760px)";
const PAGE = 40; // rows drawn at first, and per "show more"

/** One row of the report: a grid line on wide screens, a card on narrow ones. */
function reportRow(row, report, actions) {
  const item = h("div", { className: `item item-${row.outcome}`, attrs: { "data-testid": "row", role: "listitem" }, dataset: { rule: row.rule, outcome: row.outcome, subject: row.subject?.pointer ?? "" } });
  const explain = h("button", { className: "explain-button", text: "Explain", attrs: { "aria-expanded": "false" }, on: { click: (ev) => { ev.stopPropagation(); actions.explain(row, item); } } });
  const narrow = window.matchMedia(NARROW).matches;
  const details = row.outcome === "violated"
    ? h("details", { className: "evidence-box", attrs: { open: !narrow } }, h("summary", { text: `${row.evidence.length} value${row.evidence.length === 1 ? "" : "s"} read` }), evidenceList(row.evidence))
    : h("div", { className: "missing-facts" }, h("span", { className: "muted", text: "missing: " }),
      row.missing.map((p) => h("button", { className: "link pointer", text: p, on: { click: (ev) => { ev.stopPropagation(); actions.showPointer(p.split("?")[0]); } } })));
  return append(item, [
    h("div", { className: "cell c-severity" }, severity(row.severity),
      row.outcome === "undetermined" ? h("span", { className: "status-badge status-undetermined", text: "undetermined" }) : null),
    h("div", { className: "cell c-rule" }, h("button", { className: "link rule-link", text: row.rule, title: row.title || "show the rule", on: { click: (ev) => { ev.stopPropagation(); actions.showRule(row.rule, row.source); } } })),
    h("div", { className: "cell c-subject" }, row.subject
      ? h("button", { className: "link", text: subjectText(row.subject), title: row.subject.pointer, on: { click: (ev) => { ev.stopPropagation(); actions.showPointer(row.subject.pointer); } } })
      : "platform"),
    h("div", { className: "cell c-message", text: row.message }),
    h("div", { className: "cell c-citation" }, row.citations.map((c) => citationCell(c, report.documents)),
      (row.related || []).length ? h("div", { className: "related" }, h("span", { className: "muted", text: "see " }), row.related.map((c) => citationCell(c, report.documents))) : null),
    h("div", { className: "cell c-evidence" }, details),
    h("div", { className: "cell c-action" }, explain)]);
}

function articleHeading(article, report) {
  const details = citationDetails(article.citation, report.documents);
  const summary = report.documents?.[article.citation.document]?.articles?.[String(article.citation.article)];
  const label = citationLabel(article.citation, report.documents).slice(article.citation.document.length + 1);
  return h("h4", { className: "article-heading", title: details.join("\n") },
    h("span", { className: "article-label", text: label }), " ",
    h("span", { className: "article-summary", text: summary?.summary ?? "" }),
    h("span", { className: "count", text: ` (${article.rows.length})` }));
}

function drawGroups(list, groups, report, actions, limit, more) {
  const head = h("div", { className: "item item-head", attrs: { "aria-hidden": "true" } },
    ["Severity", "Rule", "Subject", "Message", "Citation", "Evidence", ""].map((t) => h("div", { className: "cell", text: t })));
  let drawn = 0;
  const drawRows = (rows) => {
    const out = [];
    for (const row of rows) {
      if (drawn >= limit) break;
      out.push(reportRow(row, report, actions));
      drawn += 1;
    }
    return out;
  };
  const blocks = [];
  for (const group of groups) {
    if (drawn >= limit) break;
    const doc = report.documents?.[group.key];
    const title = group.articles ? `${group.key}${doc ? ` — ${doc.title}` : ""}` : group.label;
    const body = group.articles
      ? group.articles.map((a) => (drawn < limit ? h("section", { className: "article", attrs: { "data-testid": "article" } }, articleHeading(a, report), h("div", { attrs: { role: "list" } }, drawRows(a.rows))) : null))
      : h("div", { attrs: { role: "list" } }, drawRows(group.rows));
    blocks.push(h("section", { className: "group", attrs: { "data-testid": "group" }, dataset: { key: group.key } },
      h("h3", { className: "group-heading" }, group.articles ? title : severity(group.label), h("span", { className: "count", text: ` (${group.rows.length})` })),
      body));
  }
  const total = groups.reduce((n, g) => n + g.rows.length, 0);
  replace(list, total ? head : h("p", { className: "muted", text: "No row passes these filters." }), blocks,
    total > drawn ? h("button", { className: "show-more", attrs: { "data-testid": "show-more" }, text: `Show ${Math.min(PAGE, total - drawn)} more (${total - drawn} not shown)`, on: { click: more } }) : null);
}

/**
 * Render a report into `root`: the summary, the filters, the rows grouped by document and
 * article, rules not in force, warnings. `actions`: {explain(row, element), showRule(rule,
 * source), showPointer(pointer)}; `filters` (filters.js) outlive the report.
 */
export function renderReport(root, report, actions, filters) {
  const s = report.summary;
  const bySeverity = Object.entries(s.by_severity).map(([k, v]) => `${v} ${k}`).join(", ");
  const summary = h("p", { className: "summary", attrs: { "data-testid": "summary" } },
    h("span", { className: `status-badge status-${s.status}`, text: s.status }), " ",
    `${s.violations} violation${s.violations === 1 ? "" : "s"}${bySeverity ? ` (${bySeverity})` : ""} · `,
    `${s.undetermined} undetermined · ${s.rules_in_force} of ${s.rules} rules in force · `,
    `${s.subjects_checked} subject checks · as of ${report.as_of}`);
  const rows = rowsOf(report);
  const shownCount = h("p", { className: "shown muted", attrs: { "data-testid": "shown" } });
  const list = h("div", { className: "rows", attrs: { "data-testid": "rows" } });
  let limit = PAGE;
  const draw = () => {
    toolbar.update(rows);
    const groups = groupRows(rows, filters, (c) => citationLabel(c, report.documents));
    const violated = groups.reduce((n, g) => n + g.rows.filter((r) => r.outcome === "violated").length, 0);
    const undetermined = groups.reduce((n, g) => n + g.rows.filter((r) => r.outcome === "undetermined").length, 0);
    shownCount.textContent = `Showing ${violated} of ${report.violations.length} violations and ${undetermined} of ${report.undetermined.length} undetermined`;
    drawGroups(list, groups, report, actions, limit, () => { limit += PAGE; draw(); });
  };
  const toolbar = filterToolbar(filters, () => { limit = PAGE; draw(); });

  const notInForce = report.not_in_force.length
    ? h("ul", { className: "not-in-force", attrs: { "data-testid": "not-in-force" } }, report.not_in_force.map((n) => h("li", {},
      h("code", { text: n.rule }), ` — ${citationLabel(n.citation, report.documents)} — in force `,
      n.in_force_from ? `from ${n.in_force_from}` : "", n.in_force_until ? ` until ${n.in_force_until}` : "")))
    : h("p", { className: "muted", text: "Every rule is in force on this date." });
  const warnings = report.warnings?.length
    ? [h("h3", { text: "Warnings" }), h("ul", { className: "problems" }, report.warnings.map((d) => h("li", { text: `${d.code}: ${d.message}` })))]
    : [];

  replace(root, summary, rows.length ? [toolbar.root, shownCount, list] : h("p", { className: "muted", attrs: { "data-testid": "no-rows" }, text: "No violations, nothing undetermined." }),
    h("h3", { text: `Not in force (${report.not_in_force.length})` }), notInForce, warnings);
  if (rows.length) draw();
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

// Filtering, sorting and grouping the report's rows, as `lawcode check`'s text report
// groups them: by document, then by article (its citation), the most severe first.
// Pure functions over plain rows, plus the toolbar that edits a `Filters` object; the
// counts shown beside each choice are those the other filters leave.
import { h, replace } from "./dom.js";

export const SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"];
export const OUTCOMES = ["violated", "undetermined"];

/** The filters a reviewer set; kept across evaluations so a re-run shows the same slice. */
export function defaultFilters() {
  return { severities: new Set(SEVERITY_ORDER), outcomes: new Set(OUTCOMES), document: "", rule: "", text: "", order: "article" };
}

/** Violations and undetermined subjects as one kind of row. */
export function rowsOf(report) {
  const violated = report.violations.map((v, index) => ({ ...v, outcome: "violated", index }));
  const undetermined = report.undetermined.map((u, index) => ({ ...u, outcome: "undetermined", citations: [u.citation], evidence: [], index }));
  return [...violated, ...undetermined];
}

function severityRank(level) {
  const i = SEVERITY_ORDER.indexOf(level);
  return i < 0 ? SEVERITY_ORDER.length : i;
}

/** Everything a text filter looks through: rule, title, subject, message, citation, evidence. */
function haystack(row) {
  const subject = row.subject ? `${row.subject.collection} ${row.subject.id} ${row.subject.name ?? ""} ${row.subject.pointer}` : "platform";
  const cited = row.citations.map((c) => `${c.document} art ${c.article} ${c.summary ?? ""}`).join(" ");
  const evidence = row.evidence.map((e) => `${e.expr} ${JSON.stringify(e.value)}`).join(" ");
  return `${row.rule} ${row.title ?? ""} ${subject} ${row.message} ${cited} ${evidence} ${(row.missing || []).join(" ")}`.toLowerCase();
}

/** Whether a row passes every filter but those named in `skip` (for the counts beside a choice). */
export function passes(row, filters, skip = "") {
  if (skip !== "severity" && !filters.severities.has(row.severity)) return false;
  if (skip !== "outcome" && !filters.outcomes.has(row.outcome)) return false;
  if (skip !== "document" && filters.document && row.citation.document !== filters.document) return false;
  if (skip !== "rule" && filters.rule && row.rule !== filters.rule) return false;
  if (skip !== "text" && filters.text && !haystack(row).includes(filters.text.toLowerCase())) return false;
  return true;
}

function compareCitation(a, b) {
  return a.document.localeCompare(b.document) || a.article - b.article
    || (a.paragraph ?? -1) - (b.paragraph ?? -1) || (a.item ?? -1) - (b.item ?? -1);
}

function compareRows(a, b) {
  return severityRank(a.severity) - severityRank(b.severity) || a.rule.localeCompare(b.rule)
    || (a.subject?.pointer ?? "").localeCompare(b.subject?.pointer ?? "", undefined, { numeric: true });
}

/**
 * The rows that pass, in groups: `[{key, label, rows, articles?}]`. Order `article`:
 * documents, then articles in their order, rows by severity; order `severity`: one
 * group per severity, rows by rule and subject.
 */
export function groupRows(rows, filters, articleLabel) {
  const shown = rows.filter((r) => passes(r, filters));
  if (filters.order === "severity") {
    return SEVERITY_ORDER.map((level) => ({ key: level, label: level, rows: shown.filter((r) => r.severity === level).sort(compareRows) }))
      .filter((g) => g.rows.length);
  }
  const documents = new Map();
  for (const row of [...shown].sort((a, b) => compareCitation(a.citation, b.citation) || compareRows(a, b))) {
    const doc = row.citation.document;
    if (!documents.has(doc)) documents.set(doc, { key: doc, label: doc, rows: [], articles: new Map() });
    const group = documents.get(doc);
    group.rows.push(row);
    const label = articleLabel(row.citation);
    if (!group.articles.has(label)) group.articles.set(label, { key: label, citation: row.citation, rows: [] });
    group.articles.get(label).rows.push(row);
  }
  return [...documents.values()].map((g) => ({ ...g, articles: [...g.articles.values()] }));
}

function counted(values, key) {
  const counts = new Map();
  for (const v of values) counts.set(key(v), (counts.get(key(v)) || 0) + 1);
  return counts;
}

/**
 * The toolbar: severity and outcome checkboxes, document and rule pickers, a text box and
 * the order. `onChange()` runs after every edit of `filters`; `update(rows)` refreshes the
 * counts beside each choice.
 */
export function filterToolbar(filters, onChange) {
  const root = h("div", { className: "filters", attrs: { "data-testid": "filters" } });
  const boxes = new Map();
  const checkbox = (set, value, label) => {
    const input = h("input", { attrs: { type: "checkbox", value, "data-testid": `filter-${value}`, checked: set.has(value) }, on: { change: () => { if (input.checked) set.add(value); else set.delete(value); onChange(); } } });
    const count = h("span", { className: "count" });
    boxes.set(value, count);
    return h("label", { className: `chip-filter ${SEVERITY_ORDER.includes(value) ? `sev-${value}` : `out-${value}`}` }, input, ` ${label} `, count);
  };
  const select = (name, label) => h("select", { attrs: { "data-testid": `filter-${name}`, "aria-label": label }, on: { change: (ev) => { filters[name] = ev.target.value; onChange(); } } });
  const documentPicker = select("document", "Document");
  const rulePicker = select("rule", "Rule");
  let typing = null;
  const text = h("input", {
    attrs: { type: "search", placeholder: "Filter text…", value: filters.text, "data-testid": "filter-text", "aria-label": "Filter by text" },
    on: { input: (ev) => { clearTimeout(typing); typing = setTimeout(() => { filters.text = ev.target.value.trim(); onChange(); }, 150); } },
  });
  const order = h("select", { attrs: { "data-testid": "filter-order", "aria-label": "Order" }, on: { change: (ev) => { filters.order = ev.target.value; onChange(); } } },
    h("option", { attrs: { value: "article" }, text: "By document and article" }),
    h("option", { attrs: { value: "severity" }, text: "By severity" }));
  order.value = filters.order;
  replace(root,
    h("div", { className: "filter-line" }, SEVERITY_ORDER.map((s) => checkbox(filters.severities, s, s))),
    h("div", { className: "filter-line" }, OUTCOMES.map((o) => checkbox(filters.outcomes, o, o)), documentPicker, rulePicker),
    h("div", { className: "filter-line" }, text, order));

  const fill = (picker, all, counts, current, name) => {
    replace(picker, h("option", { attrs: { value: "" }, text: `Every ${name}` }),
      all.map((value) => h("option", { attrs: { value }, text: `${value} (${counts.get(value) || 0})` })));
    picker.value = all.includes(current) ? current : "";
    filters[name] = picker.value;
  };
  return {
    root,
    update(rows) {
      for (const [value, span] of boxes) {
        const isSeverity = SEVERITY_ORDER.includes(value);
        const n = rows.filter((r) => (isSeverity ? r.severity : r.outcome) === value && passes(r, filters, isSeverity ? "severity" : "outcome")).length;
        span.textContent = String(n);
      }
      fill(documentPicker, [...new Set(rows.map((r) => r.citation.document))].sort(), counted(rows.filter((r) => passes(r, filters, "document")), (r) => r.citation.document), filters.document, "document");
      fill(rulePicker, [...new Set(rows.map((r) => r.rule))].sort(), counted(rows.filter((r) => passes(r, filters, "rule")), (r) => r.rule), filters.rule, "rule");
    },
  };
}

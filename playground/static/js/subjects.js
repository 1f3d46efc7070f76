// "Explain any subject": pick a rule the report covers and any subject it checks, failing
// or not (why a rule stayed silent is half of what reviewers ask). The subjects are the
// elements of the rule's collection in the snapshot as the editor holds it, named by id.
import { h, replace, showValue } from "./dom.js";

const MAX_SUBJECTS = 2000; // a picker longer than this helps nobody; the rest by pointer

/** The snapshot text as JSON, or null while it does not parse. */
function parsed(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** `[{pointer, label}]` for the elements of `collection` in the snapshot text. */
export function subjectsOf(snapshotText, collection, outcomes) {
  const data = parsed(snapshotText);
  const elements = data && Array.isArray(data[collection]) ? data[collection] : [];
  return elements.slice(0, MAX_SUBJECTS).map((element, i) => {
    const pointer = `/${collection}/${i}`;
    const id = element && typeof element === "object" && "id" in element ? showValue(element.id) : `#${i}`;
    const outcome = outcomes.get(pointer) || "satisfied or not applicable";
    return { pointer, label: `${id} — ${outcome}` };
  });
}

/**
 * Fill the rule and subject pickers from a report (`report.rules`) and the snapshot text;
 * `explain(rule, pointer)` runs on the button. Returns `refresh(report)` for new reports.
 */
export function explainAnyPicker({ rulePicker, subjectPicker, button, snapshotText, explain }) {
  let report = null;
  const outcomesOf = (rule) => {
    const out = new Map();
    for (const v of report?.violations || []) if (v.rule === rule && v.subject) out.set(v.subject.pointer, "violated");
    for (const u of report?.undetermined || []) if (u.rule === rule && u.subject) out.set(u.subject.pointer, "undetermined");
    return out;
  };
  const fillSubjects = () => {
    const rule = report?.rules.find((r) => r.id === rulePicker.value);
    if (!rule) {
      replace(subjectPicker);
      subjectPicker.disabled = true;
      return;
    }
    if (rule.collection === null) {
      replace(subjectPicker, h("option", { attrs: { value: "" }, text: "the platform" }));
      subjectPicker.disabled = true;
      return;
    }
    const subjects = subjectsOf(snapshotText(), rule.collection, outcomesOf(rule.id));
    replace(subjectPicker, subjects.length ? subjects.map((s) => h("option", { attrs: { value: s.pointer }, text: s.label }))
      : h("option", { attrs: { value: "" }, text: `no ${rule.collection} in the snapshot` }));
    subjectPicker.disabled = !subjects.length;
  };
  rulePicker.addEventListener("change", fillSubjects);
  button.addEventListener("click", () => {
    const rule = report?.rules.find((r) => r.id === rulePicker.value);
    if (rule && (rule.collection === null || subjectPicker.value)) explain(rule.id, rule.collection === null ? null : subjectPicker.value);
  });
  return {
    refresh(next) {
      report = next;
      const current = rulePicker.value;
      replace(rulePicker, (report?.rules || []).map((r) => h("option", {
        attrs: { value: r.id }, text: `${r.id} (${r.collection === null ? "platform" : r.collection})`,
      })));
      if (report?.rules.some((r) => r.id === current)) rulePicker.value = current;
      fillSubjects();
      button.disabled = !report?.rules.length;
    },
    fillSubjects,
  };
}

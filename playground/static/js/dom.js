// Building DOM safely: every piece of text becomes a text node, never markup.
// Nothing in the playground assigns innerHTML, so a snapshot value such as
// `<img src=x onerror=...>` is shown as the characters it is.

/** Create an element. `props`: className, title, text, attrs (plain attributes), on (events), dataset. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  if (props.className) el.className = props.className;
  if (props.title != null) el.title = String(props.title);
  if (props.text != null) el.textContent = String(props.text);
  for (const [name, value] of Object.entries(props.attrs || {})) {
    if (/^on/i.test(name)) throw new Error(`refusing to set event attribute ${name}`);
    if (value != null && value !== false) el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const [name, value] of Object.entries(props.dataset || {})) el.dataset[name] = String(value);
  for (const [event, handler] of Object.entries(props.on || {})) el.addEventListener(event, handler);
  append(el, children);
  return el;
}

/** Append children: strings and numbers as text nodes, nodes as they are, arrays flattened. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Remove every child, then append new ones. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** SVG elements (the dependency graph). Attributes only; text through textContent. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (/^on/i.test(name)) throw new Error(`refusing to set event attribute ${name}`);
    if (value != null) el.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child == null) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A JSON value as short text for tables (strings unquoted, the rest as JSON). */
export function showValue(value) {
  if (value === null || value === undefined) return "(missing)";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

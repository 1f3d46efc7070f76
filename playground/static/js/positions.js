// Where a server diagnostic belongs in an editor's text.
// Spans count lines from 1 and columns in characters (code points), end exclusive;
// CodeMirror counts UTF-16 units from 0. Snapshot problems come as JSON pointers,
// found in the JSON syntax tree the editor already has.
import { ensureSyntaxTree } from "../vendor/codemirror.js";

/** Offset of a 1-based line and 1-based code-point column, clamped to the text. */
export function offsetAt(doc, line, column) {
  const target = doc.line(Math.min(Math.max(line, 1), doc.lines));
  let i = 0;
  for (let cp = 1; cp < column && i < target.length; cp++) {
    i += target.text.codePointAt(i) > 0xffff ? 2 : 1;
  }
  return target.from + i;
}

/** {from, to} of a span, never empty (an empty range would be invisible). */
export function spanRange(doc, span) {
  let from = offsetAt(doc, span.line, span.column);
  let to = offsetAt(doc, span.end_line ?? span.line, span.end_column ?? span.column + 1);
  if (to < from) to = from;
  if (to === from) {
    const line = doc.lineAt(from);
    if (to < line.to) to += 1;
    else if (from > line.from) from -= 1;
  }
  return { from, to };
}

function decodePointer(pointer) {
  if (!pointer) return [];
  return pointer.split("/").slice(1).map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function values(node) {
  const out = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (!["[", "]", "{", "}", ",", ":", "⚠"].includes(child.name)) out.push(child);
  }
  return out;
}

/** {from, to} of the value at a JSON pointer; for a missing part, its parent's opening line. */
export function pointerRange(state, pointer) {
  const tree = ensureSyntaxTree(state, state.doc.length, 500);
  if (!tree) return null;
  let node = tree.topNode.firstChild;
  while (node && !["Object", "Array", "String", "Number", "True", "False", "Null"].includes(node.name)) node = node.nextSibling;
  if (!node) return null;
  let keyRange = null;
  for (const part of decodePointer(pointer)) {
    let next = null;
    if (node.name === "Object") {
      for (const property of node.getChildren("Property")) {
        const name = property.getChild("PropertyName");
        if (!name) continue;
        let key;
        try {
          key = JSON.parse(state.doc.sliceString(name.from, name.to));
        } catch {
          continue;
        }
        if (key === part) {
          keyRange = { from: name.from, to: name.to };
          next = property.lastChild && property.lastChild.name !== "PropertyName" ? property.lastChild : null;
          break;
        }
      }
    } else if (node.name === "Array") {
      next = values(node)[Number(part)] || null;
      keyRange = null;
    }
    if (!next) return opening(state, node);
    node = next;
  }
  if (node.name === "Object" || node.name === "Array") return keyRange || opening(state, node);
  return { from: node.from, to: node.to };
}

function opening(state, node) {
  return { from: node.from, to: Math.min(node.to, node.from + 1) };
}

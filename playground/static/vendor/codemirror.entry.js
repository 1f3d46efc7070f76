// Everything the lawcode playground uses from CodeMirror 6, re-exported from one module.
export { basicSetup, EditorView } from "codemirror";
export { EditorState, EditorSelection } from "@codemirror/state";
export { keymap } from "@codemirror/view";
export { StreamLanguage, syntaxTree, ensureSyntaxTree } from "@codemirror/language";
export { linter, lintGutter, forceLinting, forEachDiagnostic } from "@codemirror/lint";
export { json, jsonParseLinter } from "@codemirror/lang-json";

// Syntax highlighting for the lawcode DSL (a CodeMirror stream parser; the grammar
// itself lives in dsl/grammar.lark, and the server's diagnostics are the real check).
import { StreamLanguage } from "../vendor/codemirror.js";

const DECLARATIONS = new Set(["import", "schema", "document", "parameter", "def", "ladder", "rule"]);
const NAMES_NEXT = new Set(["document", "parameter", "def", "ladder", "rule"]);
const CLAUSES = new Set([
  "title", "issuer", "issued", "in_force", "source", "article", "task", "paragraph", "item", "not_applicable",
  "cites", "art", "para", "from", "until", "unit", "severity", "kind", "for", "each", "in", "where", "on", "platform",
  "require", "unless", "message", "of", "if", "then", "else",
]);
const OPERATOR_WORDS = new Set(["and", "or", "not"]);
const ATOMS = new Set(["true", "false", "info", "low", "medium", "high", "critical", "data", "attestation"]);
const BUILTINS = new Set([
  "count", "exists", "sum", "min", "max", "all", "any", "present", "date", "len", "days", "hours", "months", "abs", "lower", "as_of",
]);
const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?/;
const DURATION = /^\d+[ \t]*(years?|months?|weeks?|days?|hours?|minutes?|seconds?)(?![A-Za-z0-9_])/;
const NUMBER = /^\d+(\.\d+)?/;
const KEY = /^[a-z][a-z0-9]*(-[a-z0-9]+)+/;
const WORD = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPERATOR = /^(==|!=|<=|>=|\?\?|[<>+\-*/=:])/;

export const lawcodeLanguage = StreamLanguage.define({
  name: "lawcode",
  startState: () => ({ nameNext: false, afterDot: false }),
  token(stream, state) {
    if (stream.eatSpace()) return null;
    if (stream.peek() === "#") {
      stream.skipToEnd();
      return "comment";
    }
    if (stream.peek() === '"') {
      stream.next();
      let escaped = false;
      while (!stream.eol()) {
        const ch = stream.next();
        if (ch === '"' && !escaped) break;
        escaped = !escaped && ch === "\\";
      }
      return "string";
    }
    const afterDot = state.afterDot;
    state.afterDot = false;
    if (stream.match(DATE) || stream.match(DURATION) || stream.match(NUMBER)) return "number";
    if (stream.match(KEY)) {
      // Document keys and rule ids (`groups-2017`, `log-retention`): kebab-case words.
      const wasName = state.nameNext;
      state.nameNext = false;
      return wasName ? "def" : "atom";
    }
    if (stream.match(WORD)) {
      const word = stream.current();
      if (afterDot) return "property";
      if (state.nameNext) {
        state.nameNext = false;
        return "def";
      }
      if (DECLARATIONS.has(word)) {
        state.nameNext = NAMES_NEXT.has(word);
        return "keyword";
      }
      if (CLAUSES.has(word)) return "keyword";
      if (OPERATOR_WORDS.has(word)) return "operator";
      if (ATOMS.has(word)) return "atom";
      if (BUILTINS.has(word)) return "builtin";
      return "variable";
    }
    if (stream.eat(".")) {
      state.afterDot = true;
      return "punctuation";
    }
    if (stream.eat(",")) {
      return null;
    }
    if (stream.match(OPERATOR)) return "operator";
    if (stream.match(/^[{}()[\]]/)) return "bracket";
    stream.next();
    return null;
  },
  languageData: { commentTokens: { line: "#" } },
});

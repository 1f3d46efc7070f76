"""The API's OpenAPI 3.1 description, written by hand and used for real.

The request schemas here are the ones `app.py` validates bodies against, and the tests
check every kind of response the server gives against the response schemas, so the
document cannot drift from the behaviour unnoticed.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

import lawcode

REF = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


_STR = {"type": "string"}
_INT = {"type": "integer"}
_FOLDER = {
    "anyOf": [_STR, {"type": "null"}],
    "description": "Id of the ruleset folder (from /api/examples) that the text's `schema` and `import` paths are relative to; null or absent: the default folder.",
}
_RULESET = {"type": "string", "description": "Ruleset text (the lawcode DSL)."}
_PATH = {
    "anyOf": [_STR, {"type": "null"}],
    "description": "The folder's file (as listed by /api/examples) that the text is the new content of: it is compiled "
    "with the folder's other files, and the report covers the rules written in it. Null or absent: the text is compiled alone.",
}
_SNAPSHOT = {
    "anyOf": [{"type": "string"}, {"type": "object"}],
    "description": "The platform snapshot: JSON text (diagnostics then point into it) or a JSON object.",
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "LintRequest": {
        "type": "object",
        "required": ["ruleset"],
        "additionalProperties": False,
        "properties": {"ruleset": _RULESET, "folder": _FOLDER, "path": _PATH, "snapshot": {**_SNAPSHOT, "anyOf": [*_SNAPSHOT["anyOf"], {"type": "null"}]}},
    },
    "EvaluateRequest": {
        "type": "object",
        "required": ["ruleset", "snapshot"],
        "additionalProperties": False,
        "properties": {
            "ruleset": _RULESET, "folder": _FOLDER, "path": _PATH, "snapshot": _SNAPSHOT,
            "waivers": {
                "type": "string",
                "description": "A waivers file's YAML text (docs/waivers.schema.json): waived violations stay in the report with a `waiver` (state active or expired), and the report's `cycle.waivers` gives every waiver's state; errors answer 422 `invalid_waivers`, at `<waivers>` line and column.",
            },
        },
    },
    "GraphRequest": {
        "type": "object",
        "required": ["ruleset"],
        "additionalProperties": False,
        "properties": {"ruleset": _RULESET, "folder": _FOLDER, "path": _PATH},
    },
    "ExplainRequest": {
        "type": "object",
        "required": ["ruleset", "snapshot", "rule"],
        "additionalProperties": False,
        "properties": {
            "ruleset": _RULESET,
            "folder": _FOLDER,
            "path": _PATH,
            "snapshot": _SNAPSHOT,
            "rule": {"type": "string", "description": "The rule id."},
            "subject": {
                **_nullable(_STR),
                "description": "The subject: its JSON pointer (`/groups/0`, as in a report), id or position (`#0`); null for a rule `on platform`.",
            },
        },
    },
    "Span": {
        "type": "object",
        "required": ["file", "line", "column", "end_line", "end_column"],
        "properties": {
            "file": {"type": "string", "description": "`<input>` for the request's ruleset text, `folder/file.law` for a file it imports."},
            "line": {**_INT, "minimum": 1},
            "column": {**_INT, "minimum": 1, "description": "1-based, in characters (code points)."},
            "end_line": {**_INT, "minimum": 1},
            "end_column": {**_INT, "minimum": 1, "description": "Exclusive."},
        },
    },
    "Diagnostic": {
        "type": "object",
        "required": ["level", "code", "message", "hint", "span", "where", "notes", "source", "pointer"],
        "properties": {
            "level": {"enum": ["error", "warning"]},
            "code": _STR,
            "message": _STR,
            "hint": _nullable(_STR),
            "span": _nullable(_ref("Span")),
            "where": {**_nullable(_STR), "description": "For snapshot problems: `<snapshot> /json/pointer`."},
            "notes": {"type": "array", "items": {"type": "object", "required": ["message", "span"], "properties": {"message": _STR, "span": _nullable(_ref("Span"))}}},
            "source": {"enum": ["ruleset", "snapshot", "waivers", "request"], "description": "Which input the diagnostic is about."},
            "pointer": {**_nullable(_STR), "description": "JSON pointer of the bad snapshot value, when there is one."},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error", "message", "diagnostics"],
        "properties": {
            "error": {
                "enum": [
                    "malformed_json", "invalid_request", "unsupported_media_type", "too_large", "not_found", "no_store", "store_failed",
                    "invalid_ruleset", "invalid_snapshot", "invalid_waivers", "too_complex", "timeout", "busy", "worker_failed", "internal",
                ]
            },
            "message": _STR,
            "diagnostics": {"type": "array", "items": _ref("Diagnostic")},
            "limit": {"type": "number", "description": "The limit that was exceeded (bytes for too_large, seconds for timeout)."},
        },
    },
    "LintResult": {
        "type": "object",
        "required": ["ok", "rules", "diagnostics"],
        "properties": {
            "ok": {"type": "boolean", "description": "No error-level diagnostic."},
            "rules": {**_nullable(_INT), "description": "Rules compiled; null when the ruleset does not compile."},
            "documents": {"type": "array", "items": _STR},
            "diagnostics": {"type": "array", "items": _ref("Diagnostic")},
        },
    },
    "Citation": {
        "type": "object",
        "required": ["document", "article", "paragraph", "item", "summary"],
        "properties": {"document": _STR, "article": _INT, "paragraph": _nullable(_INT), "item": _nullable(_INT), "summary": _nullable(_STR)},
    },
    "Subject": {
        "type": "object",
        "required": ["collection", "id", "pointer"],
        "properties": {"collection": _STR, "id": {}, "pointer": _STR},
    },
    "Evidence": {
        "type": "object",
        "required": ["expr", "value", "pointer"],
        "properties": {"expr": _STR, "value": {}, "pointer": _nullable(_STR), "note": _STR},
    },
    "Violation": {
        "type": "object",
        "required": ["rule", "title", "severity", "kind", "citation", "citations", "subject", "message", "evidence", "source"],
        "properties": {
            "rule": _STR,
            "title": _nullable(_STR),
            "severity": {"enum": ["info", "low", "medium", "high", "critical"]},
            "kind": _STR,
            "citation": _ref("Citation"),
            "citations": {"type": "array", "items": _ref("Citation")},
            "subject": _nullable(_ref("Subject")),
            "message": _STR,
            "evidence": {"type": "array", "items": _ref("Evidence")},
            "source": {"type": "object", "required": ["file", "line", "column"], "properties": {"file": _STR, "line": _INT, "column": _INT}},
            "waiver": {
                "type": "object",
                "description": "Only when waivers were sent: the waiver covering the violation and its state on as_of (docs/report.schema.json `waiver_mark`).",
                "required": ["id", "rule", "reason", "approved_by", "approved_on", "expires_on", "state"],
                "properties": {"id": _STR, "rule": _STR, "reason": _STR, "approved_by": _STR, "approved_on": _STR, "expires_on": _STR, "state": {"enum": ["active", "expired"]}},
            },
        },
    },
    "Undetermined": {
        "type": "object",
        "required": ["rule", "severity", "citation", "subject", "missing", "message"],
        "properties": {
            "rule": _STR,
            "severity": _STR,
            "citation": _ref("Citation"),
            "subject": _nullable(_ref("Subject")),
            "missing": {"type": "array", "items": _STR},
            "message": _STR,
        },
    },
    "NotInForce": {
        "type": "object",
        "required": ["rule", "citation", "in_force_from", "in_force_until"],
        "properties": {"rule": _STR, "citation": _ref("Citation"), "in_force_from": _nullable(_STR), "in_force_until": _nullable(_STR)},
    },
    "Document": {
        "type": "object",
        "required": ["title", "issuer", "issued", "in_force", "source", "articles"],
        "properties": {
            "title": _STR,
            "issuer": _STR,
            "issued": _nullable(_STR),
            "in_force": _nullable(_STR),
            "source": _STR,
            "articles": {"type": "object", "additionalProperties": {"type": "object", "required": ["summary", "paragraphs"], "properties": {"summary": _nullable(_STR), "paragraphs": {"type": "object"}}}},
        },
    },
    "Report": {
        "type": "object",
        "description": "`Report.to_dict()` (the stable report contract of docs/api.md), plus the cited documents, the ruleset's warnings and the rules covered.",
        "required": ["lawcode_report", "as_of", "snapshot", "rulesets", "violations", "undetermined", "not_in_force", "summary", "documents", "warnings", "rules"],
        "properties": {
            "lawcode_report": _INT,
            "as_of": {"type": "string", "format": "date"},
            "snapshot": _STR,
            "rulesets": {"type": "array", "items": _STR},
            "violations": {"type": "array", "items": _ref("Violation")},
            "undetermined": {"type": "array", "items": _ref("Undetermined")},
            "not_in_force": {"type": "array", "items": _ref("NotInForce")},
            "summary": {
                "type": "object",
                "required": ["status", "rules", "rules_in_force", "not_in_force", "subjects_checked", "violations", "undetermined", "by_severity", "by_document"],
                "properties": {
                    "status": {"enum": ["compliant", "violations", "undetermined"]},
                    "rules": _INT, "rules_in_force": _INT, "not_in_force": _INT, "subjects_checked": _INT,
                    "violations": _INT, "undetermined": _INT,
                    "by_severity": {"type": "object", "additionalProperties": _INT},
                    "by_document": {"type": "object", "additionalProperties": _INT},
                },
            },
            "documents": {"type": "object", "additionalProperties": _ref("Document")},
            "cycle": {"type": "object", "description": "Only when waivers were sent: `waivers`, each waiver's state (active, expired, stale) and how many violations it covers (docs/report.schema.json)."},
            "warnings": {"type": "array", "items": _ref("Diagnostic")},
            "rules": {
                "type": "array",
                "description": "The rules the report covers: what the page offers to explain for any subject.",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "severity", "collection"],
                    "properties": {"id": _STR, "title": _nullable(_STR), "severity": _STR, "collection": {**_nullable(_STR), "description": "Null: a rule on the platform as a whole."}},
                },
            },
        },
    },
    "GraphNode": {
        "type": "object",
        "required": ["id", "kind", "label", "span"],
        "properties": {
            "id": {"type": "string", "description": "`kind:name`, e.g. `rule:log-retention`."},
            "kind": {"enum": ["field", "param", "ladder", "def", "rule", "article"]},
            "label": _STR,
            "span": _nullable(_ref("Span")),
            "severity": _STR,
            "document": _STR,
        },
    },
    "Graph": {
        "type": "object",
        "required": ["nodes", "edges"],
        "properties": {
            "nodes": {"type": "array", "items": _ref("GraphNode")},
            "edges": {
                "type": "array",
                "description": "From what is read to what reads it (field → rule → article).",
                "items": {"type": "object", "required": ["source", "target"], "properties": {"source": _STR, "target": _STR}},
            },
        },
    },
    "ExplainNode": {
        "type": "object",
        "description": "One sub-decision (`lawcode.engine.explain.Node.to_json()`). Bindings and literals are not nodes: "
        "their children are lifted into the parent, and `a and b and c` is one node of three operands.",
        "required": ["expr", "kind", "value", "display", "outcome", "pointer", "note", "missing", "span", "children"],
        "properties": {
            "expr": {"type": "string", "description": "The expression as written."},
            "kind": {"type": "string", "description": "The IR node (Compare, Field, Aggregate, …)."},
            "value": {"description": "Its value as in the JSON report (null: missing)."},
            "display": {"type": "string", "description": "The value as a message shows it."},
            "outcome": {"enum": ["true", "false", "missing", "value"], "description": "`value`: not a truth value."},
            "pointer": {**_nullable(_STR), "description": "Where in the snapshot the value was read."},
            "note": _nullable(_STR),
            "missing": {"type": "array", "items": _STR, "description": "JSON pointers of absent facts it read."},
            "span": _ref("Span"),
            "children": {"type": "array", "items": _ref("ExplainNode")},
        },
    },
    "Explanation": {
        "type": "object",
        "description": "`lawcode.engine.explain.Explanation.to_json()`: one element of `explanations` in `lawcode explain --format json`.",
        "required": ["lawcode_explain", "rule", "title", "severity", "citations", "source", "subject", "outcome", "reason", "message", "missing", "clauses"],
        "properties": {
            "lawcode_explain": {**_INT, "description": "Version of this format."},
            "rule": _STR,
            "title": _nullable(_STR),
            "severity": {"enum": ["info", "low", "medium", "high", "critical"]},
            "citations": {"type": "array", "items": {"allOf": [_ref("Citation")], "required": ["label"], "properties": {"label": _STR}}},
            "source": {"type": "object", "required": ["file", "line", "column"], "properties": {"file": _STR, "line": _INT, "column": _INT}},
            "subject": _nullable(_ref("Subject")),
            "outcome": {"enum": ["violated", "satisfied", "undetermined", "not_in_force"]},
            "reason": {"type": "string", "description": "The outcome in words, from the clauses' values."},
            "message": {**_nullable(_STR), "description": "The rule's message for this subject (null when not in force)."},
            "missing": {"type": "array", "items": _STR, "description": "JSON pointers of absent facts the decision read."},
            "clauses": {
                "type": "array",
                "description": "Each `where`, `unless` and `require` clause as written, in the order the decision reads them, and only as far as it reads them.",
                "items": {
                    "type": "object",
                    "required": ["clause", "outcome", "tree"],
                    "properties": {
                        "clause": {"enum": ["where", "unless", "require"]},
                        "outcome": {"enum": ["true", "false", "missing", "value"]},
                        "tree": _ref("ExplainNode"),
                    },
                },
            },
        },
    },
    "Examples": {
        "type": "object",
        "required": ["folders", "default"],
        "properties": {
            "folders": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "bundled", "rulesets", "examples"],
                    "properties": {
                        "id": _STR,
                        "bundled": {"type": "boolean"},
                        "rulesets": {
                            "type": "array",
                            "items": {"type": "object", "required": ["name", "rules", "documents"], "properties": {"name": _STR, "rules": _INT, "documents": {"type": "array", "items": _STR}}},
                        },
                        "examples": {"type": "array", "items": _STR},
                    },
                },
            },
            "default": _nullable({"type": "object", "required": ["folder", "ruleset", "snapshot"], "properties": {"folder": _STR, "ruleset": _nullable(_STR), "snapshot": _nullable(_STR)}}),
        },
    },
    "ShareState": {
        "type": "object",
        "description": "What a share link restores: the two texts and where they came from.",
        "required": ["ruleset", "snapshot"],
        "additionalProperties": False,
        "properties": {
            "ruleset": _RULESET,
            "snapshot": {"type": "string", "description": "The snapshot as JSON text (as in the editor)."},
            "folder": _FOLDER,
            "rulesetName": {**_nullable(_STR), "description": "The folder's file the ruleset text stands for, if any."},
            "snapshotName": {**_nullable(_STR), "description": "The example the snapshot was loaded from, if any."},
        },
    },
    "ShareLink": {
        "type": "object",
        "required": ["id", "url"],
        "properties": {
            "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16}$", "description": "Derived from the state's content: the same state always has the same id."},
            "url": {"type": "string", "description": "The page opening this state: `<server>/s/<id>`."},
        },
    },
    "Config": {
        "type": "object",
        "required": ["max_body_bytes", "share"],
        "properties": {
            "max_body_bytes": {**_INT, "description": "Largest request body; the page refuses a larger snapshot file before sending it."},
            "share": {
                "type": "object",
                "required": ["store", "max_entry_bytes"],
                "properties": {
                    "store": {"type": "boolean", "description": "False when started with --no-store: links then carry the state in their fragment."},
                    "max_entry_bytes": {**_nullable(_INT), "description": "Largest shared state (canonical JSON bytes)."},
                },
            },
        },
    },
    "ExampleFile": {
        "type": "object",
        "required": ["folder", "name", "text"],
        "properties": {"folder": _STR, "name": _STR, "text": _STR},
    },
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


_POST_ERRORS = {
    "400": _error("The body is not valid JSON (`malformed_json`)."),
    "408": _error("The body did not arrive whole within the request time limit (`limit`, in seconds)."),
    "413": _error("The body is larger than the configured limit (`limit`, in bytes)."),
    "415": _error("The body is not `application/json`."),
    "503": _error("The job ran past the time limit and was stopped (`timeout`), or every worker stayed busy (`busy`)."),
}


# TrustedHosts (app.py) answers this before any route is reached, so every operation has it.
_HOST_REFUSED = "The Host header names a host the server does not answer to (`invalid_request`): see `--host`."


def _host_checked(paths: dict[str, Any]) -> dict[str, Any]:
    """Every operation of `paths` with the Host check's 400 among its responses."""
    for item in paths.values():
        for operation in item.values():
            responses = operation["responses"]
            earlier = responses["400"]["description"] + " " if "400" in responses else ""
            responses["400"] = _error(earlier + _HOST_REFUSED)
    return paths


def _post(summary: str, request: str, ok: dict[str, Any], unprocessable: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(request)}}},
            "responses": {"200": ok, **_POST_ERRORS, "422": _error(unprocessable)},
        }
    }


def document() -> dict[str, Any]:
    """The OpenAPI document served at /openapi.json."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "lawcode playground API",
            "version": lawcode.__version__,
            "description": "Lint, evaluate, graph and explain lawcode rulesets sent as text. "
            "Rulesets read their `schema` and `import` files from one ruleset folder of the server (see /api/examples).",
        },
        "paths": _host_checked({
            "/api/lint": _post(
                "Every diagnostic of a ruleset (and of a snapshot against its schema)",
                "LintRequest",
                _ok("The diagnostics; `ok` is false when any is an error.", "LintResult"),
                "The request does not match LintRequest, or names an unknown folder.",
            ),
            "/api/evaluate": _post(
                "Check a snapshot against a ruleset",
                "EvaluateRequest",
                _ok("The report.", "Report"),
                "The ruleset (`invalid_ruleset`) or the snapshot (`invalid_snapshot`) has errors, listed in `diagnostics`; or the request is malformed.",
            ),
            "/api/graph": _post(
                "The dependency graph of a ruleset",
                "GraphRequest",
                _ok("Nodes and edges.", "Graph"),
                "The ruleset has errors (`invalid_ruleset`), or the request is malformed.",
            ),
            "/api/explain": _post(
                "Why one rule decided what it did for one subject",
                "ExplainRequest",
                _ok("The decision tree of each clause, with the values read.", "Explanation"),
                "The ruleset or snapshot has errors, or the rule or subject is unknown (`invalid_request`).",
            ),
            "/api/examples": {
                "get": {
                    "summary": "The ruleset folders, their files and example snapshots",
                    "responses": {"200": _ok("The catalog, discovered at request time.", "Examples")},
                }
            },
            "/api/examples/{folder}/{name}": {
                "get": {
                    "summary": "The text of one listed ruleset or example file",
                    "parameters": [
                        {"name": "folder", "in": "path", "required": True, "schema": _STR},
                        {"name": "name", "in": "path", "required": True, "schema": _STR, "description": "As listed, e.g. `examples/violations.json`."},
                    ],
                    "responses": {"200": _ok("The file.", "ExampleFile"), "404": _error("Not a listed folder or file.")},
                }
            },
            "/api/config": {
                "get": {
                    "summary": "This server's limits and whether it keeps shared states",
                    "responses": {"200": _ok("The page's settings.", "Config")},
                }
            },
            "/api/share": {
                "post": {
                    "summary": "Keep a state and get a short link to it",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ShareState")}}},
                    "responses": {
                        "200": _ok("The state is kept (or was already): its id and link.", "ShareLink"),
                        **_POST_ERRORS,
                        "503": _error("The share store's database failed (`store_failed`: disk full, file removed); nothing was kept."),
                        "413": _error("The body, or the state as kept, is over the limit (`limit`, in bytes)."),
                        "404": _error("The server keeps no shared states (`no_store`: started with --no-store)."),
                        "422": _error("The body does not match ShareState."),
                    },
                }
            },
            "/api/share/{id}": {
                "get": {
                    "summary": "A kept state, as it was shared",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": _STR, "description": "From the link `/s/<id>`."}],
                    "responses": {
                        "200": _ok("The state.", "ShareState"),
                        "400": _error("Not a share id (`invalid_request`)."),
                        "404": _error("No state with this id (`not_found`: never shared here, or evicted), or no store (`no_store`)."),
                        "503": _error("The share store's database failed (`store_failed`)."),
                    },
                }
            },
        }),
        "components": {"schemas": SCHEMAS},
    }


def validator(name: str) -> Draft202012Validator:
    """A JSON Schema validator for one component, resolving `$ref`s within this document."""
    root = {"$ref": REF + name, "components": {"schemas": SCHEMAS}}
    return Draft202012Validator(root)

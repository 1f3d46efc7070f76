"""Structure-aware mutations: each takes a random source, an input and the corpus, returns a new input.

Rulesets are mutated as token sequences (the grammar's keywords and punctuation, names
and literals from the corpus, values known to be hard: extreme dates, long names, NUL
bytes, bidi overrides), with long repeats for deep and long expressions. Snapshots are
mutated as JSON trees, then sometimes as bytes (duplicate keys, truncation, noise) so
the JSON readers see broken text too. Requests keep their envelope and mutate the
method, path, headers, and the body's fields with the ruleset and snapshot mutators.
"""

from __future__ import annotations

import contextlib
import copy
import json
import random
import re
from functools import cache
from pathlib import Path
from typing import Any

GRAMMAR = Path(__file__).resolve().parents[2] / "dsl" / "grammar.lark"
TOKEN = re.compile(r'"(?:\\.|[^"\\\n])*"|[A-Za-z_][A-Za-z0-9_-]*|\d[\d.:TZ+-]*|\s+|#[^\n]*|\?\?|[<>=!]=|.', re.S)

HARD_TEXT = [
    "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00", "0000-01-01", "2024-02-30", "2024-02-29T24:00:00Z",
    "9999-12-31", "0001-01-01", "99999999999999999999", "-9223372036854775809", "1e309", "0.000000000000000000001",
    "P99999999999Y", "P1Y2M3DT4H5M6S", "PT0S", "P", "-P1D", "\u202e", "\x00", "\x1b[31m", "\ufeff", ":x:", "[bold]", "中文",
    "\r", "\r\n", "\t", "\\", "{", "}", "{{", "}}", '"', "a" * 300, "x" * 5000,
]
RULESET_TEXT = [
    '"a\\u0000b.law"', '"\x00.law"', '"' + "n" * 300 + '.law"', '"documents.law"', '"mini.law"', '"snapshot.schema.json"',
    '"../README.md"', '"missing.law"', "true", "false", "1 month", "6 months", "2 years", "P6M", "2024-01-01",
    "2024-01-01T00:00:00Z", "0.5", "-1", "18446744073709551616", "as_of", "policy", "platform", "users", "groups", "u", "g",
]
JSON_VALUES: list[Any] = [
    None, True, False, 0, -1, 1.5, -0.0, 2**63, 2**64, -(2**63) - 1, 10**30, 1e308, "", [], {}, "2024-08-31",
    "2024-08-31T00:00:00Z", "P6M", *HARD_TEXT,
]


@cache
def grammar_tokens() -> tuple[str, ...]:
    """The grammar's literal keywords and punctuation (`"rule"`, `"??"`, …)."""
    found = re.findall(r'"((?:[^"\\]|\\.)+)"', GRAMMAR.read_text(encoding="utf-8"))
    return tuple(sorted({t.replace('\\"', '"') for t in found if len(t) < 20 and "\\n" not in t}))


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


# ---------------------------------------------------------------- bytes


def mutate_bytes(rng: random.Random, data: bytes, corpus: list[bytes]) -> bytes:
    """One byte-level edit: flip, insert, delete, repeat, splice with another input."""
    choice = rng.randrange(8)
    at = rng.randrange(len(data) + 1)
    end = min(len(data), at + rng.randrange(1, 64))
    if choice == 0 and data:
        at = rng.randrange(len(data))
        return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
    if choice == 1:
        return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8))) + data[at:]
    if choice == 2:
        return data[:at] + data[end:]
    if choice == 3:
        return data[:at] + data[at:end] * rng.choice([2, 3, 50]) + data[end:]
    if choice == 4:
        other = rng.choice(corpus)
        cut = rng.randrange(len(other) + 1)
        return data[:at] + other[cut : cut + rng.randrange(1, 200)] + data[end:]
    if choice == 5:
        return data[:at]
    if choice == 6:
        return data[:at] + rng.choice(HARD_TEXT).encode("utf-8", "surrogatepass") + data[at:]
    return rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\x80", b"\xed\xa0\x80", b"\x00"]) + data if rng.random() < 0.3 else data[:at] + b"\xc3" + data[at:]


# ---------------------------------------------------------------- rulesets


def mutate_ruleset(rng: random.Random, data: bytes, corpus: list[bytes]) -> bytes:
    """A few token edits (sometimes a byte edit): a ruleset stays mostly parseable, so later stages are reached."""
    if rng.random() < 0.1:
        return mutate_bytes(rng, data, corpus)
    text = data.decode("utf-8", "replace")
    toks = tokens(text)
    for _ in range(rng.choice([1, 1, 2, 3, 5])):
        toks = _token_edit(rng, toks, corpus)
    return "".join(toks).encode("utf-8", "surrogatepass")


def _token_edit(rng: random.Random, toks: list[str], corpus: list[bytes]) -> list[str]:
    if not toks:
        return [rng.choice(grammar_tokens())]
    words = [i for i, t in enumerate(toks) if not t.isspace()] or [0]
    i = rng.choice(words)
    j = min(len(toks), i + rng.randrange(1, 12))
    choice = rng.randrange(9)
    if choice == 0:  # another keyword or punctuation
        return [*toks[:i], rng.choice(grammar_tokens()), *toks[i + 1 :]]
    if choice == 1:  # a hard value
        return [*toks[:i], rng.choice(RULESET_TEXT + [json.dumps(t) for t in HARD_TEXT]), *toks[i + 1 :]]
    if choice == 2:
        return toks[:i] + toks[j:]
    if choice == 3:  # a token of this or another ruleset
        other = tokens(rng.choice(corpus).decode("utf-8", "replace")) or toks
        return [*toks[:i], rng.choice(other), *toks[i + 1 :]]
    if choice == 4:  # a stretch of this text, again
        return toks[:j] + toks[i:j] + toks[j:]
    if choice == 5:  # long chains and deep nesting: `a or a or …`, `not not …`, `((((`
        unit = rng.choice([" or x", " and true", " + 1", "not ", "-", "(", "[", " ?? 0", ".a", "[0]"])
        return [*toks[:i], unit * rng.choice([10, 100, 600, 3000]), *toks[i:]]
    if choice == 6:  # a stretch of another ruleset (declarations move between files)
        other = tokens(rng.choice(corpus).decode("utf-8", "replace"))
        a = rng.randrange(len(other) + 1)
        return toks[:i] + other[a : a + rng.randrange(1, 80)] + toks[i:]
    if choice == 7:  # swap two tokens
        k = rng.choice(words)
        toks = list(toks)
        toks[i], toks[k] = toks[k], toks[i]
        return toks
    return [*toks[:i], rng.choice(["\n", " ", "\t", "\r", "\u2028", "\x0c", "\x00", "# note\n", "\ufeff"]), *toks[i:]]


# ---------------------------------------------------------------- JSON


def json_paths(value: Any, prefix: tuple[Any, ...] = (), out: list[tuple[Any, ...]] | None = None) -> list[tuple[Any, ...]]:
    out = [] if out is None else out
    out.append(prefix)
    if isinstance(value, dict):
        for k, v in value.items():
            json_paths(v, (*prefix, k), out)
    elif isinstance(value, list):
        for k, v in enumerate(value):
            json_paths(v, (*prefix, k), out)
    return out


def get(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    get(value, path[:-1])[path[-1]] = new
    return value


DEEP = re.compile(rb'"@@deep:(\d+):(.)@@"')


def _deep(rng: random.Random) -> str:
    """A placeholder for deep nesting, written out by `_dumps` (Python's json would recurse too deep)."""
    return f"@@deep:{rng.choice([50, 600, 2100, 20000])}:{rng.choice('[{')}@@"


def _nest(match: re.Match[bytes]) -> bytes:
    depth, kind = min(int(match.group(1)), 20_000), match.group(2)  # a mutation may have grown the digits
    return (b"[" * depth + b"0" + b"]" * depth) if kind == b"[" else (b'{"a":' * depth + b"0" + b"}" * depth)


def mutate_tree(rng: random.Random, document: Any, others: list[Any]) -> Any:
    """One edit of a JSON tree: a node replaced, removed, copied, repeated, or given odd company."""
    document = copy.deepcopy(document)
    nodes = json_paths(document)
    path = rng.choice(nodes)
    node = get(document, path)
    choice = rng.randrange(8)
    if choice == 0:
        return _set(document, path, rng.choice(JSON_VALUES))
    if choice == 1 and path:
        parent = get(document, path[:-1])
        del parent[path[-1]]
        return document
    if choice == 2:  # a node of this or another document, elsewhere
        source = rng.choice([document, *others])
        return _set(document, path, copy.deepcopy(get(source, rng.choice(json_paths(source)))))
    if choice == 3 and isinstance(node, list) and node:  # duplicated elements (ids), or many of them
        item = rng.choice(node)
        node.extend(copy.deepcopy(item) for _ in range(rng.choice([1, 1, 5, 300])))
        return document
    if choice == 4 and isinstance(node, dict):
        node[rng.choice(["id", "as_of", "extra", "", "\u0000", "a/b~c", "policy", *map(str, node)])] = rng.choice(JSON_VALUES)
        return document
    if choice == 5:
        return _set(document, path, _deep(rng))
    if choice == 6 and isinstance(node, str):
        cut = rng.randrange(len(node) + 1)
        return _set(document, path, node[:cut] + rng.choice(HARD_TEXT) + node[cut + rng.randrange(3) :])
    if choice == 7 and isinstance(node, int | float) and not isinstance(node, bool):
        return _set(document, path, rng.choice([node + 1, -node, node * 10**rng.randrange(1, 30), float(node), str(node)]))
    return _set(document, path, rng.choice(JSON_VALUES))


def _dumps(document: Any) -> bytes:
    return DEEP.sub(_nest, json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def _duplicate_key(rng: random.Random, data: bytes) -> bytes:
    """A key repeated in its object, as a careless hand edit leaves it (`"as_of"` twice)."""
    spots = [m.end() for m in re.finditer(rb"\{", data)]
    if not spots:
        return data
    at = rng.choice(spots)
    key = rng.choice([b'"as_of": "2099-01-01", ', b'"id": "u1", ', b'"policy": {}, ', b'"users": [], ', b'"status": "closed", '])
    return data[:at] + key + data[at:]


def mutate_snapshot(rng: random.Random, data: bytes, corpus: list[bytes]) -> bytes:
    """Tree edits of the document (when it parses), then now and then byte edits or a repeated key."""
    try:
        document = json.loads(data)
        others = []
        for other in rng.sample(corpus, min(2, len(corpus))):
            with contextlib.suppress(ValueError):
                others.append(json.loads(other))
        for _ in range(rng.choice([1, 1, 2, 3])):
            document = mutate_tree(rng, document, others)
        out = _dumps(document)
    except (ValueError, RecursionError):  # not JSON, or nested too deep for Python's json: bytes then
        return mutate_bytes(rng, data, corpus)
    roll = rng.random()
    if roll < 0.1:
        return _duplicate_key(rng, out)
    if roll < 0.25:
        return mutate_bytes(rng, out, corpus)
    return out


def mutate_folder(rng: random.Random, data: bytes, corpus: list[bytes]) -> bytes:
    """A JSON Lines folder: one file's text mutated as lines, bytes or JSON (files dropped or added now and then)."""
    try:
        files = json.loads(data)
        assert isinstance(files, dict)
    except (ValueError, AssertionError, RecursionError):
        return rng.choice(corpus)
    name = rng.choice(sorted(files) or ["users.jsonl"])
    text = str(files.get(name, ""))
    choice = rng.randrange(7)
    if choice == 0:
        files.pop(name, None)
    elif choice == 1:
        files[rng.choice(["users.ndjson", "logs.jsonl", "unknown.jsonl", "root.snapshot.json"])] = text
    elif choice == 2:  # line edits: repeat, drop, blank, swap
        lines = text.split("\n")
        i = rng.randrange(len(lines))
        lines.insert(i, rng.choice([lines[i], "", " ", "{}", "[]", "null", "{", '{"id": "u1"}\r']))
        files[name] = "\n".join(lines)
    elif choice == 3:
        files[name] = mutate_bytes(rng, text.encode("utf-8", "surrogatepass"), [text.encode("utf-8", "surrogatepass")]).decode("utf-8", "surrogateescape")
    else:  # a line (or the root object) mutated as a JSON tree
        lines = text.split("\n")
        i = rng.randrange(len(lines))
        lines[i] = mutate_snapshot(rng, lines[i].encode("utf-8", "surrogatepass"), [lines[i].encode("utf-8", "surrogatepass")]).decode("utf-8", "surrogateescape").replace("\n", " ")
        files[name] = "\n".join(lines)
    return json.dumps(files).encode()


# ---------------------------------------------------------------- requests

PATHS = [
    "/api/lint", "/api/evaluate", "/api/graph", "/api/explain", "/api/examples", "/api/examples/mini/mini.law",
    "/api/examples/mini/..%2f..%2fpyproject.toml", "/api/examples/%00/x", "/api/nope", "/static/../pyproject.toml",
    "/openapi.json", "/", "//api/lint", "/api/lint?x=1", "/api/examples/mini/" + "a" * 300,
]
HEADERS = [
    ("content-type", "application/json"), ("content-type", "text/plain"), ("content-type", "application/json; charset=latin-1"),
    ("content-type", ""), ("content-length", "999999999999"), ("content-length", "-1"), ("content-length", "abc"),
    ("host", "attacker.example"), ("host", "127.0.0.1:80"), ("host", "[::1]"), ("host", ""), ("transfer-encoding", "chunked"),
    ("accept", "*/*"), ("expect", "100-continue"),
]
FIELDS = ["ruleset", "snapshot", "folder", "path", "rule", "subject", "extra"]


def mutate_request(rng: random.Random, data: bytes, corpus: list[bytes]) -> bytes:
    """The method, path or headers changed, or one body field mutated (the body as JSON text, or its bytes)."""
    try:
        request = json.loads(data)
        assert isinstance(request, dict)
    except (ValueError, AssertionError, RecursionError):
        return rng.choice(corpus)
    choice = rng.randrange(10)
    headers = dict(request.get("headers") or {})
    if choice == 0:
        request["method"] = rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "post", "BREW"])
    elif choice == 1:
        request["path"] = rng.choice(PATHS)
    elif choice == 2:
        key, value = rng.choice(HEADERS)
        headers[key] = value
    elif choice == 3 and headers:
        headers.pop(rng.choice(sorted(headers)))
    elif choice == 4:
        body = str(request.get("body", "")).encode("utf-8", "surrogatepass")
        request["body"] = mutate_bytes(rng, body, [body]).decode("utf-8", "surrogateescape")
    else:
        request["body"] = _mutate_body(rng, str(request.get("body", "")), corpus)
    request["headers"] = headers
    return json.dumps(request).encode()


def _mutate_body(rng: random.Random, text: str, corpus: list[bytes]) -> str:
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        return text
    if not isinstance(body, dict):
        return json.dumps(mutate_tree(rng, body, []))
    name = rng.choice(FIELDS)
    value = body.get(name)
    if name == "ruleset" and isinstance(value, str):
        body[name] = mutate_ruleset(rng, value.encode("utf-8", "surrogatepass"), [value.encode("utf-8", "surrogatepass")]).decode("utf-8", "surrogateescape")
    elif name == "snapshot" and isinstance(value, str):
        body[name] = mutate_snapshot(rng, value.encode("utf-8", "surrogatepass"), [value.encode("utf-8", "surrogatepass")]).decode("utf-8", "surrogateescape")
    elif name == "snapshot" and isinstance(value, dict | list):
        body[name] = mutate_tree(rng, value, [])
    elif name in ("folder", "path", "rule", "subject"):
        body[name] = rng.choice([None, 1, [], "mini", "cac", "mini.law", "documents.law", "../mini.law", "/groups/0", "/groups/99", "/users/0", "", "/", "~1", "group-member-cap", "log-retention", *HARD_TEXT[:12]])
    else:
        body = mutate_tree(rng, body, [])
    return json.dumps(body)

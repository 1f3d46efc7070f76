"""What every OSCAL document lawcode writes shares: version, metadata, properties, output.

lawcode's own facts (a severity, an outcome, a JSON pointer) go in properties under the
`urn:lawcode:oscal` namespace, as OSCAL asks of names it does not define; OSCAL's own
names (`method`, facet `severity`) are used where OSCAL has them. Empty lists and
missing values are left out, since OSCAL's schemas forbid empty arrays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import quote

import orjson

from lawcode.dsl.diagnostics import visible
from lawcode.engine.oscal.ids import content_uuid, json_text

OSCAL_VERSION = "1.2.1"  # what the vendored schemas are, and what compliance-trestle 5.2 reads
NS = "urn:lawcode:oscal"  # the namespace of lawcode's own property names
NIST = "http://csrc.nist.gov/ns/oscal"  # OSCAL's own facet and property names


def lawcode_version() -> str:
    try:
        return version("lawcode")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "0+unknown"


def value(text: str) -> str:
    """A plain OSCAL string (a property's value): one line, no edge whitespace, never
    empty, control characters shown (`\\x1b`) rather than kept."""
    return " ".join(visible(text, newlines=True).split()) or "(empty)"


def line(text: str) -> str:
    """A one-line Markdown text (a title): as `value`, with HTML neutralised, since a GRC
    tool renders it and the text may come from a snapshot (`<script>` is a group id in
    the tests)."""
    return value(text).replace("&", "&amp;").replace("<", "&lt;")


def prose(text: str) -> str:
    """A multi-line Markdown text (a description, a statement): HTML neutralised."""
    return visible(text, newlines=True).replace("&", "&amp;").replace("<", "&lt;") or "(empty)"


def timestamp(day: dt.date) -> str:
    """Midnight UTC of `day`, in the form OSCAL's date-time pattern accepts."""
    return f"{day.isoformat()}T00:00:00Z"


def prop(name: str, text: Any, *, remarks: str | None = None, ns: str | None = NS) -> dict[str, Any]:
    """A property; `ns=None` for a name OSCAL itself defines."""
    out: dict[str, Any] = {"name": name}
    if ns:
        out["ns"] = ns
    out["value"] = value(text if isinstance(text, str) else json_text(text))
    if remarks:
        out["remarks"] = prose(remarks)
    return out


def props(pairs: Iterable[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Properties for the pairs whose value is present (a value is never empty in OSCAL)."""
    return [prop(name, v) for name, v in pairs if v is not None and v != ""]


def compact(node: dict[str, Any]) -> dict[str, Any]:
    """`node` without None values and empty lists or objects (OSCAL arrays have minItems 1)."""
    return {k: v for k, v in node.items() if v is not None and v != [] and v != {}}


def metadata(title: str, last_modified: str, version_: str, extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return compact({
        "title": line(title),
        "last-modified": last_modified,
        "version": version_,
        "oscal-version": OSCAL_VERSION,
        "props": extra or [],
    })


def href(path: str, pointer: str | None = None) -> str:
    """A URI reference to a file (as the user named it) and a JSON pointer in it."""
    out = quote(path.replace("\\", "/"), safe="/:._-~")
    if pointer is not None:
        out += "#" + quote(pointer, safe="/~._-!$&'()*+,;=:@")
    return out


TOOL_UUID = content_uuid("tool", "lawcode")
PLATFORM_UUID = content_uuid("assessment-platform", "lawcode")


def tool_assets() -> dict[str, Any]:
    """lawcode as the assessment's tool: the actor every observation and risk names as origin."""
    return {
        "components": [{
            "uuid": TOOL_UUID,
            "type": "software",
            "title": "lawcode",
            "description": "The rules-as-code engine that evaluated the rulesets against the snapshot.",
            "props": [prop("version", lawcode_version(), ns=None)],
            "status": {"state": "operational"},
        }],
        "assessment-platforms": [{
            "uuid": PLATFORM_UUID,
            "title": "lawcode",
            "uses-components": [{"component-uuid": TOOL_UUID}],
        }],
    }


def origins() -> list[dict[str, Any]]:
    return [{"actors": [{"type": "tool", "actor-uuid": TOOL_UUID}]}]


def dumps(document: dict[str, Any]) -> str:
    """The document as indented JSON, keys in the order built, ending with a newline."""
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"


__all__ = [
    "NIST",
    "NS",
    "OSCAL_VERSION",
    "PLATFORM_UUID",
    "TOOL_UUID",
    "compact",
    "dumps",
    "href",
    "lawcode_version",
    "line",
    "metadata",
    "origins",
    "prop",
    "props",
    "prose",
    "timestamp",
    "tool_assets",
    "value",
]

"""Identifiers: UUIDs derived from content, and the control and part ids of a citation.

OSCAL names everything with a UUID. Random ones would make every export a new document
and every diff a wall of changes, so each UUID here is a version-5 UUID of what the
thing *is*: an observation is the rule, the subject and the day; a catalog is a digest
of its own content. The same violation on the same day gets the same UUID on every
machine and every backend, and a document changes only where its content does.

Control ids are readable and stable too: `groups-2017-art-8` is article 8 of
`groups-2017`; its statement is `groups-2017-art-8_smt`, paragraph 1 of it
`groups-2017-art-8_smt.1`, item 2 of that `groups-2017-art-8_smt.1.2` (NIST's own
pattern, as in `ac-2_smt.a`). A finding targets the most specific statement a rule cites.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import orjson

from lawcode.compiler import ir
from lawcode.engine.report import Subject

# The namespace of every lawcode UUID: itself the v5 UUID of a URN lawcode owns.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:lawcode:oscal")


def json_text(value: Any) -> str:
    """`value` as compact JSON, keys sorted: orjson's, or the standard library's for what
    orjson refuses (a subject id may be an integer past 64 bits, which JSON allows). The
    same value always takes the same path, so its text, and its UUID, never change."""
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return json.dumps(value, default=str, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_uuid(kind: str, *parts: Any) -> str:
    """The v5 UUID of `kind` and `parts` (any JSON values): equal inputs, equal UUID."""
    return str(uuid.uuid5(NAMESPACE, json_text([kind, *parts])))


def digest(document: Any) -> str:
    """A SHA-256 of a JSON document, keys sorted: the content a document UUID stands for."""
    return hashlib.sha256(json_text(document).encode()).hexdigest()


def subject_key(subject: Subject | None) -> list[Any]:
    """What names a subject across runs: its collection and id (the platform: none)."""
    return [subject.collection, subject.id] if subject else ["platform", None]


def subject_uuid(subject: Subject | None) -> str:
    """One inventory item per subject, the same in every run and every document."""
    return content_uuid("subject", *subject_key(subject))


def day_key(day: dt.date) -> str:
    return day.isoformat()


def control_id(document: str, unit: str, article: int) -> str:
    """`groups-2017-art-8`, `platforms-2021-task-3`."""
    return f"{document}-{'task' if unit == 'task' else 'art'}-{article}"


def statement_id(document: str, unit: str, article: int, paragraph: int | None = None, item: int | None = None) -> str:
    """The statement part of a control, or of one of its paragraphs or items."""
    out = f"{control_id(document, unit, article)}_smt"
    if paragraph is not None:
        out += f".{paragraph}"
        if item is not None:
            out += f".{item}"
    return out


def citation_control(c: ir.Citation) -> str:
    return control_id(c.document, c.unit, c.article)


def citation_statement(c: ir.Citation) -> str:
    return statement_id(c.document, c.unit, c.article, c.paragraph, c.item)


def method_id(control: str, rule: str) -> str:
    """The assessment-method part that stands for `rule` in `control`."""
    return f"{control}_rule.{rule}"


__all__ = [
    "NAMESPACE",
    "citation_control",
    "citation_statement",
    "content_uuid",
    "control_id",
    "day_key",
    "digest",
    "json_text",
    "method_id",
    "statement_id",
    "subject_key",
    "subject_uuid",
]

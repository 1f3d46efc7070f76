"""The static types of lawcode expressions.

Durations come in two kinds that never mix: a `duration` is an exact length of time
(weeks, days, hours, …) and a `period` is a calendar length (months, years) whose
length in days depends on where it starts. Keeping them apart is what lets
`as_of - 6 months` mean what a lawyer means.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Type:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class StepType(Type):
    """A step of one ladder; compared by its position on that ladder."""

    ladder: str


@dataclass(frozen=True, slots=True)
class EscalationType(Type):
    """A table from a count (a history) to the ladder step it calls for."""

    ladder: str


@dataclass(frozen=True, slots=True)
class EntityType(Type):
    """One element of a snapshot collection (a user, a group)."""

    collection: str


@dataclass(frozen=True, slots=True)
class CollectionType(Type):
    collection: str


@dataclass(frozen=True, slots=True)
class RecordType(Type):
    """A nested JSON object; `pointer` locates its schema."""

    pointer: str


@dataclass(frozen=True, slots=True)
class ListType(Type):
    element: Type


BOOL = Type("bool")
NUMBER = Type("number")
STRING = Type("string")
DATE = Type("date")
DATETIME = Type("datetime")
DURATION = Type("duration")
PERIOD = Type("period")
UNKNOWN = Type("unknown")  # after an error: accepted everywhere, so one mistake gives one message

SCALARS = {t.name: t for t in (BOOL, NUMBER, STRING, DATE, DATETIME, DURATION, PERIOD)}
TYPE_ALIASES = {"int": NUMBER, "integer": NUMBER, "boolean": BOOL, "text": STRING}

ORDERED = {NUMBER, STRING, DATE, DATETIME, DURATION, PERIOD}


def step_of(ladder: str) -> StepType:
    return StepType(f"step of {ladder}", ladder)


def escalation_of(ladder: str) -> EscalationType:
    return EscalationType(f"escalation of {ladder}", ladder)


def entity_of(collection: str) -> EntityType:
    return EntityType(collection, collection)


def collection_of(collection: str) -> CollectionType:
    return CollectionType(f"collection {collection}", collection)


def list_of(element: Type) -> ListType:
    return ListType(f"list of {element}", element)


def compatible(a: Type, b: Type) -> bool:
    """`[]` (a list of unknown) fits any list: `u.tags ?? []`, `u.tags == []`."""
    if a == b or UNKNOWN in (a, b):
        return True
    return isinstance(a, ListType) and isinstance(b, ListType) and compatible(a.element, b.element)


def unify(a: Type, b: Type) -> Type:
    """The more specific of two compatible types: `list of string` for `u.tags ?? []`."""
    if a == UNKNOWN:
        return b
    if isinstance(a, ListType) and isinstance(b, ListType) and a.element != b.element:
        return list_of(unify(a.element, b.element))
    return a


def is_ordered(t: Type) -> bool:
    return t in ORDERED or isinstance(t, StepType) or t == UNKNOWN

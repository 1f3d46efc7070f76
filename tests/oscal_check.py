"""Checking an OSCAL document two independent ways: the official JSON schema (vendored in
`lawcode.engine.oscal`, draft-07) and compliance-trestle's pydantic models.

The schemas' token pattern uses `\\p{L}` and `\\p{N}`, which Python's `re` cannot read, so
the `pattern` keyword is checked with the `regex` module (as the schemas' authors intend:
XML Schema and ECMAScript regexes both know Unicode classes). Formats are checked with
jsonschema's FormatChecker: `uri` and `uri-reference` by rfc3986-validator (in the test
extra), `date-time` by rfc3339-validator (openapi-spec-validator brings it; the schemas
give a pattern too). Without them jsonschema passes those formats unchecked.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import regex
from jsonschema import Draft7Validator, FormatChecker, ValidationError, validators

from lawcode.engine.oscal import SCHEMAS, schema_file


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


OscalValidator = validators.extend(Draft7Validator, {"pattern": _pattern})

# The schemas' own patterns are checked as `regex` patterns too (the metaschema's "regex" format).
SCHEMA_FORMATS = FormatChecker()
SCHEMA_FORMATS.checks("regex", raises=regex.error)(regex.compile)


@cache
def validator(model: str) -> Any:
    schema = json.loads(schema_file(model).read_text(encoding="utf-8"))
    OscalValidator.check_schema(schema, format_checker=SCHEMA_FORMATS)
    return OscalValidator(schema, format_checker=FormatChecker())


def schema_errors(document: dict[str, Any]) -> list[str]:
    """Every way `document` breaks its model's official schema, as `pointer: message`."""
    (model,) = document
    assert model in SCHEMAS, f"not a model lawcode writes: {model}"
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(model).iter_errors(document)]


def trestle_load(document: dict[str, Any]) -> Any:
    """The document read by compliance-trestle's model of its kind (raises if it cannot)."""
    from trestle.oscal.assessment_results import AssessmentResults
    from trestle.oscal.catalog import Catalog
    from trestle.oscal.poam import PlanOfActionAndMilestones

    models: dict[str, Any] = {
        "catalog": Catalog,
        "assessment-results": AssessmentResults,
        "plan-of-action-and-milestones": PlanOfActionAndMilestones,
    }
    (model,) = document
    return models[model].model_validate(document[model])

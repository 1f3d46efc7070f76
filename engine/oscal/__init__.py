"""OSCAL, the exchange format of compliance tools: a ruleset as a catalog, a report as
assessment results or a plan of action and milestones (POA&M).

The documents follow OSCAL 1.2.1, whose official JSON schemas are vendored in
`schemas/` with NIST's licence (`SCHEMAS` names them); compliance-trestle 5.2 reads the
same version. Every UUID is derived from content (`ids.py`), so the same inputs give the
same bytes and documents diff well in git. The mapping is documented in docs/oscal.md.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from lawcode.engine.oscal.catalog import build_catalog
from lawcode.engine.oscal.common import OSCAL_VERSION, dumps
from lawcode.engine.oscal.poam import build_poam
from lawcode.engine.oscal.results import build_assessment_results

# Each model lawcode writes, by its root key, and its official schema's file name.
SCHEMAS = {
    "catalog": "oscal_catalog_schema.json",
    "assessment-results": "oscal_assessment-results_schema.json",
    "plan-of-action-and-milestones": "oscal_poam_schema.json",
}


def schema_file(model: str) -> Traversable:
    """The vendored OSCAL JSON schema of `model` (a key of `SCHEMAS`)."""
    return files(__name__).joinpath("schemas", SCHEMAS[model])


__all__ = ["OSCAL_VERSION", "SCHEMAS", "build_assessment_results", "build_catalog", "build_poam", "dumps", "schema_file"]

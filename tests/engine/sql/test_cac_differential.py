"""The CAC rulesets: python and duckdb reports are identical on the bundled examples and
on realistic mutations of them (`cac_snapshots.py` beside this file).

The mutations run on one reusing connection, as `lawcode test` runs its cases
(`DuckDBBackend(reuse=True)`): each mutated collection is read afresh, the others come
from the typed tables kept from earlier examples, so this also checks at CAC size that
a kept table is never served for lines that differ. The examples run on fresh connections.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cac_snapshots import CAC, EXAMPLE_NAMES, EXAMPLES, expected_of, mutated, run
from hypothesis import HealthCheck, given, settings

from lawcode.engine.sql import evaluate
from lawcode.engine.sql.duckdb_backend import DuckDBBackend


@pytest.fixture(scope="module")
def reusing() -> Iterator[DuckDBBackend]:
    backend = DuckDBBackend(reuse=True)
    yield backend
    backend.close()


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_cac_python_equals_duckdb(reusing: DuckDBBackend, snapshot: dict[str, Any]) -> None:
    actual = run(lambda: evaluate(CAC.program, snapshot, rulesets=CAC.paths, engine=reusing))
    assert actual == expected_of(snapshot, actual)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_cac_examples(name: str) -> None:
    path = str(EXAMPLES / name)
    assert evaluate(CAC.program, path, rulesets=CAC.paths).to_dict() == CAC.evaluate(path).to_dict()

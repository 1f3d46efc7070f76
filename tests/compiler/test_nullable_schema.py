"""Nullable fields (compiler/schema.py): `anyOf`/`oneOf` of T and `{"type": "null"}` (pydantic's
`Optional[T]`) and `type: [T, "null"]` are T that may be missing, on every backend."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

import lawcode
from helpers import DATA
from lawcode.compiler import types as T
from lawcode.compiler.schema import SnapshotSchema

NULLABLE = DATA / "nullable"
SNAPSHOT: dict[str, Any] = json.loads((NULLABLE / "snapshot.json").read_text(encoding="utf-8"))


def test_each_nullable_form_reads_as_its_type() -> None:
    schema = SnapshotSchema.load(NULLABLE / "snapshot.schema.json")
    fields = schema.properties(schema.collections()["accounts"])
    typed = {name: schema.type_of(node, f"/accounts/{name}") for name, node in fields.items()}
    assert typed["phone_verified_at"].type == T.DATETIME
    assert typed["deadline"].type == T.DURATION  # oneOf, through a $ref
    assert typed["plan"].type == T.STRING and typed["plan"].enum == ("free", "paid")
    assert typed["score"].type == T.NUMBER
    assert schema.resolve(fields["phone_verified_at"])["type"] == ["string", "null"]


def test_a_union_of_two_types_is_still_refused(tmp_path: Any) -> None:
    schema = json.loads((NULLABLE / "snapshot.schema.json").read_text(encoding="utf-8"))
    schema["$defs"]["Account"]["properties"]["phone_verified_at"]["anyOf"].append({"type": "integer"})
    (tmp_path / "snapshot.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    (tmp_path / "rules.law").write_text((NULLABLE / "rules.law").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(lawcode.LawcodeError) as caught:
        lawcode.load_ruleset(tmp_path / "rules.law")
    assert "phone_verified_at" in caught.value.render()


def _outcome(report: Any) -> tuple[list[str], list[str]]:
    return sorted(str(v.subject.id) for v in report.violations), sorted(str(u.subject.id) for u in report.undetermined)


@pytest.mark.parametrize("backend", ["python", "duckdb"])
def test_the_backends_agree_on_null_and_missing(backend: str) -> None:
    ruleset = lawcode.load_ruleset(NULLABLE)
    if backend == "python":
        report = ruleset.evaluate(copy.deepcopy(SNAPSHOT))
    else:
        from lawcode.engine.sql import evaluate

        report = evaluate(ruleset.program, copy.deepcopy(SNAPSHOT), backend=backend, rulesets=ruleset.paths)
    assert _outcome(report) == (["a2", "a4"], ["a3", "a5"])


@pytest.mark.parametrize("backend", ["python", "duckdb"])
def test_a_bad_value_in_a_nullable_field_is_a_snapshot_error(backend: str) -> None:
    ruleset = lawcode.load_ruleset(NULLABLE)
    snapshot = copy.deepcopy(SNAPSHOT)
    snapshot["accounts"][0]["phone_verified_at"] = "yesterday"
    snapshot["accounts"][1]["deadline"] = 10
    with pytest.raises(lawcode.LawcodeError) as caught:
        if backend == "python":
            ruleset.evaluate(snapshot)
        else:
            from lawcode.engine.sql import evaluate

            evaluate(ruleset.program, snapshot, backend=backend, rulesets=ruleset.paths)
    rendered = caught.value.render()
    assert "/accounts/0/phone_verified_at" in rendered and "/accounts/1/deadline" in rendered, rendered

"""Violations the engine writes (engine/sql/render.py, written.py) are byte-identical to the
python backend's `--format json` and `--format jsonl`.

`written.MIN_SUBJECTS` is lowered to 0 so that every collection, however small, takes the
engine's path; each test also says how many rules the engine wrote, so a change that sends
every rule back to Python (and would pass the byte comparison trivially) fails here.
"""

from __future__ import annotations

import copy
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from cac_snapshots import CAC, EXAMPLE_NAMES, EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from snapshots import mini_snapshot, sql_snapshot

import lawcode
from helpers import DATA, ROOT
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine import formats
from lawcode.engine.report import Written
from lawcode.engine.sql import evaluating, report, written
from lawcode.engine.sql.value_text import WHITESPACE

SQL_RULES = lawcode.load_ruleset(DATA / "sql")
MINI_RULES = lawcode.load_ruleset(DATA / "mini")
FIVE = lawcode.load_ruleset(ROOT / "bench" / "five")
NAMES = orjson.loads((DATA / "written" / "names.json").read_bytes())
# Collection rules the engine writes on each CAC example (bound 0); the other 3 of the 90
# show a list of strings (tests/data: `kept` below names each rule and its reason).
CAC_WRITTEN = {"compliant.json": 68, "since-2017.json": 68, "violations.json": 87}


@pytest.fixture(autouse=True)
def every_collection(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(written, "MIN_SUBJECTS", 0)
    yield


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The rules the engine left to Python in the last evaluation, and why (`Assembler.built_in_python`)."""
    found: dict[str, str] = {}
    start = report.Assembler.__init__

    def init(self: report.Assembler, *args: Any, **kwargs: Any) -> None:
        start(self, *args, **kwargs)
        found.clear()
        self.built_in_python = found

    monkeypatch.setattr(report.Assembler, "__init__", init)
    return found


def compare(ruleset: lawcode.Ruleset, snapshot: Any) -> int:
    """Asserts both forms are byte-identical; returns how many rules the engine wrote."""
    try:
        reference = ruleset.evaluate(snapshot)
    except LawcodeError:
        return 0  # refused snapshots are the differential tests' business
    engine_wrote = 0
    for fmt in ("json", "jsonl"):
        expected = b"".join(formats.pieces(fmt, reference.stream(), ruleset.program))
        with evaluating(ruleset.program, snapshot, rulesets=ruleset.paths) as stream:
            actual = b"".join(formats.pieces(fmt, stream, ruleset.program))
            if stream.parts is not None:
                engine_wrote = sum(isinstance(p, Written) for p in stream.parts())
        assert actual.decode() == expected.decode()
    return engine_wrote


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(sql_snapshot())
def test_every_construct_written_as_python_writes(snapshot: dict[str, Any]) -> None:
    compare(SQL_RULES, snapshot)


@SETTINGS
@given(mini_snapshot())
def test_mini_written_as_python_writes(snapshot: dict[str, Any]) -> None:
    compare(MINI_RULES, snapshot)


def test_mini_example_is_written_by_the_engine() -> None:
    assert compare(MINI_RULES, str(DATA / "mini" / "violations.json")) >= 3


def test_five_rules_are_written_by_the_engine(tmp_path: Any) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "bench" / "five"))
    import generate

    path = tmp_path / "five.json"
    generate.write(path, 2000, rate=0.05)
    assert compare(FIVE, str(path)) == 4  # all but the platform rule (one subject: built in Python)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_cac_examples_written_as_python_writes(name: str, kept: dict[str, str]) -> None:
    wrote = compare(CAC, str(EXAMPLES / name))
    assert not [r for r in kept.values() if "display name" in r]
    assert wrote == CAC_WRITTEN[name], kept


@pytest.mark.parametrize("odd", ["u\x0b2", "u\x1f2"])
def test_a_value_sql_cannot_write_sends_its_rule_to_python(odd: str) -> None:
    """DuckDB escapes these control characters in upper case, orjson in lower case: the
    user rule whose subject id holds one is built in Python, the others still by the engine."""
    snapshot = orjson.loads((DATA / "mini" / "violations.json").read_bytes())
    plain = compare(MINI_RULES, snapshot)
    for user in snapshot["users"]:
        if user["id"] == "u2":
            user["id"] = odd
    for membership in snapshot["memberships"]:
        if membership["user_id"] == "u2":
            membership["user_id"] = odd
    assert compare(MINI_RULES, snapshot) == plain - 1


# ---------------------------------------------------------------- display names


def named_copy(source: Path, names: dict[str, str], into: Path) -> lawcode.Ruleset:
    """The ruleset in `source`, its schema declaring `names` (collection → `x-lawcode-name`)
    and admitting null along those paths (a null name is one of the cases)."""
    target = into / source.name
    shutil.copytree(source, target)
    schema = orjson.loads((target / "snapshot.schema.json").read_bytes())
    for collection, path in names.items():
        node = schema["properties"][collection]["items"]
        node["x-lawcode-name"] = path
        for part in path.split("."):
            node = node["properties"][part]
            kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
            node["type"] = [*kinds, "null"] if "null" not in kinds else kinds
    (target / "snapshot.schema.json").write_bytes(orjson.dumps(schema, option=orjson.OPT_INDENT_2))
    return lawcode.load_ruleset(target)


@pytest.fixture(scope="module")
def named(tmp_path_factory: pytest.TempPathFactory) -> dict[str, lawcode.Ruleset]:
    """The mini and sql rulesets with display names: users by `name`, groups by `info.name`."""
    into = tmp_path_factory.mktemp("named")
    return {source.name: named_copy(source, {"users": "name", "groups": "info.name"}, into) for source in (DATA / "mini", DATA / "sql")}


def with_names(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """The mini example with one user and one group per case, each violating its rule
    (posted, never verified; two members, the cap one), named by the case; and groups
    whose `info` is absent, null, or holds no name."""
    snapshot = orjson.loads((DATA / "mini" / "violations.json").read_bytes())
    snapshot["policy"]["max_group_members"] = 1
    snapshot["users"], snapshot["groups"], snapshot["memberships"] = [], [], []
    infos: list[Any] = [{"name": c["name"]} if "name" in c else {} for c in cases]
    for i, info in enumerate([*infos, None, {"category": "x"}, "absent"]):
        user = {"id": f"u{i}", "first_post_at": "2024-01-02T00:00:00Z"}
        if i < len(cases) and "name" in cases[i]:
            user["name"] = cases[i]["name"]
        group: dict[str, Any] = {"id": f"g{i}", "status": "active"}
        if info != "absent":
            group["info"] = info
        snapshot["users"].append(user)
        snapshot["groups"].append(group)
        snapshot["memberships"] += [{"user_id": user["id"], "group_id": group["id"]}] * 2
    return snapshot


def test_whitespace_is_what_python_strips() -> None:
    assert "".join(chr(c) for c in range(0x110000) if chr(c).isspace()) == WHITESPACE


def test_display_names_are_written_as_python_writes(named: dict[str, lawcode.Ruleset], kept: dict[str, str]) -> None:
    """Every case in tests/data/written/names.json's `written`, top level (users) and
    nested (groups' `info.name`, also under an absent or null `info`): both rules with
    subjects are written by the engine, and sanction-step."""
    snapshot = with_names(NAMES["written"])
    shown = [v["subject"].get("name") for v in named["mini"].evaluate(snapshot).to_dict()["violations"] if v["subject"]]
    assert "Alice" in shown and "\u3000" not in shown and None in shown  # the cases do what they say
    assert compare(named["mini"], snapshot) == 3, kept


@pytest.mark.parametrize("case", NAMES["python"], ids=lambda c: c["why"])
def test_a_name_sql_cannot_write_sends_its_rule_to_python(case: dict[str, Any], named: dict[str, lawcode.Ruleset], kept: dict[str, str]) -> None:
    snapshot = with_names([{"name": "plain"}, case])
    assert compare(named["mini"], snapshot) == 1  # sanction-step; the users' and groups' rules built in Python
    assert not kept  # decided per run (the failure mark), not for the rule


def test_a_name_the_typed_table_does_not_hold_keeps_python(tmp_path: Path, kept: dict[str, str]) -> None:
    """`info` of no one type is a JSON column: `info.name` is no column of its own."""
    named_copy(DATA / "mini", {"groups": "info.name"}, tmp_path)
    path = tmp_path / "mini" / "snapshot.schema.json"
    document = orjson.loads(path.read_bytes())
    document["properties"]["groups"]["items"]["properties"]["info"]["type"] = ["object", "string", "null"]
    path.write_bytes(orjson.dumps(document))
    rules = lawcode.load_ruleset(tmp_path / "mini")
    snapshot = with_names([{"name": "Alice"}, {"name": " "}])
    assert compare(rules, snapshot) == 2  # users' and sanctions' rules
    assert kept == {"group-member-cap": "the display name `info.name` of `groups` is not a text column of its typed table `t_groups`"}


NAME_TEXT = st.one_of(
    st.sampled_from([c["name"] for c in NAMES["written"] + NAMES["python"] if c.get("name") is not None]),
    st.text(alphabet=st.sampled_from([*WHITESPACE, "a", "名", "😀", '"', "\\", "\x00", "\x7f"]), max_size=4),
)


@st.composite
def named_snapshot(draw: st.DrawFn, base: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """A snapshot of `base` whose users and groups carry display names, null, or none."""
    snapshot = copy.deepcopy(draw(base))
    for user in snapshot.get("users", []):
        choice = draw(st.sampled_from(["keep", "text", "null", "absent"]))
        if choice == "text":
            user["name"] = draw(NAME_TEXT)
        elif choice == "null":
            user["name"] = None
        elif choice == "absent":
            user.pop("name", None)
    for group in snapshot.get("groups", []):
        info = group.get("info")
        choice = draw(st.sampled_from(["keep", "text", "no info", "null info", "empty info"]))
        if choice == "text":
            group["info"] = {**(info if isinstance(info, dict) else {}), "name": draw(st.one_of(NAME_TEXT, st.none()))}
        elif choice == "no info":
            group.pop("info", None)
        elif choice != "keep":
            group["info"] = None if choice == "null info" else {}
    return snapshot


@SETTINGS
@given(data=st.data())
def test_sql_with_display_names_written_as_python_writes(named: dict[str, lawcode.Ruleset], data: st.DataObject) -> None:
    compare(named["sql"], data.draw(named_snapshot(sql_snapshot())))


@SETTINGS
@given(data=st.data())
def test_mini_with_display_names_written_as_python_writes(named: dict[str, lawcode.Ruleset], data: st.DataObject) -> None:
    compare(named["mini"], data.draw(named_snapshot(mini_snapshot())))


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_check_exits_1_when_only_the_engine_wrote_violations(fmt: str, tmp_path: Path) -> None:
    """The exit code counts the violations the engine wrote, which Python never sees as
    objects (`check` once exited 0 on DuckDB with -f json when every violation was written)."""
    from click.testing import CliRunner

    from lawcode.cli import cli

    sys.path.insert(0, str(ROOT / "bench" / "five"))
    import generate

    snapshot = tmp_path / "five.json"
    generate.write(snapshot, 2000, rate=0.05)
    violated = {v.rule for v in FIVE.evaluate(str(snapshot)).violations}
    platform = {r.id for r in FIVE.program.rules if r.collection is None}
    assert violated and not violated & platform, "every violation must be one the engine writes"
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(cli, ["check", str(ROOT / "bench" / "five"), "-s", str(snapshot), "-b", "duckdb", "-f", fmt, "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert b'"violations"' in out.read_bytes() or fmt == "jsonl"

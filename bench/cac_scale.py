"""A CAC-shaped snapshot of N users that looks like a real platform: `build(users, out)`.

The unit is the CAC example (`rulesets/cac/examples/compliant.json`, 45 users): a small
but complete platform whose facts are consistent with each other (every prohibited post
has its handling record and report, every sanction its case, every group its members).
N users are K = ceil(N / 45) copies of it, written straight to the Parquet layout of
`lawcode snapshot convert --to parquet` (no Python tree at any size):

- Every copy is a whole copy. All *population* collections are copied the same number of
  times: copying some collections more often than others breaks the example's facts
  (records per prohibited post, members per group, pushes per account and day) and turns
  the benchmark into a report of thousands of artefacts. The *configuration* collections
  (`CONFIG`: attestations, credit scopes, group tiers, products, …: things the platform
  has once, looked up by system or kind) and the scalar parts (as_of, platform, policy)
  are written once.
- Every id gets the copy's suffix (`a001~17`), and so does every field that refers to an
  id of a copied collection (found from the data: a text field all of whose values are
  such ids, `records.subject_id` whatever its `subject_type`) and every field a rule needs
  unique across the platform (`UNIQUE`: the group number of `group-number-unique`). The
  build fails if a field holds some such ids and other values: it could not be rewritten
  consistently.
- About 1 % of the copies (`VIOLATING`, chosen by a seeded RNG: deterministic) are the
  example with the mutations of `rulesets/cac/examples/generate.py` (`BREAKS`, the
  recipe of `violations.json`) applied to their population collections, so the violation
  rate is a real platform's, not a function of how often the example was copied. The
  mutations of the scalar parts and configuration collections do not apply (they are
  platform-wide), nor those in `LEAKING`: the equal-treatment rules compare each sanction
  with every other sanction on the platform of the same kind and history, so one copy's
  deliberately unequal sanction would make every other copy's sanctions unequal too.
- `__pos` is each element's index in the whole collection (copy by copy, in order), as
  `lawcode snapshot convert` writes it; the JSON form (`convert(… "json" …)`) has the
  elements in that order.

`python bench/cac_scale.py --check` builds a small snapshot with a violating copy and
evaluates it with the python backend: every violation must be in a violating copy (or be
one of the platform rules' own), and the compliant copies alone must give none.
"""

from __future__ import annotations

import copy
import importlib.util
import math
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "rulesets" / "cac" / "examples"
TEMPLATE = EXAMPLES / "compliant.json"
TEMPLATE_USERS = 45
SEED = 20240615
VIOLATING_SHARE = 0.01
CONFIG = frozenset({"attestations", "credit_scopes", "group_tiers", "products", "violation_pool_updates", "annual_reports"})
UNIQUE = {"groups": ("display_id",)}  # rule group-number-unique: count(h in groups where h.display_id == g.display_id) == 1
# Mutations that change a sanction's measure where the example has peers (same kind of
# violation, same history): replaced by `LOCAL`, which break the same rules with histories
# no compliant sanction has.
LEAKING = frozenset({
    "comment-measure-step", "comment-measure-equal-treatment", "group-measure-step", "group-measure-equal-treatment",
    "board-manager-equal-treatment", "people-measure-step people-measure-equal-treatment",
})
LOCAL = [  # (sanctions, id, target fields, violation type, prior violations, measure)
    ("comment_sanctions", "cs-8", {"account_id": "a028", "user_id": "u028"}, "gambling", 1, "notice"),  # step: delete_information due
    ("comment_sanctions", "cs-9", {"account_id": "a029", "user_id": "u029"}, "other_prohibited", 0, "notice"),  # cs-9/cs-10: unequal
    ("comment_sanctions", "cs-10", {"account_id": "a032", "user_id": "u032"}, "other_prohibited", 0, "delete_information"),
    ("group_sanctions", "gs-6", {"group_id": "g2"}, "gambling", 2, "warning_and_rectification"),  # step: suspend_posting due
    ("group_sanctions", "gs-7", {"group_id": "g4"}, "other_prohibited", 0, "warning_and_rectification"),
    ("group_sanctions", "gs-8", {"group_id": "g5"}, "other_prohibited", 0, "suspend_posting"),
    ("people_sanctions", "ps-4", {"account_id": "a033", "user_id": "u033"}, "other_prohibited", 2, "lower_credit_level"),  # step
    ("people_sanctions", "ps-5", {"account_id": "a034", "user_id": "u034"}, "gambling", 0, "lower_credit_level"),
    ("people_sanctions", "ps-6", {"account_id": "a035", "user_id": "u035"}, "gambling", 0, "suspend_admin_powers"),
    ("board_manager_sanctions", "bs-4", {"account_id": "a004", "board_id": "b1", "user_id": "u004"}, "other_prohibited", 0, "limit_powers"),
    ("board_manager_sanctions", "bs-5", {"account_id": "a010", "board_id": "b4", "user_id": "u010"}, "other_prohibited", 0, "revoke_powers"),
]
SERVICE = {"comment_sanctions": "comments", "group_sanctions": "groups", "people_sanctions": "groups", "board_manager_sanctions": "forum"}


def copies_for(users: int) -> int:
    return max(1, math.ceil(users / TEMPLATE_USERS))


def violating(k: int) -> list[int]:
    """The violating copies among k (seeded: the same for every build of the same size)."""
    count = round(k * VIOLATING_SHARE)
    return sorted(random.Random(SEED).sample(range(k), count)) if count else []


def variants() -> tuple[dict[str, Any], dict[str, Any]]:
    """The example (compliant) and the example with the non-leaking mutations applied."""
    good = orjson.loads(TEMPLATE.read_bytes())
    spec = importlib.util.spec_from_file_location("cac_examples_generate", EXAMPLES / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    bad = copy.deepcopy(good)
    for names, brk in generate.BREAKS:
        if names not in LEAKING:
            brk(bad)
    assert {names for names, _ in generate.BREAKS} >= LEAKING, "generate.py's BREAKS were renamed: update LEAKING"
    for collection, sid, who, violation, prior, measure in LOCAL:
        case_id = f"case-{sid}"
        at = "2022-11-10T10:00:00Z"
        bad["cases"].append({"id": case_id, "service": SERVICE[collection], "account_id": who.get("account_id"), "board_id": who.get("board_id"), "group_id": who.get("group_id"),
                             "user_id": who.get("user_id"), "violation_type": violation, "serious": False, "prior_violations": prior, "decided_at": at})
        sanction = {"id": sid, "case_id": case_id, "violation_type": violation, "prior_violations": prior, "measure": measure, "applied_at": at}
        sanction.update({k: v for k, v in who.items() if k in ("account_id", "group_id", "board_id")})
        bad[collection].append(sanction)
        kind = collection.removesuffix("s")
        bad["records"].append({"id": f"r-{sid}", "subject_type": kind, "subject_id": sid, "action": measure, "at": at, "operator_id": "s08"})
        if collection in ("group_sanctions", "people_sanctions"):  # the measures that are reported
            bad["regulator_reports"].append({"id": f"rep-{sid}", "subject_type": kind, "subject_id": sid, "regulator": "cac_provincial", "reported_at": "2022-11-10T12:00:00Z"})
    return good, bad


def build(users: int, out: Path, *, violating_copies: list[int] | None = None) -> dict[str, int]:
    """Write the scaled snapshot to `out` (a Parquet directory); returns elements per collection."""
    import duckdb

    import lawcode
    from lawcode.engine.sql.convert import convert

    schema = lawcode.load_ruleset(ROOT / "rulesets" / "cac").program.schema
    k_total = copies_for(users)
    bad_copies = violating(k_total) if violating_copies is None else sorted(violating_copies)
    work = Path(tempfile.mkdtemp(prefix="cac-scale-", dir=out.parent))
    try:
        for label, snapshot in zip(("good", "bad"), variants(), strict=True):
            (work / f"{label}.json").write_bytes(orjson.dumps(snapshot))
            convert(str(work / f"{label}.json"), schema, "parquet", str(work / label))
        con = duckdb.connect()
        con.execute("SET preserve_insertion_order = true")
        names = [p.stem for p in sorted((work / "good").glob("*.parquet")) if p.stem != "root.snapshot"]
        columns = {n: dict(zip(*_describe(con, work / "good" / f"{n}.parquet"), strict=True)) for n in names}
        population = [n for n in names if n not in CONFIG]
        ids: set[str] = set()
        for n in population:
            for label in ("good", "bad"):
                ids |= {r[0] for r in con.execute(f"SELECT DISTINCT id FROM read_parquet('{work / label / n}.parquet') WHERE id IS NOT NULL").fetchall()}
        rewrite = {n: _rewritten(con, work, n, columns[n], ids, population=n in population) for n in names}
        con.execute(f"CREATE TABLE copies AS SELECT range AS k, list_contains({bad_copies!r}::BIGINT[], range) AS bad FROM range({k_total})")
        con.execute("CREATE TABLE offsets AS SELECT k, bad, CAST(coalesce(sum(CASE WHEN bad THEN 1 ELSE 0 END) OVER (ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS BIGINT) AS before FROM copies")
        out.mkdir(parents=True, exist_ok=True)
        lengths: dict[str, int] = {}
        for n in names:
            good, bad = (f"read_parquet('{work / label / n}.parquet')" for label in ("good", "bad"))
            if n not in population:
                con.sql(f"SELECT * FROM {good} ORDER BY __pos").write_parquet(str(out / f"{n}.parquet"))
                lengths[n] = _count(con, good)
                continue
            n_good = _count(con, good)
            n_bad = _count(con, bad)
            items = [f"CAST(o.k * {n_good} + o.before * {n_bad - n_good} + t.__pos AS BIGINT) AS __pos"]
            for c in columns[n]:
                if c == "__pos":
                    continue
                items.append(f'CASE WHEN t."{c}" IS NULL THEN NULL ELSE t."{c}" || \'~\' || o.k END AS "{c}"' if c in rewrite[n] else f't."{c}"')
            both = f"SELECT false AS bad, * FROM {good} UNION ALL SELECT true AS bad, * FROM {bad}"
            sql = f"SELECT {', '.join(items)} FROM offsets o JOIN ({both}) t ON t.bad = o.bad ORDER BY 1"
            con.sql(sql).write_parquet(str(out / f"{n}.parquet"))
            lengths[n] = (k_total - len(bad_copies)) * n_good + len(bad_copies) * n_bad
        shutil.copy(work / "good" / "root.snapshot.parquet", out / "root.snapshot.parquet")
        con.close()
        return lengths
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _count(con: Any, relation: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0])


def _describe(con: Any, path: Path) -> tuple[list[str], list[str]]:
    rel = con.read_parquet(str(path))
    return list(rel.columns), [str(t).upper() for t in rel.types]


def _rewritten(con: Any, work: Path, name: str, types: dict[str, str], ids: set[str], *, population: bool) -> set[str]:
    """The columns of `name` that get the copy suffix: ids, references to copied ids, UNIQUE fields."""
    out: set[str] = set()
    for column, kind in types.items():
        if kind not in ("VARCHAR", "VARCHAR[]") or column == "__pos":
            continue
        read = f'unnest("{column}")' if kind.endswith("[]") else f'"{column}"'
        values: set[str] = set()
        for label in ("good", "bad"):
            values |= {r[0] for r in con.execute(f"SELECT DISTINCT v FROM (SELECT {read} AS v FROM read_parquet('{work / label / name}.parquet')) WHERE v IS NOT NULL").fetchall()}
        refers = bool(values) and values <= ids
        if column == "id" or column in UNIQUE.get(name, ()):
            if population:
                out.add(column)
            continue
        if values & ids and not refers:
            raise ValueError(f"{name}.{column} holds ids of copied collections and other values: it cannot be rewritten consistently")
        if refers and (kind.endswith("[]") or not population):
            raise ValueError(f"{name}.{column} refers to copied elements from a {'list' if kind.endswith('[]') else 'configuration collection'}: the scaler cannot rewrite it")
        if refers:
            out.add(column)
    return out


def check(users: int = 4 * TEMPLATE_USERS) -> int:
    """A small build with copy 1 violating, evaluated by the python backend (see the module doc)."""
    import lawcode
    from lawcode.engine.sql.convert import convert

    rules = lawcode.load_ruleset(ROOT / "rulesets" / "cac")
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cac-check-") as tmp:
        for bad in ([], [1]):
            target = Path(tmp) / f"scaled-{len(bad)}.parquet"
            build(users, target, violating_copies=bad)
            convert(str(target), rules.program.schema, "json", str(target.with_suffix(".json")))
            report = rules.evaluate(rules.load_snapshot(str(target.with_suffix(".json")), max_bytes=1 << 34))
            outside = [v for v in report.violations if v.subject is not None and not str(v.subject.id).endswith(tuple(f"~{k}" for k in bad))]
            platform = sorted({v.rule for v in report.violations if v.subject is None})
            per_rule: dict[str, int] = {}
            for v in report.violations:
                per_rule[v.rule] = per_rule.get(v.rule, 0) + 1
            print(f"violating copies {bad}: {len(report.violations)} violations, {len(report.undetermined)} undetermined; platform rules: {platform}")
            print("  per rule:", dict(sorted(per_rule.items())))
            problems += [f"copies {bad}: {v.rule} {v.subject.id if v.subject else ''}: {v.message}" for v in outside]
            problems += [f"copies {bad}: undetermined {u.rule} {u.subject.id if u.subject else ''}" for u in report.undetermined]
            if not bad and report.violations:
                problems += [f"compliant copies: {v.rule} {v.subject.id if v.subject else 'platform'}" for v in report.violations]
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--check"]:
        sys.exit(check())
    n, dest = int(sys.argv[1]), Path(sys.argv[2])
    print(build(n, dest))

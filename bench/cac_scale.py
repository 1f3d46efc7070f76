"""A CAC-shaped snapshot of N users, scaled from rulesets/cac/examples/compliant.json.

The compliant example (45 users) is copied k times per collection
inside DuckDB: ids get a `~k` suffix and every column that refers to another
collection's ids is rewritten to the same copy (modulo that collection's copies), so
references stay valid. Population collections grow with the users; configuration
collections (attestations, staff, boards, …) stay as they are. Written straight to the
Parquet layout of `lawcode snapshot convert --to parquet`; no Python tree at any size.
"""

from __future__ import annotations

import math
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "rulesets" / "cac" / "examples" / "compliant.json"  # a realistic platform: few violations
TEMPLATE_USERS = 45
GROWTH = {  # copies per template copy of `users`
    "users": 1.0, "accounts": 1.0, "memberships": 1.0, "groups": 1.0, "comments": 0.5, "content": 0.5,
    "pushes": 0.5, "logs": 0.2, "complaints": 0.2, "cases": 0.2, "comment_sanctions": 0.2, "group_sanctions": 0.2,
    "people_sanctions": 0.2, "list_entries": 0.2, "records": 0.2,
}


def build(users: int, out: Path) -> None:
    import lawcode
    from lawcode.engine.sql.duckdb_backend import DuckDBBackend
    from lawcode.engine.sql.inputs import detect
    from lawcode.engine.sql.tables import layout

    schema = lawcode.load_ruleset(ROOT / "rulesets" / "cac").program.schema
    tables = layout(schema)
    db = DuckDBBackend()
    loaded = db.load(detect(str(TEMPLATE)), tables, schema)
    con = db.con
    base = users / TEMPLATE_USERS
    copies = {name: max(1, math.ceil(base * GROWTH[name])) if name in GROWTH else 1 for name in tables.collections}
    ids: dict[str, set[str]] = {}
    for name, coll in tables.collections.items():
        column = coll.column(("id",))
        if column is not None and column.kind == "string":
            ids[name] = {r[0] for r in con.execute(f'SELECT "id" FROM "{coll.table}" WHERE "id" IS NOT NULL').fetchall()}
    out.mkdir(parents=True, exist_ok=True)
    for name, coll in tables.collections.items():
        n = loaded.lengths[name]
        k_max = copies[name]
        items = [f'r.k * {max(n, 1)} + t."__pos" AS "__pos"']
        for c in coll.columns:
            q = f't."{c.name}"'
            if c.name == "id" and name in ids and k_max > 1:
                items.append(f"CASE WHEN r.k = 0 THEN {q} ELSE {q} || '~' || r.k END AS \"{c.name}\"")
                continue
            target = None
            if c.kind == "string" and not c.is_record and c.name != "id":
                values = {v[0] for v in con.execute(f'SELECT DISTINCT {q} FROM "{coll.table}" t WHERE {q} IS NOT NULL').fetchall()}
                for other, known in ids.items():
                    if values and values <= known and copies[other] > 1:
                        target = other
                        break
            if target is not None:
                m = copies[target]
                items.append(f"CASE WHEN {q} IS NULL OR r.k % {m} = 0 THEN {q} ELSE {q} || '~' || (r.k % {m}) END AS \"{c.name}\"")
            else:
                items.append(f'{q} AS "{c.name}"')
        sql = f'SELECT {", ".join(items)} FROM "{coll.table}" t, range({k_max}) r(k) ORDER BY 1'
        con.sql(sql).write_parquet(str(out / f"{name}.parquet"))
    scalars = ", ".join(f"'{orjson.dumps(v).decode().replace(chr(39), chr(39) * 2)}' AS \"{k}\"" for k, v in loaded.root.items())
    con.sql(f"SELECT {scalars}").write_parquet(str(out / "root.snapshot.parquet"))
    db.close()

"""Seeded five-rule snapshots: N users, N/10 groups, N/20 sanctions, N/100 logs (slim CAC shape).

`rate` is about the share of subjects that violate: 0.01 (the default, the file every
earlier measurement used, byte for byte) or 0.05 (a platform with poor compliance, where
the report is the hot path). It scales the odds of each planted fault; the random draws
stay the same, so the two files differ only where a fault lands.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson

AS_OF = "2024-06-15"  # mid-month: Go's AddDate (OPA) and the end-of-month rule agree
MEASURES = ["warning_and_rectification", "suspend_posting", "close_group"]


def write(path: Path, users: int, seed: int = 7, rate: float = 0.01) -> None:
    rnd = random.Random(seed)
    odds = rate / 0.01  # 1.0 exactly for the default: the same thresholds as before
    groups, sanctions, logs = max(users // 10, 1), max(users // 20, 1), max(users // 100, 10)
    with path.open("wb") as out:
        out.write(b'{"as_of": "' + AS_OF.encode() + b'",\n "policy": {"max_group_members": 500, "max_groups_founded": 3, "log_retention": "P6M"},\n "users": [')
        for i in range(users):
            month, day = 1 + rnd.randrange(12), 1 + rnd.randrange(28)
            verified = f"2023-{month:02d}-{day:02d}T{rnd.randrange(24):02d}:00:00Z"
            if rnd.random() < 0.005 * odds:
                verified = None  # never verified
            posted = None
            if rnd.random() < 0.7:  # has posted: after verifying, except for about 1%
                late = rnd.random() < 0.01 * odds
                posted = f"{2023 if late else 2024}-{month:02d}-{day:02d}T{'00' if late else '12'}:00:00Z"
            item = {"id": f"u{i:08d}", "verified_at": verified, "first_post_at": posted}
            out.write((b"" if i == 0 else b",\n  ") + orjson.dumps(item))
        out.write(b'],\n "groups": [')
        for i in range(groups):
            creator = f"u{min(rnd.randrange(users), int(rnd.paretovariate(1.2)) % users):08d}" if rnd.random() < 0.2 else f"u{rnd.randrange(users):08d}"
            item = {"id": f"g{i:07d}", "status": "active" if rnd.random() < 0.9 else "closed", "creator_id": creator, "member_count": min(int(rnd.expovariate(1 / 60)), 499) if rnd.random() > 0.002 * odds else 501 + rnd.randrange(100)}
            out.write((b"" if i == 0 else b",\n  ") + orjson.dumps(item))
        out.write(b'],\n "sanctions": [')
        for i in range(sanctions):
            item = {"id": f"s{i:07d}", "group_id": f"g{rnd.randrange(groups):07d}", "prior_violations": (prior := rnd.randrange(6)), "measure": MEASURES[max(0, min(2, (prior + 1) // 2 + (0 if rnd.random() < 1 - 0.02 * odds else -1)))]}
            out.write((b"" if i == 0 else b",\n  ") + orjson.dumps(item))
        out.write(b'],\n "logs": [')
        for i in range(logs):
            item = {"at": f"{2023 + rnd.randrange(2)}-{1 + rnd.randrange(12):02d}-{1 + rnd.randrange(28):02d}T{rnd.randrange(24):02d}:00:00Z"}
            out.write((b"" if i == 0 else b",\n  ") + orjson.dumps(item))
        out.write(b"]}\n")

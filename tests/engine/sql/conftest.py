"""The SQL backend tests share snapshot generators (`snapshots.py` beside this file)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

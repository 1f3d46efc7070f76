"""The package as `pip install .` builds it: every subpackage and data file is inside.

Editable installs resolve the folder mapping on the fly and would hide a subpackage or a
data file missing from pyproject.toml; this test builds a real wheel and looks inside.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from helpers import ROOT

SOURCE_FOLDERS = ["src/lawcode", "dsl", "compiler", "engine", "rulesets", "playground"]


def test_wheel_carries_every_module_and_data_file(tmp_path: Path) -> None:
    # Build from a clean copy: setuptools reuses an in-tree build/ folder, whose stale
    # files would hide exactly the omissions this test looks for.
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__", ".*_cache", "artifacts", ".hypothesis"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("lawcode-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected: set[str] = set()
    for folder in SOURCE_FOLDERS:
        base = ROOT / folder
        prefix = "lawcode/" if folder == "src/lawcode" else f"lawcode/{folder}/"
        for path in base.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in {".py", ".lark", ".law", ".json", ".js", ".css", ".html"}:
                if folder == "rulesets" and "generate" in path.name:
                    continue
                expected.add(prefix + path.relative_to(base).as_posix())
    missing = sorted(expected - names)
    assert not missing, f"missing from the wheel: {missing[:20]}"

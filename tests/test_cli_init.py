"""`lawcode init`: a starter ruleset that `check` and `test` pass at once, and nothing replaced."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lawcode", *map(str, args)], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_the_starter_passes_lint_check_and_test(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    made = run("init", folder)
    assert made.returncode == 0, made.stderr
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "examples/snapshot.json", "regulation.law", "rules.law", "snapshot.schema.json", "tests/rules.test.yaml",
    ]
    lint = run("lint", folder)
    assert lint.returncode == 0 and "0 warning(s)" in lint.stdout, lint.stdout + lint.stderr
    check = run("check", folder, "--snapshot", folder / "examples" / "snapshot.json")
    assert check.returncode == 0, check.stdout + check.stderr
    for backend in ("python", "duckdb"):
        tests = run("test", folder / "tests", "--backend", backend)
        assert tests.returncode == 0 and "5 passed, 0 failed" in tests.stdout, tests.stdout
    assert run("fmt", "--check", folder / "regulation.law", folder / "rules.law").returncode == 0


def test_init_in_the_current_folder_keeps_other_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("mine\n", encoding="utf-8")
    assert run("init", cwd=tmp_path).returncode == 0
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "mine\n"
    assert (tmp_path / "rules.law").is_file()


def test_init_refuses_to_replace_anything(tmp_path: Path) -> None:
    (tmp_path / "rules.law").write_text("# my own rules\n", encoding="utf-8")
    again = run("init", tmp_path)
    assert again.returncode == 2
    assert "error[O006]" in again.stderr and "rules.law" in again.stderr and "Traceback" not in again.stderr
    assert (tmp_path / "rules.law").read_text(encoding="utf-8") == "# my own rules\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rules.law"], "nothing else was written"


def test_init_over_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    refused = run("init", tmp_path / "taken")
    assert refused.returncode == 2 and "error[O007]" in refused.stderr


def test_init_into_a_link_to_nowhere_is_refused(tmp_path: Path) -> None:
    """Following the link would create a folder wherever it points; replacing it would drop it."""
    (tmp_path / "proj").symlink_to(tmp_path / "elsewhere" / "x")
    refused = run("init", tmp_path / "proj")
    assert refused.returncode == 2 and "error[O007]" in refused.stderr and "symbolic link" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "elsewhere").exists() and (tmp_path / "proj").is_symlink()


def test_init_into_a_link_to_an_empty_folder_writes_there(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "proj").symlink_to(tmp_path / "real")
    assert run("init", tmp_path / "proj").returncode == 0
    assert (tmp_path / "proj").is_symlink() and (tmp_path / "real" / "rules.law").is_file()

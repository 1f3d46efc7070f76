"""Data loss: whatever a user names as an output, nothing of theirs is lost or replaced.

`-o` (check, graph), `snapshot convert` and `fmt` write through `lawcode.engine.output`: the
destination is checked before any work, regular files are replaced atomically keeping
their mode, devices and FIFOs are written through, symlinks keep pointing at the file
written, and every failure (a full disk, Ctrl-C) leaves no temp file and the old file
whole. A converted folder carries a manifest, so a partial or altered one is refused.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from bad_inputs.support import CORPUS, MINI, MINI_RULESET, MINI_SNAPSHOT, assert_user_error, lawcode

from helpers import ROOT

DATA = CORPUS / "output"
COMPLIANT = MINI / "compliant.json"


def leftovers(folder: Path) -> list[str]:
    """Temp files or folders a writer left behind (`.name.lawcode-….tmp` and the like)."""
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".") or ".tmp" in p.name)


# ---------------------------------------------------------------- -o: refused before any work


def convert(source: Path, dest: Path, form: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return lawcode("snapshot", "convert", source, dest, "--to", form, "--ruleset", MINI_RULESET, *extra)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The mini snapshot converted once per columnar form; tests damage copies of them."""
    made = tmp_path_factory.mktemp("converted")
    for form in ("jsonl", "parquet"):
        assert convert(MINI_SNAPSHOT, made / form, form).returncode == 0
    return {form: made / form for form in ("jsonl", "parquet")}




@pytest.fixture
def snapshot_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "snapshot.json"
    shutil.copy(MINI_SNAPSHOT, copy)
    return copy


def _case_paths(tmp_path: Path, snapshot: Path, case: str, converted: dict[str, Path]) -> tuple[list[str], Path, str]:
    """(command, output, code expected) for each destination that must be refused."""
    if case == "missing folder":
        return (["check", str(MINI_RULESET), "-s", str(snapshot)], tmp_path / "no" / "such" / "report.txt", "O001")
    if case == "a folder":
        return (["check", str(MINI_RULESET), "-s", str(snapshot)], tmp_path, "O002")
    if case == "the snapshot":
        return (["check", str(MINI_RULESET), "-s", str(snapshot)], snapshot, "O003")
    if case == "a hard link to the snapshot":
        link = tmp_path / "other-name.json"
        os.link(snapshot, link)
        return (["check", str(MINI_RULESET), "-s", str(snapshot)], link, "O003")
    ruleset = tmp_path / "rules"
    shutil.copytree(MINI, ruleset)
    if case == "a ruleset file":
        return (["check", str(ruleset / "mini.law"), "-s", str(snapshot)], ruleset / "documents.law", "O003")
    if case == "the schema":
        return (["check", str(ruleset / "mini.law"), "-s", str(snapshot)], ruleset / "snapshot.schema.json", "O003")
    if case == "graph over a ruleset file":
        return (["graph", str(ruleset / "mini.law")], ruleset / "mini.law", "O003")
    assert case == "inside a snapshot folder"
    folder = tmp_path / "columnar"
    shutil.copytree(converted["jsonl"], folder)
    return (["check", str(MINI_RULESET), "-s", str(folder), "-b", "duckdb"], folder / "report.txt", "O003")


@pytest.mark.parametrize("case", ["missing folder", "a folder", "the snapshot", "a hard link to the snapshot", "a ruleset file", "the schema", "graph over a ruleset file", "inside a snapshot folder"])
def test_an_output_that_must_not_be_written_is_refused_before_evaluating(tmp_path: Path, snapshot_copy: Path, converted: dict[str, Path], case: str) -> None:
    command, output, code = _case_paths(tmp_path, snapshot_copy, case, converted)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    result = lawcode(*command, "-o", output)
    assert_user_error(result, f"error[{code}]", str(output.name) if case != "a folder" else "folder")
    assert "lawcode check ·" not in result.stdout  # no report anywhere
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------- -o: regular files, symlinks, devices, FIFOs


def test_an_existing_report_keeps_its_mode_and_a_new_one_gets_the_umask(tmp_path: Path) -> None:
    kept = tmp_path / "kept.txt"
    kept.write_text("old report\n")
    kept.chmod(0o640)
    for output in (kept, tmp_path / "new.txt"):
        assert lawcode("check", MINI_RULESET, "-s", MINI_SNAPSHOT, "-o", output).returncode == 1
        assert "group-member-cap" in output.read_text()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o666 & ~umask
    assert leftovers(tmp_path) == []


def test_a_symlink_keeps_pointing_at_the_report_it_names(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    target = tmp_path / "reports" / "latest.sarif"
    target.write_text("old\n")
    link = tmp_path / "latest.sarif"
    link.symlink_to(target)
    assert lawcode("check", MINI_RULESET, "-s", MINI_SNAPSHOT, "-f", "sarif", "-o", link).returncode == 1
    assert link.is_symlink() and link.resolve() == target
    assert orjson.loads(target.read_bytes())["version"] == "2.1.0"


@pytest.mark.parametrize("through_a_link", [False, True], ids=["a FIFO", "a link to a FIFO, as /dev/stdout is in a pipe"])
def test_a_fifo_is_written_through_not_replaced(tmp_path: Path, through_a_link: bool) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    output = fifo
    if through_a_link:
        output = tmp_path / "stdout"
        output.symlink_to(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader waiting, as `lawcode … -o pipe & cat pipe` has
    try:
        result = lawcode("check", MINI_RULESET, "-s", MINI_SNAPSHOT, "-f", "json", "-o", output)
        assert result.returncode == 1, result.stderr
        received = os.read(reader, 1 << 20)
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(fifo.stat().st_mode) and (output.is_symlink() or not through_a_link)
    assert orjson.loads(received)["violations"]


def _device(tmp_path: Path, name: str, minor: int) -> Path:
    """A private copy of /dev/null (minor 3) or /dev/full (minor 7): the test never risks the real ones."""
    node = tmp_path / name
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        with open(node, "wb"):
            pass
    except OSError:
        pytest.skip("creating device nodes needs root (and a file system that allows devices)")
    return node


def test_a_device_is_written_through_not_replaced(tmp_path: Path) -> None:
    null = _device(tmp_path, "null", 3)
    assert lawcode("check", MINI_RULESET, "-s", MINI_SNAPSHOT, "-o", null).returncode == 1
    assert stat.S_ISCHR(null.stat().st_mode)
    assert leftovers(tmp_path) == []


def test_a_full_device_is_a_clear_error(tmp_path: Path) -> None:
    full = _device(tmp_path, "full", 7)
    assert_user_error(lawcode("check", MINI_RULESET, "-s", MINI_SNAPSHOT, "-o", full), "error[O005]", "No space left on device")
    assert stat.S_ISCHR(full.stat().st_mode)


@contextlib.contextmanager
def small_disk(folder: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs (root only), unmounted afterwards."""
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_leaves_the_old_report_whole_and_no_temp_file(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        report = disk / "report.json"
        report.write_text('{"old": true}\n')
        with contextlib.suppress(OSError), (disk / "filler").open("wb") as filler:
            filler.write(b"x" * (60 * 1024))  # as much as fits: the report no longer does
        result = lawcode("check", MINI_RULESET, "-s", MINI_SNAPSHOT, "-f", "json", "-o", report)
        assert_user_error(result, "error[O005]", "No space left on device", "is unchanged")
        assert report.read_text() == '{"old": true}\n'
        assert leftovers(disk) == []


def test_a_write_that_fails_leaves_no_temp_file(tmp_path: Path) -> None:
    """The same without root: a file-size limit makes the write fail (EFBIG) half-way."""
    report = tmp_path / "report.json"
    report.write_text('{"old": true}\n')

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    done = subprocess.run(
        [sys.executable, "-m", "lawcode", "check", str(MINI_RULESET), "-s", str(MINI_SNAPSHOT), "-f", "json", "-o", str(report)],
        capture_output=True, text=True, cwd=ROOT, preexec_fn=limit, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, timeout=120, check=False,
    )
    assert_user_error(subprocess.CompletedProcess(done.args, done.returncode, done.stdout, done.stderr), "error[O005]", "is unchanged")
    assert report.read_text() == '{"old": true}\n'
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------- Ctrl-C


@pytest.fixture(scope="module")
def large_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A five-rule snapshot of 300,000 users (~30 MB): a few seconds of DuckDB work."""
    path = tmp_path_factory.mktemp("large") / "five.json"
    generator = importlib.util.spec_from_file_location("five_generate", ROOT / "bench" / "five" / "generate.py")
    assert generator is not None and generator.loader is not None
    module = importlib.util.module_from_spec(generator)
    generator.loader.exec_module(module)
    module.write(path, 300_000)
    return path


def _interrupt_once_reading(args: list[str], reading: Path) -> subprocess.CompletedProcess[str]:
    """Run lawcode, send SIGINT as soon as it has `reading` open (the work under way), collect what it printed."""
    process = subprocess.Popen([sys.executable, "-m", "lawcode", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    fds = Path(f"/proc/{process.pid}/fd")
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) == str(reading) for fd in fds.iterdir()):
                break
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="watches /proc for the snapshot being read")
def test_ctrl_c_during_a_duckdb_check_exits_130_with_no_output(tmp_path: Path, large_snapshot: Path) -> None:
    output = tmp_path / "report.json"
    result = _interrupt_once_reading(["check", str(ROOT / "bench/five/five.law"), "-s", str(large_snapshot), "-b", "duckdb", "-f", "json", "-o", str(output)], large_snapshot)
    assert_user_error(result, "interrupted", code=130)
    assert "Query interrupted" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="watches /proc for the snapshot being read")
def test_ctrl_c_during_a_convert_leaves_nothing(tmp_path: Path, large_snapshot: Path) -> None:
    result = _interrupt_once_reading(["snapshot", "convert", str(large_snapshot), str(tmp_path / "columnar"), "--to", "parquet", "--ruleset", str(ROOT / "bench/five/five.law")], large_snapshot)
    assert_user_error(result, "interrupted", code=130)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- snapshot convert


def test_convert_into_a_folder_holding_a_snapshot_is_refused_and_force_replaces_it_whole(tmp_path: Path, converted: dict[str, Path]) -> None:
    form = "parquet"  # the folder is staged the same way for every form
    folder = tmp_path / "columnar"
    shutil.copytree(converted[form], folder)
    (folder / f"old_collection.{form}").write_bytes((folder / f"users.{form}").read_bytes())  # what another ruleset's snapshot had
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert_user_error(convert(COMPLIANT, folder, form), "error[O006]", "--force")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert convert(COMPLIANT, folder, form, "--force").returncode == 0
    assert {p.name for p in folder.iterdir()} == set(before) - {f"old_collection.{form}"}
    assert leftovers(tmp_path) == []
    assert lawcode("check", MINI_RULESET, "-s", folder, "-b", "duckdb").returncode == 0


def test_convert_to_json_refuses_a_folder_and_an_existing_file(tmp_path: Path) -> None:
    assert_user_error(convert(MINI_SNAPSHOT, tmp_path, "json"), "error[O002]")
    assert list(tmp_path.iterdir()) == []
    existing = tmp_path / "snapshot.json"
    existing.write_text("{}")
    assert_user_error(convert(MINI_SNAPSHOT, existing, "json"), "error[O006]", "--force")
    assert existing.read_text() == "{}"
    assert convert(MINI_SNAPSHOT, existing, "json", "--force").returncode == 0
    assert orjson.loads(existing.read_bytes())["as_of"] == "2024-08-31"
    assert leftovers(tmp_path) == []


def _unfinished(folder: Path) -> str:
    """What a convert killed before its end leaves (in its hidden sibling): a manifest saying incomplete."""
    form = "parquet" if any(p.suffix == ".parquet" for p in folder.iterdir()) else "jsonl"
    (folder / "_lawcode_snapshot.json").write_bytes(orjson.dumps({"lawcode_snapshot": 1, "complete": False, "form": form, "files": {}}))
    return "S032"  # even when every file happens to be there: the last ones may be cut short


def _truncated(folder: Path) -> str:
    victim = next(p for p in sorted(folder.iterdir()) if p.stem == "users")
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    return "S034"


def _missing(folder: Path) -> str:
    next(p for p in folder.iterdir() if p.stem == "groups").unlink()
    return "S033"


def _extra(folder: Path) -> str:
    suffix = next(p.suffix for p in folder.iterdir() if p.stem == "users")
    (folder / f"sanctions_old{suffix}").write_bytes((folder / f"users{suffix}").read_bytes())
    (folder / f"extra{suffix}").write_bytes(b"")
    return "S035"


@pytest.mark.parametrize(("damage", "form"), [
    (_unfinished, "jsonl"), (_truncated, "jsonl"), (_truncated, "parquet"), (_missing, "jsonl"), (_extra, "parquet"),
], ids=["unfinished", "truncated-jsonl", "truncated-parquet", "missing", "extra"])
def test_a_converted_folder_that_is_not_whole_is_refused(tmp_path: Path, converted: dict[str, Path], damage: object, form: str) -> None:
    folder = tmp_path / "columnar"
    shutil.copytree(converted[form], folder)
    code = damage(folder)  # type: ignore[operator]
    assert_user_error(lawcode("check", MINI_RULESET, "-s", folder, "-b", "duckdb"), f"error[{code}]", "columnar")
    if code == "S035":  # without the manifest the folder is one made by hand, read as it is
        (folder / "_lawcode_snapshot.json").unlink()
        assert lawcode("check", MINI_RULESET, "-s", folder, "-b", "duckdb").returncode == 1


# ---------------------------------------------------------------- fmt


def test_fmt_leaves_a_read_only_file_alone(tmp_path: Path) -> None:
    ruleset = tmp_path / "rules.law"
    shutil.copy(DATA / "unformatted.law", ruleset)
    ruleset.chmod(0o444)
    assert_user_error(lawcode("fmt", ruleset), "error[O004]", "read-only")
    assert ruleset.read_bytes() == (DATA / "unformatted.law").read_bytes()
    assert stat.S_IMODE(ruleset.stat().st_mode) == 0o444


def test_fmt_formats_the_target_of_a_symlink_and_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    target = tmp_path / "shared" / "rules.law"
    shutil.copy(DATA / "unformatted.law", target)
    target.chmod(0o640)
    link = tmp_path / "rules.law"
    link.symlink_to(target)
    assert lawcode("fmt", link).returncode == 0
    assert link.is_symlink() and link.resolve() == target
    assert lawcode("fmt", "--check", target).returncode == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path / "shared") == []


@pytest.mark.parametrize(
    "args",
    [
        ("check", str(MINI_RULESET), "-s", str(COMPLIANT), "-f", "json"),
        ("graph", str(MINI_RULESET)),
        ("export", "catalog", str(MINI_RULESET)),
        ("schema", "infer", str(COMPLIANT)),
        ("history", str(COMPLIANT), "--rules", str(MINI_RULESET)),
    ],
    ids=lambda a: a[0],
)
def test_an_output_typed_as_a_folder_is_refused(args: tuple[str, ...], tmp_path: Path) -> None:
    """`-o reports/` means a folder: `Path` would drop the slash and write a file `reports`."""
    result = lawcode(*args, "-o", f"{tmp_path}/reports/")
    assert_user_error(result, "names a folder", "report.json")
    assert list(tmp_path.iterdir()) == []

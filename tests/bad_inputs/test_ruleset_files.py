"""What a ruleset reads: caches, imports, schemas, encodings (issue 15).

A ruleset may come from someone else (a pull request linted in CI, text pasted in the
playground), so the files it names are read only when they are what they claim to be: a
regular `.law` file for `import`, a regular `.json` file for `schema`, as written and
once symlinks are resolved (E060); a path that cannot name a file is refused at its line
(E061); devices, FIFOs and folders are named for what they are (E062); reads stop at a
limit (E063); text is UTF-8, with or without a byte-order mark (E064). Nothing of a file
that is not a ruleset reaches the output. The parser's tables and the parse cache are
never unpickled from a place another user can write.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
from pathlib import Path

import pytest
from bad_inputs.support import CORPUS, MINI, MINI_RULESET, assert_user_error, lawcode

HERE = CORPUS / "ruleset_files"
SCHEMA = MINI / "snapshot.schema.json"
CANARY = "canary-7f3a9c"  # in the environment and in secret files: never printed


def _ruleset(folder: Path, body: str, schema: str = str(SCHEMA)) -> Path:
    path = folder / "case.law"
    path.write_text(f'schema "{schema}"\n{body}', encoding="utf-8")
    return path


def _secret(folder: Path) -> Path:
    secret = folder / "secret.env"
    secret.write_text(f"TOKEN_{CANARY}=hunter2\n", encoding="utf-8")
    return secret


# ------------------------------------------------------------------ caches


def test_the_parser_is_never_pickled_to_the_temp_folder(tmp_path: Path) -> None:
    """Lark's `cache=True` wrote, then unpickled, /tmp/.lark_cache_<user>_<hash>.tmp."""
    result = lawcode("lint", MINI_RULESET, env={"TMPDIR": str(tmp_path), "LAWCODE_CACHE_DIR": ""})
    assert result.returncode == 0, result.stdout + result.stderr
    assert not list(tmp_path.iterdir())


def test_the_shipped_parser_tables_are_those_of_the_grammar() -> None:
    from lawcode.dsl import tables

    stored = json.loads((Path(tables.__file__).parent / tables.TABLES).read_bytes())
    assert stored["key"] == tables.key(tables.grammar_text()), "the grammar changed: run `python -m lawcode.dsl.tables`"


class _Poison:
    """A pickle that, loaded, makes a folder: proof that a cache entry ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.mkdir, (str(self.marker),)


def test_a_poisoned_parse_cache_runs_nothing(tmp_path: Path) -> None:
    folder, marker = tmp_path / "cache", tmp_path / "ran"
    folder.mkdir(mode=0o700)
    env = {"LAWCODE_CACHE_DIR": str(folder)}
    assert lawcode("lint", MINI_RULESET, env=env).returncode == 0  # fills the cache
    entries = [path for path in folder.rglob("*") if path.is_file()]
    assert entries
    for entry in entries:
        entry.write_bytes(pickle.dumps(_Poison(marker)))
    result = lawcode("lint", MINI_RULESET, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not marker.exists(), "a cache entry ran code"


def _open_to_others(folder: Path) -> None:
    folder.mkdir(parents=True)
    folder.chmod(0o777)


def _another_owner(folder: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("only root can give a folder to another user")
    folder.mkdir(parents=True, mode=0o700)
    os.chown(folder, 65534, 65534)


def _symlink(folder: Path) -> None:
    elsewhere = folder.parent / "elsewhere"
    elsewhere.mkdir(parents=True, mode=0o700)
    folder.symlink_to(elsewhere)


@pytest.mark.parametrize("make", [_open_to_others, _another_owner, _symlink], ids=["open-to-others", "another-owner", "symlink"])
def test_a_parse_cache_folder_others_control_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make) -> None:
    from lawcode.dsl import cache

    monkeypatch.setenv("LAWCODE_CACHE_DIR", str(tmp_path))
    folder = cache.cache_dir()
    assert folder is not None
    make(folder)
    result = lawcode("lint", MINI_RULESET, env={"LAWCODE_CACHE_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert not [path for path in folder.resolve().rglob("*")], "the cache was written"
    assert result.stderr.count("not using the parse cache") == 1, result.stderr


def test_the_parse_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lawcode.dsl import cache

    monkeypatch.setenv("LAWCODE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "MAX_DISK_BYTES", 20_000)
    cache.clear_memory()
    text = (MINI / "documents.law").read_text(encoding="utf-8")
    for n in range(40):
        cache.parse_file(f"{text}\n# {n}\n", "documents.law")
    folder = cache.cache_dir()
    assert folder is not None
    sizes = [path.stat().st_size for path in folder.rglob("*") if path.is_file()]
    assert 2 <= len(sizes) < 40 and sum(sizes) <= 20_000, sizes
    cache.clear_memory()


# ------------------------------------------------------------------ what an import may name

NUL = "a\0b"
LONG = "a" * 300

# Every import refused, each at its own line, in one `lint` (it reports them all): the
# line's declaration, then the code and the words expected.
REFUSED_IMPORTS = [
    ('import "/proc/self/environ"', "E060", "`/proc/self/environ` is not a ruleset file"),
    ('import "secret.env"', "E060", "`secret.env` is not a ruleset file"),
    ('import "link.law"', "E060", "`link.law` links to"),
    ('import "zero.law"', "E062", "a character device, not a ruleset file"),
    ('import "fifo.law"', "E062", "a FIFO (named pipe), not a ruleset file"),
    ('import "folder.law"', "E062", "is a folder, not a ruleset file"),
    ('import "big.law"', "E063", "larger than 8 MiB"),
    (f'import "{NUL}.law"', "E061", "holds a NUL byte"),
    (f'import "{LONG}.law"', "E061", "is too long"),
    (f'import "{"d/" * 2100}x.law"', "E061", "is too long"),
]


def _files(folder: Path) -> None:
    """A secret, links to it and to a device, a FIFO, a folder and a sparse file past the limit."""
    from lawcode.compiler.reading import RULESET

    _secret(folder)
    (folder / "link.law").symlink_to(folder / "secret.env")
    (folder / "zero.law").symlink_to("/dev/zero")
    os.mkfifo(folder / "fifo.law")
    (folder / "folder.law").mkdir()
    with (folder / "big.law").open("wb") as handle:  # sparse: nothing is written but the size
        handle.truncate(RULESET.max_bytes + 1)
    (folder / "environ.json").symlink_to("/proc/self/environ")
    (folder / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(folder / "fifo.json")
    shutil.copy(SCHEMA, folder / "schema.txt")  # a valid JSON Schema under the wrong kind of name


def test_every_import_that_is_not_a_regular_law_file_is_refused_unread_at_its_line(tmp_path: Path) -> None:
    _files(tmp_path)
    ruleset = _ruleset(tmp_path, "".join(declaration + "\n" for declaration, _, _ in REFUSED_IMPORTS))
    result = lawcode("lint", "-f", "json", ruleset, env={"LAWCODE_TEST_SECRET": CANARY}, timeout=60)
    assert_user_error(result)
    assert CANARY not in result.stdout + result.stderr
    found = {d["span"]["line"]: (d["code"], d["message"]) for d in json.loads(result.stdout)}
    for line, (_, code, needle) in enumerate(REFUSED_IMPORTS, start=2):
        assert line in found, f"line {line} ({REFUSED_IMPORTS[line - 2][0][:40]}) not reported: {found}"
        assert found[line][0] == code and needle in found[line][1], found[line]
    assert len(result.stdout) < 10_000  # no file's content, no 4 KB path


REFUSED_SCHEMAS = {
    "secret.env": ("E060", "`secret.env` is not a snapshot schema"),
    "schema.txt": ("E060", "`schema.txt` is not a snapshot schema"),
    "environ.json": ("E060", "`environ.json` links to"),
    "zero.json": ("E062", "a character device, not a snapshot schema"),
    f"{NUL}.json": ("E061", "holds a NUL byte"),
    f"{LONG}.json": ("E061", "is too long"),
}


@pytest.mark.parametrize(
    ("schema", "code", "needle"),
    [("secret.env", "E060", "`secret.env` is not a snapshot schema"), ("fifo.json", "E062", "a FIFO (named pipe), not a snapshot schema")],
    ids=["env-file", "fifo"],
)
def test_a_schema_that_is_not_a_regular_json_file_is_refused_unread(tmp_path: Path, schema: str, code: str, needle: str) -> None:
    """In a subprocess with a time limit: before, a FIFO blocked the reader forever."""
    _files(tmp_path)
    result = lawcode("lint", _ruleset(tmp_path, "", schema), env={"LAWCODE_TEST_SECRET": CANARY}, timeout=30)
    assert_user_error(result, code, needle, "case.law:1:1")
    assert CANARY not in result.stdout + result.stderr


@pytest.mark.parametrize("schema", sorted(REFUSED_SCHEMAS), ids=lambda name: name[:12].replace("\0", "NUL"))
def test_every_schema_that_is_not_a_regular_json_file_is_refused_at_its_line(tmp_path: Path, schema: str) -> None:
    """In process, as `lint` compiles (the CLI runs two of them above; a FIFO only there)."""
    import lawcode

    _files(tmp_path)
    code, needle = REFUSED_SCHEMAS[schema]
    with pytest.raises(lawcode.LawcodeError) as caught:
        lawcode.load_ruleset(f'schema "{schema}"\n', base_dir=tmp_path)
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.span and diagnostic.span.line) == (code, 1), diagnostic
    assert needle in diagnostic.message


def test_a_folder_holding_a_law_symlink_to_a_secret_is_refused_unread(tmp_path: Path) -> None:
    _ruleset(tmp_path, "")
    (tmp_path / "notes.law").symlink_to(_secret(tmp_path))
    result = lawcode("lint", tmp_path)
    assert_user_error(result, "E060", "links to")
    assert CANARY not in result.stdout + result.stderr


def test_a_device_as_the_ruleset_is_named_for_what_it_is() -> None:
    result = lawcode("lint", "/dev/null", "/dev/zero", timeout=30)
    assert_user_error(result, "E062", *(f"`{entry}` is a character device, not a ruleset file" for entry in ("/dev/null", "/dev/zero")))


def test_an_entry_with_a_name_too_long_is_refused() -> None:
    assert_user_error(lawcode("lint", f"{LONG}.law", f"{LONG}/x.law"), "E061", "is too long")


# ------------------------------------------------------------------ what a schema holds


def test_a_schema_that_is_not_json_is_located_not_quoted(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{\n  "users": ' + CANARY + "\n}\n", encoding="utf-8")
    result = lawcode("lint", _ruleset(tmp_path, "", "bad.json"))
    assert_user_error(result, "E013", "not valid JSON at line 2, column 12")
    assert CANARY not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"[]", "it holds an array, and a JSON Schema is a JSON object"),
        (b'"a schema"', "it holds a string"),
        (b"[" * 100_000, "nested too deeply"),
        (b'{"title": "\xc4\xe3"}', "not UTF-8 text: its first byte that is not UTF-8 is at line 1, column 12"),
        (b"{" + b" " * (8 * 1024 * 1024) + b"}", "larger than 8 MiB"),
    ],
    ids=["array", "string", "deep", "gb18030", "too-large"],
)
def test_a_schema_file_that_is_no_json_schema_says_why(tmp_path: Path, content: bytes, needle: str) -> None:
    """In process: what `lint` prints as `E013: cannot read the snapshot schema …: <this>`."""
    from lawcode.compiler.schema import SnapshotSchema

    (tmp_path / "odd.json").write_bytes(content)
    with pytest.raises(ValueError, match=re.escape(needle)):
        SnapshotSchema.load(tmp_path / "odd.json")


# ------------------------------------------------------------------ the playground and the API


@pytest.mark.parametrize(
    "declaration",
    [f'import "{NUL}.law"', f'import "{LONG}.law"', f'schema "{NUL}.json"', 'import "x.env"'],
    ids=["import-nul", "import-long-name", "schema-nul", "import-env-inside-the-folder"],
)
def test_the_playground_answers_a_bad_path_with_a_diagnostic(tmp_path: Path, declaration: str) -> None:
    from lawcode.playground import service

    for name in ("mini.law", "documents.law", "snapshot.schema.json"):
        shutil.copy(MINI / name, tmp_path / name)
    _secret(tmp_path).rename(tmp_path / "x.env")
    text = f'schema "snapshot.schema.json"\n{declaration}\n'
    source = {"folder_id": "mini", "folder_path": str(tmp_path)}
    status, body = service.lint(text, source)
    assert status == 200 and not body["ok"], body
    assert {d["code"] for d in body["diagnostics"]} <= {"E060", "E061"}, body
    assert body["diagnostics"][0]["span"]["line"] == 2
    status, body = service.evaluate(text, source, "{}")
    assert status == 422, body
    assert CANARY not in str(body)


def test_the_api_takes_a_long_line_of_ruleset_text_for_text() -> None:
    import lawcode

    with pytest.raises(lawcode.LawcodeError, match="E061"):
        lawcode.load_ruleset(f'schema "{LONG}.json"')


# ------------------------------------------------------------------ encodings


def test_a_ruleset_not_in_utf8_gets_the_line_and_column_of_its_first_bad_byte() -> None:
    result = lawcode("lint", HERE / "gb18030.law")
    assert_user_error(result, "E064", "gb18030.law:3:3", "not UTF-8 text", "line 3, column 3", "must be UTF-8")
    assert "codec" not in result.stdout + result.stderr


def test_a_utf8_byte_order_mark_is_accepted_and_columns_are_those_an_editor_shows() -> None:
    result = lawcode("lint", "-f", "json", HERE / "bom.law", HERE / "bom-error.law")
    assert_user_error(result)
    [diagnostic] = json.loads(result.stdout)  # bom.law has none; bom-error.law one, at the `42`
    assert diagnostic["span"]["file"].endswith("bom-error.law"), diagnostic
    assert (diagnostic["span"]["line"], diagnostic["span"]["column"]) == (1, 8), diagnostic
    assert "unexpected `42`" in diagnostic["message"]

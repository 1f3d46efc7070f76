"""`lawcode lsp` driven over stdio with real JSON-RPC messages, on the CAC rulesets and on
broken text: the lifecycle, diagnostics as one types, hover, definition, references, the
outline, completion, formatting and quick fixes."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.lspclient import Client, position
from lawcode.dsl.formatter import format_text

ROOT = Path(__file__).resolve().parents[2]
CAC = ROOT / "rulesets" / "cac"

CASES = yaml.safe_load((ROOT / "tests" / "data" / "lsp" / "cac.yaml").read_text(encoding="utf-8"))
versions = itertools.count(2)


def opened(client: Client, relative: str) -> tuple[str, str]:
    """The file open in the client (once per session), its URI and its text."""
    path = CAC / relative
    text = path.read_text(encoding="utf-8")
    uri = path.resolve().as_uri()
    if uri not in getattr(client, "opened", set()):
        client.opened = {*getattr(client, "opened", set()), uri}  # type: ignore[attr-defined]
        client.open(path, text)
        client.diagnostics(uri)
    return uri, text


def replace_all(client: Client, uri: str, text: str) -> list[dict[str, Any]]:
    """Send the whole text as the new version and wait for that version's diagnostics."""
    version = next(versions)
    client.change(uri, version, [{"text": text}])
    return client.diagnostics(uri, version=version)


def at(text: str, needle: str, after: int, occurrence: int = 0) -> dict[str, int]:
    return position(text, needle, after=after, occurrence=occurrence)


def test_initialize_announces_the_features() -> None:
    client = Client(cwd=ROOT, env={"LAWCODE_CACHE_DIR": ""})
    try:
        capabilities = client.initialize(CAC)["capabilities"]
        assert capabilities["textDocumentSync"]["change"] == 2  # incremental
        for feature in ("hoverProvider", "definitionProvider", "referencesProvider", "documentSymbolProvider", "documentFormattingProvider", "codeActionProvider"):
            assert capabilities[feature], feature
        assert "." in capabilities["completionProvider"]["triggerCharacters"]
        assert capabilities["positionEncoding"] == "utf-16"
    finally:
        assert client.close() == 0
    assert b"Traceback" not in client.stderr


def test_the_cac_rulesets_open_without_diagnostics(cac: Client) -> None:
    for path in sorted(CAC.rglob("*.law")):
        uri = path.resolve().as_uri()
        cac.open(path)
        cac.opened = {*getattr(cac, "opened", set()), uri}  # type: ignore[attr-defined]
        assert cac.diagnostics(uri) == [], path.name
    uri, text = opened(cac, "groups-2017.law")
    assert replace_all(cac, uri, text) == []


@pytest.mark.parametrize("case", CASES["hover"], ids=lambda c: c["name"])
def test_hover(cac: Client, case: dict[str, Any]) -> None:
    uri, text = opened(cac, case["file"])
    result = cac.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": at(text, case["at"], case["after"], case.get("occurrence", 0))})
    assert result is not None, case["name"]
    assert result["contents"]["kind"] == "markdown"
    value = result["contents"]["value"]
    for expected in case["expect"]:
        assert expected in value, (expected, value)


@pytest.mark.parametrize("case", CASES["completion"], ids=lambda c: c["name"])
def test_completion(cac: Client, case: dict[str, Any]) -> None:
    uri, text = opened(cac, case["file"])
    start = text.index(case["at"]) + case["after"]
    edited = text[:start] + case.get("insert", "") + text[start + case.get("replace", 0) :]
    cursor = start + len(case.get("insert", ""))
    try:
        replace_all(cac, uri, edited)
        line = edited.count("\n", 0, cursor)
        column = len(edited[edited.rfind("\n", 0, cursor) + 1 : cursor].encode("utf-16-le")) // 2
        result = cac.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": line, "character": column}})
    finally:
        replace_all(cac, uri, text)
    labels = {item["label"] for item in result["items"]}
    for expected in case["expect"]:
        assert expected in labels, (expected, sorted(labels)[:40])
    for unexpected in case.get("absent", []):
        assert unexpected not in labels


def locations(result: Any) -> list[tuple[str, int, str]]:
    """(file name, line, that line's text) of each location."""
    out = []
    for location in result or []:
        path = Path(location["uri"].removeprefix("file://"))
        line = location["range"]["start"]["line"]
        out.append((path.name, line, path.read_text(encoding="utf-8").splitlines()[line]))
    return out


def test_definition_of_a_parameter_a_definition_a_ladder_and_a_citation(cac: Client) -> None:
    uri, text = opened(cac, "groups-2017.law")

    def definition(needle: str, after: int) -> list[tuple[str, int, str]]:
        return locations(cac.request("textDocument/definition", {"textDocument": {"uri": uri}, "position": at(text, needle, after)}))

    assert [x[2] for x in definition("members(g) <= max_group_members", 16)] == ["parameter max_group_members: number = 500"]
    assert definition("members(g) <= max_group_members", 1)[0][2].startswith("def members(g: groups)")
    ladder = definition("group_measures(s.measure)", 3)
    assert ladder[0][0] == "ladders.law" and ladder[0][2].startswith("ladder group_measures")
    paragraph = definition("cites groups-2017 art 8 para 1", 9)
    assert paragraph[0][0] == "groups-2017.law" and "paragraph 1" in paragraph[0][2] and "sets sensible" in paragraph[0][2]
    assert definition("for each g in groups where g.status", 9)[0][2].strip().startswith("for each g in groups")
    imported = definition('import "common/ladders.law"', 12)
    assert [(x[0], x[1]) for x in imported] == [("ladders.law", 0)]


def test_references_of_a_parameter_and_of_an_article(cac: Client) -> None:
    uri, text = opened(cac, "groups-2017.law")
    found = locations(cac.request("textDocument/references", {"textDocument": {"uri": uri}, "position": at(text, "max_group_members", 3), "context": {"includeDeclaration": True}}))
    lines = [x[2] for x in found]
    assert any(line.startswith("parameter max_group_members") for line in lines)
    assert any("require members(g) <= max_group_members" in line for line in lines)
    assert any("the cap is {max_group_members}" in line for line in lines)
    article = locations(cac.request("textDocument/references", {"textDocument": {"uri": uri}, "position": at(text, "  article 11 \"Measures", 4), "context": {"includeDeclaration": False}}))
    files = {x[0] for x in article}
    assert "ladders.law" in files  # `ladder group_measures cites groups-2017 art 11 para 1`
    assert all("art 11" in x[2] for x in article)  # grouped citations name the document once


def test_document_symbols_outline_documents_articles_and_rules(cac: Client) -> None:
    uri, _ = opened(cac, "groups-2017.law")
    symbols = cac.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    blocks = [s for s in symbols if s.get("detail") == "scope"]  # `applies when` blocks hold their rules
    names = [s["name"] for s in symbols] + [rule["name"] for block in blocks for rule in block.get("children", [])]
    assert names[0] == "groups-2017"
    articles = [a["name"] for a in symbols[0]["children"]]
    assert articles[:2] == ["article 1", "article 2"] and len(articles) == 15
    article8 = next(a for a in symbols[0]["children"] if a["name"] == "article 8")
    assert [p["name"] for p in article8["children"]] == ["paragraph 1", "paragraph 2", "paragraph 3"]
    assert "group-member-cap" in names and "max_group_members" in names and "members" in names


def test_a_typo_is_reported_as_typed_with_a_quick_fix(cac: Client) -> None:
    uri, text = opened(cac, "groups-2017.law")
    typo = text.replace("require present(g.category)", "require present(g.categroy)", 1)
    try:
        diagnostics = replace_all(cac, uri, typo)
        assert [d["code"] for d in diagnostics] == ["E031"]
        (d,) = diagnostics
        assert d["range"]["start"] == at(typo, "present(g.categroy)", 10)
        assert d["range"]["end"] == at(typo, "present(g.categroy)", 18)
        assert "did you mean `category`?" in d["message"] and d["severity"] == 1 and d["source"] == "lawcode"
        actions = cac.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}})
        (action,) = actions
        assert action["kind"] == "quickfix" and action["isPreferred"]
        (edit,) = action["edit"]["changes"][uri]
        assert edit == {"range": d["range"], "newText": "category"}
    finally:
        assert replace_all(cac, uri, text) == []


def test_a_quick_fix_changes_only_the_misspelt_document_of_a_citation(cac: Client) -> None:
    uri, text = opened(cac, "groups-2017.law")
    typo = text.replace("cites groups-2017 art 8 para 1", "cites grups-2017 art 8 para 1", 1)
    try:
        (d,) = replace_all(cac, uri, typo)
        assert d["code"] == "E023"
        (action,) = cac.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}})
        (edit,) = action["edit"]["changes"][uri]
        assert edit["newText"] == "groups-2017"
        assert edit["range"]["start"] == at(typo, "grups-2017 art 8", 0)
        assert edit["range"]["end"] == at(typo, "grups-2017 art 8", 10)
    finally:
        replace_all(cac, uri, text)


def test_columns_after_chinese_and_astral_characters_count_utf16_units(cac: Client) -> None:
    uri, text = opened(cac, "groups-2017.law")
    line = '    message "group {g.id} has {members(g)} active members; the cap is {max_group_members}"'
    broken = text.replace(line, '    message "群组𠀀成员 {g.statsu}"', 1)  # a rule inside `applies when`
    try:
        (d,) = replace_all(cac, uri, broken)
        start = at(broken, "群组𠀀成员 {g.statsu}", 9)
        # 群, 组 and 成, 员 are one UTF-16 unit each, 𠀀 two: the field starts 9 code points
        # but 10 units after the quote
        assert d["range"]["start"] == start
        assert start["character"] == len('    message "') + 10
        assert d["range"]["end"]["character"] - d["range"]["start"]["character"] == len("statsu")
    finally:
        replace_all(cac, uri, text)


def test_incremental_edits_are_applied_by_range(cac: Client) -> None:
    uri, text = opened(cac, "groups-2017.law")
    where = at(text, "require members(g) <= max_group_members", len("require members(g) <= max_group_members"))
    version = next(versions)
    cac.change(uri, version, [{"range": {"start": where, "end": where}, "text": "_x"}])
    (d,) = cac.diagnostics(uri, version=version)
    assert d["code"] == "E030" and "max_group_members_x" in d["message"]
    version = next(versions)
    end = {"line": where["line"], "character": where["character"] + 2}
    cac.change(uri, version, [{"range": {"start": where, "end": end}, "text": ""}])
    assert cac.diagnostics(uri, version=version) == []


def test_broken_text_gives_a_syntax_error_and_keeps_the_other_features(cac: Client) -> None:
    uri, text = opened(cac, "groups-2017.law")
    broken = text.replace("rule group-member-cap {", "rule group-member-cap {{", 1)
    try:
        diagnostics = replace_all(cac, uri, broken)
        assert diagnostics and all(d["code"].startswith("E00") for d in diagnostics)
        assert diagnostics[0]["range"]["start"]["line"] == broken[: broken.index("{{") + 1].count("\n")
        hovered = cac.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": at(broken, "cites groups-2017 art 8 para 1", 9)})
        assert "article 8" in hovered["contents"]["value"]
        assert cac.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}}) == []
    finally:
        assert replace_all(cac, uri, text) == []


def test_formatting_is_what_lawcode_fmt_writes(cac: Client) -> None:
    uri, text = opened(cac, "groups-2017.law")
    messy = text.replace("  severity high\n", "  severity     high   \n", 1).replace("rule group-member-cap {", "rule   group-member-cap{", 1)
    try:
        replace_all(cac, uri, messy)
        (edit,) = cac.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}})
        assert edit["newText"] == format_text(messy, str(CAC / "groups-2017.law"))
        assert edit["range"]["start"] == {"line": 0, "character": 0}
        assert edit["range"]["end"]["line"] == messy.count("\n")
    finally:
        replace_all(cac, uri, text)


def test_an_edit_in_one_file_is_reported_in_the_files_that_depend_on_it(cac: Client) -> None:
    uri, text = opened(cac, "common/ladders.law")
    other = (CAC / "groups-2017.law").resolve().as_uri()
    renamed = text.replace("ladder group_measures cites", "ladder group_steps cites", 1).replace("escalation of group_measures", "escalation of group_steps", 1)
    def published(m: dict[str, Any]) -> bool:
        return m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == other

    try:
        cac.notifications = [m for m in cac.notifications if not published(m)]
        replace_all(cac, uri, renamed)
        found = cac.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == other and m["params"]["diagnostics"], timeout=30)
        assert any("group_measures" in d["message"] for d in found["params"]["diagnostics"])
    finally:
        cac.notifications = [m for m in cac.notifications if not published(m)]
        replace_all(cac, uri, text)
        cac.wait(lambda m: published(m) and not m["params"]["diagnostics"], timeout=30)


def test_no_traceback_and_no_internal_error(cac: Client) -> None:
    assert b"Traceback" not in cac.stderr
    assert not [m for m in cac.notifications if m.get("method") == "window/logMessage" and "internal error" in m["params"]["message"]]


def test_the_client_can_name_the_ruleset_folders() -> None:
    """`initializationOptions.rulesets`: here only `common/`, whose ladders cite documents
    declared in the files above it, so the citations are unknown."""
    client = Client(cwd=ROOT, env={"LAWCODE_CACHE_DIR": ""})
    try:
        client.initialize(CAC, {"rulesets": ["common"]})
        uri = client.open(CAC / "common" / "ladders.law")
        codes = {d["code"] for d in client.diagnostics(uri)}
        assert codes == {"E023"}
    finally:
        assert client.close() == 0


def test_crlf_line_endings(cac: Client) -> None:
    uri, text = opened(cac, "groups-2017.law")
    crlf = text.replace("\n", "\r\n").replace("require present(g.category)", "require present(g.categroy)", 1)
    try:
        (d,) = replace_all(cac, uri, crlf)
        plain = crlf.replace("\r\n", "\n")
        assert d["range"]["start"] == at(plain, "present(g.categroy)", 10)
        hovered = cac.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": at(plain, "cites groups-2017 art 8 para 1", 9)})
        assert "paragraph 1" in hovered["contents"]["value"]
    finally:
        assert replace_all(cac, uri, text) == []


def test_malformed_messages_are_survived_without_a_traceback() -> None:
    client = Client(cwd=ROOT, env={"LAWCODE_CACHE_DIR": ""})
    try:
        client.initialize(CAC)
        assert client.process.stdin is not None
        for body in (b"{not json", b'{"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": {"bogus": 1}}', b"[]"):
            client.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        client.process.stdin.flush()
        uri, text = (CAC / "groups-2017.law").resolve().as_uri(), (CAC / "groups-2017.law").read_text(encoding="utf-8")
        client.open(CAC / "groups-2017.law", text)
        assert client.diagnostics(uri) == []
        assert client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": at(text, "max_group_members", 3)}) is not None
    finally:
        assert client.close() == 0
    assert b"Traceback" not in client.stderr

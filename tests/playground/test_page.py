"""The playground page on a wide screen (1280x800) and a phone (390x844), in real Chromium.

One test per promise of the page (issue 20): it fits the screen (cards on a phone,
stacked editors, nothing wider than the window), Explain opens under its row and for
any subject (satisfied ones too, one clause per line), Ctrl-Enter evaluates from either
editor, a stale report says so, rows are grouped by document and article and filtered
and sorted with counts that follow, share links are short (and self-contained without a
store), a snapshot file can be picked or dropped within the server's limit, Chinese
text gets a CJK font. Every page is watched for errors and requests leaving the server
(tests/browser_session.py); screenshots are test artifacts.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_session import (
    VIEWPORTS,
    Watch,
    evaluate,
    needs_chromium,
    new_page,
    open_page,
    overflow,
    pick,
    set_text,
    shot,
    text_of,
)

from helpers import DATA, PlaygroundServer

pytestmark = needs_chromium
MINI = DATA / "mini"
PHONE_HEIGHT_LIMIT = 12_000  # px at 390 wide with the CAC example; it was 111,203 before the cards


@pytest.fixture(params=list(VIEWPORTS))
def screen(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def watched(browser: Any, url: str, screen: str) -> Iterator[tuple[Any, Watch]]:
    context, page, watch = new_page(browser, url, VIEWPORTS[screen])
    yield page, watch
    context.close()
    watch.check()


@pytest.fixture
def page(watched: tuple[Any, Watch]) -> Any:
    return watched[0]


def mini_evaluated(page: Any, url: str) -> Any:
    open_page(page, url)
    pick(page, "mini", "mini.law", "violations.json")
    return evaluate(page)


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not shown"
    return dict(found)


# ---------------------------------------------------------------- layout


def test_the_page_fits_the_screen(page: Any, url: str, screen: str, artifacts: Path) -> None:
    open_page(page, url)  # the default: a CAC ruleset and its violations example
    page.wait_for_selector("[data-testid=row]")
    measured = overflow(page)
    assert measured["scrollWidth"] <= VIEWPORTS[screen]["width"], measured
    assert not measured["poking"], measured
    ruleset, snapshot = box(page, "#ruleset-editor"), box(page, "#snapshot-editor")
    row = page.locator("[data-testid=row]").first
    message = row.locator(".c-message").bounding_box()
    assert message is not None
    if screen == "phone":
        assert snapshot["y"] >= ruleset["y"] + ruleset["height"], "the editors stack"
        assert row.evaluate("el => getComputedStyle(el).display") == "flex", "rows are cards"
        assert page.locator(".item-head").is_hidden()
        assert message["width"] >= 0.8 * row.bounding_box()["width"] - 24, "a message spans its card"
        assert measured["height"] < PHONE_HEIGHT_LIMIT, measured
    else:
        assert abs(snapshot["y"] - ruleset["y"]) < 2 and snapshot["x"] > ruleset["x"], "the editors sit side by side"
        assert row.evaluate("el => getComputedStyle(el).display") == "grid"
        assert page.locator(".item-head").is_visible()
    shot(page, artifacts, f"layout-{screen}")
    shot(page, artifacts, f"layout-{screen}-window", full_page=False)


def test_a_jump_to_a_rule_shows_the_whole_editor(page: Any, url: str, screen: str) -> None:
    mini_evaluated(page, url)
    page.locator("[data-testid=row]").last.scroll_into_view_if_needed()
    page.locator("[data-testid=row][data-rule=group-member-cap] .rule-link").click()
    page.wait_for_timeout(300)
    pane = box(page, ".pane:has(#ruleset-editor)")
    assert pane["y"] >= -1 and pane["y"] + pane["height"] <= VIEWPORTS[screen]["height"] + 1, pane
    line = page.evaluate(
        "() => { const v = window.playground.rulesetView; const at = v.state.selection.main.head;"
        " const r = v.coordsAtPos(at), s = v.scrollDOM.getBoundingClientRect();"
        " return {text: v.state.doc.lineAt(at).text, inside: r !== null && r.top >= s.top && r.bottom <= s.bottom}; }"
    )
    assert line["text"].startswith("rule group-member-cap") and line["inside"], line


# ---------------------------------------------------------------- explain


def test_explain_opens_under_its_row(page: Any, url: str, screen: str, artifacts: Path) -> None:
    mini_evaluated(page, url)
    row = page.locator("[data-testid=row][data-rule=group-member-cap]").first
    with page.expect_response("**/api/explain"):
        row.locator(".explain-button").click()
    page.wait_for_selector("[data-testid=explain] [data-testid=outcome]")
    assert row.evaluate("el => el.nextElementSibling.dataset.testid") == "explain"
    under, panel = row.bounding_box(), box(page, "[data-testid=explain]")
    assert under is not None and 0 <= panel["y"] - (under["y"] + under["height"]) <= 20, (under, panel)
    assert panel["y"] < VIEWPORTS[screen]["height"], "the explanation is in the window"
    assert page.inner_text("[data-testid=outcome]") == "violated"
    assert row.locator(".explain-button").get_attribute("aria-expanded") == "true"
    shot(page, artifacts, f"explain-row-{screen}", full_page=False)
    # Another row's Explain moves it there; the close button removes it.
    other = page.locator("[data-testid=row][data-rule=verified-before-posting]").first
    with page.expect_response("**/api/explain"):
        other.locator(".explain-button").click()
    page.wait_for_selector("[data-testid=explain] [data-testid=outcome]")
    assert page.locator("[data-testid=explain]").count() == 1
    assert other.evaluate("el => el.nextElementSibling.dataset.testid") == "explain"
    page.click("[data-testid=explain-close]")
    assert page.locator("[data-testid=explain]").count() == 0


def test_any_subject_can_be_explained_satisfied_too(page: Any, url: str, screen: str, artifacts: Path) -> None:
    report = mini_evaluated(page, url)
    assert {r["id"] for r in report["rules"]} >= {"group-member-cap", "log-retention"}
    page.select_option("[data-testid=explain-rule]", value="group-member-cap")
    options = page.eval_on_selector_all("[data-testid=explain-subject] option", "els => els.map(e => [e.value, e.textContent])")
    violated = {v["subject"]["pointer"] for v in report["violations"] if v["rule"] == "group-member-cap"}
    assert [value for value, _ in options] == [f"/groups/{i}" for i in range(len(json.loads(text_of(page, "snapshot"))["groups"]))]
    quiet = next(value for value, label in options if value not in violated and "satisfied" in label)
    page.select_option("[data-testid=explain-subject]", value=quiet)
    with page.expect_response("**/api/explain") as answer:
        page.click("[data-testid=explain-go]")
    assert answer.value.json()["subject"]["pointer"] == quiet
    page.wait_for_selector("[data-testid=explain] [data-testid=outcome]")
    assert page.inner_text("[data-testid=outcome]") in ("satisfied", "not in force")
    # A platform rule with two `require` clauses: satisfied, each clause a block of its own.
    page.select_option("[data-testid=explain-rule]", value="log-retention")
    assert page.locator("[data-testid=explain-subject]").is_disabled()
    with page.expect_response("**/api/explain"):
        page.click("[data-testid=explain-go]")
    page.wait_for_selector("[data-testid=explain] [data-testid=outcome]")
    assert page.inner_text("[data-testid=outcome]") == "satisfied"
    clauses = page.locator("[data-testid=explain] [data-testid=clause][data-clause=require]")
    assert clauses.count() == 2
    first, second = (clauses.nth(i).locator(".trace > li .expr").first.inner_text() for i in range(2))
    assert first == "count(l in logs) > 0" and second.startswith("date(min(l.at for l in logs))")
    tops = [clauses.nth(i).bounding_box()["y"] for i in range(2)]
    assert tops[1] > tops[0] + 10
    shot(page, artifacts, f"explain-any-{screen}", full_page=False)


# ---------------------------------------------------------------- keys, staleness


def test_ctrl_enter_evaluates_from_either_editor(page: Any, url: str, screen: str) -> None:
    mini_evaluated(page, url)
    for editor in ("ruleset", "snapshot"):
        before = text_of(page, editor)
        page.evaluate(
            "editor => { const v = window.playground[editor + 'View']; v.dispatch({selection: {anchor: v.state.doc.line(2).to}}); v.focus(); }", editor
        )
        count = page.evaluate("() => window.playground.state.evaluations")
        with page.expect_response("**/api/evaluate"):
            page.keyboard.press("Control+Enter")
        page.wait_for_function("n => window.playground.state.evaluations > n", arg=count)
        assert text_of(page, editor) == before, f"Ctrl-Enter changed the {editor} text"


def test_a_stale_report_is_marked(page: Any, url: str, screen: str, artifacts: Path) -> None:
    mini_evaluated(page, url)
    stale = page.locator("[data-testid=stale]")
    assert stale.is_hidden()
    original = text_of(page, "snapshot")
    set_text(page, "snapshot", original.replace('"max_group_members": 2', '"max_group_members": 3'))
    assert "inputs changed" in stale.inner_text()
    evaluate(page)
    assert stale.is_hidden()
    set_text(page, "snapshot", original + "\n}")  # invalid: the old report stays, marked
    page.wait_for_function("() => document.querySelector('[data-testid=stale]').textContent.includes('the snapshot has errors')", timeout=15_000)
    assert page.locator("#report-panel.is-stale").count() == 1
    shot(page, artifacts, f"stale-{screen}", full_page=False)
    set_text(page, "snapshot", original.replace('"max_group_members": 2', '"max_group_members": 3'))
    page.wait_for_function("() => document.querySelector('[data-testid=stale]').hidden", timeout=15_000)


# ---------------------------------------------------------------- grouping, filters


def shown_rows(page: Any) -> list[dict[str, str]]:
    return list(page.eval_on_selector_all(
        "[data-testid=row]", "els => els.map(e => ({rule: e.dataset.rule, outcome: e.dataset.outcome, severity: e.querySelector('.severity').textContent, text: e.textContent}))"
    ))


def test_rows_are_grouped_filtered_and_sorted_with_counts(page: Any, url: str, screen: str, artifacts: Path) -> None:
    open_page(page, url)
    report = evaluate(page)  # the default CAC ruleset and example
    total = len(report["violations"])
    assert total > 5
    documents = sorted({v["citation"]["document"] for v in report["violations"]})
    assert page.eval_on_selector_all("[data-testid=group]", "els => els.map(e => e.dataset.key)") == documents[: len(documents)]
    assert f"Showing {total} of {total} violations" in page.inner_text("[data-testid=shown]")
    # Severity: only the critical rows; each chip counts what the other filters leave.
    levels = [s for s in ("critical", "high", "medium", "low", "info") if s != "critical"]
    for level in levels:
        page.click(f"[data-testid=filter-{level}]")
    critical = [v for v in report["violations"] if v["severity"] == "critical"]
    assert {r["severity"] for r in shown_rows(page)} == {"critical"} and len(shown_rows(page)) == len(critical)
    assert f"Showing {len(critical)} of {total} violations" in page.inner_text("[data-testid=shown]")
    high = sum(v["severity"] == "high" for v in report["violations"])
    assert page.inner_text("label:has([data-testid=filter-high]) .count") == str(high)
    # Document, then text: counts follow.
    document = critical[0]["citation"]["document"]
    page.select_option("[data-testid=filter-document]", value=document)
    in_document = [v for v in critical if v["citation"]["document"] == document]
    assert len(shown_rows(page)) == len(in_document)
    assert page.inner_text("label:has([data-testid=filter-critical]) .count") == str(len(in_document))
    subject = str(in_document[0]["subject"]["id"]) if in_document[0]["subject"] else in_document[0]["rule"]
    page.fill("[data-testid=filter-text]", subject)
    page.wait_for_function("n => document.querySelectorAll('[data-testid=row]').length === n", arg=sum(subject.lower() in json.dumps(v, ensure_ascii=False).lower() for v in in_document))
    assert all(subject.lower() in r["text"].lower() for r in shown_rows(page))
    shot(page, artifacts, f"filtered-{screen}", full_page=False)
    # Rule filter alone, then everything back, ordered by severity.
    page.fill("[data-testid=filter-text]", "")
    page.select_option("[data-testid=filter-document]", value="")
    for level in levels:
        page.click(f"[data-testid=filter-{level}]")
    rule = report["violations"][0]["rule"]
    page.select_option("[data-testid=filter-rule]", value=rule)
    page.wait_for_function("n => document.querySelectorAll('[data-testid=row]').length === n", arg=sum(v["rule"] == rule for v in report["violations"]))
    page.select_option("[data-testid=filter-rule]", value="")
    page.select_option("[data-testid=filter-order]", value="severity")
    order = ["critical", "high", "medium", "low", "info"]
    keys = page.eval_on_selector_all("[data-testid=group]", "els => els.map(e => e.dataset.key)")
    assert keys == [s for s in order if any(v["severity"] == s for v in report["violations"])][: len(keys)]
    severities = [r["severity"] for r in shown_rows(page)]
    assert severities == sorted(severities, key=order.index)


def test_articles_follow_the_clis_order(page: Any, url: str, screen: str) -> None:
    report = mini_evaluated(page, url)
    headings = page.eval_on_selector_all("[data-testid=article] .article-label", "els => els.map(e => e.textContent)")
    cited = sorted({(c["article"], c["paragraph"] or 0) for c in (v["citation"] for v in report["violations"] + report["undetermined"])})
    assert headings == [f"art {a}" + (f" para {p}" if p else "") for a, p in cited]


# ---------------------------------------------------------------- share


def test_share_links_are_short_and_reopen_the_state(page: Any, url: str, screen: str, artifacts: Path) -> None:
    mini_evaluated(page, url)
    set_text(page, "snapshot", text_of(page, "snapshot").replace("g1", "群组-g1"))
    evaluate(page)
    page.click("#share")
    page.wait_for_selector("[data-testid=share-link]:not([hidden])")
    link = page.input_value("[data-testid=share-link]")
    assert re.fullmatch(re.escape(url) + r"s/[A-Za-z0-9_-]{16}", link), link
    assert page.evaluate("() => location.pathname") == link.removeprefix(url.rstrip("/"))
    summary, ruleset, snapshot = page.inner_text("[data-testid=summary]"), text_of(page, "ruleset"), text_of(page, "snapshot")
    other = page.context.new_page()
    open_page(other, link)
    other.wait_for_selector("[data-testid=summary]")
    assert (text_of(other, "ruleset"), text_of(other, "snapshot")) == (ruleset, snapshot)
    assert other.inner_text("[data-testid=summary]") == summary
    shot(other, artifacts, f"shared-{screen}", full_page=False)
    other.close()


def test_an_unknown_share_link_says_so(watched: tuple[Any, Watch], url: str) -> None:
    page, watch = watched
    watch.allowed.append("404")  # the page and its API call answer 404, as they should
    open_page(page, url + "s/AAAAAAAAAAAAAAAA")
    assert "never shared with this server" in page.inner_text("[data-testid=status]")


@pytest.fixture(scope="module")
def storeless_url() -> Iterator[str]:
    running = PlaygroundServer("--rulesets", str(MINI), "--no-store", "--workers", "1")
    yield running.url
    running.stop()


def test_without_a_store_the_link_carries_the_state(browser: Any, storeless_url: str, screen: str) -> None:
    context, page, watch = new_page(browser, storeless_url, VIEWPORTS[screen])
    try:
        mini_evaluated(page, storeless_url)
        page.click("#share")
        page.wait_for_selector("[data-testid=share-link]:not([hidden])")
        link = page.input_value("[data-testid=share-link]")
        assert link.startswith(storeless_url + "#v1.") and len(link) > 200
        other = page.context.new_page()
        open_page(other, link)
        assert text_of(other, "snapshot") == text_of(page, "snapshot")
    finally:
        context.close()
    watch.check()


# ---------------------------------------------------------------- your own snapshot file


def test_a_snapshot_file_is_picked_or_dropped_within_the_limit(page: Any, url: str, screen: str, tmp_path: Path, artifacts: Path) -> None:
    mini_evaluated(page, url)
    mine = (MINI / "compliant.json").read_text(encoding="utf-8").replace("2024", "2025")
    path = tmp_path / "mine.json"
    path.write_text(mine, encoding="utf-8")
    page.set_input_files("[data-testid=snapshot-file]", str(path))
    page.wait_for_function("text => window.playground.snapshotView.state.doc.toString() === text", arg=mine)
    assert "mine.json" in page.inner_text("#snapshot-name")
    limit = page.evaluate("() => fetch('/api/config').then(r => r.json()).then(c => c.max_body_bytes)")
    page.set_input_files("[data-testid=snapshot-file]", files=[{"name": "huge.json", "mimeType": "application/json", "buffer": b" " * (limit + 1)}])
    page.wait_for_function("() => document.querySelector('[data-testid=status]').textContent.includes('over this server')")
    assert "huge.json is 8.0 MiB, over this server's limit of 8.0 MiB" in page.inner_text("[data-testid=status]")
    page.set_input_files("[data-testid=snapshot-file]", files=[{"name": "photo.json", "mimeType": "application/json", "buffer": b"\xff\xd8\xff\xe0 JFIF"}])
    page.wait_for_function("() => document.querySelector('[data-testid=status]').textContent.includes('not UTF-8')")
    assert text_of(page, "snapshot") == mine, "a refused file leaves the editor alone"
    # Dropped on the editor: the whole text is replaced (CodeMirror would insert it at the drop point).
    dropped = (MINI / "violations.json").read_text(encoding="utf-8")
    page.evaluate(
        """text => {
          const target = document.querySelector('#snapshot-editor .cm-content');
          const data = new DataTransfer();
          data.items.add(new File([text], 'dropped.json', {type: 'application/json'}));
          for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, {dataTransfer: data, bubbles: true, cancelable: true}));
        }""",
        dropped,
    )
    page.wait_for_function("text => window.playground.snapshotView.state.doc.toString() === text", arg=dropped)
    assert "dropped.json" in page.inner_text("#snapshot-name")
    shot(page, artifacts, f"snapshot-file-{screen}", full_page=False)


# ---------------------------------------------------------------- fonts


def platform_fonts(page: Any, probe: str) -> list[dict[str, Any]]:
    """The fonts Chromium drew an element's text with (`CSS.getPlatformFontsForNode`), the
    element being the first matched by the JS expression `probe`, or its descendants."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    # The editor redraws its lines as it lints: mark and ask again if the node went away.
    for attempt in range(5):
        if not page.evaluate(f"() => {{ document.querySelectorAll('[data-probe]').forEach((e) => e.removeAttribute('data-probe')); const el = {probe}; if (el) el.dataset.probe = 'yes'; return !!el; }}"):
            return []
        try:
            root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
            node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-probe]"})["nodeId"]
            fonts = list(cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"])
            for child in cdp.send("DOM.querySelectorAll", {"nodeId": node, "selector": "*"})["nodeIds"]:
                fonts += cdp.send("CSS.getPlatformFontsForNode", {"nodeId": child})["fonts"]
            return fonts
        except Exception:  # the node was replaced between two calls
            if attempt == 4:
                raise
            page.wait_for_timeout(300)
    return []


def _cjk_fonts_installed() -> bool:
    fc_list = shutil.which("fc-list")
    return fc_list is not None and bool(subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True).stdout.strip())


@pytest.mark.skipif(not _cjk_fonts_installed(), reason="no CJK font on this machine (apt-get install fonts-noto-cjk)")
def test_chinese_text_is_drawn_with_a_cjk_font(page: Any, url: str, screen: str) -> None:
    open_page(page, url)  # the CAC example: Chinese names in the snapshot and in messages
    page.wait_for_selector("[data-testid=row]")
    assert "Noto Sans CJK SC" in page.evaluate("() => getComputedStyle(document.body).fontFamily")
    han = "/[\\u4e00-\\u9fff]/"
    editor = platform_fonts(page, f"[...document.querySelectorAll('#snapshot-editor .cm-line')].find((el) => {han}.test(el.textContent))")
    assert any("CJK" in f["familyName"] for f in editor), editor
    report = platform_fonts(page, f"[...document.querySelectorAll('[data-testid=row] .c-message')].find((el) => {han}.test(el.textContent))")
    assert any("CJK" in f["familyName"] for f in report), report  # a message naming 新闻评论区

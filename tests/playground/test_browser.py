"""End-to-end: the playground page in real headless Chromium (Debian's package).

The scenario is a reviewer's: pick the CAC forum ruleset and its violations example
(the mini ruleset until the CAC rulesets have rules), evaluate, read a violation and its
citation, ask why it fired, break the syntax and see it marked at its line, share the
state and reopen it. Hostile snapshot strings must stay text. Every step leaves a
screenshot among the test artifacts (tests/browser_session.py says where).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser_session import (
    evaluate,
    needs_chromium,
    new_page,
    open_page,
    pick,
    set_text,
    shot,
    text_of,
    wait_for_diagnostics,
)

import lawcode
from helpers import DATA
from lawcode.rulesets import bundled_path

HOSTILE = (DATA / "playground" / "hostile.json").read_text(encoding="utf-8")

pytestmark = needs_chromium


@dataclass(frozen=True)
class Scenario:
    folder: str
    ruleset: str
    example: str
    rule: str
    subject: str
    citation: str
    summary: str  # text of the cited article, shown on hover and expansion


def _has_rules(path: Path) -> bool:
    return path.is_file() and re.search(r"^[ \t]*rule[ \t]+[a-z]", path.read_text(encoding="utf-8"), re.MULTILINE) is not None


def scenario() -> Scenario:
    """The CAC forum ruleset once it has rules and a violations example, else the mini one."""
    cac = bundled_path("cac")
    forum, example = cac / "forum-2017.law", cac / "examples" / "violations.json"
    if _has_rules(forum) and example.is_file():
        # As the playground does: the folder is one ruleset, the report covers forum-2017.law's rules.
        report = lawcode.load_ruleset(cac).evaluate(example)
        forum_violations = [v for v in report.violations if Path(v.source["file"]).name == forum.name]
        assert forum_violations, "the CAC forum ruleset finds no violation in examples/violations.json"
        first = forum_violations[0]
        document = report.documents[first.citation.document]
        article = document.articles[first.citation.article]
        subject = str(first.subject.id) if first.subject else "platform"
        return Scenario("cac", "forum-2017.law", "examples/violations.json", first.rule, subject, first.citation.label, article.summary or document.title)
    return Scenario("mini", "mini.law", "violations.json", "group-member-cap", "g1", "groups-2017 art 8 para 1", "Group caps and info pages.")


@pytest.fixture
def page(browser: Any, url: str) -> Iterator[Any]:
    context, page, watch = new_page(browser, url, {"width": 1500, "height": 1100})
    yield page
    context.close()
    watch.check()


def count_nodes(trees: list[dict[str, Any]]) -> int:
    return sum(1 + count_nodes(t["children"]) for t in trees)


def test_a_reviewers_session(page: Any, url: str, artifacts: Path) -> None:
    case = scenario()
    open_page(page, url)
    shot(page, artifacts, "01-loaded")

    # Pick the ruleset and its violations example, evaluate.
    pick(page, case.folder, case.ruleset, case.example)
    source = (Path(bundled_path("cac")) if case.folder == "cac" else DATA / "mini") / case.ruleset
    assert text_of(page, "ruleset") == source.read_text(encoding="utf-8")
    report = evaluate(page)
    assert report["violations"]
    row = page.locator(f"[data-testid=row][data-rule='{case.rule}'][data-outcome=violated]").filter(has_text=case.subject).first
    row.wait_for()
    citation = row.locator("details.citation").first
    assert citation.locator("summary").inner_text() == case.citation
    assert case.summary in (citation.get_attribute("title") or "")
    citation.locator("summary").click()
    assert case.summary in citation.inner_text()
    shot(page, artifacts, "02-evaluated")

    # Why did it fire? The engine's tree (`lawcode explain`'s), a line per node.
    with page.expect_response("**/api/explain") as answer:
        row.locator(".explain-button").click()
    page.wait_for_selector("[data-testid=outcome]")
    explanation = answer.value.json()
    assert page.inner_text("[data-testid=outcome]") == "violated"
    assert page.inner_text("[data-testid=reason]") == " — " + explanation["reason"].replace("`", "")
    assert page.locator("[data-testid=explain] .trace li").count() == count_nodes([c["tree"] for c in explanation["clauses"]]) >= 3
    assert page.locator("[data-testid=explain] .trace .pointer").count() >= 1
    shot(page, artifacts, "03-explain")

    # A syntax error, typed for real, is marked at its line.
    original = text_of(page, "ruleset")
    rule_line = next(i for i, line in enumerate(original.splitlines(), 1) if re.match(r"\s*rule\s+[a-z]", line))
    page.evaluate(
        "n => { const v = window.playground.rulesetView; v.dispatch({selection: {anchor: v.state.doc.line(n).to}}); v.focus(); }",
        rule_line,
    )
    page.keyboard.press("Enter")
    page.keyboard.type("oops oops")
    shown = wait_for_diagnostics(page, "ruleset", "oops")
    assert [d["line"] for d in shown if d["severity"] == "error"] == [rule_line + 1]
    assert page.locator("#ruleset-editor .cm-lintRange-error").count() >= 1
    assert page.locator("#ruleset-editor .cm-lint-marker-error").count() == 1
    assert f"{rule_line + 1}:" in page.inner_text("[data-testid=ruleset-problems]")
    marked_line = page.evaluate(
        "() => { const v = window.playground.rulesetView; const el = document.querySelector('#ruleset-editor .cm-lintRange-error'); return v.state.doc.lineAt(v.posAtDOM(el)).number; }"
    )
    assert marked_line == rule_line + 1
    shot(page, artifacts, "04-syntax-error")
    for _ in range(10):
        if text_of(page, "ruleset") == original:
            break
        page.keyboard.press("Control+z")
    assert text_of(page, "ruleset") == original
    page.wait_for_function("() => window.playground.shownDiagnostics(window.playground.rulesetView).length === 0", timeout=15_000)

    # Share, then open the link in a fresh page: same ruleset, snapshot and report.
    snapshot = text_of(page, "snapshot")
    page.click("#share")
    page.wait_for_selector("[data-testid=share-link]:not([hidden])")
    link = page.input_value("[data-testid=share-link]")
    assert re.fullmatch(re.escape(url) + r"s/[A-Za-z0-9_-]{16}", link), link  # kept by the server
    summary = page.inner_text("[data-testid=summary]")
    other = page.context.new_page()
    open_page(other, link)
    assert text_of(other, "ruleset") == original
    assert text_of(other, "snapshot") == snapshot
    other.wait_for_selector("[data-testid=summary]")
    assert other.inner_text("[data-testid=summary]") == summary
    shot(other, artifacts, "05-shared-link")
    other.close()


def test_hostile_snapshot_strings_stay_text(page: Any, url: str, artifacts: Path) -> None:
    open_page(page, url)
    pick(page, "mini", "mini.law", "violations.json")
    page.evaluate("() => { delete window.__pwned; }")
    set_text(page, "snapshot", HOSTILE)
    evaluate(page)
    table = page.locator("[data-testid=rows]")
    # Wait for this evaluation's rows: under load, the response awaited above can be the
    # one the example picker started, and the list still shows its rows.
    page.locator("[data-testid=rows]", has_text="has 2 members").wait_for(timeout=15_000)
    assert "group <img src=x onerror=\"window.__pwned='img'\"> has 2 members" in table.inner_text()
    assert "<script>window.__pwned = 'script'</script>" in table.inner_text()
    with page.expect_response("**/api/explain"):
        table.locator("[data-testid=row]").first.locator(".explain-button").click()
    page.wait_for_selector("[data-testid=outcome]")

    # A schema error echoing a hostile value, in the problems list and the editor tooltip.
    set_text(page, "snapshot", HOSTILE.replace('"status": "active"', '"status": "<img src=y onerror=\\"window.__pwned=\'lint\'\\">"'))
    wait_for_diagnostics(page, "snapshot", "is not one of")
    assert "<img src=y onerror=" in page.inner_text("[data-testid=snapshot-problems]")
    page.hover("#snapshot-editor .cm-lintRange-error")
    page.wait_for_timeout(600)
    shot(page, artifacts, "06-hostile")

    # And through a share link, whose contents are decoded in the page.
    set_text(page, "snapshot", HOSTILE)
    page.click("#share")
    page.wait_for_selector("[data-testid=share-link]:not([hidden])")
    other = page.context.new_page()
    open_page(other, page.input_value("[data-testid=share-link]"))
    other.wait_for_selector("[data-testid=rows] [data-testid=row]")
    other.wait_for_timeout(300)

    for p in (page, other):
        assert p.evaluate("() => window.__pwned") is None
        injected = p.evaluate(
            "() => document.querySelectorAll('main img, main script, main iframe, main [onerror], main [onload], #report svg, [data-testid=explain] svg, main b').length"
        )
        assert injected == 0
    other.close()


def test_graph_highlights_the_inputs_of_a_selected_rule(page: Any, url: str, artifacts: Path) -> None:
    open_page(page, url)
    pick(page, "mini", "mini.law", "violations.json")
    page.wait_for_selector("[data-testid=graph] .node[data-id='rule:group-member-cap']")
    page.select_option("[data-testid=graph-rule]", value="rule:group-member-cap")
    inputs = set(page.eval_on_selector_all("[data-testid=graph] .node.input", "els => els.map(e => e.dataset.id)"))
    assert {"def:members", "param:max_group_members", "field:memberships.group_id", "field:groups.status"} <= inputs
    assert "rule:log-retention" not in inputs and "field:logs.at" not in inputs
    assert page.locator("[data-testid=graph] .node.selected").get_attribute("data-id") == "rule:group-member-cap"
    assert page.locator("[data-testid=graph] .edge.active").count() >= 4
    shot(page, artifacts, "07-graph")


def test_an_undetermined_subject_is_explained_with_the_missing_fact(page: Any, url: str) -> None:
    open_page(page, url)
    pick(page, "mini", "mini.law", "violations.json")
    data = json.loads(text_of(page, "snapshot"))
    data["memberships"].append({"user_id": "u4"})  # no group_id: does it count for g1?
    set_text(page, "snapshot", json.dumps(data, indent=2))
    evaluate(page)
    row = page.locator("[data-testid=row][data-outcome=undetermined]", has_text="group-member-cap").first
    with page.expect_response("**/api/explain"):
        row.locator(".explain-button").click()
    page.wait_for_selector("[data-testid=outcome]")
    assert page.inner_text("[data-testid=outcome]") == "undetermined"
    assert page.inner_text("[data-testid=reason]") == " — a needed fact is missing, so require is unknown"
    assert "/memberships/3/group_id" in page.inner_text("[data-testid=missing]")
    assert page.locator("[data-testid=explain] .trace .v-missing").count() >= 1


def test_a_snapshot_value_that_breaks_the_schema_is_marked_at_its_line(page: Any, url: str) -> None:
    open_page(page, url)
    pick(page, "mini", "mini.law", "violations.json")
    text = text_of(page, "snapshot").replace('"status": "closed"', '"status": "archived"')
    set_text(page, "snapshot", text)
    shown = wait_for_diagnostics(page, "snapshot", "archived")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if '"archived"' in row)
    assert [d["line"] for d in shown] == [line]
    start = shown[0]["from"]
    assert page.evaluate(f"() => window.playground.snapshotView.state.doc.sliceString({start}, {shown[0]['to']})") == '"archived"'


def test_a_slow_example_load_never_overwrites_a_newer_pick(page: Any, url: str) -> None:
    open_page(page, url)
    pick(page, "mini", "mini.law", "violations.json")
    held: list[Any] = []
    page.route("**/api/examples/mini/violations.json", lambda route: held.append(route))
    page.select_option("[data-testid=snapshot-picker]", value="violations.json")
    page.wait_for_function("() => window.playground.state.loading === 1")
    with page.expect_response("**/api/examples/mini/compliant.json"):
        page.select_option("[data-testid=snapshot-picker]", value="compliant.json")
    page.wait_for_function("() => window.playground.state.snapshotName === 'compliant.json'")
    compliant = (DATA / "mini" / "compliant.json").read_text(encoding="utf-8")
    assert text_of(page, "snapshot") == compliant
    # The first pick's answer lands last: it must be dropped, not shown.
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_function("() => window.playground.state.loading === 0")
    page.wait_for_timeout(200)
    assert text_of(page, "snapshot") == compliant
    assert page.evaluate("() => window.playground.state.snapshotName") == "compliant.json"
    assert page.inner_text("#status") == "Loaded compliant.json"  # not the dropped load's

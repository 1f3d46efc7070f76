"""The HTML audit report in real Chromium: no console errors, no requests, hostile strings inert."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from browser_session import ARGS, CHROMIUM, Watch, needs_chromium

pytestmark = needs_chromium

DATA = Path(__file__).parents[2] / "data"
DEADLINES = DATA / "cycle" / "deadlines"
RULES = str(DEADLINES / "deadlines.law")
HOSTILE = [
    "</script><script>window.pwned = 1</script>",
    "<img src=https://evil.invalid/x.png onerror=\"window.pwned = 2\">",
    "\"><svg onload=\"window.pwned = 3\"></svg>",
    "{{ 7 * 7 }} {% raw %}",
    "\u202egnp.exe",
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lawcode", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A check with a baseline and waivers, and a history, every string from the user hostile."""
    folder = tmp_path_factory.mktemp("html")
    days = []
    for n in (1, 2, 3):
        data = json.loads((DEADLINES / f"day{n}.json").read_text())
        for i, c in enumerate(data["complaints"]):
            c["id"] = " ".join(HOSTILE) + " " + c["id"]
            c["topic"] = HOSTILE[(i + 1) % len(HOSTILE)]
        path = folder / f"day{n}.json"
        path.write_text(json.dumps(data))
        days.append(path)
    late = next(c["id"] for c in json.loads(days[2].read_text())["complaints"] if c["id"].endswith("c-late"))
    (folder / "waivers.yaml").write_text(
        "waivers:\n"
        f"  - id: {json.dumps(HOSTILE[0])}\n    rule: complaint-handled-in-time\n    subject: {{collection: complaints, id: {json.dumps(late)}}}\n"
        f"    reason: {json.dumps(HOSTILE[1])}\n    approved_by: {json.dumps(HOSTILE[2])}\n    approved_on: 2024-03-01\n    expires_on: 2024-12-31\n"
        f"    citation: {json.dumps(HOSTILE[3])}\n"
        "  - rule: finding-reported\n    subject: {collection: reports, where: \"it.found_at < it.reported_at\"}\n"
        "    reason: stale on purpose\n    approved_by: x\n    approved_on: 2024-01-01\n    expires_on: 2024-02-01\n"
    )
    baseline = folder / "day1.report.json"
    assert run("check", RULES, "-s", str(days[0]), "-f", "json", "-o", str(baseline)).returncode == 1
    report = folder / "report.html"
    done = run("check", RULES, "-s", str(days[2]), "--baseline", str(baseline), "--waivers", str(folder / "waivers.yaml"), "-f", "html", "-o", str(report))
    assert done.returncode == 1, done.stderr
    history = folder / "history.html"
    done = run("history", *map(str, days), "--rules", RULES, "--waivers", str(folder / "waivers.yaml"), "-f", "html", "-o", str(history))
    assert done.returncode == 0, done.stderr
    return {"report": report, "history": history}


@pytest.fixture(scope="module")
def browser() -> Any:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def _open(browser: Any, path: Path) -> tuple[Any, Watch, list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(path.as_uri())
    watch.attach(page)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, watch, dialogs


@pytest.mark.parametrize("name", ["report", "history"])
def test_the_page_is_self_contained_and_hostile_strings_are_text(browser: Any, pages: dict[str, Path], name: str) -> None:
    page, watch, dialogs = _open(browser, pages[name])
    watch.check()  # no uncaught errors, no console errors, nothing fetched but the file itself
    assert page.evaluate("() => window.pwned") is None and not dialogs
    assert page.evaluate("() => document.scripts.length") == 1
    assert page.evaluate("() => document.querySelectorAll('img, iframe, object, embed, link, svg [onload]').length") == 0
    body = page.inner_text("body")
    assert "</script><script>window.pwned = 1</script>" in body
    assert "{{ 7 * 7 }}" in body and "49" not in body.split("{{ 7 * 7 }}")[0][-5:]
    assert "\u202e" not in body and "\\u202e" in body.lower(), "bidi overrides are shown, not obeyed"
    page.close()


def test_the_report_shows_the_cycle(browser: Any, pages: dict[str, Path]) -> None:
    page, watch, _ = _open(browser, pages["report"])
    text = page.inner_text("body")
    for shown in ("Resolved since 2024-03-01", "waived until 2024-12-31", "stale", "unchanged", "forum-2017 art 11", "Findings are reported within a day"):
        assert shown in text
    rows = page.locator("#violations-table > tbody > tr")
    assert rows.count() == 2
    page.fill("#filter", "finding-reported")
    assert page.locator("#violations-table > tbody > tr:not([hidden])").count() == 1
    assert "1 of 2 shown" in page.inner_text("#shown")
    assert page.locator("svg[role=img]").count() >= 3
    watch.check()
    page.close()


def test_the_history_shows_time(browser: Any, pages: dict[str, Path]) -> None:
    page, watch, _ = _open(browser, pages["history"])
    text = page.inner_text("body")
    assert "2024-03-01 – 2024-03-08" in text and "opened 2024-03-05" in text and "resolved 2024-03-08" in text
    assert page.locator("svg[role=img] rect").count() >= 3 * 4
    watch.check()
    page.close()

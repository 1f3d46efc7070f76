"""Driving the playground page in real headless Chromium (Debian's package), for the tests.

Every page is watched: an uncaught error, a console error the test did not expect, or a
request to anywhere but the playground server fails the test when the page closes.
Screenshots are test artifacts: written under `$LAWCODE_TEST_ARTIFACTS/playground/` when
that is set (CI uploads it), else under pytest's temporary folder, never the source tree.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
VIEWPORTS = {"wide": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}

needs_chromium = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("LAWCODE_TEST_ARTIFACTS")
    folder = (Path(chosen) if chosen else tmp_path_factory.getbasetemp() / "artifacts") / "playground"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What a page did that no test should see: errors, and requests leaving the server."""

    origin: str
    errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)  # console errors a test provokes on purpose

    def attach(self, page: Any) -> None:
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", lambda message: message.type == "error" and self.console.append(f"{message.text} ({message.location.get('url', '')})"))
        page.on("request", lambda request: self._request(request.url))

    def _request(self, url: str) -> None:
        if not (url.startswith(self.origin) or url.startswith("data:") or url.startswith("blob:")):
            self.external.append(url)

    def check(self) -> None:
        assert not self.errors, f"uncaught errors in the page: {self.errors}"
        unexpected = [c for c in self.console if not any(a in c for a in self.allowed)]
        assert not unexpected, f"console errors: {unexpected}"
        assert not self.external, f"requests outside the playground server: {self.external}"


def new_page(browser: Any, url: str, viewport: dict[str, int]) -> tuple[Any, Any, Watch]:
    """A fresh context and page at `viewport`, watched (check with `watch.check()`)."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    watch = Watch(url.rstrip("/"))
    watch.attach(page)
    return context, page, watch


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)


def shot(page: Any, folder: Path, name: str, full_page: bool = True) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def text_of(page: Any, editor: str) -> str:
    return str(page.evaluate(f"() => window.playground.{editor}View.state.doc.toString()"))


def set_text(page: Any, editor: str, text: str) -> None:
    page.evaluate(
        "([editor, text]) => { const v = window.playground[editor + 'View']; v.dispatch({changes: {from: 0, to: v.state.doc.length, insert: text}}); }",
        [editor, text],
    )


def pick(page: Any, folder: str, ruleset: str, example: str) -> None:
    """Choose a ruleset and an example, and return once every file load has landed.

    Picking a ruleset of another folder also loads that folder's violations example; a
    test that edited the snapshot before that load (or the explicit pick's) answered
    would have its edit overwritten (seen in CI under load), so each step waits for
    the page's count of loads in flight to reach zero.
    """
    with page.expect_response(re.compile(r"/api/examples/.+")):
        page.select_option("[data-testid=ruleset-picker]", value=json.dumps([folder, ruleset], separators=(",", ":")))
    page.wait_for_function("name => window.playground.state.rulesetName === name && window.playground.state.loading === 0", arg=ruleset)
    with page.expect_response(re.compile(r"/api/examples/.+")):
        page.select_option("[data-testid=snapshot-picker]", value=example)
    page.wait_for_function("name => window.playground.state.snapshotName === name && window.playground.state.loading === 0", arg=example)


def evaluate(page: Any) -> Any:
    """Click Evaluate; the report body, once the page has drawn it."""
    before = page.evaluate("() => window.playground.state.evaluations")
    with page.expect_response("**/api/evaluate") as response:
        page.click("#evaluate")
    assert response.value.status == 200
    page.wait_for_function("n => window.playground.state.evaluations > n", arg=before)
    page.wait_for_selector("[data-testid=summary]")
    return response.value.json()


def wait_for_diagnostics(page: Any, editor: str, containing: str = "") -> list[dict[str, Any]]:
    """The editor's diagnostics, once one whose message contains `containing` is shown."""
    page.wait_for_function(
        "([editor, text]) => window.playground.shownDiagnostics(window.playground[editor + 'View']).some(d => d.message.includes(text))",
        arg=[editor, containing],
        timeout=15_000,
    )
    return list(page.evaluate(f"() => window.playground.shownDiagnostics(window.playground.{editor}View)"))


def overflow(page: Any) -> dict[str, Any]:
    """The document's width against the window's, and any visible element poking out on the right."""
    return dict(page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const poking = [...document.querySelectorAll('body *')].filter((el) => {
            if (el.closest('.cm-scroller, .graph-scroll, .cm-tooltip')) return false;  // scroll inside themselves
            const r = el.getBoundingClientRect();
            return r.width > 0 && r.height > 0 && r.right > width + 1;
          }).slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
          return {scrollWidth: document.documentElement.scrollWidth, width, height: document.documentElement.scrollHeight, poking};
        }"""
    ))

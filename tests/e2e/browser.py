"""A small driver for the end-to-end journeys: Playwright on Debian's chromium, axe on every page.

`Journey` wraps one browser page. Every navigation it makes (a link followed, a form submitted, an
address typed) ends in `arrived()`, which checks the response was not a server error, runs the
vendored axe-core against WCAG 2.2 AA and fails the test with a readable list of violations.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Response,
    Route,
)

ROOT = Path(__file__).resolve().parent.parent.parent
AXE_JS = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "protocol-demo-2026"  # the contract's demo-only password
CHROMIUM = os.environ.get("E2E_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe has no separate wcag22a tag).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCRIPT_TAG = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)
VIEWPORT = {"width": 1024, "height": 900}


# The focused element shows GOV.UK's focus state: a yellow background or box-shadow (links,
# buttons), an outline (inputs), or for a radio or checkbox the ring drawn on its label.
FOCUS_VISIBLE_JS = """() => {
    const el = document.activeElement;
    if (el.matches(".govuk-radios__input, .govuk-checkboxes__input")) {
        const ring = getComputedStyle(el.labels[0], "::before");
        return ring.outlineStyle !== "none" || ring.boxShadow !== "none"
            || ring.borderWidth !== "0px";
    }
    const style = getComputedStyle(el);
    return style.outlineStyle !== "none" || style.boxShadow !== "none"
        || style.backgroundColor === "rgb(255, 221, 0)";
}"""


class AccessibilityError(AssertionError):
    pass


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    """axe's answer as a reviewer would want it: rule, impact, help link, and each element."""
    lines = [f"axe found {len(violations)} WCAG 2.2 AA violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']}  <{v['helpUrl']}>")
        for node in v["nodes"][:8]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}")
            lines.append(f"       {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


class Journey:
    """One person's browser tab. Methods that navigate run the page checks on arrival."""

    def __init__(self, context: BrowserContext, base_url: str, *, javascript: bool = True) -> None:
        self.context = context
        self.javascript = javascript
        self.base_url = base_url
        self.page: Page = context.new_page()
        self.page.set_default_timeout(30_000)
        self.visited: list[str] = []
        self.console_errors: list[str] = []
        self.server_errors: list[str] = []
        self._checker: Page | None = None
        self.page.on("console", self._on_console)
        self.page.on("response", self._on_response)

    # -- observers -------------------------------------------------------------------------------
    def _on_console(self, message: ConsoleMessage) -> None:
        # A page answered 400 (a form with errors) is logged as "Failed to load resource";
        # _on_response judges statuses, so only script and CSP errors count here.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(f"{self.page.url}: {message.text}")

    def _on_response(self, response: Response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.url}")
        elif response.status >= 400 and response.request.resource_type != "document":
            # A missing stylesheet, script or image is a broken page whatever its status.
            self.console_errors.append(f"{response.status} {response.url}")

    # -- navigation ------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return urljoin(self.base_url, path)

    def go(self, path: str, *, expect_status: int = 200) -> Journey:
        response = self.page.goto(self.url(path))
        assert response is not None
        assert response.status == expect_status, f"GET {path}: {response.status}"
        return self.arrived()

    @contextmanager
    def navigating(self) -> Iterator[None]:
        """Wrap an action that loads a new page (a click, Enter on a link or a button)."""
        with self.page.expect_navigation():
            yield
        self.arrived()

    def follow(self, name: str | re.Pattern[str], *, exact: bool = False) -> Journey:
        with self.navigating():
            self.page.get_by_role("link", name=name, exact=exact).first.click()
        return self

    def nav(self, name: str) -> Journey:
        """Follow an item of the service navigation at the top of every page."""
        with self.navigating():
            self.page.get_by_role("navigation", name="Menu").get_by_role(
                "link", name=name, exact=True
            ).click()
        return self

    def press(self, name: str | re.Pattern[str] = "Continue", *, exact: bool = False) -> Journey:
        """Click the main content's button with this accessible name (submits its form)."""
        with self.navigating():
            self.main.get_by_role("button", name=name, exact=exact).click()
        return self

    @property
    def main(self) -> Locator:
        return self.page.locator("main")

    # -- arrival checks --------------------------------------------------------------------------
    def arrived(self) -> Journey:
        self.page.wait_for_load_state("load")
        self.visited.append(self.page.url)
        assert not self.server_errors, f"server errors: {self.server_errors}"
        self.check_accessibility()
        return self

    def check_accessibility(self) -> None:
        results = run_axe(self.page) if self.javascript else self._axe_on_a_copy()
        if results:
            raise AccessibilityError(format_violations(self.page.url, results))

    def _axe_on_a_copy(self) -> list[dict[str, Any]]:
        """axe needs timers, which a page with JavaScript switched off never runs. So serve
        this page's HTML exactly as the browser holds it, without its scripts, to a second tab
        that may run axe, at the same address so its stylesheets load the same way."""
        if self._checker is None:
            browser = self.context.browser
            assert browser is not None
            self._checker = browser.new_context(viewport=VIEWPORT).new_page()
        html = SCRIPT_TAG.sub("", self.page.content())
        url = self.page.url

        def serve(route: Route) -> None:
            if route.request.url == url and route.request.resource_type == "document":
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
            else:
                route.continue_()

        self._checker.route("**/*", serve)
        try:
            self._checker.goto(url)
            assert self._checker.title() == self.page.title(), "the copy is not this page"
            return run_axe(self._checker)
        finally:
            self._checker.unroute("**/*", serve)

    def close(self) -> None:
        if self._checker is not None:
            self._checker.context.close()
        self.context.close()

    # -- people ----------------------------------------------------------------------------------
    def sign_in(self, username: str, *, password: str = PASSWORD) -> Journey:
        self.context.clear_cookies()
        self.go("/sign-in/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.press("Sign in")
        assert "/sign-in/" not in self.page.url, f"could not sign in as {username}"
        return self

    # -- forms -----------------------------------------------------------------------------------
    def fill(self, label: str, value: str, *, exact: bool = False) -> Journey:
        self.main.get_by_label(label, exact=exact).fill(value)
        return self

    def choose(self, label: str, *, exact: bool = True) -> Journey:
        self.main.get_by_label(label, exact=exact).check()
        return self

    def select(self, label: str, option_contains: str) -> Journey:
        select = self.main.get_by_label(label, exact=False)
        options = select.locator("option").all_inner_texts()
        match = next((o for o in options if option_contains in o), None)
        assert match is not None, f"no option containing {option_contains!r} in {options}"
        select.select_option(label=match)
        return self

    # -- keyboard only -----------------------------------------------------------------------------
    def tab_to(self, selector: str, *, limit: int = 60) -> Journey:
        """Press Tab (only Tab) until the element matching `selector` has focus, and check the
        focus can be seen (WCAG 2.4.7): GOV.UK's yellow focus state or an outline."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("(s) => document.activeElement.matches(s)", selector):
                assert self.page.evaluate(FOCUS_VISIBLE_JS), f"no visible focus on {selector}"
                return self
        raise AssertionError(f"{limit} Tab presses never reached {selector} on {self.page.url}")

    def key(self, key: str, *, navigates: bool = False) -> Journey:
        """Press one key (Enter, Space…) on whatever has focus."""
        if navigates:
            with self.navigating():
                self.page.keyboard.press(key)
        else:
            self.page.keyboard.press(key)
        return self

    def type(self, text: str) -> Journey:
        self.page.keyboard.type(text)
        return self

    # -- evidence --------------------------------------------------------------------------------
    def shot(self, name: str) -> Path:
        """Save docs/screenshots/e2e-<name>.png (overwritten each run)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"e2e-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def text(self) -> str:
        return self.main.inner_text()

    def heading(self) -> str:
        return self.main.locator("h1").first.inner_text()


def run_axe(page: Page) -> list[dict[str, Any]]:
    """Run the vendored axe-core on the page as it is now and return its violations.

    axe is loaded from the site's own /static/, which the Content Security Policy ('self')
    allows, so the check runs under the same policy as the page.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    return page.evaluate(
        """async (tags) => {
            const results = await window.axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({
                    target: n.target, html: n.html, failureSummary: n.failureSummary,
                })),
            }));
        }""",
        AXE_TAGS,
    )


def new_context(browser: Browser, *, javascript: bool = True) -> BrowserContext:
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=javascript)
    context.set_default_timeout(30_000)
    return context

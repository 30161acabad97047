"""End-to-end set-up: Debian's chromium driven by Playwright against pytest-django's live server.

Every test here runs on the real PostgreSQL with the demo councils and logins loaded
(`load_demo`, no sample cases). The live server answers from another thread, so the tests use
transactional databases, which are flushed after each test: each test loads the demo data again
(about two seconds) and is a whole journey rather than a single step.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .browser import AXE_JS, CHROMIUM, CHROMIUM_ARGS, Journey, new_context

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to look
# at what a journey wrote are safe here (one thread, no concurrent use of a connection).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(tryfirst=True)  # before `-m "not e2e"` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _media_url_for_the_live_server() -> Iterator[None]:
    """Django's live server parses MEDIA_URL when it starts; settings say None (uploads are served
    only through permission-checked views), which it cannot parse. Give it an address that no view
    answers, before the session-scoped `live_server` starts."""
    from django.test import override_settings

    with override_settings(MEDIA_URL="/uploads-are-not-served-here/"):
        yield


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        message = f"chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    assert AXE_JS.exists(), f"{AXE_JS} is missing: run scripts/vendor-axe.sh"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo_site(live_server, transactional_db) -> str:
    """The live server's address, with the demo councils and logins in its database."""
    from django.core.management import call_command

    call_command("load_demo", sample_cases=False, verbosity=0)
    return live_server.url


@pytest.fixture
def open_tab(browser, demo_site) -> Iterator[Callable[..., Journey]]:
    """Open a fresh browser context (its own cookies) per person: `open_tab(javascript=False)`."""
    tabs: list[Journey] = []

    def _open(*, javascript: bool = True) -> Journey:
        tab = Journey(new_context(browser, javascript=javascript), demo_site, javascript=javascript)
        tabs.append(tab)
        return tab

    yield _open
    for tab in tabs:
        tab.close()

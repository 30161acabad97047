#!/usr/bin/env python
"""Walk the four case journeys in a browser and save screenshots to docs/screenshots/case-*.png.

Needs a running site with the demo data (`manage.py load_councils && manage.py load_demo
--sample-cases`) and Debian's chromium (`apt-get install chromium`); Playwright drives it and
never downloads a browser.

    .venv/bin/python scripts/screenshot_case_journeys.py --base-url http://127.0.0.1:8000

Each run opens new cases, so run it against a throwaway demo database.
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from playwright.sync_api import Page, sync_playwright

PASSWORD = "protocol-demo-2026"  # noqa: S105 - the contract's demo-only password
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


class Journey:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def go(self, path: str) -> None:
        self.page.goto(urljoin(self.base_url, path))

    def sign_in(self, username: str) -> None:
        self.page.context.clear_cookies()
        self.go("/sign-in/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("main button[type=submit]")
        self.page.wait_for_load_state("networkidle")
        if "/sign-in/" in self.page.url:
            raise SystemExit(f"could not sign in as {username}")

    def shot(self, name: str) -> None:
        path = OUT / f"case-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        print(f"{self.page.url} -> {path.relative_to(OUT.parent.parent)}")

    def submit(self, label: str = "Continue") -> None:
        self.page.get_by_role("button", name=label).click()
        self.page.wait_for_load_state("networkidle")

    def choose_radio(self, label: str) -> None:
        self.page.get_by_label(label, exact=True).check()

    def select(self, selector: str, label_contains: str) -> None:
        options = self.page.locator(f"{selector} option").all_inner_texts()
        match = next(o for o in options if label_contains in o)
        self.page.select_option(selector, label=match)


def clerk_logs_an_emailed_dispute(j: Journey) -> None:
    j.sign_in("maldon-clerk")
    j.go("/cases/new/")
    j.choose_radio("Member's concern about an officer")
    j.submit()
    j.page.select_option("#id_raised_by", index=1)
    j.submit()
    j.page.select_option("#id_about", index=2)
    j.submit()
    yesterday = datetime.date.today() - datetime.timedelta(days=1)  # noqa: DTZ011
    j.choose_radio("Email")
    j.page.fill("#id_day", str(yesterday.day))
    j.page.fill("#id_month", str(yesterday.month))
    j.page.fill("#id_year", str(yesterday.year))
    j.page.fill("#id_time", "09:15")
    j.shot("clerk-1-received")
    j.submit()
    j.page.fill(
        "#id_summary",
        "Cllr wrote three times about missed bin collections on Fambridge Road and has had no "
        "reply. Raised by email; the councillor would like to meet the officer.",
    )
    j.submit()
    j.shot("clerk-2-check-answers")
    j.submit("Open the case")
    j.shot("clerk-3-confirmation")


def councillor_files_a_complaint(j: Journey) -> None:
    j.sign_in("lancaster-councillor")
    j.go("/cases/new/")
    j.shot("councillor-1-case-type")
    j.choose_radio("Member's formal complaint about an officer")
    j.submit()
    j.page.select_option("#id_about", index=1)
    j.submit()
    j.page.fill(
        "#id_summary",
        "At the planning committee site visit on Tuesday the officer dismissed residents' "
        "questions and refused to pass my request for the drainage report to the applicant.",
    )
    j.submit()
    j.shot("councillor-2-check-answers")
    j.submit("Open the case")
    j.shot("councillor-3-confirmation")


def officer_raises_a_concern(j: Journey) -> str:
    j.sign_in("hounslow-officer")
    j.go("/cases/new/")
    j.choose_radio("Officer's concern about a member")
    j.submit()
    j.page.select_option("#id_about", index=1)
    j.shot("officer-1-about")
    j.submit()
    j.page.fill(
        "#id_summary",
        "A councillor has phoned my personal mobile late in the evening several times about a "
        "licensing application, and copied the applicant into emails criticising me.",
    )
    j.submit()
    j.submit("Open the case")
    reference = j.page.locator(".govuk-panel__body strong").inner_text()
    j.go(f"/cases/{reference}/")
    j.shot("officer-2-case-page")
    return reference


def mo_queue_and_case_page(j: Journey, reference: str) -> None:
    j.sign_in("hounslow-mo")
    j.go("/cases/?queue=mine")
    j.shot("mo-1-queue")
    j.go(f"/cases/{reference}/")
    j.shot("mo-2-case-page")
    j.go(f"/cases/{reference}/escalate/")
    j.page.fill(
        "#id_reason",
        "Discussed with the Leader and the group leader; the calls have continued. The "
        "Standards Committee should consider it.",
    )
    j.shot("mo-3-escalate")
    j.submit("Escalate")
    j.shot("mo-4-escalated")


def maldon_wording_warning(j: Journey) -> None:
    j.sign_in("maldon-clerk")
    j.go("/cases/?state=informal")
    link = j.page.locator("table a.govuk-link").first
    link.click()
    j.page.wait_for_load_state("networkidle")
    j.page.get_by_role("link", name="Add a note").click()
    j.page.fill(
        "#id_body",
        "Spoke to the officer about the accusation; the investigation will continue next week.",
    )
    j.page.get_by_label("Shared with the parties").check()
    j.submit("Add note")
    j.shot("wording-warning")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=args.chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
        )
        page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()

        def report_server_error(response: Any) -> None:
            if response.status >= 500:
                print(f"{response.status} {response.url}", file=sys.stderr)

        page.on("response", report_server_error)
        journey = Journey(page, args.base_url)
        clerk_logs_an_emailed_dispute(journey)
        councillor_files_a_complaint(journey)
        reference = officer_raises_a_concern(journey)
        mo_queue_and_case_page(journey, reference)
        maldon_wording_warning(journey)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

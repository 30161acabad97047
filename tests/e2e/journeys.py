"""The journeys themselves, as functions of a `Journey`, so a test can chain them and
`scripts`-style runs can point them at any server."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

from .browser import PASSWORD, Journey

CONCERN = (
    "Cllr wrote three times about missed bin collections on Fambridge Road and has had no reply. "
    "Raised by email; the councillor would like to meet the officer."
)
COMPLAINT = (
    "At the planning committee site visit on Tuesday the officer dismissed residents' questions "
    "and refused to pass my request for the drainage report to the applicant."
)
OFFICER_CONCERN = (
    "A councillor has phoned my personal mobile late in the evening several times about a "
    "licensing application, and copied the applicant into emails criticising me."
)


def select_person(tab: Journey, index: int = 1) -> None:
    """Choose a person in the page's one select (index 0 is the 'Choose …' prompt)."""
    tab.main.locator("select").select_option(index=index)


def reference_from_panel(tab: Journey) -> str:
    return tab.main.locator(".govuk-panel__body strong").inner_text().strip()


def clerk_logs_an_emailed_dispute(tab: Journey, *, shots: str = "clerk") -> str:
    """Maldon 2.2: a member's concern that arrived by email starts a 3 working day
    acknowledgement clock. Returns the case reference."""
    tab.sign_in("maldon-clerk")
    tab.follow("Open a case")
    tab.choose("Member's concern about an officer").press("Continue")
    select_person(tab, 1)
    tab.press("Continue")
    select_person(tab, 1)
    tab.press("Continue")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    tab.choose("Email")
    tab.fill("Day", str(yesterday.day), exact=True)
    tab.fill("Month", str(yesterday.month), exact=True)
    tab.fill("Year", str(yesterday.year), exact=True)
    tab.fill("Time received", "09:15")
    tab.shot(f"{shots}-1-received")
    tab.press("Continue")
    tab.main.locator("textarea").fill(CONCERN)
    tab.press("Continue")
    assert "Check your answers" in tab.heading()
    tab.shot(f"{shots}-2-check-answers")
    tab.press("Open the case")
    assert tab.heading() == "Case opened"
    reference = reference_from_panel(tab)
    tab.shot(f"{shots}-3-opened")
    tab.follow(f"View case {reference}")
    clocks = tab.main.locator("table#clocks")
    acknowledgement = clocks.get_by_role("row").filter(has_text="Acknowledgement")
    assert acknowledgement.count() == 1, clocks.inner_text()
    assert "3 working days" in acknowledgement.inner_text()
    tab.shot(f"{shots}-4-case-page-clocks")
    # The clerk's clocks dashboard lists it as falling due this week.
    tab.nav("Clocks")
    assert reference in tab.text()
    tab.shot(f"{shots}-5-clocks-dashboard")
    # The drafted acknowledgement (Maldon 2.2) is reviewed and sent from the dashboard.
    tab.follow(f"Review the acknowledgement for {reference}")
    assert tab.main.get_by_label("Message").input_value().strip()
    tab.shot(f"{shots}-6-acknowledgement")
    tab.press("Send acknowledgement")
    assert f"{reference} is acknowledged" in tab.text()
    acknowledgement = (
        tab.main.locator("table#clocks").get_by_role("row").filter(has_text="Acknowledgement")
    )
    assert "Met" in acknowledgement.inner_text(), acknowledgement.inner_text()
    tab.shot(f"{shots}-7-acknowledged")
    return reference


def councillor_files_a_complaint(tab: Journey) -> str:
    """A councillor files a formal complaint online and finds it in their own case list."""
    tab.sign_in("lancaster-councillor")
    tab.nav("Cases")
    tab.shot("councillor-1-list-empty")
    tab.press("Open a case")
    tab.choose("Member's formal complaint about an officer").press("Continue")
    select_person(tab, 1)
    tab.press("Continue")
    tab.main.locator("textarea").fill(COMPLAINT)
    tab.press("Continue")
    tab.shot("councillor-2-check-answers")
    tab.press("Open the case")
    reference = reference_from_panel(tab)
    tab.shot("councillor-3-opened")
    tab.nav("Cases")
    row = tab.main.get_by_role("row").filter(has_text=reference)
    assert row.count() == 1, tab.text()
    tab.shot("councillor-4-tracks-in-list")
    with tab.navigating():
        row.get_by_role("link").first.click()
    assert reference in tab.text()
    tab.shot("councillor-5-case-page")
    return reference


def officer_raises_a_concern(tab: Journey, *, shots: str = "officer") -> str:
    """Hounslow 11.3: an officer's concern about a member goes straight to the Monitoring
    Officer."""
    tab.sign_in("hounslow-officer")
    tab.go("/cases/new/")
    tab.choose("Officer's concern about a member").press("Continue")
    select_person(tab, 1)
    tab.press("Continue")
    if tab.heading() == "Which service does it concern?":  # issue #20: the officer's own
        tab.press("Continue")
    tab.main.locator("textarea").fill(OFFICER_CONCERN)
    tab.press("Continue")
    tab.shot(f"{shots}-1-check-answers")
    tab.press("Open the case")
    return reference_from_panel(tab)


def open_from_queue(tab: Journey, reference: str) -> None:
    tab.go("/cases/")
    tab.follow("Escalation queue")
    row = tab.main.get_by_role("row").filter(has_text=reference)
    assert row.count() == 1, tab.text()
    with tab.navigating():
        row.get_by_role("link", name=reference).click()


def mo_escalates_and_resolves_from_the_queue(
    tab: Journey, reference: str, *, shots: str = "mo"
) -> None:
    """Hounslow 11.3: the Monitoring Officer takes the concern to the Standards Committee, then
    records the outcome — each time starting from their escalation queue."""
    tab.sign_in("hounslow-mo")
    open_from_queue(tab, reference)
    tab.shot(f"{shots}-1-case-from-queue")
    tab.press("Escalate")
    # Empty reason first: the GOV.UK error summary takes focus and links to the field.
    tab.press("Escalate")
    assert_error_summary(tab, "#id_reason")
    tab.shot(f"{shots}-2-escalate-error")
    tab.fill(
        "Why does it need to go to the next stage?",
        "Discussed with the Leader and the group leader; the calls have continued. The "
        "Standards Committee should consider it.",
    )
    tab.press("Escalate")
    assert "Case escalated to" in tab.text()
    assert "Standards Committee" in tab.text()
    tab.shot(f"{shots}-3-escalated")

    open_from_queue(tab, reference)
    tab.press("Resolve")
    tab.fill("Outcome", "The Standards Committee found a breach; the member apologised.")
    tab.shot(f"{shots}-4-resolve")
    tab.press("Resolve")
    assert "Case resolved" in tab.text()
    tab.shot(f"{shots}-5-resolved")


def assert_error_summary(tab: Journey, *hrefs: str) -> None:
    """The GOV.UK pattern: a summary at the top, focused on load, linking to each field."""
    summary = tab.main.locator(".govuk-error-summary")
    assert summary.is_visible(), tab.text()
    assert tab.page.title().startswith("Error:"), tab.page.title()
    if tab.javascript:
        # GOV.UK Frontend's ErrorSummary (initAll in static/js/app.js) focuses the summary.
        focused = tab.page.evaluate("() => document.activeElement.className")
        assert "govuk-error-summary" in focused, focused
    links = [a.get_attribute("href") for a in summary.locator("a").all()]
    for href in hrefs:
        assert href in links, links
        # Each linked field exists and shows its own error message.
        field = tab.page.locator(href)
        assert field.count() == 1, href
        assert tab.page.locator(f"{href}-error").count() == 1 or "error" in (
            field.get_attribute("aria-describedby") or ""
        ), href


def member_asks_for_information_through_to_an_foi_decision(
    tab: Journey, *, shots: str = "info"
) -> str:
    """Halstead 1.4 and 4.2: a councillor asks the Town Clerk, who decides and also holds the
    need-to-know determination; it is not public and no right of access applies, so it is
    handled under FOIA and decided. The member asks for an internal review, which the Monitoring
    Officer Halstead borrows from Braintree decides."""
    tab.sign_in("halstead-councillor")
    tab.follow("Information requests")
    tab.press(re.compile("^(Ask|Make|New)"))
    tab.shot(f"{shots}-1-new")
    tab.press("Send request")
    assert_error_summary(tab, "#id_description")
    tab.fill("What information is wanted?", "The contract and invoices for the 2026 tree survey.")
    tab.choose("No")
    tab.press("Send request")
    detail = tab.page.url
    reference = detail.rstrip("/").rsplit("/", 1)[-1]
    assert reference in tab.heading(), tab.heading()
    tab.shot(f"{shots}-2-requested")

    tab.sign_in("halstead-clerk")
    tab.go(detail)
    tab.shot(f"{shots}-3-clerk-sees-request")
    tab.press("Not public: consider s.100F and need to know")
    tab.press("Consider section 100F and need to know")
    tab.press("Handle as a Freedom of Information request")
    tab.press("Handle it as a Freedom of Information request")
    assert "FOI response" in tab.text()
    tab.shot(f"{shots}-4-foi-clock")
    tab.press("Record the FOI decision")
    tab.choose("Disclosed in part, an exemption applying to the rest")
    tab.main.get_by_label("s.12 Cost of compliance exceeds the appropriate limit").check()
    tab.fill("Explanation for the councillor", "The invoices are attached; the survey data is not.")
    tab.press("Record the FOI decision")
    tab.shot(f"{shots}-5-foi-decided")

    tab.sign_in("halstead-councillor")
    tab.go(detail)
    assert "Disclosed in part" in tab.text()
    tab.shot(f"{shots}-6-member-sees-decision")
    tab.press("Ask for an internal review")
    tab.fill("Why do you want the decision reviewed?", "The survey data was paid for by the town.")
    tab.press("Ask for the internal review")

    # A parish is its own public authority under FOIA: its Clerk reviews, never the Monitoring
    # Officer Braintree lends it (issue #20).
    tab.sign_in("halstead-clerk")
    tab.go(detail)
    tab.press("Record the internal review decision")
    tab.choose("Original decision changed in part")
    tab.fill("Reasons for the review decision", "The summary tables can be disclosed.")
    tab.press("Record the review decision")
    assert "changed in part" in tab.text()
    tab.shot(f"{shots}-7-review-decided")
    return reference


def councillor_raises_a_concern_by_keyboard_only(tab: Journey) -> str:
    """Lancaster 13.1, with the keyboard alone: Tab to move, Enter and Space to act, typing
    into fields (a select is chosen by typing the start of a name, as a keyboard user does).
    No mouse click anywhere; the error summary's link takes focus to the field."""
    tab.go("/sign-in/")
    tab.tab_to("#id_username").type("lancaster-councillor")
    tab.tab_to("#id_password").type(PASSWORD)
    tab.key("Enter", navigates=True)
    assert "/sign-in/" not in tab.page.url
    tab.tab_to('nav a[href="/cases/"]').key("Enter", navigates=True)
    tab.shot("keyboard-1-case-list")
    # "Open a case" is a link styled as a button: GOV.UK Frontend makes Space activate it.
    tab.tab_to('main a[href="/cases/new/"]').key("Space", navigates=True)
    tab.tab_to('input[value="member_concern_about_officer"]').key("Space")
    tab.tab_to("main button[type=submit]").key("Enter", navigates=True)
    officer = tab.main.locator("select option").nth(1).inner_text().strip()
    tab.tab_to("main select").type(officer[:6])
    assert tab.main.locator("select option:checked").inner_text().strip() == officer
    tab.tab_to("main button[type=submit]").key("Enter", navigates=True)
    # Continue with nothing written: the summary takes focus; Tab, Enter on its link.
    tab.tab_to("main button[type=submit]").key("Enter", navigates=True)
    assert_error_summary(tab, "#id_summary")
    tab.shot("keyboard-2-error-summary")
    tab.tab_to(".govuk-error-summary a").key("Enter")
    assert tab.page.evaluate("() => document.activeElement.id") == "id_summary"
    tab.type(CONCERN.replace("Raised by email", "Raised in the members' room"))
    tab.tab_to("main button[type=submit]").key("Enter", navigates=True)
    tab.shot("keyboard-3-check-answers")
    tab.tab_to("main button[type=submit]").key("Enter", navigates=True)
    reference = reference_from_panel(tab)
    tab.tab_to(f'main a[href="/cases/{reference}/"]').key("Enter", navigates=True)
    assert reference in tab.heading()
    tab.shot("keyboard-4-case-page")
    return reference


def admin_edits_a_variant(tab: Journey) -> None:
    """The administrator lengthens Maldon's 7 day response clock (Maldon 2.2) in a new draft of
    the member's-concern route and publishes it as version 2."""
    tab.sign_in("admin")
    tab.go("/variants/")
    tab.shot("admin-1-routes")
    tab.follow("Maldon District Council")
    tab.follow("Version 1", exact=True)
    tab.follow("Start a new draft from this version")
    tab.press("Start the draft")
    assert "Draft version 2 started" in tab.text()
    tab.shot("admin-2-draft")
    tab.follow("Change the response clock")
    tab.fill("Length in days", "10")
    tab.press("Save the clock")
    assert "Response: 10 calendar days" in tab.text(), tab.text()
    tab.shot("admin-3-clock-changed")
    tab.press("Publish", exact=True)
    tab.shot("admin-4-publish")
    assert "Response: 10 calendar days" in tab.text()
    tab.press("Publish version 2")
    tab.shot("admin-5-published")
    assert "Version 2 published" in tab.text()


def assert_error_summary_links_to_fields(tab: Journey) -> list[str]:
    """Whatever the form: a focused summary whose every link lands on a field on the page."""
    summary = tab.main.locator(".govuk-error-summary")
    assert summary.is_visible(), f"no error summary on {tab.page.url}"
    if tab.javascript:
        focused = tab.page.evaluate("() => document.activeElement.className")
        assert "govuk-error-summary" in focused, focused
    hrefs = [a.get_attribute("href") or "" for a in summary.locator("a").all()]
    assert hrefs, "an error summary lists at least one error"
    for href in hrefs:
        assert href.startswith("#"), href
        target = tab.page.locator(href)
        assert target.count() == 1, f"{tab.page.url}: {href} is not on the page"
        assert target.evaluate("e => !!e.closest('.govuk-form-group--error')"), (
            f"{tab.page.url}: {href} is not in a form group marked as in error"
        )
    return hrefs


def clerk_submits_every_register_form_empty(tab: Journey) -> list[str]:
    """Every register (Maldon's clerk sees them all): the list, then its form submitted empty
    shows the GOV.UK error summary. Returns the forms checked."""
    tab.sign_in("maldon-clerk")
    tab.nav("Registers")
    tab.shot("registers-1-index")
    registers = [
        a.get_attribute("href") or "" for a in tab.main.locator("a[href^='/registers/']").all()
    ]
    checked = []
    for register in registers:
        tab.go(register)
        forms = [a.get_attribute("href") or "" for a in tab.main.locator("a[href$='/new/']").all()]
        for form in forms:
            tab.go(form)
            with tab.navigating():
                tab.main.locator("form[method=post] button[type=submit]").last.click()
            assert_error_summary_links_to_fields(tab)
            if not checked:
                tab.shot("registers-2-form-errors")
            checked.append(form)
    return checked

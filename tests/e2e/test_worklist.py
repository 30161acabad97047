"""The worklist in a real browser (issue #24): a clerk sorts the queue and saves the view,
reassigns five cases at once, replies from a case and sees the answer thread back after
`ingest_email`, and no page scrolls sideways on a 390 px phone. Every page
reached passes axe at WCAG 2.2 AA (the Journey checks it on arrival)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseType, EventAction
from cases.services import open_case
from contacts.models import Council, Person
from worklist.models import SavedView

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _maldon_cases(n: int) -> list[Case]:
    maldon = Council.objects.get(slug="maldon")
    raiser = Person.objects.get(council=maldon, key="cllr-tom-castleton")
    about = Person.objects.get(council=maldon, key="daniel-frost")
    start = timezone.now() - datetime.timedelta(days=20)
    return [
        open_case(
            council=maldon,
            case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
            raised_by=raiser,
            about=about,
            channel="email",
            received_at=start + datetime.timedelta(days=i),
            summary=f"Emails about the planning application went unanswered ({i})",
            actor=None,
        )
        for i in range(n)
    ]


def test_clerk_sorts_saves_a_view_and_reassigns_five_cases(open_tab):
    cases = _maldon_cases(6)
    tab = open_tab()
    tab.sign_in("maldon-clerk")
    assert tab.heading() == "Your work"
    tab.nav("Cases")
    # Sort by the next clock due, soonest first: the link in the column heading.
    tab.follow("Next due", exact=True)
    assert "sort=next_due" in tab.page.url
    tab.page.get_by_text("Save these filters as a view").click()
    tab.fill("Name of the view", "Soonest due")
    tab.press("Save view")
    view = SavedView.objects.get(user__username="maldon-clerk")
    assert view.name == "Soonest due"
    assert "sort=next_due" in view.query
    assert "Soonest due" in tab.text()
    tab.shot("worklist-queue")

    # Reassign five of them at once, to one officer, with one reason.
    chosen = cases[:5]
    for case in chosen:
        tab.main.get_by_label(f"Select {case.reference}").check()
    tab.press("Reassign the selected cases")
    assert tab.heading() == "Reassign 5 cases"
    candidates = tab.main.get_by_label("Who should handle these cases?").locator("option")
    pick = next(
        o for o in candidates.all_inner_texts() if o != "Choose a person" and "Frost" not in o
    )
    tab.select("Who should handle these cases?", pick)
    tab.fill("Why this person?", "Leave cover for March")
    tab.press("Reassign 5 cases")
    assert "5 cases reassigned" in tab.text()
    tab.shot("worklist-bulk-reassigned")
    handlers = {Case.objects.get(pk=c.pk).handler_id for c in chosen}
    assert len(handlers) == 1
    for case in chosen:
        assert CaseEvent.objects.filter(
            case=case, action=EventAction.ASSIGNED, reason="Leave cover for March"
        ).exists()
    assert tab.console_errors == []


def test_clerk_replies_from_a_case_and_the_reply_threads_back(open_tab, mailoutbox, tmp_path):
    """The email carries the reference; the councillor's answer, read by `ingest_email`,
    comes back onto the same case."""
    from email.message import EmailMessage

    from django.core.management import call_command

    case = _maldon_cases(1)[0]
    tab = open_tab()
    tab.sign_in("maldon-clerk")
    tab.go(f"/cases/{case.reference}/")
    tab.follow(f"Email the parties about {case.reference}")
    tab.fill("Subject", "A time to talk")
    tab.fill("Email", "Could we meet on Monday to talk this through?")
    tab.press("Send email")
    assert "Could we meet on Monday" in tab.text()
    sent = [m for m in mailoutbox if "A time to talk" in m.subject]
    assert len(sent) == 1
    assert sent[0].to == [case.raised_by.email]

    answer = EmailMessage()
    answer["From"] = case.raised_by.email
    answer["To"] = "maldon@concerns.example.gov.uk"
    answer["Subject"] = f"Re: {sent[0].subject}"
    answer["Message-ID"] = "<e2e-reply@example.gov.uk>"
    answer["Date"] = "Fri, 04 Dec 2026 10:00:00 +0000"
    answer.set_content("Monday at ten suits me.")
    raw = tmp_path / "reply.eml"
    raw.write_bytes(bytes(answer))
    call_command("ingest_email", str(raw), verbosity=0)

    tab.go(f"/cases/{case.reference}/")
    assert "Monday at ten suits me." in tab.text()
    tab.shot("worklist-email-thread")
    assert tab.console_errors == []


def test_no_page_of_the_worklist_scrolls_sideways_on_a_phone(open_tab):
    cases = _maldon_cases(3)
    tab = open_tab()
    tab.page.set_viewport_size({"width": 390, "height": 844})
    tab.sign_in("maldon-clerk")
    for path in (
        "/",
        "/cases/",
        "/cases/?status=all&sort=-last_activity",
        f"/cases/{cases[0].reference}/",
        "/search/?q=planning",
        "/views/",
        "/clocks/",
        "/information-requests/",
    ):
        tab.go(path)
        assert tab.page.evaluate(NO_SIDEWAYS_SCROLL), f"{path} scrolls sideways at 390 px"
    tab.go("/cases/")
    tab.shot("worklist-queue-390")
    tab.go("/")
    tab.shot("worklist-home-390")
    assert tab.console_errors == []

"""Issue #20 in a real browser: "the relevant Service Head" (Lancaster 13.1) and "their
Director" (Maldon 4.2) are real people, who sign in under their own logins and act on the case
routed to them. Every page reached passes axe at WCAG 2.2 AA."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseState

from .browser import Journey

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _open_case(tab: Journey, summary: str) -> str:
    tab.main.locator("textarea").fill(summary)
    tab.press("Continue")
    assert "Check your answers" in tab.heading()
    tab.press("Open the case")
    return tab.main.locator(".govuk-panel__body strong").inner_text().strip()


def _handler_resolves(tab: Journey, username: str, reference: str, outcome: str, shots: str):
    tab.sign_in(username)
    tab.go(f"/cases/{reference}/")
    tab.shot(f"{shots}-1-case-page")
    tab.press("Resolve")
    tab.fill("Outcome", outcome)
    tab.press("Resolve")
    assert "Case resolved" in tab.text()
    tab.shot(f"{shots}-2-resolved")


def test_a_service_head_acts_on_the_concern_about_an_officer_of_their_service(open_tab):
    """Lancaster 13.1: "the relevant Service Head" of the housing officer's department."""
    member = open_tab()
    member.sign_in("lancaster-councillor")
    member.go("/cases/new/")
    member.choose("Member's concern about an officer").press("Continue")
    member.select("Who is it about?", "Liam Hargreaves")
    member.press("Continue")
    reference = _open_case(member, "The repairs officer has not replied about a leaking roof.")
    case = Case.objects.get(reference=reference)
    assert case.handler.key == "gemma-thorpe"

    head = open_tab()
    head.sign_in("lancaster-service-head")
    head.go(f"/cases/{reference}/")
    assert "Gemma Thorpe" in head.text()
    assert "who heads Environmental and Local Services" in head.text()
    _handler_resolves(
        head,
        "lancaster-service-head",
        reference,
        "Met the member and the officer; the repair is booked.",
        "structure-service-head",
    )
    assert Case.objects.get(reference=reference).state == CaseState.RESOLVED
    assert member.console_errors == head.console_errors == []


def test_a_director_acts_on_their_officers_concern_about_a_member(open_tab):
    """Maldon 4.2: the officer goes to *their* Director, who liaises with the member. The
    journey asks which service the matter concerns, starting from the officer's own."""
    officer = open_tab()
    officer.sign_in("maldon-officer")
    officer.go("/cases/new/")
    officer.choose("Officer's concern about a member").press("Continue")
    officer.select("Who is it about?", "Cllr Peter Hollis")
    officer.press("Continue")
    assert officer.heading() == "Which service does it concern?"
    selected = officer.main.locator("select option:checked").inner_text()
    assert selected == "Planning and Development"
    officer.shot("structure-officer-1-service-question")
    officer.press("Continue")
    reference = _open_case(officer, "A member keeps phoning me at home about a planning case.")
    case = Case.objects.get(reference=reference)
    assert case.handler.key == "owen-treharne"
    assert case.service.slug == "planning-and-development"

    director = open_tab()
    _handler_resolves(
        director,
        "maldon-director-service-delivery",
        reference,
        "Spoke to the member; calls go through the office from now on. The Leader is informed.",
        "structure-director",
    )
    assert Case.objects.get(reference=reference).state == CaseState.RESOLVED
    # Another Director, of another service, cannot open it.
    other = open_tab()
    other.sign_in("maldon-director")
    other.go(f"/cases/{reference}/", expect_status=404)

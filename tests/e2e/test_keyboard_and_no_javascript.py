"""Two ways of using the site that must never break: the keyboard alone, and no JavaScript."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseState

from . import journeys

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_councillor_raises_a_concern_with_the_keyboard_only(open_tab):
    tab = open_tab()
    reference = journeys.councillor_raises_a_concern_by_keyboard_only(tab)

    case = Case.objects.get(reference=reference)
    assert case.raised_by.user.username == "lancaster-councillor"
    assert "members' room" in case.summary
    assert tab.console_errors == []


def test_the_officer_and_mo_journey_works_without_javascript(open_tab):
    """Progressive enhancement: the wizard, the queue, an error summary, escalation and
    resolution all work as plain HTML forms and links."""
    officer = open_tab(javascript=False)
    reference = journeys.officer_raises_a_concern(officer, shots="nojs-officer")
    assert "js-enabled" not in officer.page.evaluate("() => document.body.className")

    mo = open_tab(javascript=False)
    journeys.mo_escalates_and_resolves_from_the_queue(mo, reference, shots="nojs-mo")

    case = Case.objects.get(reference=reference)
    assert case.state == CaseState.RESOLVED

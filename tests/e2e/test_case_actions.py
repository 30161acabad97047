"""Issue #22 in a real browser: Respond and Withdraw on a case, each with an empty submit first
(nothing happens, every error in the summary), then a valid one with its confirmation page; then
the page, the timeline, the clocks and the outbox. axe runs on every page."""

from __future__ import annotations

import pytest
from django.core import mail

from cases.models import Case, CaseEvent, CaseState, ClockKind, EventAction
from clocks.models import Deadline

from . import journeys

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clerk_responds_then_withdraws_with_confirmation(open_tab):
    tab = open_tab()
    reference = journeys.clerk_logs_an_emailed_dispute(tab, shots="22-clerk")
    case = Case.objects.get(reference=reference)
    detail = f"/cases/{reference}/"

    # Respond: empty first.
    tab.go(detail).press("Respond", exact=True)
    assert "will read it" in tab.text()
    tab.press("Respond")
    journeys.assert_error_summary(tab, "#id_text")
    assert Case.objects.get(pk=case.pk).responded_at is None
    tab.fill("Response", "Thank you: the Director will call you this week to talk it through.")
    tab.press("Respond")
    assert "Check your response before it is sent" in tab.heading()
    tab.shot("22-respond-confirm")
    outbox = len(mail.outbox)
    tab.press("Send the response")
    assert "Response recorded." in tab.text()
    assert Deadline.objects.get(case=case, kind=ClockKind.RESPONSE).met_at is not None
    assert "Responded" in tab.text()  # the timeline
    assert len(mail.outbox) >= outbox

    # Withdraw: empty first, then a reason, then the confirmation.
    tab.go(detail).press("Withdraw", exact=True)
    tab.press("Withdraw")
    journeys.assert_error_summary(tab, "#id_reason")
    assert Case.objects.get(pk=case.pk).is_open
    tab.fill("Why is it being withdrawn?", "The member and the officer have sorted it out.")
    tab.press("Withdraw")
    assert f"Are you sure you want to withdraw {reference}?" in tab.heading()
    assert Case.objects.get(pk=case.pk).is_open
    tab.shot("22-withdraw-confirm")
    tab.press("Yes, withdraw the case")
    assert "Case withdrawn. The case is closed: its clocks have stopped." in tab.text()
    current = Case.objects.get(pk=case.pk)
    assert current.state == CaseState.WITHDRAWN
    assert CaseEvent.objects.get(case=case, action=EventAction.WITHDRAWN).reason == (
        "The member and the officer have sorted it out."
    )
    assert not Deadline.objects.filter(
        case=case, met_at__isnull=True, cancelled_at__isnull=True
    ).exists()
    assert tab.console_errors == []

"""The dispute journeys in a real browser: a clerk logs one, a councillor files one, the MO
climbs the ladder from the queue. Every page reached passes axe at WCAG 2.2 AA."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseState, Channel
from clocks.models import Deadline

from . import journeys

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clerk_logs_an_emailed_dispute_and_sees_the_acknowledgement_clock(open_tab, mailoutbox):
    tab = open_tab()
    reference = journeys.clerk_logs_an_emailed_dispute(tab)

    case = Case.objects.get(reference=reference)
    assert case.council.slug == "maldon"
    assert case.channel == Channel.EMAIL
    assert case.summary.startswith("Cllr wrote three times")
    # Maldon 2.2: an emailed concern is acknowledged within 3 working days; the clerk sent it.
    acknowledgement = Deadline.objects.get(case=case, kind="acknowledgement")
    assert acknowledgement.met_at is not None
    sent = [m for m in mailoutbox if case.raised_by.email in m.to]
    assert any(reference in m.subject or reference in m.body for m in sent), sent
    assert tab.console_errors == []


def test_councillor_files_a_complaint_and_tracks_it(open_tab):
    tab = open_tab()
    reference = journeys.councillor_files_a_complaint(tab)

    case = Case.objects.get(reference=reference)
    assert case.raised_by.user.username == "lancaster-councillor"
    assert case.channel == Channel.WEB
    assert tab.console_errors == []


def test_mo_escalates_and_resolves_from_the_queue(open_tab):
    officer = open_tab()
    reference = journeys.officer_raises_a_concern(officer)
    assert Case.objects.get(reference=reference).state == CaseState.MONITORING_OFFICER

    mo = open_tab()
    journeys.mo_escalates_and_resolves_from_the_queue(mo, reference)

    case = Case.objects.get(reference=reference)
    assert case.state == CaseState.RESOLVED
    actions = list(case.events.order_by("at", "pk").values_list("action", flat=True))
    assert "escalated" in actions
    assert "resolved" in actions
    assert officer.console_errors == mo.console_errors == []

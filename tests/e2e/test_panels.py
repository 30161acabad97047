"""A committee panel in a real browser: two members of West Lavington's personnel committee act
on the clerk's grievance under their own logins (West Lavington 4.1-4.2: informal conciliation
by an appropriate third party; the small group of councillors, never the chairman alone)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case, CaseState, EventAction
from contacts.models import Council, Person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _grievance() -> Case:
    council = Council.objects.get(slug="west-lavington")
    return services.open_case(
        council=council,
        case_type="officer_concern_about_member",
        raised_by=Person.objects.get(council=council, key="susan-kimber"),
        about=Person.objects.get(council=council, key="cllr-david-hatherell"),
        channel="letter",
        received_at=timezone.now() - datetime.timedelta(hours=3),
        summary="The clerk's grievance about emails sent to her outside working hours.",
        actor=None,
    )


def test_two_panel_members_act_on_a_grievance_under_their_own_logins(open_tab):
    case = _grievance()
    reference = case.reference
    first = Person.objects.get(user__username="west-lavington-personnel-committee-member")
    second = Person.objects.get(user__username="west-lavington-personnel-committee")
    assert {first.pk, second.pk} <= set(case.panel_member_ids())

    member = open_tab()
    member.sign_in("west-lavington-personnel-committee-member")
    member.go("/cases/")
    with member.navigating():
        member.main.get_by_role("link", name=reference).click()
    text = member.text()
    assert "Handled by the panel:" in text
    assert first.name in text
    assert second.name in text
    member.shot("panel-1-case-page")

    # West Lavington 4.1: conciliation by an appropriate third party, outside the council.
    member.follow("Record the conciliator")
    member.fill("Who is conciliating?", "Cllr James Olding")
    member.press("Record the conciliator")
    assert "outside the council" in member.text()
    member.fill(
        "Who is conciliating?", "An independent person from the Society of Local Council Clerks"
    )
    member.press("Record the conciliator")
    assert "Conciliator recorded" in member.text()
    member.press("Acknowledge")
    member.press("Acknowledge")
    assert "Case acknowledged" in member.text()
    member.shot("panel-2-conciliator-and-acknowledged")

    # Another member of the same panel takes the next action under their own login.
    colleague = open_tab()
    colleague.sign_in("west-lavington-personnel-committee")
    colleague.go(f"/cases/{reference}/")
    colleague.press("Resolve")
    colleague.fill("Outcome", "Resolved through conciliation; the councillor will email in hours.")
    colleague.press("Resolve")
    assert "Case resolved" in colleague.text()
    colleague.shot("panel-3-resolved-by-another-member")

    case = Case.objects.get(reference=reference)
    assert case.state == CaseState.RESOLVED
    assert case.conciliator.startswith("An independent person")
    who = dict(
        case.events.filter(action__in=[EventAction.ACKNOWLEDGED, EventAction.RESOLVED]).values_list(
            "action", "actor__username"
        )
    )
    assert who == {
        EventAction.ACKNOWLEDGED: "west-lavington-personnel-committee-member",
        EventAction.RESOLVED: "west-lavington-personnel-committee",
    }
    assert member.console_errors == colleague.console_errors == []

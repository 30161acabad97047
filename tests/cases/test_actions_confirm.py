"""Issue #22: every case action does what it says. Withdraw needs a reason and a confirmation;
Respond says who reads it, meets the response clock, shows the text back and runs Maldon 1.2's
wording check wherever the variant asks; reopen restarts the clocks the route names; after
every action the page says what happens next."""

from __future__ import annotations

import html

import pytest
from django.core import mail
from django.urls import reverse

from cases import services
from cases.models import CaseEvent, CaseState, ClockKind, EventAction
from clocks.models import Deadline
from tests.cases.factories import open_test_case, reload

pytestmark = pytest.mark.django_db


def action(case, name):
    return reverse("cases:action", args=[case.reference, name])


def text(response) -> str:
    return html.unescape(response.content.decode())


def _open_clocks(case):
    return Deadline.objects.filter(case=case, met_at__isnull=True, cancelled_at__isnull=True)


def test_withdraw_empty_submit_withdraws_nothing_and_lists_the_error(world, as_user):
    case = open_test_case(world)
    client = as_user("clerk")
    outbox = len(mail.outbox)
    response = client.post(action(case, "withdraw"), {"expected_state": case.state})
    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter why the case is being withdrawn" in page
    assert reload(case).is_open
    assert not CaseEvent.objects.filter(case=case, action=EventAction.WITHDRAWN).exists()
    assert len(mail.outbox) == outbox


def test_withdraw_asks_for_confirmation_then_withdraws_and_says_what_next(world, as_user):
    case = open_test_case(world)
    client = as_user("clerk")
    data = {"expected_state": case.state, "reason": "The councillor has left the council."}
    confirm = client.post(action(case, "withdraw"), data)
    page = text(confirm)
    assert confirm.status_code == 200
    assert f"Are you sure you want to withdraw {case.reference}?" in page
    assert "<title>Check and confirm" in page
    assert "The councillor has left the council." in page
    assert reload(case).is_open  # nothing yet
    assert _open_clocks(case).exists()

    done = client.post(action(case, "withdraw"), {**data, "confirmed": "yes"}, follow=True)
    page = text(done)
    assert reload(case).state == CaseState.WITHDRAWN
    event = CaseEvent.objects.get(case=case, action=EventAction.WITHDRAWN)
    assert event.reason == "The councillor has left the council."
    assert not _open_clocks(case).exists()
    assert "Case withdrawn. The case is closed: its clocks have stopped." in page


def test_respond_page_names_the_readers_and_the_response_clock(world, as_user):
    case = open_test_case(world)
    due = _open_clocks(case).get(kind=ClockKind.RESPONSE).due_at
    client = as_user("clerk")
    page = text(client.get(action(case, "respond")))
    assert f"{case.raised_by.name} and {case.about.name} will read it" in page
    assert "It meets the response clock, due by" in page

    empty = client.post(action(case, "respond"), {"expected_state": case.state})
    assert "Enter the response" in text(empty)
    assert reload(case).responded_at is None

    data = {"expected_state": case.state, "text": "We met and agreed a way forward."}
    confirm = text(client.post(action(case, "respond"), data))
    assert "Check your response before it is sent" in confirm
    assert "We met and agreed a way forward." in confirm
    assert "Met by this response" in confirm
    assert reload(case).responded_at is None

    done = client.post(action(case, "respond"), {**data, "confirmed": "yes"}, follow=True)
    assert reload(case).responded_at is not None
    response_clock = Deadline.objects.get(case=case, kind=ClockKind.RESPONSE)
    assert response_clock.met_at is not None
    assert response_clock.due_at == due
    assert "Response recorded." in text(done)


def test_wording_check_runs_on_responses_at_a_formal_rung_where_the_variant_asks(world, as_user):
    """Maldon 1.2: "great care should be taken to use constructive language and avoid
    terminology such as 'investigation' or 'accusation'" — on the response too, not only
    notes at the informal rung."""
    case = open_test_case(world)
    variant = case.variant
    variant.informal_wording_check = True
    variant.save()
    case = reload(case)
    assert case.state != CaseState.INFORMAL
    client = as_user("clerk")
    data = {"expected_state": case.state, "text": "Our investigation found the accusation true."}
    page = text(client.post(action(case, "respond"), data))
    assert "investigation" in page
    assert "try 'conversation'" in page
    assert "Keep this wording anyway" in page
    assert reload(case).responded_at is None
    kept = text(client.post(action(case, "respond"), {**data, "confirm_wording": "on"}))
    assert "Check your response before it is sent" in kept
    client.post(action(case, "respond"), {**data, "confirm_wording": "on", "confirmed": "yes"})
    assert reload(case).responded_at is not None


def test_no_wording_check_where_the_variant_does_not_ask(world, as_user):
    case = open_test_case(world)
    client = as_user("clerk")
    data = {"expected_state": case.state, "text": "Our investigation is complete."}
    page = text(client.post(action(case, "respond"), data))
    assert "Check your response before it is sent" in page


def test_reopen_restarts_the_clocks_closing_stopped_and_says_which_do_not(world, as_user):
    """Reopen used to leave every clock stopped while the page promised they restart."""
    case = open_test_case(world, channel="email")
    services.acknowledge_case(case=case, actor=world.user("clerk"))
    services.resolve_case(case=reload(case), actor=None, outcome="Done")
    case = reload(case)
    assert not _open_clocks(case).exists()
    client = as_user("clerk")
    page = text(client.get(action(case, "reopen")))
    assert "These clocks start again, in full, from today" in page
    assert "Response" in page
    assert "These clocks do not start again" in page
    assert "it was met on" in page

    done = client.post(
        action(case, "reopen"),
        {"expected_state": case.state, "reason": "New facts"},
        follow=True,
    )
    assert [d.kind for d in _open_clocks(case)] == [ClockKind.RESPONSE]
    event = CaseEvent.objects.get(case=case, action=EventAction.REOPENED)
    assert event.data["clocks_restarted"] == [ClockKind.RESPONSE]
    assert event.data["clocks_not_restarted"] == [ClockKind.ACKNOWLEDGEMENT]
    page = text(done)
    assert "the response is due by" in page
    assert "handles it now at" in page


def test_acknowledge_leads_to_the_drafted_email_when_there_is_one(world, as_user):
    """One way to acknowledge: with a drafted acknowledgement email (Maldon 2.2, an emailed
    concern), "Acknowledge" is reviewing and sending it; the two pages have different titles."""
    from clocks.models import AcknowledgementDraft

    case = open_test_case(world, channel="email")
    draft = AcknowledgementDraft.objects.create(
        case=case, to_email="member@example.com", subject="Received", body="Thank you."
    )
    client = as_user("clerk")
    response = client.get(action(case, "acknowledge"))
    assert response.status_code == 302
    assert response["Location"] == reverse("clocks:acknowledgement", args=[draft.pk])
    page = text(client.get(response["Location"]))
    assert "<title>Review and send the acknowledgement email" in page


def test_acknowledge_without_an_email_says_nothing_is_sent_and_why(world, as_user):
    case = open_test_case(world, channel="phone")
    client = as_user("clerk")
    page = text(client.get(action(case, "acknowledge")))
    assert f"<title>Record that {case.reference} is acknowledged" in page
    assert "No email is sent from here" in page
    assert "it came by phone" in page
    outbox = len(mail.outbox)
    client.post(action(case, "acknowledge"), {"expected_state": case.state})
    assert reload(case).acknowledged_at is not None
    assert len(mail.outbox) == outbox


def test_acknowledgement_email_runs_the_wording_check_where_the_variant_asks(world, as_user):
    """Maldon 1.2 on the acknowledgement email too."""
    from clocks.models import AcknowledgementDraft

    case = open_test_case(world, channel="email")
    case.variant.informal_wording_check = True
    case.variant.save()
    draft = AcknowledgementDraft.objects.create(
        case=case, to_email="member@example.com", subject="Received", body="x"
    )
    client = as_user("clerk")
    url = reverse("clocks:acknowledgement", args=[draft.pk])
    data = {"subject": "Received", "body": "We will start an investigation."}
    page = text(client.post(url, data))
    assert "try 'conversation'" in page
    assert "Send it with this wording anyway" in page
    assert reload(case).acknowledged_at is None
    response = client.post(url, {**data, "confirm_wording": "on"})
    assert response.status_code == 302
    assert reload(case).acknowledged_at is not None


def test_summary_has_a_sensible_minimum():
    from cases.forms import SummaryForm

    assert not SummaryForm({"summary": "help"}).is_valid()
    assert "at least 15 characters" in SummaryForm({"summary": "help"}).errors["summary"][0]
    assert SummaryForm({"summary": "No reply to three emails."}).is_valid()


def test_raiser_corrects_their_summary_until_acknowledged_and_it_is_audited(world, as_user):
    case = open_test_case(world, raised_by="councillor", channel="phone")
    url = reverse("cases:correct_summary", args=[case.reference])
    client = as_user("councillor")
    page = text(client.get(reverse("cases:detail", args=[case.reference])))
    assert url in page
    empty = client.post(url, {"summary": "   "})
    assert empty.status_code == 400
    assert "Enter a summary of the case" in text(empty)
    before = reload(case).summary
    client.post(url, {"summary": "The officer did not reply to my three emails in May."})
    case = reload(case)
    assert case.summary == "The officer did not reply to my three emails in May."
    event = CaseEvent.objects.get(case=case, action=EventAction.SUMMARY_CORRECTED)
    assert event.data == {"before": before, "after": case.summary}
    assert event.actor == world.user("councillor")

    # Somebody else may not; nor may the raiser once the case is acknowledged.
    assert as_user("officer").post(url, {"summary": "Changed by someone else."}).status_code == 403
    services.acknowledge_case(case=case, actor=world.user("clerk"))
    client = as_user("councillor")
    assert url not in text(client.get(reverse("cases:detail", args=[case.reference])))
    assert client.post(url, {"summary": "Too late to change this."}).status_code == 403
    assert reload(case).summary == "The officer did not reply to my three emails in May."

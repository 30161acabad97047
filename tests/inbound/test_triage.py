"""The clerk's triage queue: who sees which email, opening a case from one, rejecting one."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.urls import reverse

from cases.models import Attachment, Case, ClockKind
from clocks.models import Deadline
from inbound.models import InboundEmail, InboundStatus
from inbound.services import ingest_email
from tests.cases.factories import build_world
from tests.factories import UserFactory
from tests.inbound.factories import email_world, sample

pytestmark = pytest.mark.django_db

QUEUE = reverse("inbound:triage")


def detail(email: InboundEmail) -> str:
    return reverse("inbound:triage_detail", args=[email.pk])


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def world():
    return email_world()


@pytest.fixture
def waiting(world) -> InboundEmail:
    return ingest_email(raw=sample("unknown_sender.eml")).email


@pytest.mark.parametrize("who", ["clerk", "mo"])
def test_the_council_clerk_and_mo_see_the_waiting_email(client, world, waiting, who):
    client.force_login(world.user(who))
    page = text(client.get(QUEUE))
    assert "1 waiting" in page
    assert "Complaint about the planning officer" in page
    assert "Unknown sender: resident@mailbox.example" in page
    assert client.get(detail(waiting)).status_code == 200


@pytest.mark.parametrize("who", ["councillor", "officer", "service_head"])
def test_people_who_do_not_administer_the_council_get_404(client, world, waiting, who):
    client.force_login(world.user(who))
    assert client.get(QUEUE).status_code == 404
    assert client.get(detail(waiting)).status_code == 404


def test_another_councils_clerk_does_not_see_it(client, world, waiting):
    other = build_world(slug="otherton", prefix="OTH")
    client.force_login(other.user("clerk"))
    assert "No emails are waiting" in text(client.get(QUEUE))
    assert client.get(detail(waiting)).status_code == 404


def test_an_email_placed_with_no_council_waits_for_the_service_administrator(client, world):
    raw = sample("unknown_sender.eml").replace(
        b"testshire@inbound.protocol.example", b"help@protocol.example"
    )
    email = ingest_email(raw=raw).email
    assert email.council is None
    client.force_login(world.user("clerk"))
    assert client.get(detail(email)).status_code == 404
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = text(client.get(QUEUE))
    assert "Not known" in page


def test_the_clerk_opens_a_case_from_the_email(client, world, waiting):
    client.force_login(world.user("clerk"))
    page = text(client.get(detail(waiting)))
    assert "The planning officer was rude to me on the phone." in page
    response = client.post(
        detail(waiting),
        {
            "action": "open",
            "case_type": "member_concern_about_officer",
            "raised_by": world["councillor"].pk,
            "about": world["officer"].pk,
            "summary": "The planning officer was rude on the phone (reported by email).",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.reference])
    assert case.channel == "email"
    sent = datetime.datetime(2026, 3, 6, 11, 0, tzinfo=datetime.UTC)
    assert case.received_at == sent
    assert case.opened_by == world.user("clerk")
    assert Deadline.objects.get(case=case, kind=ClockKind.ACKNOWLEDGEMENT).starts_at == sent
    waiting.refresh_from_db()
    assert waiting.status == InboundStatus.TRIAGED
    assert waiting.case == case
    assert waiting.decided_by == world.user("clerk")
    # Dealt with: no longer in the queue, and a second submission opens nothing.
    assert "No emails are waiting" in text(client.get(QUEUE))
    again = client.post(
        detail(waiting),
        {
            "action": "open",
            "case_type": "member_concern_about_officer",
            "raised_by": world["councillor"].pk,
            "about": world["officer"].pk,
            "summary": "Again.",
        },
    )
    assert again.status_code == 302
    assert Case.objects.count() == 1


def test_attachments_follow_a_triaged_email_into_the_case(client, world):
    raw = sample("with_attachment.eml").replace(
        b"jo.jones@testshire.gov.uk", b"someone@mailbox.example"
    )
    email = ingest_email(raw=raw).email
    assert email.status == InboundStatus.NEW
    client.force_login(world.user("clerk"))
    client.post(
        detail(email),
        {
            "action": "open",
            "case_type": "member_concern_about_officer",
            "raised_by": world["councillor"].pk,
            "about": world["officer"].pk,
            "summary": "Minutes not circulated.",
        },
    )
    case = Case.objects.get()
    assert [a.original_name for a in Attachment.objects.filter(note__case=case)] == ["minutes.pdf"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"raised_by": ""}, "Select who raised it"),
        ({"summary": ""}, "Enter a summary of the case"),
        # A councillor cannot be the subject of a member's concern about an officer.
        ({"about": "councillor2"}, "is about a officer"),
    ],
)
def test_a_triage_form_with_mistakes_is_explained(client, world, waiting, change, message):
    client.force_login(world.user("clerk"))
    data = {
        "action": "open",
        "case_type": "member_concern_about_officer",
        "raised_by": world["councillor"].pk,
        "about": world["officer"].pk,
        "summary": "Rude on the phone.",
    }
    for key, value in change.items():
        data[key] = world[value].pk if value in world.people else value
    response = client.post(detail(waiting), data)
    assert response.status_code == 200
    assert "There is a problem" in text(response)
    assert message in text(response)
    assert Case.objects.count() == 0
    waiting.refresh_from_db()
    assert waiting.status == InboundStatus.NEW


def test_the_clerk_rejects_an_email_with_a_reason(client, world, waiting):
    client.force_login(world.user("clerk"))
    missing = client.post(detail(waiting), {"action": "reject", "reject-reason": ""})
    assert "Enter why the email is rejected" in text(missing)
    response = client.post(detail(waiting), {"action": "reject", "reject-reason": "Spam."})
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == InboundStatus.REJECTED
    assert waiting.rejection_reason == "Spam."
    assert "Rejected" in text(client.get(QUEUE))


def test_triage_names_the_service_a_case_belongs_to(client, world, waiting):
    """Issue #20: in email triage too, the clerk can say which service the matter concerns;
    its head handles a Director / Service Head rung ("the relevant Service Head", Lancaster
    13.1), not the head of the officer's own service."""
    client.force_login(world.user("clerk"))
    page = text(client.get(detail(waiting)))
    assert "Which service does it concern? (optional)" in page
    response = client.post(
        detail(waiting),
        {
            "action": "open",
            "case_type": "member_concern_about_officer",
            "raised_by": world["councillor"].pk,
            "about": world["officer"].pk,
            "service": world.services["regulatory"].pk,
            "summary": "About a licence.",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.service == world.services["regulatory"]
    assert case.handler == world["service_head"]

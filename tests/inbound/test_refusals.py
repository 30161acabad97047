"""Every refusal of the inbound-email services (issue #26): the message a person reads, and
nothing written, queued or emailed (the `refuses` fixture, tests/refusals.py)."""

from __future__ import annotations

import datetime
import email.utils

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import CaseType
from inbound import services
from inbound.models import InboundEmail, InboundStatus
from inbound.parsing import MalformedEmail
from protocol_site.errors import ActionNotAllowed, PermissionRefused
from tests.cases.factories import build_world
from tests.inbound.factories import email_world, sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return email_world()


@pytest.fixture
def waiting(world) -> InboundEmail:
    return services.ingest_email(raw=sample("unknown_sender.eml")).email


def _triage(world, waiting, **kwargs):
    values = {
        "email": waiting,
        "actor": world.user("clerk"),
        "case_type": CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        "raised_by": world["councillor"],
        "about": world["officer"],
        "summary": "Complaint about the planning officer.",
    }
    values.update(kwargs)
    return values


def test_an_email_dated_in_the_future_is_refused(refuses):
    future = timezone.now() + datetime.timedelta(days=2)
    raw = sample("unknown_sender.eml")
    header = next(line for line in raw.split(b"\n") if line.startswith(b"Date:"))
    raw = raw.replace(header, b"Date: " + email.utils.format_datetime(future).encode())
    refuses(
        MalformedEmail,
        "is in the future: the acknowledgement clock cannot start before the email was sent.",
        services.ingest_email,
        raw=raw,
    )


@pytest.mark.parametrize("who", ["councillor", "officer", "service_head", "other-clerk"])
def test_someone_who_does_not_triage_the_councils_mail(world, refuses, waiting, who):
    actor = (
        build_world("otherton", "OTH").user("clerk") if who == "other-clerk" else world.user(who)
    )
    refuses(
        PermissionRefused,
        "You cannot act on this email.",
        services.triage_to_case,
        **_triage(world, waiting, actor=actor),
    )
    refuses(
        PermissionRefused,
        "You cannot act on this email.",
        services.reject_email,
        email=waiting,
        actor=actor,
        reason="Spam.",
    )


def test_an_email_already_triaged_is_not_triaged_again(world, refuses, waiting):
    services.triage_to_case(**_triage(world, waiting))
    refuses(
        ActionNotAllowed,
        "This email has already been dealt with (turned into a case).",
        services.triage_to_case,
        **_triage(world, waiting, actor=world.user("mo"), about=world["officer2"]),
    )
    refuses(
        ActionNotAllowed,
        "This email has already been dealt with (turned into a case).",
        services.reject_email,
        email=waiting,
        actor=world.user("mo"),
        reason="Spam.",
    )


def test_a_rejected_email_is_not_opened_as_a_case(world, refuses, waiting):
    services.reject_email(email=waiting, actor=world.user("clerk"), reason="Spam.")
    refuses(
        ActionNotAllowed,
        "This email has already been dealt with (rejected).",
        services.triage_to_case,
        **_triage(world, waiting),
    )


def test_the_raiser_is_of_the_emails_council(world, refuses, waiting):
    other = build_world("otherton", "OTH")
    refuses(
        ValidationError,
        f"Choose someone of {world.council.name}.",
        services.triage_to_case,
        field="raised_by",
        **_triage(world, waiting, raised_by=other["councillor"], about=other["officer"]),
    )


def test_the_case_engines_refusal_comes_through_and_the_email_still_waits(world, refuses, waiting):
    refuses(
        ValidationError,
        "A case cannot be about the person who raised it.",
        services.triage_to_case,
        field="about",
        **_triage(world, waiting, about=world["councillor"]),
    )
    assert InboundEmail.objects.get(pk=waiting.pk).status == InboundStatus.NEW


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rejection_needs_a_reason(world, refuses, waiting, reason):
    refuses(
        ValidationError,
        "Say why the email is rejected.",
        services.reject_email,
        field="reason",
        email=waiting,
        actor=world.user("clerk"),
        reason=reason,
    )


# -- mail the service will not act on by itself: it waits for a person, saying why ---------------
def test_an_email_from_an_officer_waits_for_triage(world):
    """The email route opens a member's concern; an officer's email is for a person to read."""
    world["officer2"].email = "housing@testshire.gov.uk"
    world["officer2"].save(update_fields=["email"])
    raw = sample("plain.eml").replace(b"JO.JONES@Testshire.gov.uk", b"housing@testshire.gov.uk")
    email = services.ingest_email(raw=raw).email
    assert email.status == InboundStatus.NEW
    assert email.sender == world["officer2"]
    assert email.triage_reason == (
        f"{world['officer2'].name} is an officer: choose the case type and the councillor it is "
        "about."
    )
    assert not email.case_id


def test_an_email_addressed_to_two_officers_waits_for_triage(world):
    world["officer2"].name = "Harry Housing"
    world["officer2"].email = "harry.housing@testshire.gov.uk"
    world["officer2"].save(update_fields=["name", "email"])
    raw = sample("plain.eml").replace(
        b"To: Pat Planner <pat.planner@testshire.gov.uk>",
        b"To: Pat Planner <pat.planner@testshire.gov.uk>, "
        b"Harry Housing <harry.housing@testshire.gov.uk>",
    )
    email = services.ingest_email(raw=raw).email
    assert email.status == InboundStatus.NEW
    assert (
        email.triage_reason
        == "The email names or is addressed to several officers: Harry Housing, Pat Planner."
    )


def test_a_reply_about_a_case_from_an_unknown_sender_waits_for_triage(world):
    from tests.cases.factories import open_test_case

    case = open_test_case(world)
    raw = (
        sample("reply_with_reference.eml")
        .replace(b"TST-2026-0001", case.reference.encode())
        .replace(b"jo.jones@testshire.gov.uk", b"someone@mailbox.example")
    )
    email = services.ingest_email(raw=raw).email
    assert email.status == InboundStatus.NEW
    assert email.triage_reason.startswith(f"A reply about {case.reference} from an unknown sender")
    assert email.case == case
    assert email.note_id is None


def test_a_reply_the_case_engine_refuses_waits_for_triage(world):
    """A party may add a shared note to their case; should the case engine refuse the note, the
    email waits for triage with the engine's words rather than being lost."""
    from unittest import mock

    from django.core.exceptions import ValidationError as DjangoValidationError

    from tests.cases.factories import open_test_case

    case = open_test_case(world)
    raw = sample("reply_with_reference.eml").replace(b"TST-2026-0001", case.reference.encode())
    refusal = DjangoValidationError({"files": "evil.exe is not an allowed file"})
    with mock.patch.object(services, "add_note", side_effect=refusal):
        email = services.ingest_email(raw=raw).email
    assert email.status == InboundStatus.NEW
    assert email.triage_reason == (
        f"The reply could not be added to {case.reference}: evil.exe is not an allowed file"
    )
    with mock.patch.object(services, "add_note", side_effect=PermissionRefused("no")):
        again = services.ingest_email(
            raw=raw.replace(b"Message-ID: <", b"Message-ID: <second.")
        ).email
    assert again.triage_reason == (
        f"Cllr Jo Jones wrote about {case.reference} but may not add notes to it."
    )

"""Real .eml samples through `ingest_email` and `manage.py ingest_email`."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command

from cases.models import Attachment, Case, CaseEvent, ClockKind, EventAction, Note
from clocks.models import Deadline
from inbound.models import InboundEmail, InboundOutcome, InboundStatus
from inbound.parsing import MalformedEmail, parse_message
from inbound.services import ingest_email
from tests.cases.factories import open_test_case
from tests.factories import CouncilFactory, CouncillorFactory
from tests.inbound.factories import SAMPLES, email_world, sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return email_world()


def test_a_plain_email_from_a_councillor_opens_a_case(world):
    result = ingest_email(raw=sample("plain.eml"))
    email = result.email
    assert not result.duplicate
    assert email.outcome == InboundOutcome.CASE_OPENED
    assert email.status == InboundStatus.PROCESSED
    case = email.case
    # The sender matched case-insensitively (JO.JONES@Testshire… v Jo.Jones@testshire…).
    assert case.raised_by == world["councillor"]
    assert case.about == world["officer"]
    assert case.council == world.council
    assert case.case_type == "member_concern_about_officer"
    assert case.channel == "email"
    sent = datetime.datetime(2026, 3, 2, 9, 15, tzinfo=datetime.UTC)
    assert case.received_at == sent
    assert "I have asked twice for the officer reports" in case.summary
    assert case.summary.startswith("Reports for the Riverside application")
    # Maldon 2.2: the three-working-day acknowledgement clock starts at the Date header.
    ack = Deadline.objects.get(case=case, kind=ClockKind.ACKNOWLEDGEMENT)
    assert ack.starts_at == sent
    assert ack.due_at.astimezone(datetime.UTC).date() == datetime.date(2026, 3, 5)
    assert CaseEvent.objects.filter(case=case, action=EventAction.OPENED).count() == 1
    assert email.raw_bytes == sample("plain.eml")
    assert email.message_id == "<20260302091500.plain.4711@testshire.gov.uk>"


def test_an_html_only_email_is_converted_to_text(world):
    email = ingest_email(raw=sample("html_only.eml")).email
    assert email.outcome == InboundOutcome.CASE_OPENED
    assert email.body_was_html
    summary = email.case.summary
    assert "three emails to Pat Planner about the parking survey & have had no reply." in summary
    assert "- 2 February" in summary
    assert "the survey page (https://testshire.example/survey)" in summary
    for leftover in ("<p>", "alert(", "color: red", "ignored"):
        assert leftover not in summary
    # Named in the body, not addressed: To was the council's inbound address.
    assert email.case.about == world["officer"]
    assert email.council == world.council


def test_attachments_are_kept_on_a_shared_note(world):
    email = ingest_email(raw=sample("with_attachment.eml")).email
    assert email.outcome == InboundOutcome.CASE_OPENED
    note = email.note
    assert note.case == email.case
    assert note.visibility == "shared"
    assert note.author == world.user("councillor")
    kept = list(Attachment.objects.filter(note=note))
    assert [(a.original_name, a.content_type) for a in kept] == [("minutes.pdf", "application/pdf")]
    assert kept[0].file.read().startswith(b"%PDF-1.4")
    # The executable is not attached; the note says so and the raw message still holds it.
    assert "run.exe is not an allowed file" in note.body
    assert [a["name"] for a in email.attachments] == ["minutes.pdf", "run.exe"]


def test_a_reply_carrying_a_case_reference_becomes_a_note_on_that_case(world):
    case = open_test_case(world)
    raw = sample("reply_with_reference.eml").replace(b"TST-2026-0001", case.reference.encode())
    email = ingest_email(raw=raw).email
    assert email.outcome == InboundOutcome.NOTE_ADDED
    assert email.case == case
    assert Case.objects.count() == 1
    note = Note.objects.get(case=case)
    assert note.visibility == "shared"
    assert note.author == world.user("councillor")
    assert "the appendix is missing" in note.body
    assert "Subject: RE: " in note.body
    assert CaseEvent.objects.filter(case=case, action=EventAction.NOTE_ADDED).count() == 1


def test_a_reply_naming_an_unknown_reference_goes_to_triage(world):
    raw = sample("reply_with_reference.eml").replace(b"TST-2026-0001", b"TST-2026-9999")
    email = ingest_email(raw=raw).email
    assert email.status == InboundStatus.NEW
    assert "TST-2026-9999, which is not a case" in email.triage_reason
    assert Note.objects.count() == 0


def test_a_reply_from_someone_not_on_the_case_goes_to_triage(world):
    case = open_test_case(world)
    stranger = CouncillorFactory(council=world.council, email="other@testshire.gov.uk")
    raw = (
        sample("reply_with_reference.eml")
        .replace(b"TST-2026-0001", case.reference.encode())
        .replace(b"jo.jones@testshire.gov.uk", stranger.email.encode())
    )
    email = ingest_email(raw=raw).email
    assert email.status == InboundStatus.NEW
    assert "is not a party to it" in email.triage_reason
    assert Note.objects.count() == 0


def test_an_unknown_sender_goes_to_the_triage_queue_of_the_addressed_council(world):
    email = ingest_email(raw=sample("unknown_sender.eml")).email
    assert email.status == InboundStatus.NEW
    assert email.outcome == InboundOutcome.TRIAGE
    assert email.council == world.council  # from testshire@inbound…
    assert email.sender is None
    assert "resident@mailbox.example is not the address of anyone" in email.triage_reason
    assert Case.objects.count() == 0


def test_an_email_naming_no_officer_goes_to_triage(world):
    email = ingest_email(raw=sample("no_officer_named.eml")).email
    assert email.status == InboundStatus.NEW
    assert email.sender == world["councillor"]
    assert "does not name, or go to, an officer" in email.triage_reason
    assert Case.objects.count() == 0


def test_a_sender_at_two_councils_is_placed_by_the_address_it_was_sent_to(world):
    elsewhere = CouncilFactory(slug="elsewhere")
    CouncillorFactory(council=elsewhere, email="jo.jones@testshire.gov.uk")
    # Sent to an address that belongs to no council: the sender is ambiguous.
    raw = sample("html_only.eml").replace(
        b"testshire@inbound.protocol.example", b"help@protocol.example"
    )
    email = ingest_email(raw=raw).email
    assert email.status == InboundStatus.NEW
    assert email.council is None
    assert "belongs to more than one person" in email.triage_reason
    # plain.eml goes to Pat Planner, who works for Testshire: that settles it.
    email = ingest_email(raw=sample("plain.eml")).email
    assert email.outcome == InboundOutcome.CASE_OPENED
    assert email.case.raised_by == world["councillor"]


def test_the_council_address_mapping_setting(world, settings):
    settings.INBOUND_EMAIL_ADDRESSES = {"Concerns@Protocol.example": "testshire"}
    raw = sample("unknown_sender.eml").replace(
        b"testshire@inbound.protocol.example", b"concerns@protocol.example"
    )
    assert ingest_email(raw=raw).email.council == world.council


def test_a_council_without_a_route_for_the_type_sends_the_email_to_triage(world, settings):
    settings.INBOUND_EMAIL_CASE_TYPE = "officer_complaint_about_member"
    email = ingest_email(raw=sample("plain.eml")).email
    assert email.status == InboundStatus.NEW
    assert email.triage_reason.startswith("A case could not be opened:")
    assert Case.objects.count() == 0


def test_the_same_message_twice_opens_one_case(world):
    first = ingest_email(raw=sample("plain.eml"))
    second = ingest_email(raw=sample("plain.eml"))
    assert second.duplicate
    assert second.outcome == "duplicate"
    assert second.email.pk == first.email.pk
    assert Case.objects.count() == 1
    assert InboundEmail.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("malformed_no_from.eml", "no From address"),
        ("malformed_no_date.eml", "no Date header"),
        ("malformed_bad_date.eml", "is not a date"),
        ("malformed_not_an_email.eml", "no email headers"),
    ],
)
def test_malformed_mail_is_rejected_and_nothing_is_saved(world, name, reason):
    with pytest.raises(MalformedEmail, match=reason):
        ingest_email(raw=sample(name))
    assert InboundEmail.objects.count() == 0
    assert Case.objects.count() == 0


def test_an_email_dated_in_the_future_is_rejected(world):
    raw = sample("plain.eml").replace(b"Mon, 02 Mar 2026", b"Mon, 02 Mar 2099")
    with pytest.raises(MalformedEmail, match="in the future"):
        ingest_email(raw=raw)
    assert InboundEmail.objects.count() == 0


def test_a_failure_after_saving_rolls_everything_back(world, monkeypatch):
    """Atomic: an error while attaching leaves no case, no email record."""
    import inbound.services as services

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "add_note", boom)
    with pytest.raises(RuntimeError):
        ingest_email(raw=sample("with_attachment.eml"))
    assert Case.objects.count() == 0
    assert InboundEmail.objects.count() == 0


def test_a_message_without_a_message_id_is_identified_by_its_bytes(world):
    raw = sample("plain.eml").replace(
        b"Message-ID: <20260302091500.plain.4711@testshire.gov.uk>\n", b""
    )
    assert parse_message(raw).message_id.startswith("<sha256-")
    ingest_email(raw=raw)
    assert ingest_email(raw=raw).duplicate
    assert Case.objects.count() == 1


# == the command =================================================================================
def test_the_command_reads_each_file_and_says_what_happened(world, capsys):
    call_command("ingest_email", str(SAMPLES / "plain.eml"), str(SAMPLES / "unknown_sender.eml"))
    out = capsys.readouterr().out
    case = Case.objects.get()
    assert f"plain.eml: opened a case {case.reference}" in out
    assert "unknown_sender.eml: sent to triage: Unknown sender" in out
    call_command("ingest_email", str(SAMPLES / "plain.eml"))
    assert "already received" in capsys.readouterr().out


def test_the_command_reports_malformed_mail_and_fails(world, capsys):
    with pytest.raises(CommandError, match="1 message"):
        call_command(
            "ingest_email",
            str(SAMPLES / "malformed_no_date.eml"),
            str(SAMPLES / "html_only.eml"),
        )
    assert "malformed_no_date.eml: rejected: The email has no Date header" in (
        capsys.readouterr().err
    )
    # The good file in the same run was still read.
    assert Case.objects.count() == 1


def test_the_command_names_a_missing_file(world):
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("ingest_email", str(SAMPLES / "nope.eml"))


# == telling the clerks ==========================================================================
def test_the_clerks_are_told_once_that_an_email_waits(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    from inbound.services import notify_clerks

    with django_capture_on_commit_callbacks(execute=True):
        email = ingest_email(raw=sample("unknown_sender.eml")).email
    assert [m.to for m in mailoutbox] == [[world["clerk"].email]]
    message = mailoutbox[0]
    assert message.subject == "An email for Testshire District Council is waiting for triage"
    assert f"/inbound/triage/{email.pk}/" in message.body
    # Nothing of the email itself: it may be a complaint about a colleague.
    assert "resident@mailbox.example" not in message.body
    assert "rude" not in message.body
    assert notify_clerks(email_id=email.pk) == 0  # a retried task sends nothing
    assert len(mailoutbox) == 1


def test_no_one_is_told_about_an_email_that_opened_a_case(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ingest_email(raw=sample("plain.eml"))
    assert not any("triage" in m.subject for m in mailoutbox)

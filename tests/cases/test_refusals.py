"""Every refusal of the case services (issue #26): the message a person reads, and nothing
written, queued or emailed (`tests.refusals.refuses`).

A party is a party first (cases.permissions; West Lavington 4.1: a clerk may raise a grievance;
Maldon 6.2's spirit: nobody judges their own dispute): a clerk or a Monitoring Officer who is a
party to a case is refused what they could do on anyone else's.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import services
from cases.models import (
    Case,
    CaseEvent,
    CaseType,
    EventAction,
    NoteVisibility,
    ProtocolVariant,
    VariantStatus,
)
from protocol_site.errors import ActionNotAllowed, PermissionRefused, StaleObject
from tests.factories import CouncillorFactory, OfficerFactory, VariantFactory

from .factories import open_test_case, relate

pytestmark = pytest.mark.django_db

RECEIVED = timezone.now() - datetime.timedelta(hours=2)


def _open(world, **overrides):
    kwargs = {
        "council": world.council,
        "case_type": CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        "raised_by": world["councillor"],
        "about": world["officer"],
        "channel": "email",
        "received_at": RECEIVED,
        "summary": "The officer did not reply.",
        "actor": world.user("clerk"),
    }
    kwargs.update(overrides)
    return kwargs


def _closed(world, **kwargs):
    case = open_test_case(world, **kwargs)
    return services.resolve_case(case=case, actor=None, outcome="Settled.")


# -- open_case ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"case_type": "gossip"}, "case_type", "gossip is not a case type."),
        ({"channel": "pigeon"}, "channel", "pigeon is not a channel."),
        (
            {"received_at": datetime.datetime(2026, 3, 2, 10, 0)},  # noqa: DTZ001 - the point
            "received_at",
            "Give the date and time with a time zone offset.",
        ),
        (
            {"received_at": timezone.now() + datetime.timedelta(hours=1)},
            "received_at",
            "The case cannot have been received in the future.",
        ),
        ({"summary": "  \n "}, "summary", "Say what the case is about."),
    ],
    ids=["case-type", "channel", "naive", "future", "blank-summary"],
)
def test_open_case_refuses_bad_answers(world, refuses, overrides, field, message):
    refuses(ValidationError, message, services.open_case, field=field, **_open(world, **overrides))


def test_open_case_a_little_ahead_of_the_server_clock_is_accepted(world):
    """Five minutes' grace for a caller whose clock runs a little fast; more is the future."""
    ahead = timezone.now() + datetime.timedelta(minutes=4)
    case = services.open_case(**_open(world, received_at=ahead))
    assert case.received_at == ahead


@pytest.mark.parametrize("actor", ["officer2", "councillor2", "director"])
def test_open_case_in_someone_elses_name_is_refused(world, refuses, actor):
    refuses(
        PermissionRefused,
        "You can raise a case only in your own name, or log one as a clerk or the Monitoring "
        f"Officer of {world.council.name}.",
        services.open_case,
        **_open(world, actor=world.user(actor)),
    )


def test_open_case_without_a_published_route(world, refuses):
    ProtocolVariant.objects.filter(
        council=world.council, case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER
    ).update(status=VariantStatus.DRAFT)
    refuses(
        ValidationError,
        f"{world.council.name} has no protocol route for member_concern_about_officer.",
        services.open_case,
        field="case_type",
        **_open(world),
    )


def test_open_case_on_a_route_with_no_steps(world, refuses):
    ProtocolVariant.objects.filter(
        council=world.council, case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER
    ).update(status=VariantStatus.RETIRED)
    empty = VariantFactory(
        council=world.council, case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER, version=9
    )
    refuses(
        ValidationError,
        f"{empty} has no steps: publish a complete route.",
        services.open_case,
        field="case_type",
        **_open(world),
    )


@pytest.mark.parametrize(
    ("raised_by", "about", "field", "message"),
    [
        ("other_councillor", "officer", "raised_by", "Choose a member or officer of"),
        ("officer2", "officer", "raised_by", "is raised by a councillor."),
        ("councillor", "other_officer", "about", "Choose a member or officer of"),
        ("councillor", "councillor2", "about", "is about a officer."),
        ("councillor", "councillor", "about", "A case cannot be about the person who raised it."),
    ],
    ids=["raiser-elsewhere", "raiser-kind", "subject-elsewhere", "subject-kind", "self"],
)
def test_open_case_refuses_the_wrong_people(world, refuses, raised_by, about, field, message):
    people = {
        **world.people,
        "other_councillor": CouncillorFactory(),
        "other_officer": OfficerFactory(),
    }
    refuses(
        ValidationError,
        message,
        services.open_case,
        field=field,
        **_open(world, raised_by=people[raised_by], about=people[about]),
    )


def test_an_idempotency_key_belongs_to_the_login_that_sent_it(world):
    """Issue #23: a key used by another login never returns, reveals or blocks their case: the
    same key from the MO opens the MO's own case; the first login's repeat returns its own."""
    first = services.open_case(**_open(world, idempotency_key="k-1"))
    other = services.open_case(**_open(world, actor=world.user("mo"), idempotency_key="k-1"))
    assert other.pk != first.pk
    assert services.open_case(**_open(world, idempotency_key="k-1")).pk == first.pk


# -- transitions --------------------------------------------------------------------------------
def test_escalating_with_a_stale_expected_state(world, refuses):
    case = open_test_case(world)
    refuses(
        StaleObject,
        f"{case.reference} changed while you were working on it",
        services.escalate_case,
        case=case,
        actor=world.user("clerk"),
        expected_state="monitoring_officer",
    )


@pytest.mark.parametrize(
    ("service", "kwargs"),
    [
        (services.escalate_case, {}),
        (services.acknowledge_case, {}),
        (services.respond_to_case, {"text": "Reply."}),
        (services.resolve_case, {"outcome": "Done."}),
        (services.withdraw_case, {}),
    ],
    ids=["escalate", "acknowledge", "respond", "resolve", "withdraw"],
)
def test_a_transition_on_a_stale_copy_is_refused(world, refuses, service, kwargs):
    case = open_test_case(world)
    stale = Case.objects.get(pk=case.pk)
    services.escalate_case(case=case, actor=world.user("clerk"))
    refuses(
        StaleObject,
        "reload the case and try again",
        service,
        case=stale,
        actor=world.user("clerk"),
        **kwargs,
    )


@pytest.mark.parametrize(
    ("service", "kwargs", "doing"),
    [
        (services.escalate_case, {}, "escalated"),
        (services.acknowledge_case, {}, "acknowledged"),
        (services.respond_to_case, {"text": "Reply."}, "responded to"),
        (services.resolve_case, {"outcome": "Done."}, "resolved"),
        (services.withdraw_case, {}, "withdrawn"),
    ],
    ids=["escalate", "acknowledge", "respond", "resolve", "withdraw"],
)
def test_a_closed_case_refuses_every_transition(world, refuses, service, kwargs, doing):
    case = _closed(world)
    refuses(
        ActionNotAllowed,
        f"{case.reference} is resolved: it cannot be {doing}.",
        service,
        case=case,
        actor=world.user("clerk"),
        **kwargs,
    )


@pytest.mark.parametrize(
    ("service", "kwargs", "action"),
    [
        (services.escalate_case, {}, "escalate"),
        (services.acknowledge_case, {}, "acknowledge"),
        (services.respond_to_case, {"text": "Reply."}, "respond"),
        (services.resolve_case, {"outcome": "Done."}, "resolve"),
        (services.withdraw_case, {}, "withdraw"),
    ],
    ids=["escalate", "acknowledge", "respond", "resolve", "withdraw"],
)
def test_someone_not_handling_the_case_is_refused(world, refuses, service, kwargs, action):
    case = open_test_case(world)
    refuses(
        PermissionRefused,
        f"You cannot {action} {case.reference}: you are not handling it.",
        service,
        case=case,
        actor=world.user("officer2"),
        **kwargs,
    )


def test_escalating_past_the_last_step(world, refuses):
    case = open_test_case(world, case_type=CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER)
    refuses(
        ActionNotAllowed,
        f"{case.reference} is already at the last step of {world.council.name}'s route",
        services.escalate_case,
        case=case,
        actor=world.user("clerk"),
    )


def test_the_raiser_may_not_escalate_where_the_route_says_so(world, refuses):
    """Lancaster 6.3: a formal complaint goes to the Chief Executive; the member does not climb."""
    case = open_test_case(
        world,
        case_type=CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
        raised_by="officer",
        about="councillor",
    )
    refuses(
        PermissionRefused,
        f"{world.council.name}'s route does not let the person who raised a case escalate it",
        services.escalate_case,
        case=case,
        actor=world.user("officer"),
    )


def test_acknowledging_twice(world, refuses):
    case = services.acknowledge_case(case=open_test_case(world), actor=world.user("clerk"))
    refuses(
        ActionNotAllowed,
        f"{case.reference} was already acknowledged on",
        services.acknowledge_case,
        case=case,
        actor=world.user("clerk"),
    )


@pytest.mark.parametrize("text", ["", "   "])
def test_responding_with_nothing(world, refuses, text):
    refuses(
        ValidationError,
        "Write the response.",
        services.respond_to_case,
        field="text",
        case=open_test_case(world),
        actor=world.user("clerk"),
        text=text,
    )


@pytest.mark.parametrize("outcome", ["", "  "])
def test_resolving_without_an_outcome(world, refuses, outcome):
    refuses(
        ValidationError,
        "Record the outcome.",
        services.resolve_case,
        field="outcome",
        case=open_test_case(world),
        actor=world.user("clerk"),
        outcome=outcome,
    )


def test_the_subject_may_not_withdraw(world, refuses):
    case = open_test_case(world)
    refuses(
        PermissionRefused,
        f"As a party to {case.reference} you cannot withdraw it.",
        services.withdraw_case,
        case=case,
        actor=world.user("officer"),
    )


# -- reopen -------------------------------------------------------------------------------------
@pytest.mark.parametrize("reason", ["", " "])
def test_reopening_without_a_reason(world, refuses, reason):
    refuses(
        ValidationError,
        "Say why the case is being reopened.",
        services.reopen_case,
        field="reason",
        case=_closed(world),
        actor=world.user("clerk"),
        reason=reason,
    )


@pytest.mark.parametrize("actor", ["director", "councillor", "officer"])
def test_reopening_is_for_the_clerk_or_mo(world, refuses, actor):
    case = _closed(world)
    refuses(
        PermissionRefused,
        f"Only a clerk or the Monitoring Officer can reopen {case.reference}.",
        services.reopen_case,
        case=case,
        actor=world.user(actor),
        reason="New evidence.",
    )


def test_reopening_an_open_case(world, refuses):
    case = open_test_case(world)
    refuses(
        ActionNotAllowed,
        f"{case.reference} is open: only a closed case can be reopened.",
        services.reopen_case,
        case=case,
        actor=world.user("clerk"),
        reason="New evidence.",
    )


def test_reopening_a_stale_copy(world, refuses):
    case = _closed(world)
    stale = Case.objects.get(pk=case.pk)
    services.reopen_case(case=case, actor=world.user("clerk"), reason="New evidence.")
    refuses(
        StaleObject,
        "reload the case and try again",
        services.reopen_case,
        case=stale,
        actor=world.user("mo"),
        reason="Again.",
    )


# -- assign_handler -----------------------------------------------------------------------------
@pytest.mark.parametrize("reason", ["", "  "])
def test_assigning_without_a_reason(world, refuses, reason):
    refuses(
        ValidationError,
        "Say why this person is assigned.",
        services.assign_handler,
        field="reason",
        case=open_test_case(world),
        actor=world.user("clerk"),
        person=world["service_head"],
        reason=reason,
    )


def test_assigning_on_a_closed_case(world, refuses):
    case = _closed(world)
    refuses(
        ActionNotAllowed,
        f"{case.reference} is resolved: it cannot be reassigned.",
        services.assign_handler,
        case=case,
        actor=world.user("clerk"),
        person=world["service_head"],
        reason="Cover.",
    )


@pytest.mark.parametrize("who", ["raiser", "subject"])
def test_a_party_is_never_assigned(world, refuses, who):
    case = open_test_case(world)
    person = world["councillor"] if who == "raiser" else world["officer"]
    refuses(
        ValidationError,
        f"{person.name} is a party to {case.reference}.",
        services.assign_handler,
        field="person",
        case=case,
        actor=world.user("clerk"),
        person=person,
        reason="Cover.",
    )


def test_someone_related_to_a_party_is_never_assigned(world, refuses):
    """Maldon 6.2: an officer with a close personal relationship does not handle the case. The
    clerk, who cannot read the relationships register, is not told why (Maldon 5.1, #23)."""
    case = open_test_case(world)
    relate(world, "service_head", "councillor")
    refuses(
        ValidationError,
        f"{world['service_head'].name} cannot handle {case.reference}.",
        services.assign_handler,
        field="person",
        case=case,
        actor=world.user("clerk"),
        person=world["service_head"],
        reason="Cover.",
    )


def test_an_officer_of_another_council_is_never_assigned(world, refuses):
    case = open_test_case(world)
    stranger = OfficerFactory()
    refuses(
        ValidationError,
        f"Choose someone who works for {world.council.name}.",
        services.assign_handler,
        field="person",
        case=case,
        actor=world.user("clerk"),
        person=stranger,
        reason="Cover.",
    )


def test_assigning_the_current_handler_again(world, refuses):
    case = open_test_case(world)
    refuses(
        ActionNotAllowed,
        f"{case.handler.name} is already handling {case.reference}.",
        services.assign_handler,
        case=case,
        actor=world.user("clerk"),
        person=case.handler,
        reason="Again.",
    )


# -- notes ----------------------------------------------------------------------------------------
def test_a_note_of_no_known_visibility(world, refuses):
    refuses(
        ValidationError,
        "Choose internal or shared.",
        services.add_note,
        field="visibility",
        case=open_test_case(world),
        actor=world.user("clerk"),
        body="Text.",
        visibility="public",
    )


@pytest.mark.parametrize("body", ["", " \n"])
def test_an_empty_note(world, refuses, body):
    refuses(
        ValidationError,
        "Write the note.",
        services.add_note,
        field="body",
        case=open_test_case(world),
        actor=world.user("clerk"),
        body=body,
        visibility=NoteVisibility.SHARED,
    )


def test_a_party_writes_no_internal_note(world, refuses):
    refuses(
        PermissionRefused,
        "Parties to a case can add shared notes only.",
        services.add_note,
        case=open_test_case(world),
        actor=world.user("councillor"),
        body="Between us.",
        visibility=NoteVisibility.INTERNAL,
    )


@pytest.mark.parametrize("visibility", [NoteVisibility.SHARED, NoteVisibility.INTERNAL])
def test_an_officer_not_on_the_case_writes_no_note(world, refuses, visibility):
    case = open_test_case(world)
    refuses(
        PermissionRefused,
        "you are not handling it.",
        services.add_note,
        case=case,
        actor=world.user("officer2"),
        body="Hello.",
        visibility=visibility,
    )


def test_a_note_with_a_refused_file_saves_nothing(world, refuses):
    upload = SimpleUploadedFile("run.exe", b"MZ\x90\x00\x03\x00\x00\x00", "application/pdf")
    refuses(
        ValidationError,
        "run.exe is not an allowed file",
        services.add_note,
        field="files",
        case=open_test_case(world),
        actor=world.user("clerk"),
        body="See the file.",
        visibility=NoteVisibility.SHARED,
        files=[upload],
    )


def test_granting_access_is_for_administrators(world, refuses):
    case = open_test_case(world)
    refuses(
        PermissionRefused,
        f"You cannot grant access {case.reference}: you are not handling it.",
        services.grant_case_access,
        case=case,
        actor=world.user(_handler_key(world, case)),
        user=world.user("officer2"),
    )


def _handler_key(world, case) -> str:
    return next(key for key, person in world.people.items() if person.pk == case.handler_id)


# -- the party-first rule: a clerk or an MO who is a party ----------------------------------------
@pytest.fixture
def clerks_own_case(world):
    """West Lavington 4.1: the clerk raises a grievance about a member; the case is theirs."""
    return open_test_case(
        world,
        case_type=CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
        raised_by="clerk",
        about="councillor",
        actor=world.user("clerk"),
    )


@pytest.fixture
def case_about_the_mo(world):
    """A member's concern about the Monitoring Officer themself."""
    return open_test_case(world, about="mo")


@pytest.mark.parametrize(
    ("service", "kwargs", "message"),
    [
        (services.resolve_case, {"outcome": "In my favour."}, "you cannot resolve it."),
        (services.acknowledge_case, {}, "you cannot acknowledge it."),
        (services.respond_to_case, {"text": "Reply."}, "you cannot respond it."),
        (services.escalate_case, {}, "route does not let the person who raised a case escalate"),
        (
            services.add_note,
            {"body": "Between us.", "visibility": NoteVisibility.INTERNAL},
            "Parties to a case can add shared notes only.",
        ),
    ],
    ids=["resolve", "acknowledge", "respond", "escalate", "internal-note"],
)
def test_a_clerk_who_is_a_party_does_not_administer_their_case(
    world, refuses, clerks_own_case, service, kwargs, message
):
    refuses(
        PermissionRefused,
        message,
        service,
        case=clerks_own_case,
        actor=world.user("clerk"),
        **kwargs,
    )


def test_a_clerk_who_is_a_party_chooses_no_handler(world, refuses, clerks_own_case):
    refuses(
        PermissionRefused,
        f"As a party to {clerks_own_case.reference} you cannot change who handles it.",
        services.assign_handler,
        case=clerks_own_case,
        actor=world.user("clerk"),
        person=world["deputy_mo"],
        reason="My choice.",
    )


def test_a_clerk_who_is_a_party_reopens_nothing(world, refuses, clerks_own_case):
    closed = services.resolve_case(case=clerks_own_case, actor=world.user("mo"), outcome="Done.")
    refuses(
        PermissionRefused,
        f"Only a clerk or the Monitoring Officer can reopen {closed.reference}.",
        services.reopen_case,
        case=closed,
        actor=world.user("clerk"),
        reason="I disagree.",
    )


def test_a_clerk_who_is_a_party_still_withdraws_and_shares_notes(world, clerks_own_case):
    """What any raiser may do, the clerk who raised it may do too."""
    note = services.add_note(
        case=clerks_own_case,
        actor=world.user("clerk"),
        body="More detail.",
        visibility=NoteVisibility.SHARED,
    )
    assert note.visibility == NoteVisibility.SHARED
    closed = services.withdraw_case(case=clerks_own_case, actor=world.user("clerk"))
    assert closed.state == "withdrawn"


@pytest.mark.parametrize(
    ("service", "kwargs", "message"),
    [
        (services.resolve_case, {"outcome": "Not my fault."}, "you cannot resolve it."),
        (services.escalate_case, {}, "you cannot escalate it."),
        (services.withdraw_case, {}, "you cannot withdraw it."),
        (
            services.add_note,
            {"body": "Between us.", "visibility": NoteVisibility.INTERNAL},
            "Parties to a case can add shared notes only.",
        ),
    ],
    ids=["resolve", "escalate", "withdraw", "internal-note"],
)
def test_an_mo_who_is_the_subject_does_not_administer_the_case(
    world, refuses, case_about_the_mo, service, kwargs, message
):
    refuses(
        PermissionRefused,
        message,
        service,
        case=case_about_the_mo,
        actor=world.user("mo"),
        **kwargs,
    )


def test_an_mo_who_is_the_subject_chooses_no_handler(world, refuses, case_about_the_mo):
    refuses(
        PermissionRefused,
        f"As a party to {case_about_the_mo.reference} you cannot change who handles it.",
        services.assign_handler,
        case=case_about_the_mo,
        actor=world.user("mo"),
        person=world["director"],
        reason="Someone friendly.",
    )


def test_the_deputy_mo_handles_what_the_mo_may_not(world, case_about_the_mo):
    """The same case, administered by the deputy: the MO's standing is the MO's alone."""
    resolved = services.resolve_case(
        case=case_about_the_mo, actor=world.user("deputy_mo"), outcome="Apology given."
    )
    assert resolved.state == "resolved"
    assert CaseEvent.objects.filter(case=resolved, action=EventAction.RESOLVED).count() == 1


# -- variants -------------------------------------------------------------------------------------
def test_publishing_a_published_variant(world, refuses):
    variant = world.variants[CaseType.MEMBER_CONCERN_ABOUT_OFFICER]
    refuses(
        ActionNotAllowed,
        f"Only a draft can be published; {variant} is published.",
        services.publish_variant,
        variant=variant,
        actor=world.user("clerk"),
    )


def test_publishing_a_draft_with_no_steps(world, refuses):
    draft = VariantFactory(
        council=world.council,
        case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        status=VariantStatus.DRAFT,
        version=2,
    )
    refuses(
        ValidationError,
        "A route needs at least one step before it is published.",
        services.publish_variant,
        variant=draft,
        actor=world.user("clerk"),
    )


# -- notifications: a task for a case or event that is gone, or already told ---------------------
def test_a_notification_for_a_missing_case_or_event_sends_nothing(world, mailoutbox):
    case = open_test_case(world)
    event = CaseEvent.objects.filter(case=case).first()
    other = open_test_case(world, about="officer2")
    assert services.send_case_notification(case_id=0, event_id=event.pk) == 0
    assert services.send_case_notification(case_id=other.pk, event_id=event.pk) == 0
    assert services.send_case_notification(case_id=case.pk, event_id=0) == 0
    assert mailoutbox == []
    assert not CaseEvent.objects.filter(action=EventAction.INFORMED).exists()


def test_a_notification_is_sent_once(world, mailoutbox):
    case = open_test_case(world)
    event = CaseEvent.objects.filter(case=case, action=EventAction.OPENED).get()
    sent = services.send_case_notification(case_id=case.pk, event_id=event.pk)
    assert sent >= 1
    assert services.send_case_notification(case_id=case.pk, event_id=event.pk) == 0
    assert len(mailoutbox) == sent


# -- the rarer refusals: a race lost at save time, a text file that is not text -----------------
def test_a_transition_that_loses_a_race_at_save_time_is_stale(world, refuses):
    """ConcurrentTransitionMixin's check at save time becomes the same 'reload' message."""
    from unittest import mock

    from django_fsm import ConcurrentTransition

    case = open_test_case(world)
    with mock.patch.object(Case, "save", side_effect=ConcurrentTransition("moved")):
        refuses(
            StaleObject,
            f"{case.reference} changed while you were working on it",
            services.escalate_case,
            case=case,
            actor=world.user("clerk"),
        )


def test_a_database_conflict_without_an_idempotency_key_is_not_swallowed(world, refuses):
    """Only a double submit with the same key is answered with the case it made; any other
    integrity error reaches the caller."""
    from unittest import mock

    from django.db import IntegrityError

    with mock.patch.object(services, "_create_case", side_effect=IntegrityError("dup")):
        refuses(IntegrityError, "dup", services.open_case, **_open(world))


@pytest.mark.parametrize(
    "content",
    [b"Caf\xe9 minutes, not UTF-8" + b"." * 100, b"\xff\xfe\x00\x00" + b"x" * 40],
    ids=["latin-1", "nul-bytes"],
)
def test_a_text_file_that_is_not_text_is_refused(world, refuses, content):
    upload = SimpleUploadedFile("minutes.txt", content, "text/plain")
    refuses(
        ValidationError,
        "minutes.txt is not an allowed file",
        services.add_note,
        field="files",
        case=open_test_case(world),
        actor=world.user("clerk"),
        body="Minutes attached.",
        visibility=NoteVisibility.SHARED,
        files=[upload],
    )


def test_a_character_cut_at_the_sniffing_boundary_is_still_text():
    head = ("é" * 1024).encode()[:2047]  # the last character is cut in half
    assert services.sniff_content_type(head) == "text/plain"


def test_a_docx_name_on_a_zip_that_is_not_word_is_refused(world, refuses):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.bin", b"\x00" * 10)
    upload = SimpleUploadedFile("report.docx", buffer.getvalue(), "application/octet-stream")
    refuses(
        ValidationError,
        "report.docx is not an allowed file",
        services.add_note,
        field="files",
        case=open_test_case(world),
        actor=world.user("clerk"),
        body="Report attached.",
        visibility=NoteVisibility.SHARED,
        files=[upload],
    )
    broken = b"PK\x03\x04" + b"\x00" * 60  # a zip's signature, then no archive at all
    assert services.sniff_content_type(broken, broken) is None


def test_notifications_skip_parties_and_people_without_an_email_address(world, mailoutbox):
    """The step keeps the Leader informed (Maldon 4.3), unless the Leader is a party: then they
    hear as a party, when parties are told, and not as the role. Nobody without an address."""
    world["officer"].email = ""
    world["officer"].save(update_fields=["email"])
    case = open_test_case(world, raised_by="leader")
    handler = case.handler
    handler.email = ""
    handler.save(update_fields=["email"])
    opened = CaseEvent.objects.get(case=case, action=EventAction.OPENED)
    assert services.send_case_notification(case_id=case.pk, event_id=opened.pk) == 0
    assert mailoutbox == []
    resolved = services.resolve_case(case=case, actor=world.user("clerk"), outcome="Settled.")
    event = CaseEvent.objects.get(case=resolved, action=EventAction.RESOLVED)
    assert services.send_case_notification(case_id=case.pk, event_id=event.pk) == 1
    assert [m.to for m in mailoutbox] == [[world["leader"].email]]

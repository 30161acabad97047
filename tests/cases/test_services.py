"""Every case service: what it writes when allowed, and how it refuses."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import services
from cases.models import (
    Attachment,
    Case,
    CaseAssignment,
    CaseEvent,
    CaseState,
    CaseType,
    EventAction,
    Note,
)
from clocks.models import Deadline
from protocol_site.errors import ActionNotAllowed, PermissionRefused, StaleObject
from tests.factories import CouncilFactory, CouncillorFactory, OfficerFactory, RoleAssignmentFactory

from .factories import open_test_case, relate, reload

pytestmark = pytest.mark.django_db


def actions(case: Case) -> list[str]:
    return list(
        CaseEvent.objects.filter(case=case).order_by("at", "pk").values_list("action", flat=True)
    )


# -- open_case ----------------------------------------------------------------------------------
def test_open_case_writes_reference_state_handler_clocks_and_events(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = open_test_case(world, actor=world.user("clerk"))
    year = timezone.localdate().year
    assert case.reference == f"TST-{year}-0001"
    assert case.state == CaseState.CHIEF_OFFICER
    # chief_officer is answered by the Director before the Service Head.
    assert case.handler == world["director"]
    assert "Director of Place" in case.handler_reason
    assert CaseAssignment.objects.get(case=case).person == world["director"]
    kinds = set(Deadline.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == {"response", "acknowledgement"}
    done = actions(case)
    assert done.index(EventAction.OPENED) < done.index(EventAction.ASSIGNED)
    assert done.count(EventAction.CLOCK_STARTED) == 2
    # The handler and the Leader (inform role, Maldon 4.3) are emailed, once.
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([world["director"].email, world["leader"].email])
    assert "The officer did not reply" not in mail.outbox[0].body
    assert actions(case)[-1] == EventAction.INFORMED
    # A second run of the task sends nothing more.
    event = CaseEvent.objects.get(case=case, action=EventAction.OPENED)
    assert services.send_case_notification(case_id=case.pk, event_id=event.pk) == 0
    assert len(mail.outbox) == 2


def test_references_count_up_per_council(world):
    first = open_test_case(world)
    second = open_test_case(world)
    assert first.reference.endswith("-0001")
    assert second.reference.endswith("-0002")


def test_acknowledgement_clock_only_for_email(world):
    case = open_test_case(world, channel="in_person")
    assert list(Deadline.objects.filter(case=case).values_list("kind", flat=True)) == ["response"]


def test_open_case_without_a_route_names_council_and_type(world):
    with pytest.raises(ValidationError) as exc:
        open_test_case(
            world,
            case_type=CaseType.OFFICER_COMPLAINT_ABOUT_MEMBER,
            raised_by="officer",
            about="councillor",
        )
    assert (
        "Testshire District Council has no protocol route for officer_complaint_about_member"
        in str(exc.value)
    )


@pytest.mark.parametrize(
    ("raised_by", "about", "field", "message"),
    [
        ("officer", "officer2", "raised_by", "raised by a councillor"),
        ("councillor", "councillor2", "about", "about a officer"),
        ("councillor", "councillor", "about", "cannot be about the person who raised it"),
    ],
)
def test_open_case_validates_parties(world, raised_by, about, field, message):
    with pytest.raises(ValidationError) as exc:
        open_test_case(world, raised_by=raised_by, about=about)
    assert field in exc.value.message_dict
    assert message in " ".join(exc.value.message_dict[field])


def test_open_case_refuses_people_of_another_council(world):
    outsider = OfficerFactory(council=CouncilFactory(slug="elsewhere"))
    with pytest.raises(ValidationError) as exc:
        open_test_case(world, about=outsider)
    assert "Choose a member or officer of Testshire" in str(exc.value)
    assert outsider.name not in str(exc.value)  # issue #23: never another council's people


def test_open_case_refuses_naive_received_at(world):
    with pytest.raises(ValidationError) as exc:
        open_test_case(world, received_at=datetime.datetime(2026, 3, 2, 10, 0))  # noqa: DTZ001
    assert "received_at" in exc.value.message_dict


def test_idempotency_key_returns_the_existing_case(world):
    clerk = world.user("clerk")
    first = open_test_case(world, actor=clerk, idempotency_key="form-123")
    again = open_test_case(world, actor=clerk, idempotency_key="form-123")
    assert again.pk == first.pk
    assert Case.objects.count() == 1
    # Somebody else's key is their own: it learns nothing about this case (issue #23).
    other = open_test_case(world, actor=world.user("mo"), idempotency_key="form-123")
    assert other.pk != first.pk


@pytest.mark.parametrize(
    ("actor", "raised_by", "allowed"),
    [
        ("clerk", "councillor", True),
        ("mo", "councillor", True),
        ("councillor", "councillor", True),  # in their own name
        ("councillor2", "councillor", False),  # in someone else's
        ("officer", "councillor", False),
    ],
)
def test_who_may_open_a_case(world, actor, raised_by, allowed):
    if allowed:
        assert open_test_case(world, actor=world.user(actor), raised_by=raised_by).pk
    else:
        with pytest.raises(PermissionRefused):
            open_test_case(world, actor=world.user(actor), raised_by=raised_by)


def test_routing_skips_a_subject_handler_and_says_why(world):
    # A complaint about the Chief Executive goes to the MO (Hounslow 11.2).
    case = open_test_case(world, case_type=CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER, about="ceo")
    assert case.handler == world["mo"]
    assert (
        "is the subject of this case, so it goes to the Monitoring Officer" in case.handler_reason
    )
    assert "(Hounslow 11.2)" in case.handler_reason


def test_routing_skips_a_related_handler(world):
    # The head of the officer's own service is related to the member: the Head of Paid Service,
    # never the head of some other service (issue #20).
    relate(world, "councillor", "director")
    case = open_test_case(world)
    assert case.handler == world["ceo"]
    # The relationship stays in its register (Maldon 5.1): the reason says only "cannot".
    assert "cannot handle this case" in case.handler_reason
    assert "relationship" not in case.handler_reason


# -- escalate -----------------------------------------------------------------------------------
def test_escalate_climbs_the_ladder_reroutes_and_restarts_clocks(
    world, django_capture_on_commit_callbacks
):
    case = open_test_case(world)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.escalate_case(
            case=case, actor=world.user("director"), reason="Not resolved"
        )
    assert case.state == CaseState.MONITORING_OFFICER
    assert case.handler == world["mo"]
    assert reload(case).step_position == 2
    event = CaseEvent.objects.get(case=case, action=EventAction.ESCALATED)
    assert (event.from_state, event.to_state, event.reason) == (
        "chief_officer",
        "monitoring_officer",
        "Not resolved",
    )
    assert event.actor == world.user("director")
    # The first rung's clocks stopped; this rung starts none.
    assert not Deadline.objects.filter(
        case=case, cancelled_at__isnull=True, met_at__isnull=True
    ).exists()
    assert CaseAssignment.objects.filter(case=case).count() == 2
    assert world["mo"].email in [m.to[0] for m in mail.outbox]


def test_escalate_past_the_top_is_refused_clearly(world):
    case = open_test_case(world)
    for _ in range(3):
        case = services.escalate_case(case=case, actor=world.user("clerk"), reason="")
    assert case.state == CaseState.STANDARDS_COMMITTEE
    with pytest.raises(ActionNotAllowed) as exc:
        services.escalate_case(case=case, actor=world.user("clerk"), reason="")
    assert str(exc.value) == (
        f"{case.reference} is already at the last step of Testshire District Council's route: "
        "Step 4."
    )


def test_escalate_with_a_stale_expected_state(world):
    case = open_test_case(world)
    with pytest.raises(StaleObject):
        services.escalate_case(
            case=case, actor=world.user("clerk"), reason="", expected_state="informal"
        )


def test_escalate_on_a_stale_copy_is_refused(world):
    case = open_test_case(world)
    stale = Case.objects.get(pk=case.pk)
    services.escalate_case(case=case, actor=world.user("clerk"), reason="")
    with pytest.raises(StaleObject):
        services.escalate_case(case=stale, actor=world.user("clerk"), reason="")
    assert CaseEvent.objects.filter(case=case, action=EventAction.ESCALATED).count() == 1


@pytest.mark.parametrize(
    ("case_type", "actor", "about", "allowed"),
    [
        (CaseType.MEMBER_CONCERN_ABOUT_OFFICER, "councillor", "officer", True),  # raiser, allowed
        (
            CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER,
            "councillor",
            "officer",
            False,
        ),  # variant forbids
        (CaseType.MEMBER_CONCERN_ABOUT_OFFICER, "officer", "officer", False),  # the subject
        (CaseType.MEMBER_CONCERN_ABOUT_OFFICER, "councillor2", "officer", False),  # a stranger
        (CaseType.MEMBER_CONCERN_ABOUT_OFFICER, "director", "officer", True),  # handler
        (CaseType.MEMBER_CONCERN_ABOUT_OFFICER, "mo", "officer", True),  # MO
        (CaseType.MEMBER_CONCERN_ABOUT_OFFICER, "clerk", "officer", True),  # clerk
    ],
)
def test_who_may_escalate(world, case_type, actor, about, allowed):
    case = open_test_case(world, case_type=case_type, about=about)
    if case_type == CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER:
        # one-step route: give it a second step so only permission decides
        from tests.factories import StepFactory

        StepFactory(variant=case.variant, position=2, state="leader", handler_role="leader")
    if allowed:
        escalated = services.escalate_case(case=case, actor=world.user(actor), reason="")
        assert (escalated.step_position, escalated.state) == (2, "monitoring_officer")
        event = CaseEvent.objects.get(case=case, action=EventAction.ESCALATED)
        assert event.actor == world.user(actor)
    else:
        with pytest.raises(PermissionRefused) as exc:
            services.escalate_case(case=case, actor=world.user(actor), reason="")
        if actor == "councillor":
            assert "does not let the person who raised a case escalate it" in str(exc.value)
        assert not CaseEvent.objects.filter(case=case, action=EventAction.ESCALATED).exists()


# -- acknowledge / respond ----------------------------------------------------------------------
def test_acknowledge_meets_the_acknowledgement_clock_once(world):
    case = open_test_case(world)
    case = services.acknowledge_case(case=case, actor=world.user("director"))
    deadline = Deadline.objects.get(case=case, kind="acknowledgement")
    assert deadline.met_at is not None
    assert Deadline.objects.get(case=case, kind="response").met_at is None
    with pytest.raises(ActionNotAllowed) as exc:
        services.acknowledge_case(case=case, actor=world.user("director"))
    assert "was already acknowledged" in str(exc.value)


def test_respond_meets_the_response_clock_and_shares_the_text(world):
    case = open_test_case(world)
    case = services.respond_to_case(case=case, actor=world.user("director"), text="We have met.")
    assert Deadline.objects.get(case=case, kind="response").met_at is not None
    note = Note.objects.get(case=case)
    assert (note.visibility, note.body) == ("shared", "We have met.")
    with pytest.raises(ValidationError):
        services.respond_to_case(case=case, actor=world.user("director"), text="  ")


@pytest.mark.parametrize(
    ("service", "kwargs"),
    [
        (services.acknowledge_case, {}),
        (services.respond_to_case, {"text": "Reply"}),
        (services.resolve_case, {"outcome": "Agreed"}),
    ],
)
@pytest.mark.parametrize(
    ("actor", "allowed"),
    [("director", True), ("councillor", False), ("officer2", False), ("leader", False)],
)
def test_handler_actions(world, service, kwargs, actor, allowed):
    case = open_test_case(world)
    before = CaseEvent.objects.filter(case=case).count()
    if allowed:
        service(case=case, actor=world.user(actor), **kwargs)
        # The action is on the timeline, in the handler's name.
        done = {
            services.acknowledge_case: EventAction.ACKNOWLEDGED,
            services.respond_to_case: EventAction.RESPONDED,
            services.resolve_case: EventAction.RESOLVED,
        }[service]
        event = CaseEvent.objects.get(case=case, action=done)
        assert event.actor == world.user(actor)
    else:
        with pytest.raises(PermissionRefused):
            service(case=case, actor=world.user(actor), **kwargs)
        assert CaseEvent.objects.filter(case=case).count() == before


# -- resolve / withdraw / reopen ----------------------------------------------------------------
def test_resolve_stops_clocks_and_closes(world):
    case = open_test_case(world)
    case = services.resolve_case(case=case, actor=world.user("director"), outcome="Apology given")
    assert case.state == CaseState.RESOLVED
    assert case.outcome == "Apology given"
    assert not Deadline.objects.filter(case=case, cancelled_at__isnull=True).exists()
    for service, kwargs in [
        (services.acknowledge_case, {}),
        (services.escalate_case, {"reason": ""}),
        (services.resolve_case, {"outcome": "x"}),
        (services.withdraw_case, {"reason": "x"}),
    ]:
        with pytest.raises(ActionNotAllowed) as exc:
            service(case=case, actor=world.user("clerk"), **kwargs)
        assert "is resolved" in str(exc.value)


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [("councillor", True), ("officer", False), ("director", False), ("clerk", True)],
)
def test_who_may_withdraw(world, actor, allowed):
    case = open_test_case(world)
    if allowed:
        case = services.withdraw_case(case=case, actor=world.user(actor), reason="Sorted")
        assert case.state == CaseState.WITHDRAWN
    else:
        with pytest.raises(PermissionRefused):
            services.withdraw_case(case=case, actor=world.user(actor), reason="Sorted")


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [("clerk", True), ("mo", True), ("director", False), ("councillor", False)],
)
def test_only_clerk_or_mo_reopen(world, actor, allowed):
    case = open_test_case(world)
    case = services.escalate_case(case=case, actor=world.user("clerk"), reason="")
    case = services.resolve_case(case=case, actor=world.user("clerk"), outcome="Done")
    if allowed:
        case = services.reopen_case(case=case, actor=world.user(actor), reason="New evidence")
        # Back at the step it closed on.
        assert case.state == CaseState.MONITORING_OFFICER
        assert case.closed_at is None
        event = CaseEvent.objects.get(case=case, action=EventAction.REOPENED)
        assert (event.from_state, event.to_state, event.reason) == (
            "resolved",
            "monitoring_officer",
            "New evidence",
        )
    else:
        with pytest.raises(PermissionRefused) as exc:
            services.reopen_case(case=case, actor=world.user(actor), reason="New evidence")
        assert "Only a clerk or the Monitoring Officer" in str(exc.value)


def test_reopen_needs_a_reason_and_a_closed_case(world):
    case = open_test_case(world)
    with pytest.raises(ActionNotAllowed):
        services.reopen_case(case=case, actor=world.user("clerk"), reason="why")
    case = services.withdraw_case(case=case, actor=world.user("councillor"), reason="")
    with pytest.raises(ValidationError):
        services.reopen_case(case=case, actor=world.user("clerk"), reason=" ")


# -- assign -------------------------------------------------------------------------------------
def test_assign_handler(world):
    case = open_test_case(world)
    case = services.assign_handler(
        case=case, actor=world.user("clerk"), person=world["service_head"], reason="Director away"
    )
    assert case.handler == world["service_head"]
    assert reload(case).handler == world["service_head"]
    assert CaseAssignment.objects.filter(case=case).count() == 2
    event = CaseEvent.objects.filter(case=case, action=EventAction.ASSIGNED).last()
    assert event.reason == "Director away"


@pytest.mark.parametrize(
    ("person", "message"), [("officer", "is a party"), ("director", "cannot handle")]
)
def test_assign_refuses_parties_and_relations(world, person, message):
    case = open_test_case(world, about="service_head")
    relate(world, "councillor", "director")
    with pytest.raises(ValidationError) as exc:
        services.assign_handler(
            case=case,
            actor=world.user("clerk"),
            person=world[person] if person != "officer" else world["service_head"],
            reason="x",
        )
    assert message in str(exc.value)


def test_assign_refused_to_a_handler(world):
    case = open_test_case(world)
    with pytest.raises(
        PermissionRefused,
        match=f"Only a clerk or the Monitoring Officer can change who handles {case.reference}",
    ):
        services.assign_handler(
            case=case, actor=world.user("director"), person=world["service_head"], reason="x"
        )


def test_assign_refused_to_a_party_says_why(world):
    case = open_test_case(world)
    with pytest.raises(
        PermissionRefused, match=f"As a party to {case.reference} you cannot change who handles"
    ):
        services.assign_handler(
            case=case, actor=world.user("councillor"), person=world["service_head"], reason="x"
        )


# -- notes and attachments ----------------------------------------------------------------------
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _docx() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # A fixed timestamp: the bytes end up in the test id, which must match on every worker.
        stamp = (2026, 1, 1, 0, 0, 0)
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", stamp), "<Types/>")
        archive.writestr(zipfile.ZipInfo("word/document.xml", stamp), "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("letter.pdf", PDF, "application/pdf"),
        ("photo.png", PNG, "image/png"),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image/jpeg"),
        ("notes.txt", "Met on Tuesday — agreed.".encode(), "text/plain"),
        (
            "statement.docx",
            _docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_attachments_of_allowed_types(world, name, content, content_type):
    case = open_test_case(world)
    note = services.add_note(
        case=case,
        actor=world.user("director"),
        body="See attached",
        visibility="internal",
        files=[SimpleUploadedFile(name, content, content_type="application/octet-stream")],
    )
    attachment = Attachment.objects.get(note=note)
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        name,
        content_type,
        len(content),
    )
    assert name not in attachment.file.name  # stored under a random name


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("virus.exe", b"MZ\x90\x00\x03"),
        ("fake.pdf", b"MZ\x90\x00\x03\x00\x00"),  # a program renamed .pdf
        ("image.pdf", PNG),  # contents and name disagree
        ("archive.docx", b"PK\x03\x04not really a zip"),
        ("empty.txt", b""),
        ("script.html", b"<script>alert(1)</script>"),
    ],
)
def test_attachments_refused_by_content(world, name, content):
    case = open_test_case(world)
    with pytest.raises(ValidationError) as exc:
        services.add_note(
            case=case,
            actor=world.user("director"),
            body="See attached",
            visibility="internal",
            files=[SimpleUploadedFile(name, content, content_type="application/pdf")],
        )
    assert name in str(exc.value)
    assert not Note.objects.filter(case=case).exists()


def test_attachment_size_cap(world, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    case = open_test_case(world)
    with pytest.raises(ValidationError) as exc:
        services.add_note(
            case=case,
            actor=world.user("director"),
            body="Big",
            visibility="internal",
            files=[SimpleUploadedFile("big.pdf", PDF + b"0" * 200)],
        )
    assert "at most 100 bytes" in str(exc.value)


@pytest.mark.parametrize(
    ("actor", "visibility", "allowed"),
    [
        ("director", "internal", True),
        ("director", "shared", True),
        ("clerk", "internal", True),
        ("councillor", "shared", True),
        ("councillor", "internal", False),  # parties only add shared notes
        ("officer", "shared", True),
        ("officer", "internal", False),
        ("councillor2", "shared", False),
    ],
)
def test_who_may_add_notes(world, actor, visibility, allowed):
    case = open_test_case(world)
    if allowed:
        note = services.add_note(
            case=case, actor=world.user(actor), body="Hello", visibility=visibility
        )
        event = CaseEvent.objects.get(case=case, action=EventAction.NOTE_ADDED)
        assert event.data["visibility"] == visibility
        assert note.body == "Hello"
    else:
        with pytest.raises(PermissionRefused):
            services.add_note(
                case=case, actor=world.user(actor), body="Hello", visibility=visibility
            )


# -- access -------------------------------------------------------------------------------------
def test_grant_case_access(world):
    from cases.selectors import visible_cases_for

    case = open_test_case(world)
    reviewer = world.user("councillor2")
    assert not visible_cases_for(reviewer).filter(pk=case.pk).exists()
    services.grant_case_access(case=case, actor=world.user("mo"), user=reviewer)
    assert visible_cases_for(reviewer).filter(pk=case.pk).exists()
    assert reviewer.has_perm("cases.view_case_as_reviewer", case)
    assert CaseEvent.objects.filter(case=case, action=EventAction.ACCESS_GRANTED).exists()
    with pytest.raises(PermissionRefused):
        services.grant_case_access(
            case=case, actor=world.user("director"), user=world.user("officer2")
        )


# -- available transitions ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("director", ["acknowledge", "respond", "escalate", "resolve"]),
        ("clerk", ["acknowledge", "respond", "escalate", "resolve", "withdraw"]),
        ("councillor", ["escalate", "withdraw"]),
        ("officer", []),
        ("councillor2", []),
    ],
)
def test_available_transitions(world, actor, expected):
    case = open_test_case(world)
    transitions = services.available_transitions(case=case, user=world.user(actor))
    assert [t["name"] for t in transitions] == expected
    escalate = [t for t in transitions if t["name"] == "escalate"]
    if escalate:
        assert escalate[0]["target"] == "monitoring_officer"
        assert escalate[0]["label"] == "Escalate to Step 2"


def test_available_transitions_on_a_closed_case(world):
    case = open_test_case(world)
    case = services.resolve_case(case=case, actor=world.user("director"), outcome="Done")
    assert services.available_transitions(case=case, user=world.user("director")) == []
    assert services.available_transitions(case=case, user=world.user("mo")) == [
        {"name": "reopen", "label": "Reopen at Step 1", "target": "chief_officer"}
    ]


def test_borrowed_monitoring_officer_handles_a_parish_case():
    district = CouncilFactory(slug="bigdistrict", reference_prefix="BIG")
    parish = CouncilFactory(
        slug="smalltown", tier="parish", reference_prefix="SML", monitoring_officer_council=district
    )
    mo = OfficerFactory(council=district, job_title="Monitoring Officer")
    RoleAssignmentFactory(person=mo, council=district, role="monitoring_officer")
    from tests.factories import make_variant

    make_variant(
        parish,
        CaseType.OFFICER_COMPLAINT_ABOUT_MEMBER,
        [("monitoring_officer", "monitoring_officer")],
    )
    clerk = OfficerFactory(council=parish, job_title="Town Clerk")
    member = CouncillorFactory(council=parish)
    case = services.open_case(
        council=parish,
        case_type=CaseType.OFFICER_COMPLAINT_ABOUT_MEMBER,
        raised_by=clerk,
        about=member,
        channel="letter",
        received_at=timezone.now(),
        summary="Breach of the Code",
        actor=None,
    )
    assert case.handler == mo
    assert case.reference.startswith("SML-")


# -- variant versions ---------------------------------------------------------------------------
def test_a_new_version_leaves_open_cases_on_theirs(world):
    from cases import variant_services
    from cases.models import ProtocolVariant, VariantStatus

    case = open_test_case(world)
    old = case.variant
    draft = variant_services.start_draft(
        council=old.council, case_type=old.case_type, actor=None, source=old
    )
    assert (draft.version, draft.status) == (2, VariantStatus.DRAFT)
    assert [s.state for s in draft.ordered_steps()] == [s.state for s in old.ordered_steps()]
    assert draft.ordered_steps()[0].clocks.count() == 2
    with pytest.raises(ActionNotAllowed):
        variant_services.start_draft(
            council=old.council, case_type=old.case_type, actor=None, source=old
        )
    # The council renames the first rung and publishes.
    first = draft.ordered_steps()[0]
    first.label = "The relevant Service Head"
    first.save()
    services.publish_variant(variant=draft, actor=None)
    assert ProtocolVariant.objects.get(pk=old.pk).status == VariantStatus.RETIRED
    new_case = open_test_case(world)
    assert new_case.variant_id == draft.pk
    assert new_case.current_step.label == "The relevant Service Head"
    # The case opened before keeps the old route and label, and climbs it.
    assert reload(case).variant_id == old.pk
    assert reload(case).current_step.label == "Step 1"
    with pytest.raises(ActionNotAllowed):
        services.publish_variant(variant=draft, actor=None)


def test_admin_pages(world, client):
    from tests.factories import UserFactory

    case = open_test_case(world)
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    variant = case.variant
    for url in [
        "/admin/cases/protocolvariant/",
        f"/admin/cases/protocolvariant/{variant.pk}/change/",
        "/admin/cases/case/",
        f"/admin/cases/case/{case.pk}/change/",
        "/admin/cases/caseevent/",
        "/admin/cases/note/",
    ]:
        assert client.get(url).status_code == 200, url
    # Published routes are read-only; a new draft is started with the action.
    response = client.post(
        "/admin/cases/protocolvariant/",
        {"action": "new_version", "_selected_action": [variant.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert variant.council.variants.filter(case_type=variant.case_type, version=2).exists()

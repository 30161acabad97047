"""Every refusal of the register services (issue #26): the message a person reads, and nothing
written, queued or emailed (the `refuses` fixture, tests/refusals.py)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import CaseType
from cases.selectors import visible_cases_for
from cases.services import open_case
from contacts.models import Role, Tier
from protocol_site.errors import ActionNotAllowed, PermissionRefused
from registers import services
from registers.models import (
    ApproachKind,
    BriefingOffer,
    BriefingPolicy,
    ImproperApproach,
    OfferStatus,
    SharingConsent,
    WardNotificationKind,
)
from tests.factories import (
    CouncilFactory,
    CouncillorFactory,
    OfficerFactory,
    RoleAssignmentFactory,
    WardFactory,
    make_variant,
)

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 2)
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


# -- personal relationships (Maldon 5.1, 6.2) ---------------------------------------------------
def _declare(world, declarer="member_a", related="officer", **kwargs):
    values = {
        "actor": world.users[declarer],
        "person": world.person(declarer),
        "related_person": world.person(related),
        "nature": "Sibling",
        "declared_on": DAY,
    }
    values.update(kwargs)
    return values


@pytest.mark.parametrize("actor", ["member_b", "officer2", "hops", "other_mo"])
def test_declaring_for_someone_else(world, refuses, actor):
    refuses(
        PermissionRefused,
        "You can declare only your own relationships, or record one as the clerk or "
        "Monitoring Officer of their council.",
        services.declare_relationship,
        **_declare(world, actor=world.users[actor]),
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"related": "member_a"}, "related_person", "Choose the other person, not the declarer."),
        ({"nature": "  "}, "nature", "Say what the relationship is"),
        ({"declared_on": TOMORROW}, "declared_on", "The date cannot be in the future."),
    ],
    ids=["self", "nature", "future"],
)
def test_declaring_with_bad_answers(world, refuses, overrides, field, message):
    related = overrides.pop("related", "officer")
    refuses(
        ValidationError,
        message,
        services.declare_relationship,
        field=field,
        **_declare(world, related=related, **overrides),
    )


@pytest.fixture
def declared(world):
    return services.declare_relationship(**_declare(world))


@pytest.mark.parametrize("actor", ["officer", "member_b", "leader_a", "hops", "other_mo"])
def test_ending_someone_elses_declaration(world, refuses, declared, actor):
    """Only the declarer, or the clerk or MO of their council, ends it: not the person it is
    about, not the Group Leader it was declared to, not another council's MO."""
    refuses(
        PermissionRefused,
        "Only the declarer, the clerk or the MO can end a declaration.",
        services.end_relationship,
        actor=world.users[actor],
        relationship=declared,
        ended_on=DAY,
    )


def test_ending_a_declaration_twice(world, refuses, declared):
    ended = services.end_relationship(
        actor=world.users["member_a"], relationship=declared, ended_on=DAY
    )
    refuses(
        ActionNotAllowed,
        "This relationship has already been recorded as ended.",
        services.end_relationship,
        actor=world.users["clerk"],
        relationship=ended,
        ended_on=DAY,
    )


def test_ending_a_declaration_before_it_began(world, refuses, declared):
    refuses(
        ValidationError,
        "The end date must be on or after the declaration.",
        services.end_relationship,
        field="ended_on",
        actor=world.users["member_a"],
        relationship=declared,
        ended_on=DAY - datetime.timedelta(days=1),
    )


# -- briefings (Maldon 7.1, Lancaster 3.1) ------------------------------------------------------
def _brief(world, **kwargs):
    values = {
        "actor": world.users["officer"],
        "group": world.groups["a"],
        "officer": world.person("officer"),
        "topic": "Budget",
        "given_on": DAY,
        "advice": "The figures.",
    }
    values.update(kwargs)
    return values


@pytest.mark.parametrize("actor", ["member_a", "leader_b", "other_mo"])
def test_only_an_officer_of_the_council_records_a_briefing(world, refuses, actor):
    refuses(
        PermissionRefused,
        f"Only an officer of {world.council.name} can record a briefing.",
        services.record_briefing,
        **_brief(world, actor=world.users[actor]),
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"officer": "member_a"}, "officer", "Choose an officer of"),
        ({"officer": "other_mo"}, "officer", "Choose an officer of"),
        ({"topic": " "}, "topic", "Enter the topic of the briefing."),
        ({"advice": ""}, "advice", "Enter the information and advice given."),
    ],
    ids=["a-member", "elsewhere", "topic", "advice"],
)
def test_a_briefing_with_bad_answers(world, refuses, overrides, field, message):
    if "officer" in overrides:
        overrides["officer"] = world.person(overrides["officer"])
    refuses(
        ValidationError,
        message,
        services.record_briefing,
        field=field,
        **_brief(world, **overrides),
    )


@pytest.fixture
def briefing(world):
    return services.record_briefing(**_brief(world))


def test_answering_another_groups_offer(world, refuses, briefing):
    offer = BriefingOffer.objects.get(briefing=briefing, group=world.groups["b"])
    refuses(
        PermissionRefused,
        "Only Group B or an officer of the council can answer this offer.",
        services.respond_to_offer,
        actor=world.users["leader_c"],
        offer=offer,
        status=OfferStatus.ACCEPTED,
    )


def test_answering_an_offer_with_no_answer(world, refuses, briefing):
    offer = BriefingOffer.objects.get(briefing=briefing, group=world.groups["b"])
    refuses(
        ValidationError,
        "Choose accepted or declined.",
        services.respond_to_offer,
        field="status",
        actor=world.users["leader_b"],
        offer=offer,
        status=OfferStatus.OFFERED,
    )


def test_answering_an_offer_twice(world, refuses, briefing):
    offer = BriefingOffer.objects.get(briefing=briefing, group=world.groups["b"])
    services.respond_to_offer(actor=world.users["leader_b"], offer=offer, status="accepted")
    refuses(
        ActionNotAllowed,
        "Group B has already accepted this offer.",
        services.respond_to_offer,
        actor=world.users["member_b"],
        offer=offer,
        status=OfferStatus.DECLINED,
    )


def test_a_written_request_recorded_twice(world, refuses, briefing):
    services.record_written_request(
        actor=world.users["officer"], briefing=briefing, received_on=DAY
    )
    refuses(
        ActionNotAllowed,
        "A written request is already recorded for this briefing.",
        services.record_written_request,
        actor=world.users["clerk"],
        briefing=briefing,
        received_on=DAY,
    )


@pytest.mark.parametrize(
    ("received_on", "message"),
    [
        (DAY - datetime.timedelta(days=1), "The request cannot come before the briefing."),
        (TOMORROW, "The date cannot be in the future."),
    ],
    ids=["before", "future"],
)
def test_a_written_request_on_an_impossible_day(world, refuses, briefing, received_on, message):
    refuses(
        ValidationError,
        message,
        services.record_written_request,
        field="received_on",
        actor=world.users["officer"],
        briefing=briefing,
        received_on=received_on,
    )


def test_a_written_request_is_recorded_by_an_officer(world, refuses, briefing):
    refuses(
        PermissionRefused,
        f"Only an officer of {world.council.name} can record a written request.",
        services.record_written_request,
        actor=world.users["leader_a"],
        briefing=briefing,
        received_on=DAY,
    )


def test_sharing_a_briefing_twice(world, refuses, briefing):
    services.share_briefing_information(actor=world.users["officer"], briefing=briefing)
    refuses(
        ActionNotAllowed,
        "This briefing has already been shared with the other groups.",
        services.share_briefing_information,
        actor=world.users["officer"],
        briefing=briefing,
    )


def test_lancaster_shares_nothing_before_the_written_request(lancaster, refuses):
    """Lancaster 3.1: not as a matter of routine, only at the written request of the group."""
    BriefingPolicy.objects.update_or_create(
        council=lancaster.council, defaults={"share_only_on_written_request": True}
    )
    briefing = services.record_briefing(**_brief(lancaster))
    refuses(
        ActionNotAllowed,
        "passes briefing information to other groups only at the written request of the group "
        "briefed (Group A): record the written request first (Lancaster 3.1).",
        services.share_briefing_information,
        actor=lancaster.users["officer"],
        briefing=briefing,
    )


def test_a_member_shares_no_briefing(world, refuses, briefing):
    refuses(
        PermissionRefused,
        f"Only an officer of {world.council.name} can share a briefing.",
        services.share_briefing_information,
        actor=world.users["leader_a"],
        briefing=briefing,
    )


@pytest.mark.parametrize(
    ("actor", "officer", "reason", "error", "message"),
    [
        ("member_a", "officer", "Too political.", PermissionRefused, "can record a declined"),
        ("officer", "member_a", "Too political.", ValidationError, "Choose an officer of"),
        ("officer", "officer", " ", ValidationError, "Say why the meeting was too political"),
    ],
    ids=["a-member", "not-an-officer", "no-reason"],
)
def test_a_declined_meeting_refused(world, refuses, actor, officer, reason, error, message):
    """Hounslow 7.2: an officer may decline a meeting too political to attend."""
    refuses(
        error,
        message,
        services.record_declined_attendance,
        actor=world.users[actor],
        group=world.groups["b"],
        officer=world.person(officer),
        meeting_on=DAY,
        reason=reason,
    )


# -- improper approaches (Maldon 3.3, Lancaster 5.1-5.2) ----------------------------------------
def _report(world, **kwargs):
    values = {
        "actor": world.users["member_a"],
        "kind": ApproachKind.OFFICER_APPROACH,
        "reported_by": world.person("member_a"),
        "about": world.person("officer"),
        "occurred_on": DAY,
        "description": "Asked me to back his regrading.",
    }
    values.update(kwargs)
    return values


@pytest.mark.parametrize(
    ("overrides", "error", "field", "message"),
    [
        ({"kind": "bribe"}, ValidationError, "kind", "Choose what kind of approach it was."),
        ({"actor": "member_b"}, PermissionRefused, None, "You can report only in your own name"),
        ({"actor": "officer2"}, PermissionRefused, None, "You can report only in your own name"),
        (
            {"kind": ApproachKind.MEMBER_PRESSURE},
            ValidationError,
            "kind",
            "This kind of approach is reported by a officer.",
        ),
        ({"about": "member_b"}, ValidationError, "about", "Choose a officer of"),
        ({"about": "other_mo"}, ValidationError, "about", "Choose a officer of"),
        ({"description": "  "}, ValidationError, "description", "Say what happened."),
        ({"occurred_on": TOMORROW}, ValidationError, "occurred_on", "cannot be in the future."),
    ],
    ids=[
        "kind",
        "other-member",
        "an-officer",
        "reporter-kind",
        "subject-kind",
        "subject-elsewhere",
        "description",
        "future",
    ],
)
def test_reporting_an_approach_refused(world, refuses, overrides, error, field, message):
    for key in ("actor",):
        if key in overrides:
            overrides[key] = world.users[overrides[key]]
    if "about" in overrides:
        overrides["about"] = world.person(overrides["about"])
    refuses(
        error,
        message,
        services.report_improper_approach,
        field=field,
        **_report(world, **overrides),
    )


@pytest.fixture
def approach(world):
    return services.report_improper_approach(**_report(world))


@pytest.mark.parametrize("actor", ["member_a", "officer", "officer2", "clerk", "other_mo"])
@pytest.mark.parametrize(
    ("service", "kwargs", "doing"),
    [
        (services.start_approach_review, {}, "review it"),
        (services.close_approach, {"outcome": "Advised."}, "close it"),
        (services.open_case_for_approach, {}, "open a case from it"),
        (services.link_case_to_approach, {"reference": "X-1"}, "link a case"),
    ],
    ids=["review", "close", "open-case", "link"],
)
def test_an_approach_is_handled_by_whom_it_was_reported_to(
    world, refuses, approach, actor, service, kwargs, doing
):
    """Maldon 3.3: the Head of Paid Service (or the MO); never the reporter nor the subject."""
    refuses(
        PermissionRefused,
        "Only the person it was reported to, the Head of Paid Service or the Monitoring "
        f"Officer can {doing}.",
        service,
        actor=world.users[actor],
        approach=approach,
        **kwargs,
    )


def test_reviewing_an_approach_twice(world, refuses, approach):
    services.start_approach_review(actor=world.users["hops"], approach=approach)
    refuses(
        ActionNotAllowed,
        "The report is under review.",
        services.start_approach_review,
        actor=world.users["mo"],
        approach=approach,
    )


def test_closing_an_approach_without_an_outcome_or_twice(world, refuses, approach):
    refuses(
        ValidationError,
        "Record the outcome.",
        services.close_approach,
        field="outcome",
        actor=world.users["hops"],
        approach=approach,
        outcome=" ",
    )
    services.close_approach(actor=world.users["hops"], approach=approach, outcome="Advised.")
    refuses(
        ActionNotAllowed,
        "The report is already closed.",
        services.close_approach,
        actor=world.users["mo"],
        approach=approach,
        outcome="Again.",
    )


def test_no_case_is_opened_from_a_closed_approach(world, refuses, approach):
    services.close_approach(actor=world.users["hops"], approach=approach, outcome="Advised.")
    refuses(
        ActionNotAllowed,
        "The report is closed.",
        services.open_case_for_approach,
        actor=world.users["hops"],
        approach=approach,
    )


@pytest.fixture
def routed(world):
    """The council's route for a member's concern about an officer."""
    return make_variant(
        world.council,
        CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        [("monitoring_officer", Role.MONITORING_OFFICER)],
    )


def test_a_second_case_for_one_approach(world, refuses, approach, routed):
    services.open_case_for_approach(actor=world.users["hops"], approach=approach)
    refuses(
        ActionNotAllowed,
        "A case is already linked to this report.",
        services.open_case_for_approach,
        actor=world.users["mo"],
        approach=approach,
    )


def test_linking_a_case_nobody_can_see(world, refuses, approach):
    refuses(
        ValidationError,
        "No case with that reference that you can see.",
        services.link_case_to_approach,
        field="reference",
        actor=world.users["hops"],
        approach=approach,
        reference="NOPE-2026-0001",
    )


@pytest.fixture
def parish_case(world):
    """A case at a parish whose Monitoring Officer is lent by the district (the world's MO):
    the MO sees it, but it is another council's case."""
    parish = CouncilFactory(
        slug="tollesbury",
        name="Tollesbury Parish Council",
        tier=Tier.PARISH,
        monitoring_officer_council=world.council,
        reference_prefix="TOL",
    )
    make_variant(
        parish,
        CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        [("monitoring_officer", Role.MONITORING_OFFICER)],
    )
    clerk = OfficerFactory(council=parish, name="Parish Clerk")
    RoleAssignmentFactory(person=clerk, council=parish, role=Role.CLERK)
    councillor = CouncillorFactory(council=parish, ward=WardFactory(council=parish))
    return open_case(
        council=parish,
        case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        raised_by=councillor,
        about=clerk,
        channel="email",
        received_at=timezone.now() - datetime.timedelta(hours=1),
        summary="The clerk did not reply.",
        actor=None,
    )


def test_an_approach_is_never_linked_to_another_councils_case(
    world, refuses, approach, parish_case
):
    """The MO sees the parish's case (they serve it), yet a Maldon report is not linked to it."""
    assert visible_cases_for(world.users["mo"]).filter(pk=parish_case.pk).exists()
    refuses(
        ValidationError,
        "No case with that reference that you can see.",
        services.link_case_to_approach,
        field="reference",
        actor=world.users["mo"],
        approach=approach,
        reference=parish_case.reference,
    )


def test_an_approach_is_never_linked_to_another_councils_case_on_the_web(
    world, client, approach, parish_case
):
    client.force_login(world.users["mo"])
    response = client.post(
        f"/registers/approaches/{approach.pk}/link-case/",
        {"reference": parish_case.reference},
        follow=True,
    )
    assert response.status_code == 200
    assert "No case with that reference that you can see." in response.content.decode()
    assert ImproperApproach.objects.get(pk=approach.pk).case_id is None


# -- requests for an officer's help (Halstead 1.4) ----------------------------------------------
def _ask(world, **kwargs):
    values = {
        "actor": world.users["member_a"],
        "requested_by": world.person("member_a"),
        "officer": world.person("officer2"),
        "description": "Help drafting a motion.",
    }
    values.update(kwargs)
    return values


@pytest.mark.parametrize(
    ("overrides", "error", "field", "message"),
    [
        ({"actor": "member_b"}, PermissionRefused, None, "You can ask only in your own name"),
        (
            {"actor": "officer", "requested_by": "officer"},
            ValidationError,
            "requested_by",
            "Only a member asks for an officer's help.",
        ),
        ({"officer": "member_b"}, ValidationError, "officer", "Choose an officer of"),
        ({"officer": "other_mo"}, ValidationError, "officer", "Choose an officer of"),
        ({"description": ""}, ValidationError, "description", "Say what you would like"),
    ],
    ids=["someone-else", "an-officer-asks", "a-member", "elsewhere", "description"],
)
def test_asking_for_an_officers_help_refused(world, refuses, overrides, error, field, message):
    if "actor" in overrides:
        overrides["actor"] = world.users[overrides["actor"]]
    for key in ("requested_by", "officer"):
        if key in overrides:
            overrides[key] = world.person(overrides[key])
    refuses(error, message, services.request_officer_help, field=field, **_ask(world, **overrides))


@pytest.fixture
def help_request(world):
    return services.request_officer_help(**_ask(world))


def _decide(world, help_request, **kwargs):
    values = {
        "actor": world.users["clerk"],
        "request": help_request,
        "approve": True,
        "within_workload": True,
        "appropriate": True,
        "inform_all_members": False,
        "reason": "Fine.",
    }
    values.update(kwargs)
    return values


@pytest.mark.parametrize("actor", ["member_a", "officer2", "officer", "mo"])
def test_only_the_clerk_decides_a_help_request(world, refuses, help_request, actor):
    """Halstead 1.4: the Clerk decides; never the officer asked for, nor the member."""
    refuses(
        PermissionRefused,
        "Only the Clerk decides on requests for an officer's help.",
        services.decide_officer_help_request,
        **_decide(world, help_request, actor=world.users[actor]),
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"within_workload": False}, "decision", "within the officer's workload and appropriate"),
        ({"appropriate": False}, "decision", "within the officer's workload and appropriate"),
        ({"approve": False, "reason": " "}, "reason", "Give the reasons for the decision."),
    ],
    ids=["workload", "inappropriate", "no-reason"],
)
def test_a_help_decision_with_bad_answers(world, refuses, help_request, overrides, field, message):
    refuses(
        ValidationError,
        message,
        services.decide_officer_help_request,
        field=field,
        **_decide(world, help_request, **overrides),
    )


def test_a_help_request_decided_twice(world, refuses, help_request):
    services.decide_officer_help_request(**_decide(world, help_request))
    refuses(
        ActionNotAllowed,
        "This request has already been approved.",
        services.decide_officer_help_request,
        **_decide(world, help_request, approve=False),
    )


# -- ward notifications (Lancaster 10.1-10.5) ---------------------------------------------------
def _notify(world, **kwargs):
    values = {
        "actor": world.users["officer"],
        "council": world.council,
        "kind": WardNotificationKind.LOCATION_ISSUE,
        "wards": [world.wards["north"]],
        "subject": "Overhanging tree, Mill Lane",
        "details": "Tree surgeon booked.",
        "resident_name": "Ann Resident",
        "resident_contact": "01621 000000",
    }
    values.update(kwargs)
    return values


def test_a_member_sends_no_ward_notification(world, refuses):
    refuses(
        PermissionRefused,
        f"Only an officer of {world.council.name} can notify ward members.",
        services.record_ward_notification,
        **_notify(world, actor=world.users["member_a"]),
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"kind": "rumour"}, "kind", "Choose what the notification is about."),
        ({"wards": []}, "wards", "Choose the ward or wards affected."),
        ({"wards": "elsewhere"}, "wards", "Choose wards of"),
        ({"subject": " "}, "subject", "Enter a subject."),
        ({"details": ""}, "details", "Say what is happening and what is being done."),
        (
            {"kind": WardNotificationKind.PUBLIC_MEETING},
            "resident_name",
            "Only a resident's location-related issue names a resident.",
        ),
        (
            {"resident_name": "", "resident_contact": "", "resident_consents": True},
            "resident_consents_to_identity_sharing",
            "Enter the resident's details first.",
        ),
        (
            {"raised_via_councillor": "leader_c"},
            "raised_via_councillor",
            "Choose a councillor for one of the wards affected.",
        ),
        (
            {"raised_via_councillor": "officer"},
            "raised_via_councillor",
            "Choose a councillor for one of the wards affected.",
        ),
        ({"sharing_consent": "neighbour"}, "sharing_consent", "Choose who consented."),
        (
            {"sharing_consent": SharingConsent.RESIDENT},
            "sharing_consent",
            "needed only when one councillor raised the issue.",
        ),
    ],
    ids=[
        "kind",
        "no-wards",
        "wards-elsewhere",
        "subject",
        "details",
        "resident-on-a-meeting",
        "consent-without-resident",
        "councillor-of-another-ward",
        "an-officer-raised-it",
        "consent-unknown",
        "consent-without-councillor",
    ],
)
def test_a_ward_notification_with_bad_answers(world, refuses, overrides, field, message):
    if overrides.get("wards") == "elsewhere":
        overrides["wards"] = [WardFactory()]
    if "raised_via_councillor" in overrides:
        overrides["raised_via_councillor"] = world.person(overrides["raised_via_councillor"])
    if "resident_consents" in overrides:
        overrides["resident_consents_to_identity_sharing"] = overrides.pop("resident_consents")
    refuses(
        ValidationError,
        message,
        services.record_ward_notification,
        field=field,
        **_notify(world, **overrides),
    )


@pytest.fixture
def notification(world):
    return services.record_ward_notification(
        **_notify(world, resident_name="", resident_contact="", kind="public_meeting")
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "field", "message"),
    [
        (
            {"resident_consents_to_identity_sharing": True},
            ValidationError,
            "resident_consents_to_identity_sharing",
            "No resident is recorded.",
        ),
        ({"sharing_consent": "neighbour"}, ValidationError, "sharing_consent", "Choose who"),
        (
            {"sharing_consent": SharingConsent.RESIDENT},
            ValidationError,
            "sharing_consent",
            "No single councillor raised this issue.",
        ),
        (
            {"resident_consents_to_identity_sharing": False, "sharing_consent": ""},
            ActionNotAllowed,
            None,
            "Nothing changed: the consent is already recorded that way.",
        ),
    ],
    ids=["no-resident", "unknown-consent", "no-councillor", "nothing-changed"],
)
def test_recording_ward_consent_refused(
    world, refuses, notification, kwargs, error, field, message
):
    refuses(
        error,
        message,
        services.record_ward_consent,
        field=field,
        actor=world.users["officer"],
        notification=notification,
        **kwargs,
    )


# -- interest advice (Maldon 8.1) ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("actor", "member", "question", "error", "field", "message"),
    [
        ("member_b", "member_a", "May I vote?", PermissionRefused, None, "Only the member, or"),
        ("clerk", "member_a", "May I vote?", PermissionRefused, None, "Only the member, or"),
        ("other_mo", "member_a", "May I vote?", PermissionRefused, None, "Only the member, or"),
        ("mo", "officer", "May I vote?", ValidationError, "member", "is for members."),
        ("member_a", "member_a", "  ", ValidationError, "question", "Say what you would like"),
    ],
    ids=["another-member", "clerk", "another-councils-mo", "an-officer", "no-question"],
)
def test_asking_for_interest_advice_refused(
    world, refuses, actor, member, question, error, field, message
):
    refuses(
        error,
        message,
        services.ask_interest_advice,
        field=field,
        actor=world.users[actor],
        member=world.person(member),
        question=question,
    )


@pytest.fixture
def asked(world):
    return services.ask_interest_advice(
        actor=world.users["member_a"], member=world.person("member_a"), question="May I vote?"
    )


@pytest.mark.parametrize("actor", ["member_a", "clerk", "hops", "other_mo"])
def test_only_the_mo_gives_interest_advice(world, refuses, asked, actor):
    refuses(
        PermissionRefused,
        "Only the Monitoring Officer (or deputy) gives interest advice.",
        services.give_interest_advice,
        actor=world.users[actor],
        item=asked,
        advice="Yes.",
    )


def test_interest_advice_given_twice_or_empty(world, refuses, asked):
    refuses(
        ValidationError,
        "Enter the advice.",
        services.give_interest_advice,
        field="advice",
        actor=world.users["mo"],
        item=asked,
        advice=" ",
    )
    services.give_interest_advice(actor=world.users["dmo"], item=asked, advice="Declare it.")
    refuses(
        ActionNotAllowed,
        "Advice has already been given on this request.",
        services.give_interest_advice,
        actor=world.users["mo"],
        item=asked,
        advice="Again.",
    )


def test_a_login_with_no_council_record_gives_no_interest_advice(world, refuses, asked):
    """A login with no person behind it (an administrator) is refused by name, not by a crash."""
    from django.contrib.auth import get_user_model

    login = get_user_model().objects.create_user("ops", password="x")  # noqa: S106
    refuses(
        PermissionRefused,
        "Only the Monitoring Officer (or deputy) gives interest advice.",
        services.give_interest_advice,
        actor=login,
        item=asked,
        advice="Yes.",
    )


def test_a_login_with_no_council_record_declares_and_answers_nothing(world, refuses, briefing):
    from tests.factories import UserFactory

    login = UserFactory()
    refuses(
        PermissionRefused,
        "You can declare only your own relationships",
        services.declare_relationship,
        **_declare(world, actor=login),
    )
    offer = BriefingOffer.objects.get(briefing=briefing, group=world.groups["b"])
    refuses(
        PermissionRefused,
        "Only Group B or an officer of the council can answer this offer.",
        services.respond_to_offer,
        actor=login,
        offer=offer,
        status=OfferStatus.ACCEPTED,
    )

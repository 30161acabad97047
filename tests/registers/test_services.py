"""The registers' rules, through the services and the one selector per register."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from contacts.models import PersonalRelationship, Role
from protocol_site.errors import ActionNotAllowed, PermissionRefused
from registers import selectors, services
from registers.models import (
    ApproachKind,
    ApproachState,
    BriefingOffer,
    BriefingPolicy,
    ImmutableRegisterEvent,
    OfferStatus,
    Register,
    RegisterEvent,
    SharingConsent,
    WardNotificationKind,
)
from tests.factories import RoleAssignmentFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 2)


def _declare(world, declarer: str, related: str):
    return services.declare_relationship(
        actor=world.users[declarer],
        person=world.person(declarer),
        related_person=world.person(related),
        nature="Sibling",
        declared_on=DAY,
    )


# -- Personal relationships --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declarer", "related", "role", "declared_to", "recipients"),
    [
        # Maldon 5.1: the member notifies their Group Leader.
        ("member_a", "officer", Role.GROUP_LEADER, "leader_a", {"leader_a"}),
        # ... the officer informs the Head of Paid Service.
        ("officer", "member_b", Role.HEAD_OF_PAID_SERVICE, "hops", {"hops"}),
        # ... if the officer is the Head of Paid Service, they inform the Group Leaders.
        ("hops", "member_b", Role.GROUP_LEADER, None, {"leader_a", "leader_b", "leader_c"}),
    ],
)
def test_declaration_goes_to_the_protocols_recipient(
    world, django_capture_on_commit_callbacks, declarer, related, role, declared_to, recipients
):
    with django_capture_on_commit_callbacks(execute=True):
        rel = _declare(world, declarer, related)
    assert rel.declared_to_role == role
    assert rel.declared_to == (world.person(declared_to) if declared_to else None)
    assert {p.pk for p in rel.recipients.all()} == {world.person(k).pk for k in recipients}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(world.person(k).email for k in recipients)
    assert "Sibling" not in mail.outbox[0].body  # the email never carries the confidence


@pytest.mark.parametrize(
    ("declarer", "viewer", "sees"),
    [
        ("member_a", "member_a", True),  # the declarer
        ("member_a", "leader_a", True),  # their Group Leader
        ("member_a", "mo", True),
        ("member_a", "dmo", True),
        ("member_a", "leader_b", False),  # another group's leader
        ("member_a", "hops", False),  # a member's declaration is not the HoPS's
        ("member_a", "officer", False),  # not even the related officer
        ("member_a", "clerk", False),
        ("member_a", "other_mo", False),
        ("officer", "hops", True),
        ("officer", "leader_a", False),
        ("officer", "member_b", False),
        ("hops", "leader_a", True),
        ("hops", "leader_c", True),
        ("hops", "member_a", False),
    ],
)
def test_relationship_visibility(world, declarer, viewer, sees):
    related = "member_b" if declarer != "member_a" else "officer"
    rel = _declare(world, declarer, related)
    visible = selectors.visible_relationships_for(world.users[viewer])
    assert visible.filter(pk=rel.pk).exists() is sees


def test_successor_holder_of_the_role_sees_the_declaration(world):
    rel = _declare(world, "officer", "member_a")
    successor = world.person("officer2")
    RoleAssignmentFactory(person=successor, council=world.council, role=Role.HEAD_OF_PAID_SERVICE)
    assert selectors.visible_relationships_for(world.users["officer2"]).filter(pk=rel.pk).exists()


def test_nobody_declares_for_someone_else_except_clerk_or_mo(world):
    with pytest.raises(PermissionRefused):
        services.declare_relationship(
            actor=world.users["member_b"],
            person=world.person("member_a"),
            related_person=world.person("officer"),
            nature="Friend",
            declared_on=DAY,
        )
    rel = services.declare_relationship(
        actor=world.users["clerk"],
        person=world.person("member_a"),
        related_person=world.person("officer"),
        nature="Friend",
        declared_on=DAY,
    )
    assert rel.declared_by == world.users["clerk"]


def test_relationship_flags_and_ending(world):
    _declare(world, "member_a", "officer")
    flags = selectors.relationship_flags(world.person("officer"))
    assert [f.other for f in flags] == [world.person("member_a")]
    rel = PersonalRelationship.objects.get()
    services.end_relationship(actor=world.users["member_a"], relationship=rel, ended_on=DAY)
    later = DAY + datetime.timedelta(days=1)
    assert selectors.relationship_flags(world.person("officer"), on=later) == []
    with pytest.raises(ActionNotAllowed):
        services.end_relationship(actor=world.users["member_a"], relationship=rel, ended_on=DAY)


# -- Briefings -------------------------------------------------------------------------------


def _brief(world, group="a"):
    return services.record_briefing(
        actor=world.users["officer"],
        group=world.groups[group],
        officer=world.person("officer"),
        topic="Budget options",
        given_on=DAY,
        advice="Three options, costed.",
        decision_meeting="Council",
    )


def test_briefing_offers_the_same_to_every_other_group(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        briefing = _brief(world, "a")
    offers = {o.group.name: o.status for o in briefing.offers.all()}
    assert offers == {"Group B": OfferStatus.OFFERED, "Group C": OfferStatus.OFFERED}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.person("leader_b").email, world.person("leader_c").email]
    )
    offer_b = briefing.offers.get(group=world.groups["b"])
    services.respond_to_offer(actor=world.users["leader_b"], offer=offer_b, status="accepted")
    offer_c = briefing.offers.get(group=world.groups["c"])
    with pytest.raises(PermissionRefused):  # group B may not answer for group C
        services.respond_to_offer(actor=world.users["member_b"], offer=offer_c, status="declined")
    services.respond_to_offer(actor=world.users["leader_c"], offer=offer_c, status="declined")
    assert dict(BriefingOffer.objects.values_list("group__name", "status")) == {
        "Group B": "accepted",
        "Group C": "declined",
    }
    with pytest.raises(ActionNotAllowed):
        services.respond_to_offer(actor=world.users["leader_c"], offer=offer_c, status="accepted")


def test_only_an_officer_records_a_briefing(world):
    with pytest.raises(PermissionRefused):
        services.record_briefing(
            actor=world.users["leader_a"],
            group=world.groups["a"],
            officer=world.person("officer"),
            topic="x",
            given_on=DAY,
            advice="y",
        )


def test_lancaster_shares_only_on_the_briefed_groups_written_request(lancaster):
    briefing = _brief(lancaster)
    with pytest.raises(ActionNotAllowed, match="written request"):
        services.share_briefing_information(actor=lancaster.users["officer"], briefing=briefing)
    briefing.refresh_from_db()
    assert briefing.information_shared_at is None
    # Group B cannot read the advice yet.
    assert not selectors.briefing_advice_visible(lancaster.users["member_b"], briefing)
    services.record_written_request(
        actor=lancaster.users["officer"], briefing=briefing, received_on=DAY, reference="Letter"
    )
    services.share_briefing_information(actor=lancaster.users["officer"], briefing=briefing)
    briefing.refresh_from_db()
    assert briefing.information_shared_at is not None
    assert selectors.briefing_advice_visible(lancaster.users["member_b"], briefing)
    with pytest.raises(ActionNotAllowed):
        services.share_briefing_information(actor=lancaster.users["officer"], briefing=briefing)


@pytest.mark.parametrize("written_only", [True, False])
def test_the_policy_is_a_per_council_setting(world, written_only):
    BriefingPolicy.objects.create(council=world.council, share_only_on_written_request=written_only)
    briefing = _brief(world)
    if written_only:
        with pytest.raises(ActionNotAllowed):
            services.share_briefing_information(actor=world.users["officer"], briefing=briefing)
    else:  # Maldon 7.1: the advice is available to the other groups.
        services.share_briefing_information(actor=world.users["officer"], briefing=briefing)


@pytest.mark.parametrize(
    ("viewer", "sees_entry", "sees_advice"),
    [
        ("member_a", True, True),  # the briefed group
        ("member_b", True, False),  # offered, not yet shared
        ("independent", False, False),  # in no group: offered nothing
        ("officer", True, True),  # gave it
        ("officer2", False, False),  # another officer
        ("hops", True, True),
        ("clerk", True, True),
        ("mo", True, True),
        ("other_mo", False, False),
    ],
)
def test_briefing_visibility(world, viewer, sees_entry, sees_advice):
    briefing = _brief(world)
    user = world.users[viewer]
    assert selectors.visible_briefings_for(user).filter(pk=briefing.pk).exists() is sees_entry
    assert selectors.briefing_advice_visible(user, briefing) is sees_advice


def test_declining_a_group_meeting_as_too_political(world):
    row = services.record_declined_attendance(
        actor=world.users["officer"],
        group=world.groups["b"],
        officer=world.person("officer"),
        meeting_on=DAY,
        reason="Campaign planning on the agenda",
    )
    assert selectors.visible_declined_attendance_for(world.users["leader_b"]).get() == row
    assert not selectors.visible_declined_attendance_for(world.users["leader_a"]).exists()


# -- Improper approaches ---------------------------------------------------------------------


def _report(world, kind=ApproachKind.OFFICER_APPROACH, reporter="member_a", about="officer"):
    return services.report_improper_approach(
        actor=world.users[reporter],
        kind=kind,
        reported_by=world.person(reporter),
        about=world.person(about),
        occurred_on=DAY,
        description="Asked me to back his regrading.",
    )


def test_approach_goes_to_the_head_of_paid_service_and_is_tracked_to_an_outcome(world):
    approach = _report(world)
    assert approach.reported_to == world.person("hops")
    assert approach.state == ApproachState.REPORTED
    with pytest.raises(PermissionRefused):  # the reporter does not judge it
        services.start_approach_review(actor=world.users["member_a"], approach=approach)
    approach = services.start_approach_review(actor=world.users["hops"], approach=approach)
    assert approach.state == ApproachState.UNDER_REVIEW
    with pytest.raises(ActionNotAllowed):
        services.start_approach_review(actor=world.users["hops"], approach=approach)
    with pytest.raises(ValidationError):
        services.close_approach(actor=world.users["hops"], approach=approach, outcome=" ")
    approach = services.close_approach(
        actor=world.users["mo"], approach=approach, outcome="Advice given to the officer"
    )
    assert approach.state == ApproachState.CLOSED
    actions = list(
        RegisterEvent.objects.filter(register=Register.IMPROPER_APPROACH).values_list(
            "action", flat=True
        )
    )
    assert actions == ["reported", "review_started", "closed"]
    assert services.verify_chain(register=Register.IMPROPER_APPROACH, object_id=approach.pk)


def test_an_approach_by_the_head_of_paid_service_goes_to_the_mo(world):
    approach = _report(world, about="hops")
    assert approach.reported_to == world.person("mo")
    assert not selectors.visible_approaches_for(world.users["hops"]).filter(pk=approach.pk).exists()


@pytest.mark.parametrize(
    ("kind", "reporter", "about"),
    [
        (ApproachKind.OFFICER_APPROACH, "officer", "member_a"),
        (ApproachKind.MEMBER_PRESSURE, "member_a", "officer"),
    ],
)
def test_approach_parties_must_fit_the_kind(world, kind, reporter, about):
    with pytest.raises(ValidationError):
        _report(world, kind=kind, reporter=reporter, about=about)


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("member_a", True),
        ("hops", True),
        ("mo", True),
        ("dmo", True),
        ("officer", False),  # the officer it is about
        ("clerk", False),
        ("leader_a", False),
        ("other_mo", False),
    ],
)
def test_approach_visibility(world, viewer, sees):
    approach = _report(world)
    assert (
        selectors.visible_approaches_for(world.users[viewer]).filter(pk=approach.pk).exists()
        is sees
    )


# -- Officer help requests (Halstead 1.4) ------------------------------------------------------


def test_help_request_is_decided_by_the_clerk_and_all_members_told(
    world, django_capture_on_commit_callbacks
):
    request = services.request_officer_help(
        actor=world.users["member_a"],
        requested_by=world.person("member_a"),
        officer=world.person("officer2"),
        description="Help drafting a motion on parking",
    )
    assert not selectors.visible_help_requests_for(world.users["member_b"]).exists()
    with pytest.raises(PermissionRefused):
        services.decide_officer_help_request(
            actor=world.users["member_a"],
            request=request,
            approve=True,
            within_workload=True,
            appropriate=True,
            inform_all_members=True,
            reason="ok",
        )
    with pytest.raises(ValidationError):  # approving needs workload and propriety both
        services.decide_officer_help_request(
            actor=world.users["clerk"],
            request=request,
            approve=True,
            within_workload=False,
            appropriate=True,
            inform_all_members=False,
            reason="ok",
        )
    with django_capture_on_commit_callbacks(execute=True):
        request = services.decide_officer_help_request(
            actor=world.users["clerk"],
            request=request,
            approve=True,
            within_workload=True,
            appropriate=True,
            inform_all_members=True,
            reason="Within workload; of interest to all members",
        )
    assert request.decision == "approved"
    assert selectors.visible_help_requests_for(world.users["member_b"]).get() == request
    told = {m.to[0] for m in mail.outbox}
    assert world.person("independent").email in told
    with pytest.raises(ActionNotAllowed):
        services.decide_officer_help_request(
            actor=world.users["clerk"],
            request=request,
            approve=False,
            within_workload=True,
            appropriate=True,
            inform_all_members=False,
            reason="again",
        )


# -- Ward notifications (Lancaster 10.3-10.5) ------------------------------------------------------


def _issue(world, **kwargs):
    defaults = dict(
        actor=world.users["officer"],
        council=world.council,
        kind=WardNotificationKind.LOCATION_ISSUE,
        wards=[world.wards["north"]],
        subject="Overhanging tree, Mill Lane",
        details="Tree surgeon booked.",
        resident_name="Ann Resident",
        resident_contact="01621 000000",
    )
    defaults.update(kwargs)
    return services.record_ward_notification(**defaults)


@pytest.mark.parametrize(
    ("consents", "viewer", "sees_identity"),
    [
        (False, "member_a", False),
        (False, "officer2", True),  # officers of the council handle it
        (False, "clerk", True),
        (True, "member_a", True),
        (True, "leader_b", True),
    ],
)
def test_resident_identity_only_with_consent(world, consents, viewer, sees_identity):
    n = _issue(world, resident_consents_to_identity_sharing=consents)
    assert selectors.visible_ward_notifications_for(world.users[viewer]).filter(pk=n.pk).exists()
    assert selectors.resident_identity_visible(world.users[viewer], n) is sees_identity


@pytest.mark.parametrize(
    ("sharing", "viewer", "sees"),
    [
        (SharingConsent.NONE, "member_a", True),  # raised it for the resident
        (SharingConsent.NONE, "leader_a", False),  # same ward, no consent (Lancaster 10.5)
        (SharingConsent.NONE, "member_b", False),
        (SharingConsent.NONE, "leader_c", False),  # another ward altogether
        (SharingConsent.RESIDENT, "leader_a", True),
        (SharingConsent.RAISING_COUNCILLOR, "member_b", True),
        (SharingConsent.RESIDENT, "leader_c", False),
    ],
)
def test_multi_member_ward_sharing_needs_consent(world, sharing, viewer, sees):
    n = _issue(world, raised_via_councillor=world.person("member_a"), sharing_consent=sharing)
    assert (
        selectors.visible_ward_notifications_for(world.users[viewer]).filter(pk=n.pk).exists()
        is sees
    )


def test_consent_recorded_later_opens_the_notification(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        n = _issue(world, raised_via_councillor=world.person("member_a"))
    assert [m.to[0] for m in mail.outbox] == [world.person("member_a").email]
    assert not selectors.visible_ward_notifications_for(world.users["leader_a"]).exists()
    services.record_ward_consent(
        actor=world.users["officer"], notification=n, sharing_consent=SharingConsent.RESIDENT
    )
    assert selectors.visible_ward_notifications_for(world.users["leader_a"]).get() == n
    assert not selectors.resident_identity_visible(world.users["leader_a"], n)
    n = services.record_ward_consent(
        actor=world.users["officer"], notification=n, resident_consents_to_identity_sharing=True
    )
    assert selectors.resident_identity_visible(world.users["leader_a"], n)
    with pytest.raises(ActionNotAllowed):
        services.record_ward_consent(
            actor=world.users["officer"], notification=n, resident_consents_to_identity_sharing=True
        )
    with pytest.raises(PermissionRefused):
        services.record_ward_consent(
            actor=world.users["member_a"], notification=n, sharing_consent=""
        )


def test_sharing_consent_needs_a_raising_councillor(world):
    with pytest.raises(ValidationError) as err:
        _issue(world, sharing_consent=SharingConsent.RESIDENT)
    assert "sharing_consent" in err.value.message_dict


# -- Interest advice (Maldon 8.1) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("member_a", True),
        ("mo", True),
        ("dmo", True),
        ("leader_a", False),
        ("clerk", False),
        ("hops", False),
        ("other_mo", False),
    ],
)
def test_interest_advice_is_confidential(world, viewer, sees):
    item = services.ask_interest_advice(
        actor=world.users["member_a"], member=world.person("member_a"), question="My spouse's firm"
    )
    assert (
        selectors.visible_interest_advice_for(world.users[viewer]).filter(pk=item.pk).exists()
        is sees
    )


def test_only_the_mo_advises(world):
    item = services.ask_interest_advice(
        actor=world.users["member_a"], member=world.person("member_a"), question="Shares"
    )
    with pytest.raises(PermissionRefused):
        services.give_interest_advice(actor=world.users["clerk"], item=item, advice="x")
    item = services.give_interest_advice(actor=world.users["dmo"], item=item, advice="Declare it")
    assert item.state == "advised"
    assert item.advised_by == world.person("dmo")
    with pytest.raises(ActionNotAllowed):
        services.give_interest_advice(actor=world.users["mo"], item=item, advice="again")


# -- The audit trail -----------------------------------------------------------------------------


def test_register_events_are_immutable_and_chained(world):
    rel = _declare(world, "member_a", "officer")
    services.end_relationship(actor=world.users["member_a"], relationship=rel, ended_on=DAY)
    events = list(selectors.events_for(Register.RELATIONSHIP, rel.pk))
    assert [e.action for e in events] == ["declared", "ended"]
    assert events[1].previous_hash == events[0].hash
    assert services.verify_chain(register=Register.RELATIONSHIP, object_id=rel.pk)
    with pytest.raises(ImmutableRegisterEvent):
        events[0].save()
    with pytest.raises(ImmutableRegisterEvent):
        events[0].delete()
    # The append-only trigger (issue #11) refuses this UPDATE; lift it as a tamperer would.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        RegisterEvent.objects.filter(pk=events[0].pk).update(description="tampered")
        cursor.execute("SET session_replication_role = DEFAULT")
    assert not services.verify_chain(register=Register.RELATIONSHIP, object_id=rel.pk)

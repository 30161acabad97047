"""Who may see which register entry: ONE selector per register, and nothing else decides.

Every page, CSV export and API endpoint starts from these. An entry the user may not see is a
404 everywhere. Where part of an entry is withheld (a resident's identity, a briefing's advice),
the `*_visible` helpers below decide, and views, CSV and API all call them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from contacts.models import (
    Council,
    Person,
    PersonalRelationship,
    PersonKind,
    PoliticalGroup,
    Role,
    RoleAssignment,
)
from contacts.selectors import (
    administered_council_ids,
    held_on,
    monitoring_officer_council_ids,
    person_for,
    role_holders,
)

from .models import (
    Briefing,
    BriefingPolicy,
    DeclinedAttendance,
    ImproperApproach,
    InterestAdvice,
    OfficerHelpRequest,
    Register,
    RegisterEvent,
    WardNotification,
)

User = AuthUser | AnonymousUser

# Lancaster 3.1: briefing information passes to other groups only at the briefed group's written
# request. Used when a council has no BriefingPolicy row yet; the admin can override it.
SHIPPED_SHARE_ONLY_ON_WRITTEN_REQUEST = {"lancaster"}


def _today() -> datetime.date:
    return timezone.localdate()


def held_role_council_ids(
    person: Person, roles: list[str], on: datetime.date | None = None
) -> set[int]:
    """Councils for which `person` currently holds any of `roles`."""
    on = on or _today()
    return set(
        RoleAssignment.objects.filter(held_on(on), person=person, role__in=roles).values_list(
            "council_id", flat=True
        )
    )


@dataclass
class Viewer:
    """What one user is, computed once per request: their person and the councils they serve."""

    person: Person | None
    administered_ids: set[int] = field(default_factory=set)  # clerk / council admin / MO
    mo_ids: set[int] = field(default_factory=set)  # Monitoring Officer or deputy
    hops_ids: set[int] = field(default_factory=set)  # Head of Paid Service / Chief Executive
    clerk_ids: set[int] = field(default_factory=set)  # holds the Clerk role, or the clerk group
    group_leader_ids: set[int] = field(default_factory=set)  # councils where they lead a group

    @property
    def is_officer(self) -> bool:
        return self.person is not None and self.person.kind == PersonKind.OFFICER

    @property
    def is_councillor(self) -> bool:
        return self.person is not None and self.person.kind == PersonKind.COUNCILLOR


def viewer_for(user: User) -> Viewer:
    person = person_for(user)
    if person is None:
        return Viewer(person=None)
    administered = administered_council_ids(user)
    mo_ids = monitoring_officer_council_ids(person)
    roles = held_role_council_ids
    leads = set(PoliticalGroup.objects.filter(leader=person).values_list("council_id", flat=True))
    return Viewer(
        person=person,
        administered_ids=administered,
        mo_ids=mo_ids,
        hops_ids=roles(person, [Role.HEAD_OF_PAID_SERVICE]),
        # The clerk group administers the person's own council; the MO's councils are not theirs
        # to clerk.
        clerk_ids=roles(person, [Role.CLERK, Role.CASE_ADMINISTRATOR]) | (administered - mo_ids),
        group_leader_ids=leads | roles(person, [Role.GROUP_LEADER]),
    )


# -- Personal relationships (Maldon 5.1) -------------------------------------------------------


def visible_relationships_for(user: User) -> QuerySet[PersonalRelationship]:
    """The declarer, the people it was declared to (and the current holders of that role), and
    the Monitoring Officer (or deputy). Nobody else: not even the clerk (Maldon 5.1)."""
    viewer = viewer_for(user)
    person = viewer.person
    if person is None:
        return PersonalRelationship.objects.none()
    allowed = (
        Q(person=person)
        | Q(declared_to=person)
        | Q(recipients=person)
        | Q(council_id__in=viewer.mo_ids)
        | Q(declared_to_role=Role.HEAD_OF_PAID_SERVICE, council_id__in=viewer.hops_ids)
        # A member's declaration goes to *their* Group Leader, so a successor as leader of the
        # same group sees it; the leader of another group does not.
        | Q(declared_to_role=Role.GROUP_LEADER, person__political_group__leader=person)
        # The Head of Paid Service's own declaration goes to every Group Leader.
        | Q(notified_roles__contains=[Role.GROUP_LEADER], council_id__in=viewer.group_leader_ids)
    )
    ids = PersonalRelationship.objects.filter(allowed).values("pk")
    return PersonalRelationship.objects.filter(pk__in=ids).select_related(
        "council", "person", "related_person", "declared_to"
    )


@dataclass(frozen=True)
class RelationshipFlag:
    """A flag on a person: they take no part in the other's appointment or dismissal
    (Maldon 6.2). The nature of the relationship stays in the confidential register."""

    other: Person
    since: datetime.date


def relationship_flags(person: Person, on: datetime.date | None = None) -> list[RelationshipFlag]:
    on = on or _today()
    rows = (
        PersonalRelationship.objects.filter(
            Q(person=person) | Q(related_person=person),
            Q(ended_on__isnull=True) | Q(ended_on__gte=on),
            declared_on__lte=on,
        )
        .select_related("person", "related_person")
        .order_by("declared_on", "pk")
    )
    flags: list[RelationshipFlag] = []
    for row in rows:
        other = row.related_person if row.person_id == person.pk else row.person
        flags.append(RelationshipFlag(other=other, since=row.declared_on))
    return flags


def may_see_relationship_flags(user: User, person: Person) -> bool:
    """The person themself, and those who run appointments, dismissals and cases for the
    council: the clerk, the Monitoring Officer and the Head of Paid Service."""
    viewer = viewer_for(user)
    if viewer.person is None:
        return False
    if viewer.person.pk == person.pk:
        return True
    return person.council_id in (viewer.administered_ids | viewer.mo_ids | viewer.hops_ids)


# -- Political group briefings (Maldon 7.1, Lancaster 3.1-3.4, Hounslow 5-7) --------------------


def briefing_policy_for(council: Council) -> BriefingPolicy:
    try:
        return council.briefing_policy
    except BriefingPolicy.DoesNotExist:
        # The council's YAML configuration (`briefing_policy`) normally sets one; until then
        # Maldon 7.1's rule, or Lancaster 3.1's for Lancaster.
        lancaster = council.slug in SHIPPED_SHARE_ONLY_ON_WRITTEN_REQUEST
        return BriefingPolicy(
            council=council,
            share_only_on_written_request=lancaster,
            offer_to_all_groups=not lancaster,
            giver_roles=[Role.HEAD_OF_PAID_SERVICE, Role.SERVICE_HEAD] if lancaster else [],
            approval_role=Role.HEAD_OF_PAID_SERVICE if lancaster else "",
            protocol_reference="Lancaster 3.1" if lancaster else "Maldon 7.1",
        )


def _briefing_staff_ids(viewer: Viewer) -> set[int]:
    """Councils whose every briefing this viewer sees: the clerk, the MO and the Chief
    Executive (Lancaster 3.1: briefings are given by or with the approval of the Chief
    Executive; 3.4: difficulties go to the Chief Executive or the MO)."""
    return viewer.administered_ids | viewer.mo_ids | viewer.hops_ids


def visible_briefings_for(user: User) -> QuerySet[Briefing]:
    """Staff of the council; the officer who gave it; members of the briefed group and of the
    groups it was offered to (they see that it happened; the advice only once shared)."""
    viewer = viewer_for(user)
    person = viewer.person
    if person is None:
        return Briefing.objects.none()
    allowed = Q(council_id__in=_briefing_staff_ids(viewer)) | Q(officer=person)
    if viewer.is_councillor and person.political_group_id:
        allowed |= Q(group_id=person.political_group_id) | Q(
            offers__group_id=person.political_group_id
        )
    ids = Briefing.objects.filter(allowed).values("pk")
    return Briefing.objects.filter(pk__in=ids).select_related(
        "council", "group", "officer", "approved_by"
    )


def briefing_advice_visible(
    user: User, briefing: Briefing, *, viewer: Viewer | None = None
) -> bool:
    """Lancaster 3.3: officers do not relay one group's briefing to another unless asked; the
    other groups read the advice only once it has been shared.

    Pass `viewer` (from `viewer_for(user)`) when checking many rows for the same user.
    """
    viewer = viewer or viewer_for(user)
    person = viewer.person
    if person is None:
        return False
    if briefing.council_id in _briefing_staff_ids(viewer) or briefing.officer_id == person.pk:
        return True
    if person.political_group_id == briefing.group_id:
        return True
    return (
        briefing.information_shared_at is not None
        and briefing.offers.filter(group_id=person.political_group_id).exists()
    )


def visible_declined_attendance_for(user: User) -> QuerySet[DeclinedAttendance]:
    viewer = viewer_for(user)
    person = viewer.person
    if person is None:
        return DeclinedAttendance.objects.none()
    allowed = Q(council_id__in=_briefing_staff_ids(viewer)) | Q(officer=person)
    if viewer.is_councillor and person.political_group_id:
        allowed |= Q(group_id=person.political_group_id)
    return DeclinedAttendance.objects.filter(allowed).select_related("council", "group", "officer")


# -- Improper approaches (Maldon 3.3, Lancaster 5.1-5.2) ----------------------------------------


def visible_approaches_for(user: User) -> QuerySet[ImproperApproach]:
    """The reporter, the person it was reported to, the current Head of Paid Service / Chief
    Executive and the Monitoring Officer. Not the person it is about, nor the clerk."""
    viewer = viewer_for(user)
    person = viewer.person
    if person is None:
        return ImproperApproach.objects.none()
    allowed = (
        Q(reported_by=person)
        | Q(reported_to=person)
        | (Q(council_id__in=viewer.hops_ids) & ~Q(about=person))
        | Q(council_id__in=viewer.mo_ids)
    )
    return ImproperApproach.objects.filter(allowed).select_related(
        "council", "reported_by", "about", "reported_to", "case"
    )


def may_handle_approach(user: User, approach: ImproperApproach) -> bool:
    viewer = viewer_for(user)
    person = viewer.person
    if person is None or person.pk in (approach.about_id, approach.reported_by_id):
        return False
    return (
        approach.reported_to_id == person.pk
        or approach.council_id in viewer.hops_ids
        or approach.council_id in viewer.mo_ids
    )


# -- Requests for an officer's help (Halstead 1.4) ----------------------------------------------


def visible_help_requests_for(user: User) -> QuerySet[OfficerHelpRequest]:
    """The member asking, the officer asked for, the Clerk (and the MO); every member of the
    council once the Clerk decides all members should be told."""
    viewer = viewer_for(user)
    person = viewer.person
    if person is None:
        return OfficerHelpRequest.objects.none()
    allowed = (
        Q(requested_by=person)
        | Q(officer=person)
        | Q(council_id__in=viewer.clerk_ids | viewer.hops_ids | viewer.mo_ids)
    )
    if viewer.is_councillor:
        allowed |= Q(council_id=person.council_id, inform_all_members=True) & ~Q(decision="pending")
    return OfficerHelpRequest.objects.filter(allowed).select_related(
        "council", "requested_by", "officer"
    )


def may_decide_help_request(user: User, request: OfficerHelpRequest) -> bool:
    """Halstead 1.4: the Clerk decides (the Town Clerk is also the Head of Paid Service)."""
    viewer = viewer_for(user)
    if viewer.person is None or viewer.person.pk == request.officer_id:
        return False
    return request.council_id in (viewer.clerk_ids | viewer.hops_ids)


# -- Ward notifications (Lancaster 10.1-10.5, Hounslow 4.3) -------------------------------------


def _ward_staff_ids(viewer: Viewer) -> set[int]:
    ids = viewer.administered_ids | viewer.mo_ids
    if viewer.is_officer and viewer.person is not None:
        ids.add(viewer.person.council_id)
    return ids


def visible_ward_notifications_for(user: User) -> QuerySet[WardNotification]:
    """The council's officers, clerk and MO see every notification. A ward councillor sees
    those for their ward, except (Lancaster 10.5) an issue another ward councillor raised for a
    resident, unless the resident or that councillor consented to sharing it."""
    viewer = viewer_for(user)
    person = viewer.person
    if person is None:
        return WardNotification.objects.none()
    allowed = Q(council_id__in=_ward_staff_ids(viewer))
    if viewer.is_councillor and person.ward_id:
        allowed |= Q(wards=person.ward_id) & (
            Q(raised_via_councillor__isnull=True)
            | Q(raised_via_councillor=person)
            | ~Q(sharing_consent="")
        )
    ids = WardNotification.objects.filter(allowed).values("pk")
    return (
        WardNotification.objects.filter(pk__in=ids)
        .select_related("council", "notified_by", "raised_via_councillor")
        .prefetch_related("wards")
    )


def resident_identity_visible(
    user: User, notification: WardNotification, *, viewer: Viewer | None = None
) -> bool:
    """Lancaster 10.3: the resident's details are not passed on to ward councillors without the
    resident's consent. The councillor who raised it for the resident already has them (10.5).

    Pass `viewer` (from `viewer_for(user)`) when checking many rows for the same user.
    """
    viewer = viewer or viewer_for(user)
    person = viewer.person
    if person is None:
        return False
    if notification.council_id in _ward_staff_ids(viewer):
        return True
    if notification.raised_via_councillor_id == person.pk:
        return True
    return notification.resident_consents_to_identity_sharing


# -- Interest advice (Maldon 8.1) ---------------------------------------------------------------


def visible_interest_advice_for(user: User) -> QuerySet[InterestAdvice]:
    """Maldon 8.1: given in confidence: the member and the Monitoring Officer (and deputy)."""
    viewer = viewer_for(user)
    person = viewer.person
    if person is None:
        return InterestAdvice.objects.none()
    return InterestAdvice.objects.filter(
        Q(member=person) | Q(council_id__in=viewer.mo_ids)
    ).select_related("council", "member", "advised_by")


# -- The audit trail ---------------------------------------------------------------------------


def events_for(register: str, object_id: int) -> QuerySet[RegisterEvent]:
    """The trail of an entry; call only after the entry's own selector let the user see it."""
    return RegisterEvent.objects.filter(register=register, object_id=object_id).order_by("at", "pk")


def group_leaders_of(council: Council, on: datetime.date | None = None) -> list[Person]:
    """Maldon 5.1 "the Group Leaders": each group's leader, and anyone holding the role."""
    leaders = {p.pk: p for p in Person.objects.filter(groups_led__council=council).order_by("name")}
    for holding in role_holders(council=council, role=Role.GROUP_LEADER, on=on):
        leaders.setdefault(holding.person.pk, holding.person)
    return list(leaders.values())


__all__ = ["Register"]

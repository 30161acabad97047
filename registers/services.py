"""Use cases for the registers. Views, API, admin actions and commands all call these.

Each service is keyword-only and atomic, checks the actor may act, writes a `RegisterEvent`
and queues side effects (emails) with `transaction.on_commit`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from contacts.models import (
    Council,
    Person,
    PersonalRelationship,
    PersonKind,
    PoliticalGroup,
    Role,
    RoleAssignment,
    Ward,
)
from contacts.selectors import held_on, role_holders
from protocol_site.errors import ActionNotAllowed, PermissionRefused
from protocol_site.validators import one_line

from . import selectors
from .models import (
    ApproachKind,
    ApproachState,
    Briefing,
    BriefingOffer,
    DeclinedAttendance,
    HelpDecision,
    ImproperApproach,
    InterestAdvice,
    OfferStatus,
    OfficerHelpRequest,
    Register,
    RegisterEvent,
    SharingConsent,
    WardNotification,
    WardNotificationKind,
)

if TYPE_CHECKING:
    from cases.models import Case

User = AuthUser | AnonymousUser


# -- Audit ------------------------------------------------------------------------------------


def _actor_name(actor: User | None) -> str:
    if actor is None or not actor.is_authenticated:
        return "Protocol (automatic)"
    person = getattr(actor, "person", None)
    return str(person.name) if person is not None else actor.get_username()


def record_register_event(
    *,
    register: str,
    object_id: int,
    council: Council,
    actor: User | None,
    action: str,
    description: str = "",
    data: dict[str, Any] | None = None,
) -> RegisterEvent:
    """Append an immutable event chained to the entry's previous one.

    The chain is per entry; the callers hold the entry's row lock (or just created it), so the
    chain cannot fork.
    """
    return RegisterEvent.append(
        chain={"register": register, "object_id": object_id},
        council=council,
        at=timezone.now(),
        actor=_login(actor),
        actor_name=_actor_name(actor),
        action=action,
        description=description,
        data=data or {},
    )


def verify_chain(*, register: str, object_id: int) -> bool:
    """True when every event's hash matches its content and its predecessor."""
    previous = ""
    for event in selectors.events_for(register, object_id):
        if event.previous_hash != previous or not event.hash_matches():
            return False
        previous = event.hash
    return True


def _email_later(subject: str, body: str, people: Iterable[Person]) -> None:
    """Queue one plain email per person with an address, sent only if the transaction commits.

    The body never carries confidential detail: it tells people to sign in and look.
    """
    addresses = sorted({p.email for p in people if p.email})
    if not addresses:
        return
    subject = one_line(subject)  # a header is one line, whatever was typed (issue #23)
    messages = tuple((subject, body, settings.DEFAULT_FROM_EMAIL, [a]) for a in addresses)
    transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))


def _url(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _login(actor: User | None) -> AuthUser | None:
    """The login to record on a row: nobody for the system or an anonymous caller."""
    return actor if isinstance(actor, AuthUser) else None


def _acting_person(actor: User) -> Person:
    viewer = selectors.viewer_for(actor)
    if viewer.person is None:
        raise PermissionRefused("Only people recorded at a council can use the registers.")
    return viewer.person


def _acts_for(actor: User, person: Person) -> bool:
    """The person themself, or the clerk / MO recording for someone at their council."""
    viewer = selectors.viewer_for(actor)
    if viewer.person is None:
        return False
    return viewer.person.pk == person.pk or person.council_id in viewer.administered_ids


def _aware_now() -> datetime.datetime:
    return timezone.now()


# -- Personal relationships (Maldon 5.1 & 6.2, Hounslow 10, Halstead 4.4) -----------------------


def relationship_recipients(person: Person) -> tuple[str, Person | None, list[str], list[Person]]:
    """Who a declaration goes to: (role, the holder, roles told besides, everyone told).

    Maldon 5.1: the member notifies their Group Leader; the officer informs the Head of Paid
    Service; if the officer is the Head of Paid Service, they inform the Group Leaders.
    """
    council = person.council
    if person.kind == PersonKind.COUNCILLOR:
        group = person.political_group
        leader = group.leader if group is not None else None
        if leader is not None and leader.pk != person.pk:
            return Role.GROUP_LEADER, leader, [], [leader]
        # An independent member, or a group leader declaring: the Group Leader role holders
        # of the council stand in; the Monitoring Officer always sees the register.
        others = [p for p in selectors.group_leaders_of(council) if p.pk != person.pk]
        return Role.GROUP_LEADER, None, [Role.GROUP_LEADER] if others else [], others
    hops = [h.person for h in role_holders(council=council, role=Role.HEAD_OF_PAID_SERVICE)]
    if not hops:
        # A parish's Clerk is its head of paid service (Halstead 1.1: staff are under the
        # overall management of the Town Clerk).
        hops = [h.person for h in role_holders(council=council, role=Role.CLERK)]
    if any(h.pk == person.pk for h in hops):
        leaders = [p for p in selectors.group_leaders_of(council) if p.pk != person.pk]
        return Role.GROUP_LEADER, None, [Role.GROUP_LEADER], leaders
    if not hops:
        return Role.HEAD_OF_PAID_SERVICE, None, [], []
    return Role.HEAD_OF_PAID_SERVICE, hops[0], [], [hops[0]]


@transaction.atomic
def declare_relationship(
    *,
    actor: User,
    person: Person,
    related_person: Person,
    nature: str,
    declared_on: datetime.date,
) -> PersonalRelationship:
    if not _acts_for(actor, person):
        raise PermissionRefused(
            "You can declare only your own relationships, or record one as the clerk or "
            "Monitoring Officer of their council."
        )
    if related_person.pk == person.pk:
        raise ValidationError({"related_person": "Choose the other person, not the declarer."})
    if not nature.strip():
        raise ValidationError({"nature": "Say what the relationship is, e.g. family or social."})
    if declared_on > timezone.localdate():
        raise ValidationError({"declared_on": "The date cannot be in the future."})
    role, holder, notified_roles, recipients = relationship_recipients(person)
    relationship = PersonalRelationship.objects.create(
        council=person.council,
        person=person,
        related_person=related_person,
        nature=nature.strip(),
        declared_on=declared_on,
        declared_to_role=role,
        declared_to=holder,
        notified_roles=notified_roles,
        declared_by=_login(actor),
    )
    relationship.recipients.set(recipients)
    record_register_event(
        register=Register.RELATIONSHIP,
        object_id=relationship.pk,
        council=relationship.council,
        actor=actor,
        action="declared",
        description=f"Declared to the {Role(role).label}",
        data={
            "declared_to": holder.pk if holder else None,
            "notified_roles": notified_roles,
            "recipients": [p.pk for p in recipients],
        },
    )
    _email_later(
        "A personal relationship has been declared to you",
        "A personal relationship between a member and an officer has been declared to you "
        "under the Member/Officer Protocol. It is confidential. Sign in to read it: "
        + _url(f"/registers/relationships/{relationship.pk}/"),
        recipients,
    )
    return relationship


@transaction.atomic
def end_relationship(
    *, actor: User, relationship: PersonalRelationship, ended_on: datetime.date
) -> PersonalRelationship:
    relationship = PersonalRelationship.objects.select_for_update().get(pk=relationship.pk)
    if not _acts_for(actor, relationship.person):
        raise PermissionRefused("Only the declarer, the clerk or the MO can end a declaration.")
    if relationship.ended_on is not None:
        raise ActionNotAllowed("This relationship has already been recorded as ended.")
    if ended_on < relationship.declared_on:
        raise ValidationError({"ended_on": "The end date must be on or after the declaration."})
    relationship.ended_on = ended_on
    relationship.save(update_fields=["ended_on"])
    record_register_event(
        register=Register.RELATIONSHIP,
        object_id=relationship.pk,
        council=relationship.council,
        actor=actor,
        action="ended",
        data={"ended_on": ended_on.isoformat()},
    )
    return relationship


# -- Political group briefings (Maldon 7.1, Lancaster 3.1-3.4, Hounslow 5-7) --------------------


def _require_council_officer(actor: User, council: Council, doing: str) -> Person:
    viewer = selectors.viewer_for(actor)
    person = viewer.person
    if person is None or not (
        (viewer.is_officer and person.council_id == council.pk)
        or council.pk in viewer.administered_ids
    ):
        raise PermissionRefused(f"Only an officer of {council.name} can {doing}.")
    return person


@transaction.atomic
def record_briefing(
    *,
    actor: User,
    group: PoliticalGroup,
    officer: Person,
    topic: str,
    given_on: datetime.date,
    advice: str,
    decision_meeting: str = "",
    decision_meeting_on: datetime.date | None = None,
    approved_by: Person | None = None,
) -> Briefing:
    """Record a briefing given to one group, under the council's briefing policy.

    Maldon 7.1: a service made available to one group is made available to all groups, so the
    same is offered to every other group. Lancaster 3.1: briefings are given only by the Chief
    Executive or Service Heads, or with the Chief Executive's approval, and are not passed on
    to other groups as a matter of routine (only at the briefed group's written request).
    """
    council = group.council
    _require_council_officer(actor, council, "record a briefing")
    if officer.council_id != council.pk or officer.kind != PersonKind.OFFICER:
        raise ValidationError({"officer": f"Choose an officer of {council.name}."})
    policy = selectors.briefing_policy_for(council)
    approved_by = _check_briefing_giver(policy, council, officer, given_on, approved_by)
    if not topic.strip():
        raise ValidationError({"topic": "Enter the topic of the briefing."})
    if not advice.strip():
        raise ValidationError({"advice": "Enter the information and advice given."})
    briefing = Briefing.objects.create(
        council=council,
        group=group,
        officer=officer,
        topic=topic.strip(),
        given_on=given_on,
        advice=advice.strip(),
        decision_meeting=decision_meeting.strip(),
        decision_meeting_on=decision_meeting_on,
        approved_by=approved_by,
        recorded_by=_login(actor),
    )
    offers = _offer_to_other_groups(briefing) if policy.offer_to_all_groups else []
    description = (
        f"Briefing to {group.name}; offered to {len(offers)} other group(s)"
        if policy.offer_to_all_groups
        else f"Briefing to {group.name}; not passed on to other groups as a matter of routine "
        f"({policy.protocol_reference or 'council policy'})"
    )
    if approved_by is not None:
        description += f"; approved by {approved_by.name}"
    record_register_event(
        register=Register.BRIEFING,
        object_id=briefing.pk,
        council=council,
        actor=actor,
        action="recorded",
        description=description,
        data={
            "group": group.pk,
            "offered_to": [o.group_id for o in offers],
            "approved_by": approved_by.pk if approved_by is not None else None,
        },
    )
    return briefing


def _check_briefing_giver(
    policy: Any,
    council: Council,
    officer: Person,
    given_on: datetime.date,
    approved_by: Person | None,
) -> Person | None:
    """Lancaster 3.1: "Briefing of political groups should only be undertaken by the Chief
    Executive, or Service Heads, or otherwise with the approval of the Chief Executive". The
    approver kept, or None where the officer may brief on their own (or the council sets no
    such rule)."""
    givers = set(policy.giver_roles or [])
    if not givers:
        return None
    holds = RoleAssignment.objects.filter(
        held_on(given_on), person=officer, council=council, role__in=givers
    ).exists()
    if holds:
        return None
    titles = " or ".join(Role(r).label for r in sorted(givers) if r in Role.values)
    cite = policy.protocol_reference or "the council's protocol"
    if not policy.approval_role:
        raise ValidationError(
            {"officer": f"At {council.name} only the {titles} brief political groups ({cite})."}
        )
    approver_title = Role(policy.approval_role).label
    if approved_by is None:
        raise ValidationError(
            {
                "approved_by": f"{officer.name} is not the {titles}: at {council.name} they brief "
                f"a political group only with the approval of the {approver_title} ({cite}). "
                "Record who approved it."
            }
        )
    approvers = RoleAssignment.objects.filter(
        held_on(given_on), person=approved_by, council=council, role=policy.approval_role
    )
    if not approvers.exists():
        raise ValidationError(
            {
                "approved_by": f"{approved_by.name} was not the {approver_title} of "
                f"{council.name} on {given_on:%d %B %Y}."
            }
        )
    return approved_by


def _offer_to_other_groups(briefing: Briefing) -> list[BriefingOffer]:
    """Offer the same to every other group of the council, and email their leaders."""
    council = briefing.council
    now = _aware_now()
    others = (
        PoliticalGroup.objects.filter(council=council)
        .exclude(pk=briefing.group_id)
        .exclude(offers__briefing=briefing)
        .select_related("leader")
        .order_by("name")
    )
    offers = BriefingOffer.objects.bulk_create(
        [BriefingOffer(briefing=briefing, group=g, offered_at=now) for g in others]
    )
    leaders = [g.leader for g in others if g.leader is not None]
    _email_later(
        "An officer briefing is offered to your group",
        f"{council.name} has given a briefing on '{briefing.topic}' to another political "
        "group. The same service is available to your group (Member/Officer Protocol). Sign "
        "in to accept or decline: " + _url(f"/registers/briefings/{briefing.pk}/"),
        leaders,
    )
    return offers


def _may_answer_offer(actor: User, offer: BriefingOffer) -> bool:
    viewer = selectors.viewer_for(actor)
    person = viewer.person
    if person is None:
        return False
    council_id = offer.briefing.council_id
    if (viewer.is_officer and person.council_id == council_id) or council_id in (
        viewer.administered_ids
    ):
        return True
    return person.political_group_id == offer.group_id


@transaction.atomic
def respond_to_offer(
    *, actor: User, offer: BriefingOffer, status: str, note: str = ""
) -> BriefingOffer:
    offer = (
        BriefingOffer.objects.select_for_update()
        .select_related("briefing", "group")
        .get(pk=offer.pk)
    )
    if not _may_answer_offer(actor, offer):
        raise PermissionRefused(
            f"Only {offer.group.name} or an officer of the council can answer this offer."
        )
    if status not in (OfferStatus.ACCEPTED, OfferStatus.DECLINED):
        raise ValidationError({"status": "Choose accepted or declined."})
    if offer.status != OfferStatus.OFFERED:
        raise ActionNotAllowed(f"{offer.group.name} has already {offer.status} this offer.")
    offer.status = status
    offer.responded_at = _aware_now()
    offer.response_note = note.strip()
    offer.save(update_fields=["status", "responded_at", "response_note"])
    record_register_event(
        register=Register.BRIEFING,
        object_id=offer.briefing_id,
        council=offer.briefing.council,
        actor=actor,
        action=f"offer_{status}",
        description=f"{offer.group.name} {status} the offer",
        data={"group": offer.group_id},
    )
    return offer


@transaction.atomic
def record_written_request(
    *, actor: User, briefing: Briefing, received_on: datetime.date, reference: str = ""
) -> Briefing:
    """Lancaster 3.1: the briefed group asks in writing for its briefing to go to the others."""
    briefing = (
        Briefing.objects.select_for_update().select_related("council", "group").get(pk=briefing.pk)
    )
    _require_council_officer(actor, briefing.council, "record a written request")
    if briefing.written_request_received_on is not None:
        raise ActionNotAllowed("A written request is already recorded for this briefing.")
    if received_on < briefing.given_on:
        raise ValidationError({"received_on": "The request cannot come before the briefing."})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "The date cannot be in the future."})
    briefing.written_request_received_on = received_on
    briefing.written_request_reference = reference.strip()
    briefing.save(update_fields=["written_request_received_on", "written_request_reference"])
    record_register_event(
        register=Register.BRIEFING,
        object_id=briefing.pk,
        council=briefing.council,
        actor=actor,
        action="written_request_recorded",
        description=f"Written request from {briefing.group.name} received {received_on:%d %B %Y}",
        data={"received_on": received_on.isoformat()},
    )
    return briefing


@transaction.atomic
def share_briefing_information(*, actor: User, briefing: Briefing) -> Briefing:
    """Pass the briefing's information to the groups it was offered to.

    Lancaster 3.1: not as a matter of routine, only at the briefed group's written request,
    where the council's policy says so. Elsewhere (Maldon 7.1) the advice is available to the
    other groups before the decision meeting.
    """
    briefing = (
        Briefing.objects.select_for_update().select_related("council", "group").get(pk=briefing.pk)
    )
    _require_council_officer(actor, briefing.council, "share a briefing")
    if briefing.information_shared_at is not None:
        raise ActionNotAllowed("This briefing has already been shared with the other groups.")
    policy = selectors.briefing_policy_for(briefing.council)
    if policy.share_only_on_written_request and briefing.written_request_received_on is None:
        raise ActionNotAllowed(
            f"{briefing.council.name} passes briefing information to other groups only at the "
            f"written request of the group briefed ({briefing.group.name}): record the written "
            "request first (Lancaster 3.1)."
        )
    briefing.information_shared_at = _aware_now()
    briefing.save(update_fields=["information_shared_at"])
    if not policy.offer_to_all_groups:
        # Lancaster 3.1: at the briefed group's written request the information "may ... be
        # passed by the relevant officer to other groups also": offered now, not before.
        _offer_to_other_groups(briefing)
    groups = list(briefing.offers.values_list("group_id", flat=True))
    record_register_event(
        register=Register.BRIEFING,
        object_id=briefing.pk,
        council=briefing.council,
        actor=actor,
        action="information_shared",
        description="Briefing information passed to the other groups",
        data={"groups": groups},
    )
    return briefing


@transaction.atomic
def record_declined_attendance(
    *,
    actor: User,
    group: PoliticalGroup,
    officer: Person,
    meeting_on: datetime.date,
    reason: str,
) -> DeclinedAttendance:
    """Hounslow 7.2: an officer may decline to attend where the issue is so political that
    attending would be inappropriate (Lancaster 3.2(a), Maldon 7.1)."""
    council = group.council
    _require_council_officer(actor, council, "record a declined meeting")
    if officer.council_id != council.pk or officer.kind != PersonKind.OFFICER:
        raise ValidationError({"officer": f"Choose an officer of {council.name}."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the meeting was too political to attend."})
    row = DeclinedAttendance.objects.create(
        council=council,
        group=group,
        officer=officer,
        meeting_on=meeting_on,
        reason=reason.strip(),
        recorded_by=_login(actor),
    )
    record_register_event(
        register=Register.DECLINED_ATTENDANCE,
        object_id=row.pk,
        council=council,
        actor=actor,
        action="recorded",
        data={"group": group.pk, "officer": officer.pk},
    )
    return row


# -- Improper approaches and undue pressure (Maldon 3.3, Lancaster 5.1-5.2) ----------------------

# Who reports what about whom, and the case type it may become.
APPROACH_PARTIES: dict[str, tuple[str, str, str]] = {
    # Maldon 3.3 / Lancaster 5.2: a member reports an officer's approach.
    ApproachKind.OFFICER_APPROACH: (
        PersonKind.COUNCILLOR,
        PersonKind.OFFICER,
        "member_concern_about_officer",
    ),
    # Lancaster 5.1: an officer reports a member's undue pressure.
    ApproachKind.MEMBER_PRESSURE: (
        PersonKind.OFFICER,
        PersonKind.COUNCILLOR,
        "officer_concern_about_member",
    ),
}


def approach_recipient(council: Council, about: Person) -> tuple[str, Person | None]:
    """Maldon 3.3 the Head of Paid Service; Lancaster 5.2 the Chief Executive (the same role).
    An approach by the Head of Paid Service goes to the Monitoring Officer instead."""
    # A parish's Town Clerk heads its paid service (Halstead 1.1) when nobody holds the role.
    head_role = Role.HEAD_OF_PAID_SERVICE
    heads = [h.person for h in role_holders(council=council, role=head_role)]
    if not heads:
        head_role = Role.CLERK
        heads = [h.person for h in role_holders(council=council, role=head_role)]
    heads = [p for p in heads if p.pk != about.pk]
    if heads:
        return head_role, heads[0]
    mos = [h.person for h in role_holders(council=council, role=Role.MONITORING_OFFICER)]
    mos = [p for p in mos if p.pk != about.pk]
    if mos:
        return Role.MONITORING_OFFICER, mos[0]
    return Role.HEAD_OF_PAID_SERVICE, None


@transaction.atomic
def report_improper_approach(
    *,
    actor: User,
    kind: str,
    reported_by: Person,
    about: Person,
    occurred_on: datetime.date,
    description: str,
) -> ImproperApproach:
    if kind not in APPROACH_PARTIES:
        raise ValidationError({"kind": "Choose what kind of approach it was."})
    if not _acts_for(actor, reported_by):
        raise PermissionRefused("You can report only in your own name, or as the clerk or MO.")
    reporter_kind, about_kind, _ = APPROACH_PARTIES[kind]
    if reported_by.kind != reporter_kind:
        raise ValidationError({"kind": f"This kind of approach is reported by a {reporter_kind}."})
    if about.kind != about_kind or about.council_id != reported_by.council_id:
        raise ValidationError({"about": f"Choose a {about_kind} of {reported_by.council.name}."})
    if not description.strip():
        raise ValidationError({"description": "Say what happened."})
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": "The date cannot be in the future."})
    role, recipient = approach_recipient(reported_by.council, about)
    approach = ImproperApproach.objects.create(
        council=reported_by.council,
        kind=kind,
        reported_by=reported_by,
        about=about,
        reported_to_role=role,
        reported_to=recipient,
        occurred_on=occurred_on,
        reported_at=_aware_now(),
        description=description.strip(),
        recorded_by=_login(actor),
    )
    record_register_event(
        register=Register.IMPROPER_APPROACH,
        object_id=approach.pk,
        council=approach.council,
        actor=actor,
        action="reported",
        description=f"Reported to the {Role(role).label}",
        data={"reported_to": recipient.pk if recipient else None},
    )
    if recipient is not None:
        _email_later(
            "An improper approach has been reported to you",
            "An approach or pressure has been reported to you under the Member/Officer "
            "Protocol. Sign in to read it: " + _url(f"/registers/approaches/{approach.pk}/"),
            [recipient],
        )
    return approach


def _locked_approach(approach: ImproperApproach, actor: User, doing: str) -> ImproperApproach:
    approach = ImproperApproach.objects.select_for_update().get(pk=approach.pk)
    if not selectors.may_handle_approach(actor, approach):
        raise PermissionRefused(
            f"Only the person it was reported to, the Head of Paid Service or the Monitoring "
            f"Officer can {doing}."
        )
    return approach


def _move_approach(
    approach: ImproperApproach, *, actor: User, action: str, transition: Callable[[], object]
) -> ImproperApproach:
    """Run the approach's state transition, save it and audit the move from one state to the
    next."""
    before = approach.state
    transition()
    approach.save()
    record_register_event(
        register=Register.IMPROPER_APPROACH,
        object_id=approach.pk,
        council=approach.council,
        actor=actor,
        action=action,
        data={"from": before, "to": approach.state},
    )
    return approach


@transaction.atomic
def start_approach_review(*, actor: User, approach: ImproperApproach) -> ImproperApproach:
    approach = _locked_approach(approach, actor, "review it")
    if not can_proceed(approach.start_review):
        raise ActionNotAllowed(f"The report is {approach.get_state_display().lower()}.")
    return _move_approach(
        approach,
        actor=actor,
        action="review_started",
        transition=lambda: approach.start_review(at=_aware_now()),
    )


@transaction.atomic
def close_approach(*, actor: User, approach: ImproperApproach, outcome: str) -> ImproperApproach:
    approach = _locked_approach(approach, actor, "close it")
    if not outcome.strip():
        raise ValidationError({"outcome": "Record the outcome."})
    if not can_proceed(approach.close):
        raise ActionNotAllowed("The report is already closed.")
    return _move_approach(
        approach,
        actor=actor,
        action="closed",
        transition=lambda: approach.close(at=_aware_now(), outcome=outcome.strip()),
    )


@transaction.atomic
def open_case_for_approach(*, actor: User, approach: ImproperApproach) -> ImproperApproach:
    """Open a dispute case from the report when the council's protocol has a route for it.

    An approach by an officer becomes the member's concern about that officer; a member's
    pressure becomes the officer's concern about that member. Without a published route the
    case engine refuses (400) and the report stays as it is.
    """
    from cases.permissions import may_open_case
    from cases.services import open_case

    approach = _locked_approach(approach, actor, "open a case from it")
    if approach.case_id is not None:
        raise ActionNotAllowed("A case is already linked to this report.")
    if approach.state == ApproachState.CLOSED:
        raise ActionNotAllowed("The report is closed.")
    _, _, case_type = APPROACH_PARTIES[approach.kind]
    # The Head of Paid Service handling the report may not log cases for others under the case
    # engine's own rules; the report itself authorises this one (Maldon 3.3), so the case is
    # opened as automatic and this register's event names who did it.
    reporter = approach.reported_by
    may_log = may_open_case(actor, council=approach.council, raised_by=reporter)
    case = open_case(
        council=approach.council,
        case_type=case_type,
        raised_by=reporter,
        about=approach.about,
        channel="in_person",
        received_at=approach.reported_at,
        summary=approach.description,
        actor=actor if may_log else None,
    )
    return _attach_case(approach, case, actor=actor, how="opened")


def _attach_case(
    approach: ImproperApproach, case: Case, *, actor: User, how: str
) -> ImproperApproach:
    """Record on the approach the case it led to ("opened") or was matched with ("linked")."""
    approach.case = case
    approach.save(update_fields=["case"])
    record_register_event(
        register=Register.IMPROPER_APPROACH,
        object_id=approach.pk,
        council=approach.council,
        actor=actor,
        action=f"case_{how}",
        description=f"Case {case.reference} {how}",
        data={"case": case.pk},
    )
    return approach


@transaction.atomic
def link_case_to_approach(
    *, actor: User, approach: ImproperApproach, reference: str
) -> ImproperApproach:
    """Link an existing case (e.g. one opened by hand) the actor can see."""
    from cases.selectors import visible_cases_for

    approach = _locked_approach(approach, actor, "link a case")
    case = visible_cases_for(actor).filter(reference__iexact=reference.strip()).first()
    if case is None or case.council_id != approach.council_id:
        raise ValidationError({"reference": "No case with that reference that you can see."})
    return _attach_case(approach, case, actor=actor, how="linked")


# -- Requests for a particular officer's help (Halstead 1.4) ------------------------------------


@transaction.atomic
def request_officer_help(
    *, actor: User, requested_by: Person, officer: Person, description: str
) -> OfficerHelpRequest:
    """Halstead 1.4: a member asks for a particular officer's help through the Clerk."""
    if not _acts_for(actor, requested_by):
        raise PermissionRefused("You can ask only in your own name, or record it as the Clerk.")
    if requested_by.kind != PersonKind.COUNCILLOR:
        raise ValidationError({"requested_by": "Only a member asks for an officer's help."})
    if officer.kind != PersonKind.OFFICER or officer.council_id != requested_by.council_id:
        raise ValidationError({"officer": f"Choose an officer of {requested_by.council.name}."})
    if not description.strip():
        raise ValidationError({"description": "Say what you would like the officer to do."})
    row = OfficerHelpRequest.objects.create(
        council=requested_by.council,
        requested_by=requested_by,
        officer=officer,
        description=description.strip(),
        requested_at=_aware_now(),
        recorded_by=_login(actor),
    )
    record_register_event(
        register=Register.OFFICER_HELP,
        object_id=row.pk,
        council=row.council,
        actor=actor,
        action="requested",
        data={"officer": officer.pk},
    )
    clerks = [h.person for h in role_holders(council=row.council, role=Role.CLERK)]
    _email_later(
        "A member asks for an officer's help",
        "A member has asked for a particular officer's help. Please decide on it: "
        + _url(f"/registers/officer-help/{row.pk}/"),
        clerks,
    )
    return row


@transaction.atomic
def decide_officer_help_request(
    *,
    actor: User,
    request: OfficerHelpRequest,
    approve: bool,
    within_workload: bool,
    appropriate: bool,
    inform_all_members: bool,
    reason: str,
) -> OfficerHelpRequest:
    """Halstead 1.4: the Clerk assesses the officer's workload, whether the request is
    appropriate, and whether all members should be informed of it."""
    request = OfficerHelpRequest.objects.select_for_update().get(pk=request.pk)
    if not selectors.may_decide_help_request(actor, request):
        raise PermissionRefused("Only the Clerk decides on requests for an officer's help.")
    if request.decision != HelpDecision.PENDING:
        raise ActionNotAllowed(f"This request has already been {request.decision}.")
    if approve and not (within_workload and appropriate):
        raise ValidationError(
            {
                "decision": "A request can be approved only if it is within the officer's "
                "workload and appropriate."
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": "Give the reasons for the decision."})
    request.decision = HelpDecision.APPROVED if approve else HelpDecision.REFUSED
    request.within_workload = within_workload
    request.appropriate = appropriate
    request.inform_all_members = inform_all_members
    request.decision_reason = reason.strip()
    request.decided_by = _login(actor)
    request.decided_at = _aware_now()
    request.save()
    record_register_event(
        register=Register.OFFICER_HELP,
        object_id=request.pk,
        council=request.council,
        actor=actor,
        action=request.decision,
        data={
            "within_workload": within_workload,
            "appropriate": appropriate,
            "inform_all_members": inform_all_members,
        },
    )
    notify = [request.requested_by, request.officer]
    if inform_all_members:
        notify += list(request.council.people.filter(kind=PersonKind.COUNCILLOR))
    _email_later(
        "A request for an officer's help has been decided",
        f"The Clerk has {request.decision} a member's request for an officer's help. Sign in to "
        "read it: " + _url(f"/registers/officer-help/{request.pk}/"),
        notify,
    )
    return request


# -- Ward notifications (Lancaster 10.1-10.5, Hounslow 4.3) -------------------------------------


@transaction.atomic
def record_ward_notification(
    *,
    actor: User,
    council: Council,
    kind: str,
    wards: list[Ward],
    subject: str,
    details: str,
    location: str = "",
    event_on: datetime.date | None = None,
    resident_name: str = "",
    resident_contact: str = "",
    resident_consents_to_identity_sharing: bool = False,
    raised_via_councillor: Person | None = None,
    sharing_consent: str = SharingConsent.NONE,
) -> WardNotification:
    officer = _require_council_officer(actor, council, "notify ward members")
    errors: dict[str, str] = {}
    if kind not in WardNotificationKind.values:
        errors["kind"] = "Choose what the notification is about."
    if not wards:
        errors["wards"] = "Choose the ward or wards affected."
    elif any(w.council_id != council.pk for w in wards):
        errors["wards"] = f"Choose wards of {council.name}."
    if not subject.strip():
        errors["subject"] = "Enter a subject."
    if not details.strip():
        errors["details"] = "Say what is happening and what is being done."
    has_resident = bool(resident_name.strip() or resident_contact.strip())
    if has_resident and kind != WardNotificationKind.LOCATION_ISSUE:
        errors["resident_name"] = "Only a resident's location-related issue names a resident."
    if resident_consents_to_identity_sharing and not has_resident:
        errors["resident_consents_to_identity_sharing"] = "Enter the resident's details first."
    if raised_via_councillor is not None and (
        raised_via_councillor.kind != PersonKind.COUNCILLOR
        or raised_via_councillor.ward_id not in {w.pk for w in wards}
    ):
        errors["raised_via_councillor"] = "Choose a councillor for one of the wards affected."
    if sharing_consent not in SharingConsent.values:
        errors["sharing_consent"] = "Choose who consented."
    elif sharing_consent and raised_via_councillor is None:
        errors["sharing_consent"] = (
            "Consent to share with the other ward councillors is needed only when one "
            "councillor raised the issue."
        )
    if errors:
        raise ValidationError(errors)
    now = _aware_now()
    notification = WardNotification.objects.create(
        council=council,
        kind=kind,
        subject=subject.strip(),
        details=details.strip(),
        location=location.strip(),
        event_on=event_on,
        notified_at=now,
        notified_by=officer,
        resident_name=resident_name.strip(),
        resident_contact=resident_contact.strip(),
        resident_consents_to_identity_sharing=resident_consents_to_identity_sharing,
        identity_consent_recorded_at=now if resident_consents_to_identity_sharing else None,
        raised_via_councillor=raised_via_councillor,
        sharing_consent=sharing_consent,
        sharing_consent_recorded_at=now if sharing_consent else None,
        recorded_by=_login(actor),
    )
    notification.wards.set(wards)
    record_register_event(
        register=Register.WARD_NOTIFICATION,
        object_id=notification.pk,
        council=council,
        actor=actor,
        action="notified",
        data={
            "wards": [w.pk for w in wards],
            "identity_consent": resident_consents_to_identity_sharing,
            "sharing_consent": sharing_consent,
        },
    )
    _email_later(
        f"Ward notification: {notification.subject}",
        "There is a new notification for your ward. Sign in to read it: "
        + _url(f"/registers/ward-notifications/{notification.pk}/"),
        ward_recipients(notification),
    )
    return notification


def ward_recipients(notification: WardNotification) -> list[Person]:
    """The ward councillors who may see the notification (Lancaster 10.5)."""
    councillors = Person.objects.filter(
        kind=PersonKind.COUNCILLOR, ward__in=notification.wards.all()
    ).distinct()
    if notification.raised_via_councillor is not None and not notification.sharing_consent:
        councillors = councillors.filter(pk=notification.raised_via_councillor.pk)
    return list(councillors)


@transaction.atomic
def record_ward_consent(
    *,
    actor: User,
    notification: WardNotification,
    resident_consents_to_identity_sharing: bool | None = None,
    sharing_consent: str | None = None,
) -> WardNotification:
    """Record (or withdraw) the resident's consent to name them, and the consent to tell the
    other ward councillors (Lancaster 10.3-10.5)."""
    notification = WardNotification.objects.select_for_update().get(pk=notification.pk)
    _require_council_officer(actor, notification.council, "record consent")
    changes: dict[str, Any] = {}
    now = _aware_now()
    if resident_consents_to_identity_sharing is not None:
        if resident_consents_to_identity_sharing and not (
            notification.resident_name or notification.resident_contact
        ):
            raise ValidationError(
                {"resident_consents_to_identity_sharing": "No resident is recorded."}
            )
        if (
            resident_consents_to_identity_sharing
            != notification.resident_consents_to_identity_sharing
        ):
            notification.resident_consents_to_identity_sharing = (
                resident_consents_to_identity_sharing
            )
            notification.identity_consent_recorded_at = (
                now if resident_consents_to_identity_sharing else None
            )
            changes["identity_consent"] = resident_consents_to_identity_sharing
    if sharing_consent is not None:
        if sharing_consent not in SharingConsent.values:
            raise ValidationError({"sharing_consent": "Choose who consented."})
        if sharing_consent and notification.raised_via_councillor_id is None:
            raise ValidationError({"sharing_consent": "No single councillor raised this issue."})
        if sharing_consent != notification.sharing_consent:
            notification.sharing_consent = sharing_consent
            notification.sharing_consent_recorded_at = now if sharing_consent else None
            changes["sharing_consent"] = sharing_consent
    if not changes:
        raise ActionNotAllowed("Nothing changed: the consent is already recorded that way.")
    notification.save()
    record_register_event(
        register=Register.WARD_NOTIFICATION,
        object_id=notification.pk,
        council=notification.council,
        actor=actor,
        action="consent_recorded",
        data=changes,
    )
    return notification


# -- Interest advice (Maldon 8.1) ---------------------------------------------------------------


def _is_mo_for(actor: User, council_id: int) -> bool:
    return council_id in selectors.viewer_for(actor).mo_ids


@transaction.atomic
def ask_interest_advice(*, actor: User, member: Person, question: str) -> InterestAdvice:
    viewer = selectors.viewer_for(actor)
    if viewer.person is None or not (
        viewer.person.pk == member.pk or member.council_id in viewer.mo_ids
    ):
        raise PermissionRefused("Only the member, or the Monitoring Officer, records the request.")
    if member.kind != PersonKind.COUNCILLOR:
        raise ValidationError({"member": "Interest advice is for members."})
    if not question.strip():
        raise ValidationError({"question": "Say what you would like advice on."})
    item = InterestAdvice.objects.create(
        council=member.council, member=member, question=question.strip(), asked_at=_aware_now()
    )
    record_register_event(
        register=Register.INTEREST_ADVICE,
        object_id=item.pk,
        council=item.council,
        actor=actor,
        action="asked",
    )
    monitoring_officers = [
        h.person for h in role_holders(council=member.council, role=Role.MONITORING_OFFICER)
    ]
    _email_later(
        "A member asks for advice on an interest",
        "A member has asked for your advice on disclosing an interest, in confidence: "
        + _url(f"/registers/interest-advice/{item.pk}/"),
        monitoring_officers,
    )
    return item


@transaction.atomic
def give_interest_advice(*, actor: User, item: InterestAdvice, advice: str) -> InterestAdvice:
    item = InterestAdvice.objects.select_for_update().get(pk=item.pk)
    if not _is_mo_for(actor, item.council_id):
        raise PermissionRefused("Only the Monitoring Officer (or deputy) gives interest advice.")
    if item.advised_at is not None:
        raise ActionNotAllowed("Advice has already been given on this request.")
    if not advice.strip():
        raise ValidationError({"advice": "Enter the advice."})
    item.advice = advice.strip()
    item.advised_by = _acting_person(actor)
    item.advised_at = _aware_now()
    item.state = "advised"
    item.save()
    record_register_event(
        register=Register.INTEREST_ADVICE,
        object_id=item.pk,
        council=item.council,
        actor=actor,
        action="advised",
    )
    _email_later(
        "Your Monitoring Officer has advised on your interest",
        "The Monitoring Officer has answered your request for advice. It is confidential. "
        "Maldon 8.1: it is for you to decide whether to disclose the interest. Sign in to read "
        "it: " + _url(f"/registers/interest-advice/{item.pk}/"),
        [item.member],
    )
    return item

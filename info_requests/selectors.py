"""Read queries for information requests. `visible_info_requests_for` is the one place that
decides who sees a request; every list, detail, letter and API view starts from it."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from clocks.models import Deadline
from contacts.models import DEPUTY_ROLE, SERVICE_HEAD_ROLES, Council, Role, RoleAssignment
from contacts.selectors import (
    UserGroup,
    held_on,
    monitoring_officer_council_ids,
    person_for,
    user_group_names,
)

from .models import InfoEventAction, InfoRequest, InfoRequestEvent, InformationPolicy

User = AuthUser | AnonymousUser

# The policy fields naming a role that takes part in deciding a request.
POLICY_ROLE_FIELDS = ("decider_role", "need_to_know_role", "dispute_role", "review_role")


def held_roles(user: User, council: Council, on: datetime.date | None = None) -> set[str]:
    """The roles `user` holds for `council` today. A deputy MO stands in for the MO, and the
    lending council's MO serves a parish (Halstead → Braintree, West Lavington → Wiltshire)."""
    person = person_for(user)
    if person is None:
        return set()
    on = on or timezone.localdate()
    roles: set[str] = set()
    for role, council_id in RoleAssignment.objects.filter(held_on(on), person=person).values_list(
        "role", "council_id"
    ):
        if council_id == council.pk:
            roles.add(role)
    if council.pk in monitoring_officer_council_ids(person, on):
        roles.add(Role.MONITORING_OFFICER)
    for role, deputy in DEPUTY_ROLE.items():
        if deputy in roles:
            roles.add(role)
    return roles


def administers(user: User, council: Council) -> bool:
    """A clerk or council administrator of `council` (they log and manage its requests)."""
    person = person_for(user)
    if person is None or person.council_id != council.pk:
        return False
    groups = user_group_names(user)
    return bool(groups & {UserGroup.CLERK, UserGroup.COUNCIL_ADMIN})


def visible_info_requests_for(user: User) -> QuerySet[InfoRequest]:
    """Requests `user` may see: the member who asked; the clerks and council administrators of
    the council; whoever holds a role the council's policy names (decider, need-to-know,
    dispute, review) - but a Director or Service Head deciding as head of the service holding
    the information sees only the requests naming them as decider, or naming no decider yet;
    the Monitoring Officer (or deputy) serving the council, borrowed or not.
    Anyone else sees nothing, and gets a 404 for the request."""
    qs = InfoRequest.objects.select_related("council", "requested_by", "decider")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    person = person_for(user)
    if person is None:
        return qs.none()
    on = timezone.localdate()
    visible = Q(requested_by=person) | Q(decider=person)
    if administers(user, person.council):
        visible |= Q(council_id=person.council_id)
    mo_councils = monitoring_officer_council_ids(person, on)
    if mo_councils:
        visible |= Q(council_id__in=mo_councils)
    for role, council_id in RoleAssignment.objects.filter(held_on(on), person=person).values_list(
        "role", "council_id"
    ):
        by_policy = Q()
        for field in POLICY_ROLE_FIELDS:
            by_field = Q(**{f"council__information_policy__{field}": role})
            if role in SERVICE_HEAD_ROLES:
                # Maldon 10.2 / Lancaster 8.6: where the head of the service holding the
                # information is named as decider, the council's other heads do not see the
                # request (the decider sees it above); unnamed, the role still sees it.
                by_field &= ~Q(council__information_policy__decider_role=role) | Q(
                    decider__isnull=True
                )
            by_policy |= by_field
        if role == Role.HEAD_OF_PAID_SERVICE:
            # Hounslow 5.3: the HoPS agrees with the group leaders what is provided.
            by_policy |= Q(council__information_policy__resource_pause=True)
        visible |= Q(council_id=council_id) & by_policy
    return qs.filter(visible).distinct()


def info_request_detail(user: User, reference: str) -> InfoRequest:
    """The request with `reference` if `user` may see it (raises InfoRequest.DoesNotExist)."""
    return (
        visible_info_requests_for(user)
        .prefetch_related(
            "items",
            Prefetch("deadlines", queryset=Deadline.objects.order_by("starts_at", "pk")),
            Prefetch(
                "events", queryset=InfoRequestEvent.objects.order_by("at", "pk").select_related()
            ),
        )
        .get(reference=reference)
    )


def policy_for(council: Council) -> InformationPolicy:
    try:
        return council.information_policy
    except InformationPolicy.DoesNotExist:
        return InformationPolicy.default_for(council)


def councils_user_may_log_for(user: User) -> QuerySet[Council]:
    """A member logs their own request; a clerk or officer logs one for a member of their
    council."""
    person = person_for(user)
    if user.is_superuser:
        return Council.objects.all()
    if person is None:
        return Council.objects.none()
    return Council.objects.filter(pk=person.council_id)


# The history entries whose words are meant for the member; the rest (file notes, legal advice,
# resource discussions) show the member only that the step happened. Item markings and letters
# issued are the officers' file alone.
MEMBER_READABLE_EVENTS = {
    InfoEventAction.CREATED,
    InfoEventAction.REFUSED,
    InfoEventAction.DISPUTED,
    InfoEventAction.CLARIFICATION_SOUGHT,
    InfoEventAction.CLARIFICATION_RECEIVED,
    InfoEventAction.FOI_DECIDED,
    InfoEventAction.REVIEW_REQUESTED,
    InfoEventAction.REVIEW_DECIDED,
    InfoEventAction.ICO_RECORDED,
    InfoEventAction.WITHDRAWN,
}
OFFICER_ONLY_EVENTS = {InfoEventAction.ITEM_ADDED, InfoEventAction.ITEM_ASSESSED}


def sees_officers_file(user: User, info_request: InfoRequest) -> bool:
    """Whether `user` reads the officers' file (reasons for the file, legal advice, item
    markings), not just the member's view: an administrator of the council, anyone holding a
    role its policy names (or the HoPS, Hounslow 5.3), the serving Monitoring Officer. The member
    who asked, and anyone else, does not."""
    if user.is_superuser:
        return True
    council = info_request.council
    if administers(user, council):
        return True
    policy = policy_for(council)
    roles = {getattr(policy, field) for field in POLICY_ROLE_FIELDS} - {""}
    roles.add(Role.HEAD_OF_PAID_SERVICE)
    return bool(held_roles(user, council) & roles)


def history_for(user: User, info_request: InfoRequest) -> list[tuple[InfoRequestEvent, str]]:
    """(event, the words `user` may read) for each history entry `user` may see."""
    officer = sees_officers_file(user, info_request)
    rows = []
    for event in info_request.events.all():
        if not officer and event.action in OFFICER_ONLY_EVENTS:
            continue
        readable = officer or event.action in MEMBER_READABLE_EVENTS
        rows.append((event, event.reason if readable else ""))
    return rows

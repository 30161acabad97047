"""Read queries for councils, people and roles: "who holds what, where, when"."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import (
    BORROWED_ROLES,
    DEPUTY_ROLE,
    Capacity,
    Council,
    Person,
    PersonKind,
    Role,
    RoleAssignment,
    Service,
    ServiceMembership,
)


class UserGroup:
    """Names of the Django auth groups; capabilities hang off these, scope off roles."""

    CLERK = "clerk"
    COUNCILLOR = "councillor"
    OFFICER = "officer"
    MONITORING_OFFICER = "monitoring_officer"
    COUNCIL_ADMIN = "council_admin"
    ALL = (CLERK, COUNCILLOR, OFFICER, MONITORING_OFFICER, COUNCIL_ADMIN)


@dataclass(frozen=True)
class Holding:
    person: Person
    role: str
    council: Council  # the council asked about
    via_council: Council  # the council the assignment is recorded against
    capacity: str
    is_deputy: bool

    @property
    def borrowed(self) -> bool:
        """True when the holder is another council's officer (a parish's borrowed MO)."""
        return self.person.council_id != self.council.pk

    @property
    def description(self) -> str:
        parts = [Role(self.role).label]
        if self.capacity == Capacity.ACTING:
            parts.insert(0, "Acting")
        if self.person.council_id != self.council.pk:
            parts.append(f"({self.person.council.name})")
        return " ".join(parts)


def held_on(on: datetime.date) -> Q:
    """Role assignments (or anything dated `starts_on`/`ends_on`) in force on the day `on`."""
    return Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))


def _today() -> datetime.date:
    return timezone.localdate()


def role_councils(council: Council, role: str) -> list[Council]:
    """Councils whose `role` assignments count for `council`: itself, and for the MO its lender."""
    lender = council.monitoring_officer_council
    if role in BORROWED_ROLES and lender is not None:
        return [council, lender]
    return [council]


def role_holders(
    *, council: Council, role: str, on: datetime.date | None = None, include_deputies: bool = True
) -> list[Holding]:
    """Who holds `role` for `council` on `on`, best first.

    Order: substantive holders, then acting holders, then (if asked) the deputies. For a parish,
    the Monitoring Officer is the lending council's own, unless one is assigned to the parish
    directly (Halstead → Braintree, West Lavington → Wiltshire).
    """
    on = on or _today()
    roles = [role]
    deputy = DEPUTY_ROLE.get(role)
    if include_deputies and deputy:
        roles.append(deputy)
    councils = role_councils(council, role)
    assignments = (
        RoleAssignment.objects.filter(held_on(on), role__in=roles, council__in=councils)
        .select_related("person__council", "council")
        .order_by("starts_on", "pk")
    )

    def rank(a: RoleAssignment) -> tuple[int, int, int]:
        return (
            0 if a.council_id == council.pk else 1,  # a direct assignment beats the lender's
            roles.index(a.role),
            0 if a.capacity == Capacity.SUBSTANTIVE else 1,
        )

    ordered = sorted(assignments, key=rank)
    seen: set[int] = set()
    holdings: list[Holding] = []
    for a in ordered:
        if a.person_id in seen:
            continue
        seen.add(a.person_id)
        holdings.append(
            Holding(
                person=a.person,
                role=a.role,
                council=council,
                via_council=a.council,
                capacity=a.capacity,
                is_deputy=a.role != role,
            )
        )
    return holdings


def role_holder(*, council: Council, role: str, on: datetime.date | None = None) -> Person | None:
    """The one person answering for `role` at `council` on `on` (deputy if nobody holds it)."""
    holdings = role_holders(council=council, role=role, on=on)
    return holdings[0].person if holdings else None


def current_roles(person: Person, on: datetime.date | None = None) -> QuerySet[RoleAssignment]:
    on = on or _today()
    return person.role_assignments.filter(held_on(on)).select_related("council")


def person_for(user: User | AnonymousUser) -> Person | None:
    if not user.is_authenticated:
        return None
    try:
        person: Person | None = getattr(user, "person", None)
    except Person.DoesNotExist:
        return None
    return person


def monitoring_officer_council_ids(person: Person, on: datetime.date | None = None) -> set[int]:
    """Councils this person serves as MO or deputy MO, including the parishes that borrow them."""
    # One statement (issue #10 query budget): the councils served and those borrowing them.
    return set(served_councils(person, on).values_list("pk", flat=True))


def served_councils(person: Person, on: datetime.date | None = None) -> QuerySet[Council, Any]:
    """`monitoring_officer_council_ids` as a lazy queryset, to embed in another query."""
    on = on or _today()
    direct = RoleAssignment.objects.filter(
        held_on(on),
        person=person,
        role__in=[Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER],
    ).values("council_id")
    return Council.objects.filter(
        Q(pk__in=direct) | Q(monitoring_officer_council_id__in=direct)
    ).values("pk")


def user_group_names(user: Any) -> set[str]:
    """The user's group names, asked once per request (kept on the user object): the layout,
    the home page and the visibility selectors all ask."""
    cached: set[str] | None = getattr(user, "_group_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._group_names = cached
    return cached


def administered_council_ids(
    user: User | AnonymousUser, *, groups: set[str] | None = None
) -> set[int]:
    """Councils whose every case this user may see: a clerk's own council, an MO's councils.

    `groups`: the user's group names when the caller has them already (one statement fewer)."""
    person = person_for(user)
    if person is None:
        return set()
    ids: set[int] = set()
    group_names = groups if groups is not None else user_group_names(user)
    if UserGroup.CLERK in group_names or UserGroup.COUNCIL_ADMIN in group_names:
        ids.add(person.council_id)
    if UserGroup.MONITORING_OFFICER in group_names:
        ids |= monitoring_officer_council_ids(person)
    return ids


def visible_councils_for(user: User | AnonymousUser) -> QuerySet[Council]:
    """Councils a user can look at: their own, and those they administer or serve."""
    if not user.is_authenticated:
        return Council.objects.none()
    if user.is_superuser:
        return Council.objects.all()
    person = person_for(user)
    ids = administered_council_ids(user)
    if person is not None:
        ids.add(person.council_id)
    return Council.objects.filter(pk__in=ids)


def people_of(council: Council) -> QuerySet[Person]:
    return council.people.select_related("ward", "political_group").prefetch_related(
        "role_assignments"
    )


def related_person_ids(person_ids: set[int], on: datetime.date | None = None) -> set[int]:
    """People with a current declared relationship with any of `person_ids`."""
    from .models import PersonalRelationship

    on = on or _today()
    rows = PersonalRelationship.objects.filter(
        Q(person_id__in=person_ids) | Q(related_person_id__in=person_ids),
        Q(ended_on__isnull=True) | Q(ended_on__gte=on),
        declared_on__lte=on,
    ).values_list("person_id", "related_person_id")
    related: set[int] = set()
    for a, b in rows:
        related.update((a, b))
    return related - person_ids


# -- organisation structure (issue #20) ---------------------------------------------------------
def service_membership(person: Person, on: datetime.date | None = None) -> ServiceMembership | None:
    """The officer's membership of a service on `on` (an officer belongs to one at a time)."""
    if person.kind != PersonKind.OFFICER:
        return None
    on = on or _today()
    return (
        ServiceMembership.objects.filter(held_on(on), person=person)
        .select_related("service__parent", "line_manager")
        .order_by("-starts_on", "-pk")
        .first()
    )


def service_of(person: Person, on: datetime.date | None = None) -> Service | None:
    membership = service_membership(person, on)
    return membership.service if membership else None


@dataclass(frozen=True)
class ServiceHead:
    holding: Holding
    service: Service  # the service headed (the case's own, or one it sits in)


def service_heads(
    *, service: Service, roles: list[str], on: datetime.date | None = None
) -> list[ServiceHead]:
    """Holders of `roles` heading `service` or a service it sits in, nearest service first; in
    each service by the order of `roles`, substantive before acting."""
    on = on or _today()
    chain = service.chain()
    assignments = RoleAssignment.objects.filter(
        held_on(on), role__in=roles, service__in=chain
    ).select_related("person__council", "council", "service")
    position = {s.pk: i for i, s in enumerate(chain)}

    def rank(a: RoleAssignment) -> tuple[int, int, int, datetime.date, int]:
        return (
            position[a.service_id] if a.service_id is not None else len(chain),
            roles.index(a.role),
            0 if a.capacity == Capacity.SUBSTANTIVE else 1,
            a.starts_on,
            a.pk,
        )

    heads: list[ServiceHead] = []
    seen: set[int] = set()
    for a in sorted(assignments, key=rank):
        if a.person_id in seen or a.service is None:
            continue
        seen.add(a.person_id)
        holding = Holding(
            person=a.person,
            role=a.role,
            council=service.council,
            via_council=a.council,
            capacity=a.capacity,
            is_deputy=False,
        )
        heads.append(ServiceHead(holding=holding, service=a.service))
    return heads


def managed_person_ids(person: Person, on: datetime.date | None = None) -> set[int]:
    """Everyone `person` line-manages on `on`, directly or further down the line."""
    on = on or _today()
    rows = ServiceMembership.objects.filter(
        held_on(on), person__council_id=person.council_id, line_manager__isnull=False
    ).values_list("person_id", "line_manager_id")
    reports: dict[int, set[int]] = {}
    for report, manager in rows:
        reports.setdefault(manager, set()).add(report)
    below: set[int] = set()
    queue = [person.pk]
    while queue:
        for report in reports.get(queue.pop(), ()):
            if report not in below and report != person.pk:
                below.add(report)
                queue.append(report)
    return below


def services_of(council: Council, on: datetime.date | None = None) -> list[dict[str, Any]]:
    """The council's services with today's heads and officers, for the council page and API."""
    on = on or _today()
    services = list(council.services.select_related("parent").order_by("name"))
    heads: dict[int, list[RoleAssignment]] = {}
    for a in (
        RoleAssignment.objects.filter(held_on(on), service__council=council)
        .select_related("person")
        .order_by("role", "starts_on", "pk")
    ):
        if a.service_id is not None:
            heads.setdefault(a.service_id, []).append(a)
    members: dict[int, list[ServiceMembership]] = {}
    for m in (
        ServiceMembership.objects.filter(held_on(on), service__council=council)
        .select_related("person", "line_manager")
        .order_by("person__name")
    ):
        members.setdefault(m.service_id, []).append(m)
    return [
        {"service": s, "heads": heads.get(s.pk, []), "members": members.get(s.pk, [])}
        for s in services
    ]

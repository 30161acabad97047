"""A small council to run cases in, built with the core factories (no shipped fixtures needed)."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from cases.models import Case, CaseType, ClockKind, ClockUnit, ProtocolVariant
from contacts.models import SERVICE_HEAD_ROLES, Council, Person, PersonalRelationship, Role, Service
from contacts.selectors import UserGroup
from tests.factories import (
    ClockRuleFactory,
    CouncilFactory,
    CouncillorFactory,
    OfficerFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    ServiceMembershipFactory,
    make_variant,
    user_for,
)


@dataclass
class World:
    """One district council with the people a case meets on its way up the ladder."""

    council: Council
    people: dict[str, Person] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    variants: dict[str, ProtocolVariant] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Person:
        return self.people[key]

    def user(self, key: str) -> Any:
        return self.users[key]


def _officer(
    world: World,
    key: str,
    title: str,
    *roles: str,
    groups: tuple[str, ...] = (),
    service: str = "place",
    heads: str | None = None,
):
    person = OfficerFactory(
        council=world.council, name=f"{title} {world.council.slug}", job_title=title
    )
    for role in roles:
        head_of = world.services[heads] if heads and role in SERVICE_HEAD_ROLES else None
        RoleAssignmentFactory(person=person, council=world.council, role=role, service=head_of)
    ServiceMembershipFactory(person=person, service=world.services[service])
    world.people[key] = person
    world.users[key] = user_for(person, *(groups or (UserGroup.OFFICER,)))
    return person


def build_world(slug: str = "testshire", prefix: str = "TST") -> World:
    """Chief Executive, MO and deputy, a Director, a Service Head, the clerk (case
    administrator), the Leader and two councillors, and two plain officers; all with logins.

    Services (issue #20): the Director heads Place, where the plain officers work; the Service
    Head heads Regulatory Services; the Chief Executive's Office holds the rest."""
    council = CouncilFactory(
        slug=slug, name=f"{slug.title()} District Council", reference_prefix=prefix
    )
    world = World(council=council)
    for key, name in (
        ("ceo_office", "Chief Executive's Office"),
        ("place", "Place"),
        ("regulatory", "Regulatory Services"),
    ):
        world.services[key] = ServiceFactory(council=council, name=name)
    _officer(world, "ceo", "Chief Executive", Role.HEAD_OF_PAID_SERVICE, service="ceo_office")
    _officer(
        world,
        "mo",
        "Monitoring Officer",
        Role.MONITORING_OFFICER,
        groups=(UserGroup.MONITORING_OFFICER,),
    )
    _officer(
        world,
        "deputy_mo",
        "Deputy Monitoring Officer",
        Role.DEPUTY_MONITORING_OFFICER,
        groups=(UserGroup.MONITORING_OFFICER,),
    )
    _officer(world, "director", "Director of Place", Role.DIRECTOR, heads="place")
    _officer(
        world,
        "service_head",
        "Service Head",
        Role.SERVICE_HEAD,
        service="regulatory",
        heads="regulatory",
    )
    _officer(
        world,
        "clerk",
        "Democratic Services Manager",
        Role.CASE_ADMINISTRATOR,
        groups=(UserGroup.CLERK,),
    )
    _officer(world, "officer", "Planning Officer")
    _officer(world, "officer2", "Housing Officer")
    leader = CouncillorFactory(council=council, name=f"Cllr Leader {slug}")
    RoleAssignmentFactory(person=leader, council=council, role=Role.LEADER)
    world.people["leader"] = leader
    world.users["leader"] = user_for(leader, UserGroup.COUNCILLOR)
    for key in ("councillor", "councillor2"):
        person = CouncillorFactory(council=council, name=f"Cllr {key} {slug}")
        world.people[key] = person
        world.users[key] = user_for(person, UserGroup.COUNCILLOR)

    # Lancaster 13-like ladder: Service Head → MO → CE → Standards Committee.
    concern = make_variant(
        council,
        CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        [
            ("chief_officer", Role.CHIEF_OFFICER),
            ("monitoring_officer", Role.MONITORING_OFFICER),
            ("head_of_paid_service", Role.HEAD_OF_PAID_SERVICE),
            ("standards_committee", Role.MONITORING_OFFICER),
        ],
        title="Arbitration",
    )
    first = concern.ordered_steps()[0]
    first.inform_roles = [Role.LEADER]
    first.save()
    ClockRuleFactory(step=first, kind=ClockKind.RESPONSE, length=7, unit=ClockUnit.CALENDAR_DAYS)
    ClockRuleFactory(
        step=first,
        kind=ClockKind.ACKNOWLEDGEMENT,
        length=3,
        unit=ClockUnit.WORKING_DAYS,
        only_channel="email",
    )
    world.variants[CaseType.MEMBER_CONCERN_ABOUT_OFFICER] = concern
    # A one-step formal complaint to the Chief Executive (Lancaster 6.3), parties may not escalate.
    world.variants[CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER] = make_variant(
        council,
        CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER,
        [("head_of_paid_service", Role.HEAD_OF_PAID_SERVICE)],
        title="Complaints about officers",
        parties_may_escalate=False,
    )
    world.variants[CaseType.OFFICER_CONCERN_ABOUT_MEMBER] = make_variant(
        council,
        CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
        [
            ("monitoring_officer", Role.MONITORING_OFFICER),
            ("standards_committee", Role.MONITORING_OFFICER),
        ],
        title="Officer grievance",
        parties_may_escalate=False,
    )
    return world


RECEIVED = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def open_test_case(
    world: World,
    *,
    case_type: str = CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
    raised_by: str | Person = "councillor",
    about: str | Person = "officer",
    channel: str = "email",
    actor: Any = None,
    received_at: datetime.datetime | None = None,
    **kwargs: Any,
) -> Case:
    from cases.services import open_case

    raiser = world[raised_by] if isinstance(raised_by, str) else raised_by
    subject = world[about] if isinstance(about, str) else about
    return open_case(
        council=world.council,
        case_type=case_type,
        raised_by=raiser,
        about=subject,
        channel=channel,
        received_at=received_at or timezone.now() - datetime.timedelta(hours=1),
        summary=kwargs.pop("summary", "The officer did not reply to three emails."),
        actor=actor,
        **kwargs,
    )


def relate(world: World, a: str, b: str) -> PersonalRelationship:
    return PersonalRelationship.objects.create(
        council=world.council,
        person=world[a],
        related_person=world[b],
        nature="family member",
        declared_on=datetime.date(2020, 1, 1),
    )


def reload(case: Case) -> Case:
    return Case.objects.select_related("variant", "council").get(pk=case.pk)


@contextlib.contextmanager
def loaded_for_module(django_db_blocker: Any, command: str, **options: Any) -> Iterator[None]:
    """Run a slow loader (`load_councils`, `load_demo`) once for a whole test module.

    The data lives in an outer transaction that is rolled back when the module ends; each test
    (`django_db`, non-transactional) runs in a savepoint inside it, so tests stay independent
    and nothing leaks into other modules.
    """
    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command(command, verbosity=0, **options)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)

"""Factories and a small cast of people for information-request tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import factory
from django.utils import timezone

from contacts.models import SERVICE_HEAD_ROLES, Council, Person, Role, Service, Tier
from contacts.selectors import UserGroup
from info_requests.fixtures_data import INFO_POLICIES
from info_requests.models import InfoRequest, InformationPolicy
from tests.factories import (
    CouncilFactory,
    CouncillorFactory,
    OfficerFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    ServiceMembershipFactory,
    user_for,
)


class InformationPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InformationPolicy
        django_get_or_create = ("council",)

    council = factory.SubFactory(CouncilFactory)
    decider_role = Role.SERVICE_HEAD
    need_to_know_role = Role.MONITORING_OFFICER
    review_role = Role.MONITORING_OFFICER
    protocol_reference = "Lancaster 8.1-8.10"


# The decider heads their service from well before any request a test back-dates (retention).
LONG_AGO = datetime.date(2010, 1, 1)


@dataclass
class Cast:
    council: Council
    policy: InformationPolicy
    member: Person
    decider: Person
    mo: Person
    hops: Person
    clerk: Person
    officer: Person
    other_member: Person
    service: Service | None = None  # the service the decider heads (issue #20)

    def user(self, who: str) -> Any:
        return getattr(self, who).user


def make_cast(slug: str = "lancaster", *, tier: str = Tier.DISTRICT, **policy: Any) -> Cast:
    """A council configured as `slug` is in fixtures_data, with one person per role."""
    values = dict(INFO_POLICIES.get(slug, INFO_POLICIES["lancaster"]))
    values.update(policy)
    if tier == Tier.PARISH:
        lender = CouncilFactory(slug=f"{slug}-lender", name="Lender District Council")
        council = CouncilFactory(
            slug=slug,
            name=f"{slug.title()} Town Council",
            tier=tier,
            monitoring_officer_council=lender,
            reference_prefix=slug[:3].upper(),
        )
        mo = OfficerFactory(council=lender, name="Morgan Lender MO", job_title="Monitoring Officer")
        RoleAssignmentFactory(person=mo, council=lender, role=Role.MONITORING_OFFICER)
    else:
        council = CouncilFactory(
            slug=slug,
            name=f"{slug.title()} City Council",
            tier=tier,
            reference_prefix=slug[:3].upper(),
        )
        mo = OfficerFactory(
            council=council, name="Morgan Monitoring", job_title="Monitoring Officer"
        )
        RoleAssignmentFactory(person=mo, council=council, role=Role.MONITORING_OFFICER)
    user_for(mo, UserGroup.MONITORING_OFFICER)
    policy_obj = InformationPolicyFactory(council=council, **values)
    decider = OfficerFactory(council=council, name="Dana Decider", job_title="Head of Service")
    service = None
    if policy_obj.decider_role in SERVICE_HEAD_ROLES:
        # Lancaster 8.6 "the relevant Service Head": the head of the service holding it.
        service = ServiceFactory(council=council, name="Planning and Place")
        ServiceMembershipFactory(person=decider, service=service, starts_on=LONG_AGO)
    RoleAssignmentFactory(
        person=decider,
        council=council,
        role=policy_obj.decider_role,
        service=service,
        starts_on=LONG_AGO if service else datetime.date(2020, 1, 1),
    )
    user_for(decider, UserGroup.OFFICER)
    hops = OfficerFactory(council=council, name="Harper Chief", job_title="Chief Executive")
    RoleAssignmentFactory(person=hops, council=council, role=Role.HEAD_OF_PAID_SERVICE)
    user_for(hops, UserGroup.OFFICER)
    clerk = OfficerFactory(council=council, name="Casey Clerk", job_title="Democratic Services")
    RoleAssignmentFactory(person=clerk, council=council, role=Role.CASE_ADMINISTRATOR)
    user_for(clerk, UserGroup.CLERK)
    officer = OfficerFactory(council=council, name="Olly Officer", job_title="Planner")
    user_for(officer, UserGroup.OFFICER)
    member = CouncillorFactory(council=council, name="Cllr Mira Member")
    user_for(member, UserGroup.COUNCILLOR)
    other_member = CouncillorFactory(council=council, name="Cllr Otto Other")
    user_for(other_member, UserGroup.COUNCILLOR)
    return Cast(
        council=council,
        policy=policy_obj,
        member=member,
        decider=decider,
        mo=mo,
        hops=hops,
        clerk=clerk,
        officer=officer,
        other_member=other_member,
        service=service,
    )


def received(year: int = 2026, month: int = 3, day: int = 2, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour, 0))


def make_request(cast: Cast, **kwargs: Any) -> InfoRequest:
    from info_requests import services

    values: dict[str, Any] = {
        "council": cast.council,
        "requested_by": cast.member,
        "description": "The background papers to the car parks report",
        "received_at": received(),
        "actor": cast.member.user,
        "service": cast.service,
    }
    values.update(kwargs)
    return services.create_info_request(**values)

"""A council route with Maldon 2.2's clocks, and cases on it, for the clocks tests."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from cases.models import (
    Case,
    CaseType,
    Channel,
    ClockCalendar,
    ClockKind,
    ClockUnit,
    ProtocolVariant,
    VariantStep,
)
from contacts.models import Council, Person, Role
from contacts.selectors import UserGroup
from info_requests.models import InfoRequest
from tests.factories import (
    ClockRuleFactory,
    CouncilFactory,
    CouncillorFactory,
    OfficerFactory,
    RoleAssignmentFactory,
    StepFactory,
    VariantFactory,
    user_for,
)

_refs = itertools.count(1)


@dataclass
class Route:
    council: Council
    variant: ProtocolVariant
    first: VariantStep
    second: VariantStep
    member: Person
    officer: Person
    handler: Person
    leader: Person
    clerk: Person


def make_route(
    *, nation: str = "england", auto_acknowledge: bool = False, slug: str | None = None
) -> Route:
    """Maldon 2.1-2.3: informal (response 7 days; acknowledgement 3 working days when raised by
    email), then the Leader. The Leader is kept informed at the first step."""
    council = CouncilFactory(
        **({"slug": slug} if slug else {}), nation=nation, name=f"{slug or 'Test'} Council"
    )
    variant = VariantFactory(
        council=council,
        case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        auto_acknowledge=auto_acknowledge,
        title="Member's concern about an officer",
    )
    first = StepFactory(
        variant=variant,
        position=1,
        state="informal",
        handler_role=Role.DIRECTOR,
        inform_roles=[Role.LEADER],
        label="Resolve informally",
    )
    second = StepFactory(
        variant=variant, position=2, state="leader", handler_role=Role.LEADER, label="Leader"
    )
    ClockRuleFactory(
        step=first,
        kind=ClockKind.ACKNOWLEDGEMENT,
        length=3,
        unit=ClockUnit.WORKING_DAYS,
        calendar=ClockCalendar.COUNCIL,
        only_channel=Channel.EMAIL,
        protocol_reference="Maldon 2.2",
    )
    ClockRuleFactory(
        step=first,
        kind=ClockKind.RESPONSE,
        length=7,
        unit=ClockUnit.CALENDAR_DAYS,
        calendar=ClockCalendar.COUNCIL,
        protocol_reference="Maldon 2.2",
    )
    handler = OfficerFactory(council=council, name="Dana Director", job_title="Director")
    RoleAssignmentFactory(person=handler, council=council, role=Role.DIRECTOR)
    leader = CouncillorFactory(council=council, name="Cllr Lee Leader")
    RoleAssignmentFactory(person=leader, council=council, role=Role.LEADER)
    clerk = OfficerFactory(council=council, name="Cleo Clerk", job_title="Clerk")
    RoleAssignmentFactory(person=clerk, council=council, role=Role.CLERK)
    user_for(clerk, UserGroup.CLERK)
    user_for(handler, UserGroup.OFFICER)
    return Route(
        council=council,
        variant=variant,
        first=first,
        second=second,
        member=CouncillorFactory(council=council, name="Cllr Mo Member"),
        officer=OfficerFactory(council=council, name="Oli Officer"),
        handler=handler,
        leader=leader,
        clerk=clerk,
    )


def make_case(
    route: Route,
    *,
    channel: str = Channel.EMAIL,
    received_at: datetime.datetime | None = None,
    handler: Person | None | Any = ...,
    start_clocks: bool = True,
) -> Case:
    from cases.services import keep_informed
    from clocks.services import start_step_clocks

    received_at = received_at or timezone.now()
    case = Case.objects.create(
        reference=f"TST-2026-{next(_refs):04d}",
        council=route.council,
        case_type=route.variant.case_type,
        variant=route.variant,
        step_position=1,
        state="informal",
        raised_by=route.member,
        about=route.officer,
        channel=channel,
        received_at=received_at,
        summary="Reports requested twice have not arrived.",
        handler=route.handler if handler is ... else handler,
    )
    # As `open_case` does: the people the first step keeps informed (the Leader) may read it.
    keep_informed(case, route.first, at=received_at)
    if start_clocks:
        start_step_clocks(case=case, step=route.first, started_at=received_at)
    return case


def make_info_request(council: Council, member: Person, received_at: datetime.datetime) -> Any:
    return InfoRequest.objects.create(
        reference=f"INF-2026-{next(_refs):04d}",
        council=council,
        requested_by=member,
        description="The tender evaluation scores.",
        received_at=received_at,
    )

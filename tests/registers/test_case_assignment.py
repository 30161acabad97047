"""A declared relationship changes who the case engine assigns (Maldon 5.1 & 6.2)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import CaseType
from cases.services import open_case
from contacts.models import Role
from registers import selectors, services
from tests.factories import (
    OfficerFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    ServiceMembershipFactory,
    make_variant,
)

pytestmark = pytest.mark.django_db


def _open(world):
    return open_case(
        council=world.council,
        case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        raised_by=world.person("member_a"),
        about=world.person("officer2"),
        channel="in_person",
        received_at=timezone.now() - datetime.timedelta(minutes=1),
        summary="Reports late again",
        actor=world.users["member_a"],
    )


@pytest.mark.parametrize(
    ("handler_role", "related_to", "expected"),
    [
        # Maldon 4.2-style rung answered by any Director: the related Director is skipped.
        (Role.CHIEF_OFFICER, None, "director_one"),
        (Role.CHIEF_OFFICER, "director_one", "director_two"),
        # The Head of Paid Service related to the member: the case goes to the MO instead.
        (Role.HEAD_OF_PAID_SERVICE, None, "hops"),
        (Role.HEAD_OF_PAID_SERVICE, "hops", "mo"),
    ],
)
def test_a_declared_relationship_changes_who_open_case_assigns(
    world, handler_role, related_to, expected
):
    # Issue #20: both Directors head the service of the officer the case is about.
    place = ServiceFactory(council=world.council, name="Place")
    ServiceMembershipFactory(person=world.person("officer2"), service=place)
    for key in ("director_one", "director_two"):
        person = OfficerFactory(council=world.council, name=key, job_title="Director")
        RoleAssignmentFactory(
            person=person,
            council=world.council,
            role=Role.DIRECTOR,
            service=place,
            starts_on=datetime.date(2020, 1, 1 if key == "director_one" else 2),
        )
        world.people[key] = person
    make_variant(
        world.council,
        CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        [("informal", handler_role)],
    )
    if related_to:
        services.declare_relationship(
            actor=world.users["member_a"],
            person=world.person("member_a"),
            related_person=world.person(related_to),
            nature="Cousin",
            declared_on=timezone.localdate(),
        )
    case = _open(world)
    assert case.handler == world.person(expected)
    if related_to:
        # The flag the person pages show (Maldon 6.2).
        flags = selectors.relationship_flags(world.person(related_to))
        assert [f.other for f in flags] == [world.person("member_a")]


def test_an_ended_relationship_no_longer_excludes(world):
    make_variant(
        world.council,
        CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        [("informal", Role.HEAD_OF_PAID_SERVICE)],
    )
    yesterday = timezone.localdate() - datetime.timedelta(days=3)
    rel = services.declare_relationship(
        actor=world.users["member_a"],
        person=world.person("member_a"),
        related_person=world.person("hops"),
        nature="Friend",
        declared_on=yesterday,
    )
    services.end_relationship(
        actor=world.users["member_a"],
        relationship=rel,
        ended_on=yesterday + datetime.timedelta(days=1),
    )
    assert _open(world).handler == world.person("hops")

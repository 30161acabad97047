"""Who holds role R for council C on date D: the role_holders selector (and the model rules)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contacts.models import Capacity, Role, Tier
from contacts.selectors import role_holder, role_holders
from tests.factories import CouncilFactory, CouncillorFactory, OfficerFactory, RoleAssignmentFactory

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 3, 3)


@pytest.fixture
def braintree():
    return CouncilFactory(slug="braintree", name="Braintree District Council")


@pytest.fixture
def halstead(braintree):
    return CouncilFactory(
        slug="halstead",
        name="Halstead Town Council",
        tier=Tier.PARISH,
        monitoring_officer_council=braintree,
    )


def assign(person, role, *, council=None, **kwargs):
    return RoleAssignmentFactory(
        person=person, council=council or person.council, role=role, **kwargs
    )


def test_own_monitoring_officer_is_not_borrowed(braintree):
    mo = OfficerFactory(council=braintree, name="Dana Lee")
    assign(mo, Role.MONITORING_OFFICER)

    [holding] = role_holders(council=braintree, role=Role.MONITORING_OFFICER, on=ON)

    assert holding.person == mo
    assert holding.borrowed is False
    assert holding.via_council == braintree


def test_parish_gets_the_lenders_monitoring_officer_marked_borrowed(braintree, halstead):
    mo = OfficerFactory(council=braintree, name="Dana Lee")
    assign(mo, Role.MONITORING_OFFICER)

    [holding] = role_holders(council=halstead, role=Role.MONITORING_OFFICER, on=ON)

    assert holding.person == mo
    assert holding.council == halstead
    assert holding.via_council == braintree
    assert holding.borrowed is True
    assert holding.description == "Monitoring Officer (Braintree District Council)"


def test_direct_assignment_to_the_parish_beats_the_lenders(braintree, halstead):
    lenders_mo = OfficerFactory(council=braintree, name="Dana Lee")
    assign(lenders_mo, Role.MONITORING_OFFICER, starts_on=datetime.date(2010, 1, 1))
    named_for_halstead = OfficerFactory(council=braintree, name="Sam Patel")
    assign(named_for_halstead, Role.MONITORING_OFFICER, council=halstead)

    holdings = role_holders(council=halstead, role=Role.MONITORING_OFFICER, on=ON)

    assert [h.person for h in holdings] == [named_for_halstead, lenders_mo]
    assert holdings[0].via_council == halstead
    assert role_holder(council=halstead, role=Role.MONITORING_OFFICER, on=ON) == named_for_halstead


def test_lender_does_not_see_the_parishes_direct_assignment(braintree, halstead):
    named_for_halstead = OfficerFactory(council=braintree)
    assign(named_for_halstead, Role.MONITORING_OFFICER, council=halstead)

    assert role_holders(council=braintree, role=Role.MONITORING_OFFICER, on=ON) == []


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "held"),
    [
        (datetime.date(2020, 1, 1), None, True),
        (datetime.date(2020, 1, 1), ON, True),  # the last day is still held
        (ON, None, True),  # so is the first
        (datetime.date(2020, 1, 1), ON - datetime.timedelta(days=1), False),  # ended
        (ON + datetime.timedelta(days=1), None, False),  # not started
    ],
)
def test_only_roles_held_on_the_date_are_returned(braintree, starts_on, ends_on, held):
    hops = OfficerFactory(council=braintree)
    assign(hops, Role.HEAD_OF_PAID_SERVICE, starts_on=starts_on, ends_on=ends_on)

    holders = [
        h.person for h in role_holders(council=braintree, role=Role.HEAD_OF_PAID_SERVICE, on=ON)
    ]

    assert holders == ([hops] if held else [])


def test_ended_lenders_mo_is_not_returned_for_the_parish(braintree, halstead):
    old = OfficerFactory(council=braintree, name="Old MO")
    assign(
        old,
        Role.MONITORING_OFFICER,
        starts_on=datetime.date(2015, 1, 1),
        ends_on=datetime.date(2025, 12, 31),
    )
    new = OfficerFactory(council=braintree, name="New MO")
    assign(new, Role.MONITORING_OFFICER, starts_on=datetime.date(2026, 1, 1))

    assert [
        h.person for h in role_holders(council=halstead, role=Role.MONITORING_OFFICER, on=ON)
    ] == [new]
    on_old_date = datetime.date(2024, 6, 1)
    assert [
        h.person
        for h in role_holders(council=halstead, role=Role.MONITORING_OFFICER, on=on_old_date)
    ] == [old]


def test_substantive_then_acting_then_deputy(braintree):
    deputy = OfficerFactory(council=braintree, name="Deputy")
    assign(deputy, Role.DEPUTY_MONITORING_OFFICER, starts_on=datetime.date(2010, 1, 1))
    acting = OfficerFactory(council=braintree, name="Acting")
    assign(
        acting,
        Role.MONITORING_OFFICER,
        capacity=Capacity.ACTING,
        starts_on=datetime.date(2011, 1, 1),
    )
    substantive = OfficerFactory(council=braintree, name="Substantive")
    assign(substantive, Role.MONITORING_OFFICER, starts_on=datetime.date(2026, 1, 1))

    holdings = role_holders(council=braintree, role=Role.MONITORING_OFFICER, on=ON)

    assert [h.person for h in holdings] == [substantive, acting, deputy]
    assert [h.is_deputy for h in holdings] == [False, False, True]
    assert holdings[1].description == "Acting Monitoring Officer"
    assert [
        h.person
        for h in role_holders(
            council=braintree, role=Role.MONITORING_OFFICER, on=ON, include_deputies=False
        )
    ] == [substantive, acting]


def test_deputy_answers_when_nobody_holds_the_role(braintree, halstead):
    deputy = OfficerFactory(council=braintree)
    assign(deputy, Role.DEPUTY_MONITORING_OFFICER)

    assert role_holder(council=braintree, role=Role.MONITORING_OFFICER, on=ON) == deputy
    # ... and for the parish that borrows Braintree's.
    [holding] = role_holders(council=halstead, role=Role.MONITORING_OFFICER, on=ON)
    assert (holding.person, holding.is_deputy, holding.borrowed) == (deputy, True, True)


def test_other_roles_are_never_borrowed(braintree, halstead):
    assign(OfficerFactory(council=braintree), Role.HEAD_OF_PAID_SERVICE)

    assert role_holders(council=halstead, role=Role.HEAD_OF_PAID_SERVICE, on=ON) == []


def test_councillor_roles(braintree):
    leader = CouncillorFactory(council=braintree)
    assign(leader, Role.LEADER)

    assert role_holder(council=braintree, role=Role.LEADER, on=ON) == leader


def test_a_persons_key_is_unique_within_a_council_but_blank_keys_may_repeat():
    council, other = CouncilFactory(), CouncilFactory()
    OfficerFactory(council=council, key="pat-planner")
    OfficerFactory(council=other, key="pat-planner")  # another council's Pat
    OfficerFactory(council=council, key="")
    OfficerFactory(council=council, key="")

    duplicate = OfficerFactory.build(council=council, key="pat-planner")
    with pytest.raises(ValidationError, match="already has this key"):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()

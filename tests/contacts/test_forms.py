"""Bad input to the contacts forms and admin is refused with a clear message; nothing saved."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model

from contacts.forms import CouncilForm, PersonalRelationshipForm, PersonForm, RoleAssignmentForm
from contacts.models import Council, Person, PersonalRelationship, Role, RoleAssignment, Tier
from tests.factories import (
    PASSWORD,
    CouncilFactory,
    CouncillorFactory,
    OfficerFactory,
    PoliticalGroupFactory,
    WardFactory,
)

pytestmark = pytest.mark.django_db


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


def council_data(**overrides):
    data = {
        "slug": "new-council",
        "name": "New Parish Council",
        "tier": Tier.PARISH,
        "nation": "england",
        "monitoring_officer_council": "",
        "reference_prefix": "NEW",
        "retention_years": 6,
    }
    data.update(overrides)
    return data


# --- Council ---------------------------------------------------------------------------------


def test_parish_borrowing_from_a_district_is_saved(braintree):
    form = CouncilForm(data=council_data(monitoring_officer_council=braintree.pk))

    assert form.is_valid(), form.errors
    council = form.save()
    assert council.monitoring_officer_source == braintree


@pytest.mark.parametrize(
    ("lender", "message"),
    [
        (
            "halstead",
            "Halstead Town Council is a parish council and has no Monitoring Officer to lend.",
        ),
        (None, "A parish or town council has no Monitoring Officer of its own"),
    ],
)
def test_parish_must_borrow_from_a_council_that_has_a_monitoring_officer(halstead, lender, message):
    before = Council.objects.count()
    lender_pk = halstead.pk if lender else ""

    form = CouncilForm(data=council_data(monitoring_officer_council=lender_pk))

    assert not form.is_valid()
    assert message in " ".join(form.errors["monitoring_officer_council"])
    assert Council.objects.count() == before


def test_cannot_borrow_from_a_council_that_itself_borrows(halstead):
    form = CouncilForm(
        data=council_data(monitoring_officer_council=halstead.pk, tier=Tier.DISTRICT)
    )

    assert not form.is_valid()
    # Halstead is a parish; the parish message comes first and is the clear one.
    assert "no Monitoring Officer to lend" in form.errors["monitoring_officer_council"][0]


def test_council_that_lends_its_monitoring_officer_cannot_become_a_parish(braintree, halstead):
    data = council_data(
        slug=braintree.slug,
        name=braintree.name,
        tier=Tier.PARISH,
        monitoring_officer_council="",
        reference_prefix="BRA",
    )
    form = CouncilForm(data=data, instance=braintree)

    assert not form.is_valid()
    assert form.errors["tier"] == [
        "Braintree District Council lends its Monitoring Officer to Halstead Town Council; "
        "a parish council has no Monitoring Officer to lend."
    ]
    braintree.refresh_from_db()
    assert braintree.tier == Tier.DISTRICT


def test_council_cannot_borrow_from_itself(braintree):
    data = council_data(
        slug=braintree.slug,
        name=braintree.name,
        tier=Tier.DISTRICT,
        monitoring_officer_council=braintree.pk,
        reference_prefix="BRA",
    )
    form = CouncilForm(data=data, instance=braintree)

    assert not form.is_valid()
    assert (
        "cannot borrow its Monitoring Officer from itself"
        in form.errors["monitoring_officer_council"][0]
    )
    braintree.refresh_from_db()
    assert braintree.monitoring_officer_council is None


# --- Person ----------------------------------------------------------------------------------


def person_data(council, **overrides):
    data = {
        "council": council.pk,
        "kind": "councillor",
        "name": "Cllr Alex Moss",
        "key": "",
        "email": "alex.moss@example.gov.uk",
        "ward": "",
        "political_group": "",
        "job_title": "",
        "user": "",
    }
    data.update(overrides)
    return data


def test_councillor_with_ward_is_saved(braintree):
    ward = WardFactory(council=braintree)

    form = PersonForm(data=person_data(braintree, ward=ward.pk))

    assert form.is_valid(), form.errors
    assert form.save().ward == ward


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({}, "ward", "A councillor must represent a ward."),
        ({"ward": "other-ward"}, "ward", "The ward must belong to the councillor's council."),
        ({"ward": "ward", "job_title": "Director"}, "job_title", "Only officers have a job title"),
        (
            {"ward": "ward", "political_group": "other-group"},
            "political_group",
            "The group must belong to the councillor's council.",
        ),
        ({"kind": "officer"}, "job_title", "Enter the officer's job title."),
        (
            {"kind": "officer", "job_title": "Clerk", "ward": "ward"},
            "ward",
            "Officers do not represent wards; leave it blank.",
        ),
        (
            {"kind": "officer", "job_title": "Clerk", "political_group": "group"},
            "political_group",
            "Officers are politically neutral; leave it blank.",
        ),
    ],
)
def test_person_rules(braintree, overrides, field, message):
    other = CouncilFactory()
    objects = {
        "ward": WardFactory(council=braintree).pk,
        "other-ward": WardFactory(council=other).pk,
        "group": PoliticalGroupFactory(council=braintree).pk,
        "other-group": PoliticalGroupFactory(council=other).pk,
    }
    data = person_data(braintree, **{k: objects.get(v, v) for k, v in overrides.items()})

    form = PersonForm(data=data)

    assert not form.is_valid()
    assert any(message in error for error in form.errors[field]), form.errors
    assert not Person.objects.exists()


# --- Role assignment -------------------------------------------------------------------------


def role_data(person, council=None, **overrides):
    data = {
        "person": person.pk,
        "council": (council or person.council).pk,
        "role": Role.HEAD_OF_PAID_SERVICE,
        "capacity": "substantive",
        "starts_on": "2026-01-10",
        "ends_on": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_role_assignment_is_saved(braintree):
    person = OfficerFactory(council=braintree)

    form = RoleAssignmentForm(data=role_data(person, ends_on="2026-01-10"))

    assert form.is_valid(), form.errors
    assert form.save().ends_on == datetime.date(2026, 1, 10)


def test_lenders_officer_may_be_the_parishes_monitoring_officer(braintree, halstead):
    person = OfficerFactory(council=braintree)

    form = RoleAssignmentForm(data=role_data(person, halstead, role=Role.MONITORING_OFFICER))

    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("ends_before_start", "ends_on", "The end date must be on or after the start date."),
        (
            "parish_own_mo",
            "role",
            "Halstead Town Council is a parish: its Monitoring Officer is lent by "
            "Braintree District Council.",
        ),
        (
            "other_council_role",
            "council",
            "Only the Monitoring Officer (or deputy) can hold a role for another council.",
        ),
    ],
)
def test_role_assignment_rules(braintree, halstead, case, field, message):
    if case == "ends_before_start":
        data = role_data(OfficerFactory(council=braintree), ends_on="2026-01-09")
    elif case == "parish_own_mo":
        data = role_data(OfficerFactory(council=halstead), role=Role.MONITORING_OFFICER)
    else:
        data = role_data(OfficerFactory(council=braintree), halstead, role=Role.LEADER)

    form = RoleAssignmentForm(data=data)

    assert not form.is_valid()
    assert form.errors[field] == [message]
    assert not RoleAssignment.objects.exists()


def test_relationship_with_oneself_is_refused(braintree):
    person = CouncillorFactory(council=braintree)
    data = {
        "council": braintree.pk,
        "person": person.pk,
        "related_person": person.pk,
        "nature": "partner",
        "declared_on": "2026-01-01",
        "ended_on": "",
    }

    form = PersonalRelationshipForm(data=data)

    assert not form.is_valid()
    assert len(form.errors["related_person"]) == 1  # the model's message, said once
    assert not PersonalRelationship.objects.exists()


# --- The admin uses these forms --------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    get_user_model().objects.create_superuser("root", "root@example.gov.uk", PASSWORD)
    client.login(username="root", password=PASSWORD)
    return client


def test_admin_refuses_a_role_ending_before_it_starts(admin_client, braintree):
    person = OfficerFactory(council=braintree)
    data = role_data(person, ends_on="2026-01-01")
    data["starts_on"] = "2026-01-10"

    response = admin_client.post("/admin/contacts/roleassignment/add/", data)

    assert response.status_code == 200
    assert "The end date must be on or after the start date." in response.content.decode()
    assert not RoleAssignment.objects.exists()


def test_admin_saves_nothing_when_an_inline_role_is_wrong(admin_client, braintree):
    ward = WardFactory(council=braintree)
    data = person_data(braintree, ward=ward.pk)
    data.update(
        {
            "role_assignments-TOTAL_FORMS": "1",
            "role_assignments-INITIAL_FORMS": "0",
            "role_assignments-MIN_NUM_FORMS": "0",
            "role_assignments-MAX_NUM_FORMS": "1000",
            "role_assignments-0-role": Role.LEADER,
            "role_assignments-0-council": braintree.pk,
            "role_assignments-0-capacity": "substantive",
            "role_assignments-0-starts_on": "2026-05-01",
            "role_assignments-0-ends_on": "2026-04-01",
            "role_assignments-0-notes": "",
        }
    )

    response = admin_client.post("/admin/contacts/person/add/", data)

    assert response.status_code == 200
    assert "The end date must be on or after the start date." in response.content.decode()
    assert not Person.objects.exists()
    assert not RoleAssignment.objects.exists()


def test_admin_refuses_a_councillor_without_a_ward(admin_client, braintree):
    response = admin_client.post(
        "/admin/contacts/person/add/",
        person_data(braintree)
        | {
            "role_assignments-TOTAL_FORMS": "0",
            "role_assignments-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "A councillor must represent a ward." in response.content.decode()
    assert not Person.objects.exists()


def test_admin_refuses_a_parish_lender(admin_client, halstead):
    data = council_data(monitoring_officer_council=halstead.pk)
    data.update(
        {
            f"{prefix}-{key}": value
            for prefix in ("wards", "political_groups", "closure_days")
            for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
        }
    )

    response = admin_client.post("/admin/contacts/council/add/", data)

    assert response.status_code == 200
    assert "has no Monitoring Officer to lend" in response.content.decode()
    assert not Council.objects.filter(slug="new-council").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/contacts/council/",
        "/admin/contacts/closureday/",
        "/admin/contacts/ward/",
        "/admin/contacts/politicalgroup/",
        "/admin/contacts/person/",
        "/admin/contacts/roleassignment/",
        "/admin/contacts/roleassignment/?current=yes",
        "/admin/contacts/personalrelationship/",
        "/admin/contacts/council/add/",
        "/admin/contacts/person/add/",
    ],
)
def test_admin_pages_render(admin_client, halstead, path):
    person = OfficerFactory(council=halstead.monitoring_officer_council)
    RoleAssignment.objects.create(
        person=person, council=halstead, role=Role.MONITORING_OFFICER, starts_on="2026-01-01"
    )

    assert admin_client.get(path).status_code == 200

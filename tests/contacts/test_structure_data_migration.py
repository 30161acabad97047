"""The data migration `contacts.0006_give_shipped_officers_their_services` (issue #20), run on
the historical models it sees when it runs.

Issue #20: "Existing cases keep working: a data migration gives every shipped officer a service,
and open cases keep their handler unless a clerk re-routes them."
"""

from __future__ import annotations

import datetime
import importlib

import pytest
import yaml
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseType
from contacts.models import Council, Person, RoleAssignment, Service, ServiceMembership

pytestmark = pytest.mark.django_db

migration = importlib.import_module("contacts.migrations.0006_give_shipped_officers_their_services")


def run_migration() -> int:
    state = MigrationExecutor(connection).loader.project_state(
        ("contacts", "0006_give_shipped_officers_their_services"), at_end=False
    )
    return migration.give_shipped_officers_their_services(state.apps, None)


def shipped_structure() -> tuple[dict[tuple[str, str], set[str]], dict[tuple[str, str, str], str]]:
    """From fixtures/councils/*.yaml: (council, officer key) -> the services they work in, and
    (council, person key, role) -> the service a head heads."""
    works_in: dict[tuple[str, str], set[str]] = {}
    heads: dict[tuple[str, str, str], str] = {}
    for path in sorted(migration.FIXTURES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        slug = doc["council"]["slug"]
        for row in doc.get("service_memberships") or []:
            works_in.setdefault((slug, row["person"]), set()).add(row["service"])
        for row in doc.get("role_assignments") or []:
            if row.get("service"):
                heads[(slug, row["person"], row["role"])] = row["service"]
    return works_in, heads


def strip_the_structure() -> None:
    """The database as it was before issue #20: the shipped people, no services."""
    RoleAssignment.objects.update(service=None)
    ServiceMembership.objects.all().delete()
    Case.objects.update(service=None)
    Service.objects.filter(parent__isnull=False).delete()
    Service.objects.all().delete()


def open_case(council: str, raised_by: str, about: str) -> Case:
    return case_services.open_case(
        council=Council.objects.get(slug=council),
        case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        raised_by=Person.objects.get(council__slug=council, key=raised_by),
        about=Person.objects.get(council__slug=council, key=about),
        channel="email",
        received_at=timezone.now() - datetime.timedelta(hours=1),
        summary="A concern raised before the organisation structure existed.",
        actor=None,
    )


def test_every_shipped_officer_in_a_service_gets_it_and_handlers_stay(councils):
    """Issue #20: "a data migration gives every shipped officer a service, and open cases keep
    their handler unless a clerk re-routes them"."""
    works_in, heads = shipped_structure()
    assert works_in
    assert heads
    case = open_case("maldon", "cllr-tom-castleton", "daniel-frost")
    handler_before = case.handler_id
    assert handler_before is not None
    strip_the_structure()
    assert not ServiceMembership.objects.exists()

    assert run_migration() > 0

    for (slug, key), services in works_in.items():
        officer = Person.objects.get(council__slug=slug, key=key)
        got = set(officer.service_memberships.values_list("service__slug", flat=True))
        assert got == services, (slug, key)
    for (slug, key, role), service in heads.items():
        assignment = RoleAssignment.objects.get(
            council__slug=slug, person__key=key, role=role, person__council__slug=slug
        )
        assert assignment.service is not None
        assert assignment.service.slug == service
    # Maldon 4.2 "their Director": Planning and Development sits in Service Delivery again.
    planning = Service.objects.get(council__slug="maldon", slug="planning-and-development")
    assert planning.parent is not None
    assert planning.parent.slug == "service-delivery"
    # Open cases keep their handler: the migration never re-routes.
    case.refresh_from_db()
    assert case.handler_id == handler_before


def test_it_is_idempotent_and_keeps_a_recorded_membership(councils):
    """Running it again changes nothing; an officer already in a service keeps it."""
    strip_the_structure()
    frost = Person.objects.get(council__slug="maldon", key="daniel-frost")
    elsewhere = Service.objects.create(council=frost.council, slug="housing", name="Housing")
    ServiceMembership.objects.create(
        person=frost, service=elsewhere, starts_on=datetime.date(2025, 1, 1)
    )
    assert run_migration() > 0
    services = Service.objects.count()
    memberships = ServiceMembership.objects.count()
    assert run_migration() == 0
    assert (Service.objects.count(), ServiceMembership.objects.count()) == (services, memberships)
    assert list(frost.service_memberships.values_list("service__slug", flat=True)) == ["housing"]


def test_a_fresh_database_with_no_councils_is_left_alone():
    assert not Council.objects.exists()
    assert run_migration() == 0
    assert not Service.objects.exists()

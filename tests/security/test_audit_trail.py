"""Tamper-evident audit: a PostgreSQL trigger refuses UPDATE and DELETE on the three audit
tables, and `manage.py verify_audit` finds any edit that got past it (trigger disabled by hand,
a doctored backup), naming the object and event and exiting 1."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from cases import services as case_services
from cases.models import CaseEvent
from info_requests.models import InfoRequestEvent
from protocol_site.audit_chain import HASH_MISMATCH, LINK_MISMATCH, verify_audit_chains
from registers import services as register_services
from registers.models import RegisterEvent
from tests.cases.factories import build_world, open_test_case
from tests.info_requests.factories import make_cast, make_request
from tests.registers.factories import build_world as build_register_world

pytestmark = pytest.mark.django_db
TABLES = {
    "case": "cases_caseevent",
    "info_request": "info_requests_inforequestevent",
    "register": "registers_registerevent",
}


@pytest.fixture
def trails():
    """One case (two events), one information request and one register entry."""
    world = build_world()
    case = open_test_case(world, summary="Confidential: the officer's health.")
    case_services.escalate_case(case=case, actor=world.user("mo"), reason="Still unresolved.")
    request = make_request(make_cast())
    reg = build_register_world()
    relationship = register_services.declare_relationship(
        actor=reg.users["member_a"],
        person=reg.person("member_a"),
        related_person=reg.person("officer"),
        nature="Sibling",
        declared_on=datetime.date(2026, 1, 5),
    )
    return {
        "case": (case.reference, CaseEvent.objects.filter(case=case).order_by("at", "pk")),
        "info_request": (
            request.reference,
            InfoRequestEvent.objects.filter(info_request=request).order_by("at", "pk"),
        ),
        "register": (
            f"relationship #{relationship.pk}",
            RegisterEvent.objects.filter(register="relationship", object_id=relationship.pk),
        ),
    }


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _tamper(table: str, statement: str, params: list) -> None:
    """Edit an event as someone who can switch the trigger off would."""
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while the test's transaction has deferred FK checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        try:
            cursor.execute(statement, params)
        finally:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_the_trigger_is_installed_on_each_audit_table():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE '%%_append_only'"
        )
        tables = {row[0] for row in cursor.fetchall()}
    assert tables >= set(TABLES.values())


@pytest.mark.parametrize("trail", TABLES)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {table} SET actor_name = 'Someone else' WHERE id = %s",
        "UPDATE {table} SET hash = repeat('0', 64) WHERE id = %s",
        "DELETE FROM {table} WHERE id = %s",
    ],
    ids=["update-field", "update-hash", "delete"],
)
def test_raw_sql_cannot_change_or_remove_an_event(trails, trail, statement):
    table = TABLES[trail]
    event = trails[trail][1].first()
    with (
        pytest.raises(DatabaseError, match="audit events are append-only"),
        transaction.atomic(),
    ):
        _sql(statement.format(table=table), [event.pk])
    # Nothing changed: the event still matches its hash.
    fresh = type(event).objects.get(pk=event.pk)
    assert fresh.hash == event.hash == fresh.compute_hash()


def test_a_queryset_update_is_refused_too(trails):
    """The models refuse save()/delete(); the trigger also stops the bulk paths that skip them."""
    event = trails["case"][1].first()
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).delete()


def test_new_events_can_still_be_written(trails):
    world_case = CaseEvent.objects.order_by("-pk").first().case
    before = CaseEvent.objects.count()
    case_services.add_note(
        case=world_case, actor=None, body="Called the member.", visibility="internal"
    )
    assert CaseEvent.objects.count() == before + 1


def test_verify_audit_passes_on_intact_trails(trails, capsys):
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "Audit trails intact" in out
    report = verify_audit_chains()
    assert report.checked["case"] >= 2
    assert report.checked["info_request"] >= 1
    assert report.checked["register"] >= 1


@pytest.mark.parametrize("trail", TABLES)
@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ("UPDATE {table} SET actor_name = 'Someone else' WHERE id = %s", HASH_MISMATCH),
        ("UPDATE {table} SET previous_hash = repeat('0', 64) WHERE id = %s", LINK_MISMATCH),
    ],
    ids=["edited-field", "broken-link"],
)
def test_verify_audit_reports_a_tampered_event_and_exits_1(
    trails, trail, statement, problem, capsys
):
    reference, events = trails[trail]
    event = events.first()
    _tamper(TABLES[trail], statement.format(table=TABLES[trail]), [event.pk])

    with pytest.raises(SystemExit) as exit_:
        call_command("verify_audit")

    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert f"{trail} {reference}, event {event.pk}: {problem}" in err
    assert "Confidential" not in err  # ids and references only, never the event text


def test_a_deleted_event_breaks_the_link_of_the_next(trails, capsys):
    reference, events = trails["case"]
    first, second = list(events)[:2]
    _tamper(TABLES["case"], "DELETE FROM cases_caseevent WHERE id = %s", [first.pk])

    with pytest.raises(SystemExit):
        call_command("verify_audit")

    assert f"case {reference}, event {second.pk}: {LINK_MISMATCH}" in capsys.readouterr().err

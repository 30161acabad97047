"""`manage.py restore_check`: migrations current and every case's audit chain intact."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from cases import services
from cases.models import CaseEvent, CaseType, Channel
from tests.cases.factories import build_world


@pytest.fixture
def case(db):
    world = build_world()
    case = services.open_case(
        council=world.council,
        case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        raised_by=world["councillor"],
        about=world["officer"],
        channel=Channel.EMAIL,
        received_at=timezone.now(),
        summary="Summary text.",
        actor=world.user("councillor"),
    )
    services.escalate_case(case=case, actor=world.user("mo"), reason="Not resolved informally.")
    return case


def test_passes_on_an_intact_database(case, capsys):
    call_command("restore_check")

    out = capsys.readouterr().out
    assert "Migrations: all applied." in out
    events = CaseEvent.objects.count()
    assert events >= 2
    assert f"{events} case event(s) checked, intact." in out
    assert "Restore check passed." in out


def _tamper(sql: str, params: list) -> None:
    """Edit an event behind the model's back (as a bad restore or an attacker might)."""
    with connection.cursor() as cursor:
        # A database trigger may forbid changing events (issue #11): lift it for this test only.
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        (
            "UPDATE cases_caseevent SET reason = 'rewritten' WHERE id = %s",
            "hash does not match the event's fields",
        ),
        (
            "UPDATE cases_caseevent SET previous_hash = repeat('0', 64) WHERE id = %s",
            "previous_hash does not match the event before",
        ),
    ],
    ids=["edited-field", "broken-link"],
)
def test_fails_naming_the_case_and_event_when_the_chain_is_broken(case, sql, problem):
    last = CaseEvent.objects.filter(case=case).order_by("-at", "-pk").first()
    _tamper(sql, [last.pk])

    with pytest.raises(CommandError) as failure:
        call_command("restore_check")

    message = str(failure.value)
    assert "Restore check FAILED" in message
    assert f"case {case.reference}, event {last.pk}: {problem}" in message
    assert "Summary text." not in message


def test_fails_when_a_migration_is_not_applied(case):
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'clocks' AND name = "
            "(SELECT max(name) FROM django_migrations WHERE app = 'clocks')"
        )

    with pytest.raises(CommandError) as failure:
        call_command("restore_check")

    assert "migration(s) not applied: clocks." in str(failure.value)

"""The data migration `clocks.0006_count_receipt_on_the_day_it_arrived` (issue #21), run on a
database holding deadlines made under the old rule (a receipt at or after 17:00, or on a
non-working day, counted as the next working day's)."""

from __future__ import annotations

import datetime
import importlib
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cases.models import CaseEvent, Channel, ClockCalendar, ClockKind
from clocks import calendar as cal
from clocks import services
from clocks.models import Deadline
from info_requests.models import InfoRequestEvent
from tests.clocks.factories import make_case, make_info_request, make_route

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
OLD_RULE = datetime.time(17, 0)
migration = importlib.import_module("clocks.migrations.0006_count_receipt_on_the_day_it_arrived")


def at(day: str, hhmm: str = "10:00") -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=LONDON)


def made_under_the_old_rule(deadline: Deadline) -> Deadline:
    """Store the due moment the old rule gave, as a deadline started before issue #21 has."""
    calendar = services.deadline_calendar(deadline)
    old = cal.due_at(
        deadline.starts_at,
        length=deadline.length,
        working_days=deadline.working_days,
        calendar=calendar,
        cutoff=OLD_RULE if deadline.working_days else None,
    )
    old = cal.end_of_day(
        cal.shift_due_date(
            cal.local(old).date(),
            deadline.paused_days,
            working_days=deadline.working_days,
            calendar=calendar,
        )
    )
    Deadline.objects.filter(pk=deadline.pk).update(
        due_at=old,
        original_due_at=old,
        remind_at=cal.reminder_at(
            old, working_days_before_due=1, calendar=calendar, starts_at=deadline.starts_at
        ),
    )
    deadline.refresh_from_db()
    return deadline


def day(moment: datetime.datetime) -> str:
    return cal.local(moment).date().isoformat()


def run_migration() -> int:
    """The migration's own function, on the historical models it sees when it runs."""
    state = MigrationExecutor(connection).loader.project_state(
        ("clocks", "0006_count_receipt_on_the_day_it_arrived"), at_end=False
    )
    return migration.count_receipt_on_the_day_it_arrived(state.apps, None)


def test_running_clocks_made_under_the_old_rule_are_recounted_and_audited(capsys):
    route = make_route()
    # Fri 20 Nov 2026 17:30, emailed: old rule d3 Thu 26 Nov; from the day it arrived Wed 25.
    friday = make_case(route, channel=Channel.EMAIL, received_at=at("2026-11-20", "17:30"))
    ack = made_under_the_old_rule(friday.deadlines.get(kind=ClockKind.ACKNOWLEDGEMENT))
    response = made_under_the_old_rule(friday.deadlines.get(kind=ClockKind.RESPONSE))
    assert day(ack.due_at) == "2026-11-26"
    # Wed 18 Nov 10:00: both rules agree (d3 Mon 23), so nothing moves.
    midweek = make_case(route, channel=Channel.EMAIL, received_at=at("2026-11-18"))
    unmoved = made_under_the_old_rule(midweek.deadlines.get(kind=ClockKind.ACKNOWLEDGEMENT))
    # An FOI request received Sat 14 Mar 2026: old d20 Thu 16 Apr; now Wed 15 Apr.
    request = make_info_request(route.council, route.member, at("2026-03-14"))
    foi = services.start_clock(
        info_request=request,
        kind=ClockKind.FOI_RESPONSE,
        length=20,
        working_days=True,
        calendar_region=ClockCalendar.ALL_UK,
        received_at=request.received_at,
    )
    foi = made_under_the_old_rule(foi)
    assert day(foi.due_at) == "2026-04-16"

    moved = run_migration()

    assert moved == 2
    assert "2 running deadlines moved" in capsys.readouterr().out
    ack.refresh_from_db()
    assert day(ack.due_at) == "2026-11-25"
    assert day(ack.original_due_at) == "2026-11-25"
    assert day(ack.remind_at) == "2026-11-24"
    foi.refresh_from_db()
    assert day(foi.due_at) == "2026-04-15"
    # The calendar-day response and the midweek clock are as they were.
    assert Deadline.objects.get(pk=response.pk).due_at == response.due_at
    assert Deadline.objects.get(pk=unmoved.pk).due_at == unmoved.due_at
    # Each change is an audit row on its owner, saying what moved and why.
    case_event = CaseEvent.objects.filter(case=friday, action="clock_recalculated").get()
    assert case_event.reason == (
        "Due date corrected from Thursday 26 November 2026 to Wednesday 25 November 2026: "
        "receipt counted on the day it arrived"
    )
    info_event = InfoRequestEvent.objects.filter(
        info_request=request, action="clock_recalculated"
    ).get()
    assert info_event.reason == (
        "Due date corrected from Thursday 16 April 2026 to Wednesday 15 April 2026: "
        "receipt counted on the day it arrived"
    )
    assert not CaseEvent.objects.filter(case=midweek, action="clock_recalculated").exists()
    # The audit rows chain on as record_event's would: the trails still verify.
    from protocol_site.audit_chain import verify_audit_chains

    report = verify_audit_chains()
    assert report.intact, report.breaks
    assert report.checked["case"] >= 1
    # Run again: nothing left to move, nothing audited twice.
    assert run_migration() == 0
    assert CaseEvent.objects.filter(case=friday, action="clock_recalculated").count() == 1


@pytest.mark.parametrize("state", ["met", "breached", "stopped", "extended"])
def test_met_breached_stopped_and_extended_clocks_are_left_as_they_were(state):
    route = make_route()
    case = make_case(route, channel=Channel.EMAIL, received_at=at("2026-11-20", "17:30"))
    ack = made_under_the_old_rule(case.deadlines.get(kind=ClockKind.ACKNOWLEDGEMENT))
    now = timezone.now()
    field = {
        "met": "met_at",
        "breached": "breached_at",
        "stopped": "cancelled_at",
        "extended": "extended_to",
    }[state]
    Deadline.objects.filter(pk=ack.pk).update(**{field: now})
    assert run_migration() == 0
    assert Deadline.objects.get(pk=ack.pk).due_at == ack.due_at
    assert not CaseEvent.objects.filter(case=case, action="clock_recalculated").exists()


def test_a_paused_clock_keeps_its_paused_days_and_moves_a_day_earlier():
    route = make_route()
    request = make_info_request(route.council, route.member, at("2026-11-20", "17:30"))
    foi = services.start_clock(
        info_request=request,
        kind=ClockKind.FOI_RESPONSE,
        length=20,
        working_days=True,
        calendar_region=ClockCalendar.ALL_UK,
        received_at=request.received_at,
    )
    Deadline.objects.filter(pk=foi.pk).update(paused_days=2)
    foi.refresh_from_db()
    foi = made_under_the_old_rule(foi)
    # Old: from Mon 23 Nov, d20 Tue 22 Dec, +2 working days: Thu 24 Dec.
    assert day(foi.due_at) == "2026-12-24"
    assert run_migration() == 1
    foi.refresh_from_db()
    # From Fri 20 Nov: d20 Mon 21 Dec, +2: Wed 23 Dec.
    assert day(foi.due_at) == "2026-12-23"
    assert foi.paused_days == 2


def test_a_clock_already_reminded_keeps_its_reminder_sent():
    route = make_route()
    case = make_case(route, channel=Channel.EMAIL, received_at=at("2026-11-20", "17:30"))
    ack = made_under_the_old_rule(case.deadlines.get(kind=ClockKind.ACKNOWLEDGEMENT))
    reminded = timezone.now()
    Deadline.objects.filter(pk=ack.pk).update(reminded_at=reminded)
    assert run_migration() == 1
    ack.refresh_from_db()
    assert day(ack.due_at) == "2026-11-25"
    assert ack.reminded_at == reminded


def test_a_database_without_running_clocks_is_left_alone(capsys):
    assert run_migration() == 0
    assert capsys.readouterr().out == ""

"""The edges of clocks.calendar the tables in test_calendar.py do not reach (issue #26: these
kill its surviving mutants; docs/testing.md lists the few that are equivalent)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from clocks import calendar as cal

LONDON = ZoneInfo("Europe/London")
ENG = cal.calendar_for("england")
D = datetime.date


def _closed_for_years(start: datetime.date) -> cal.WorkingCalendar:
    days = {start + datetime.timedelta(days=n) for n in range(-cal.MAX_SEARCH_DAYS - 2, 0)}
    days |= {start + datetime.timedelta(days=n) for n in range(cal.MAX_SEARCH_DAYS + 2)}
    return cal.WorkingCalendar(region="england", closures=frozenset(days))


def test_a_bank_holiday_is_named():
    assert ENG.bank_holiday_name(D(2026, 12, 25)) == "Christmas Day"
    assert ENG.bank_holiday_name(D(2026, 12, 23)) is None


def test_local_time_is_london_time_in_summer_too():
    moment = datetime.datetime(2026, 7, 1, 8, 30, tzinfo=datetime.UTC)
    assert cal.local(moment) == moment
    assert cal.local(moment).tzinfo == LONDON
    assert cal.local(moment).hour == 9  # British Summer Time


def test_naive_datetimes_are_refused_by_name():
    with pytest.raises(ValueError, match=r"^Naive datetimes are not allowed: give a time zone\.$"):
        cal.local(datetime.datetime(2026, 7, 1, 9, 0))  # noqa: DTZ001 - the point


@pytest.mark.parametrize(
    "call",
    [
        lambda: cal.working_days_after(D(2026, 12, 1), 0, ENG),
        lambda: cal.due_date(
            datetime.datetime(2026, 12, 1, 9, tzinfo=LONDON),
            length=0,
            working_days=False,
            calendar=ENG,
        ),
    ],
    ids=["working_days_after", "due_date"],
)
def test_a_clock_of_no_days_is_refused(call):
    with pytest.raises(ValueError, match=r"^A clock runs for at least one day\.$"):
        call()


def test_a_calendar_with_no_working_day_is_refused_rather_than_looping():
    start = D(2026, 12, 1)
    closed = _closed_for_years(start)
    with pytest.raises(
        ValueError, match=r"^The calendar has no working day in the next three years\.$"
    ):
        cal.next_working_day(start, closed)
    with pytest.raises(
        ValueError, match=r"^The calendar has no working day in the last three years\.$"
    ):
        cal.working_days_before(start, 1, closed)


@pytest.mark.parametrize(
    ("days", "working_days", "expected"),
    [
        (0, True, D(2026, 12, 4)),
        (-2, False, D(2026, 12, 4)),
        (1, True, D(2026, 12, 7)),  # Friday + 1 working day = Monday
        (3, False, D(2026, 12, 7)),  # Friday + 3 calendar days = Monday
        (2, True, D(2026, 12, 8)),
    ],
)
def test_a_due_date_moves_later_by_the_clocks_own_unit(days, working_days, expected):
    assert (
        cal.shift_due_date(D(2026, 12, 4), days, working_days=working_days, calendar=ENG)
        == expected
    )


def test_no_reminder_at_the_very_moment_the_clock_starts():
    due = cal.end_of_day(D(2026, 12, 4))  # Friday
    reminder = cal.reminder_at(due, working_days_before_due=1, calendar=ENG)
    assert reminder == cal.start_of_day(D(2026, 12, 3))
    assert cal.reminder_at(due, working_days_before_due=1, calendar=ENG, starts_at=reminder) is None
    just_before = reminder - datetime.timedelta(microseconds=1)
    assert (
        cal.reminder_at(due, working_days_before_due=1, calendar=ENG, starts_at=just_before)
        == reminder
    )


def test_the_last_moment_of_the_due_day_is_still_due_today():
    due = cal.end_of_day(D(2026, 12, 4))
    assert cal.countdown_text(due, due, ENG) == "Due today"


def test_one_working_day_overdue_is_singular():
    due = cal.end_of_day(D(2026, 12, 3))  # Thursday
    friday = datetime.datetime(2026, 12, 4, 10, tzinfo=LONDON)
    assert cal.countdown_text(friday, due, ENG) == "1 working day overdue"
    monday = datetime.datetime(2026, 12, 7, 10, tzinfo=LONDON)
    assert cal.countdown_text(monday, due, ENG) == "2 working days overdue"

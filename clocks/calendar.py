"""Pure working-day and calendar-day arithmetic. No database, no settings.

Rules (Maldon 2.2 and FOIA s.10):
- A working day is Monday to Friday, not a bank holiday, and not one of the council's own
  closure days. The all-UK calendar (FOIA s.10(6)) treats a bank holiday in any part of the UK
  as non-working, and ignores a council's own closures.
- The day of receipt is the calendar date in Europe/London of the moment received, whatever the
  day or hour (FOIA s.10(1) and (6): time runs from "the day on which the public authority
  receives the request"; Berend v ICO and LB Richmond, EA/2006/0049-50: a day is the whole
  calendar day, with no office-hours cut-off). Day 1 is the first working day after it, so a
  request received on Saturday 14 March has Monday 16 March as day 1.
- Only where a council chose an office-hours cut-off for its own, non-statutory clocks
  (`cutoff`), a receipt at or after the cut-off, or on a non-working day, counts as received
  on the next working day.
- Calendar-day clocks ("within seven days", Maldon 2.2) count plain days from the day of
  receipt, as written: no adjustment for weekends, holidays or the hour of receipt.
- A deadline falls due at the end of its due day in Europe/London, so BST changes are right:
  the UTC offset of `due_at` is the one in force on the due day, not on the day of receipt.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
WORKING_DAY_STARTS = datetime.time(9, 0)
ONE_DAY = datetime.timedelta(days=1)
# A guard against a calendar with no working days at all (e.g. a closure every day).
MAX_SEARCH_DAYS = 366 * 3

NATION_SUBDIVISION = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}
ALL_UK = "all_uk"


@lru_cache(maxsize=8)
def _bank_holidays(subdivision: str) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv=subdivision)


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days count. `region` is a nation key or `all_uk`; closures are the council's own."""

    region: str = "england"
    closures: frozenset[datetime.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.region != ALL_UK and self.region not in NATION_SUBDIVISION:
            raise ValueError(f"Unknown calendar region {self.region!r}")

    @property
    def subdivisions(self) -> tuple[str, ...]:
        if self.region == ALL_UK:
            return tuple(NATION_SUBDIVISION.values())
        return (NATION_SUBDIVISION[self.region],)

    def bank_holiday_name(self, day: datetime.date) -> str | None:
        for subdivision in self.subdivisions:
            name = _bank_holidays(subdivision).get(day)
            if name:
                return str(name)
        return None

    def is_working_day(self, day: datetime.date) -> bool:
        if day.weekday() >= 5 or day in self.closures:
            return False
        return self.bank_holiday_name(day) is None


def calendar_for(region: str, closures: Iterable[datetime.date] = ()) -> WorkingCalendar:
    # FOIA s.10: the all-UK calendar never carries a council's own closures.
    if region == ALL_UK:
        return WorkingCalendar(region=ALL_UK)
    return WorkingCalendar(region=region, closures=frozenset(closures))


def local(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None:
        raise ValueError("Naive datetimes are not allowed: give a time zone.")
    return moment.astimezone(LONDON)


def next_working_day(day: datetime.date, calendar: WorkingCalendar) -> datetime.date:
    for _ in range(MAX_SEARCH_DAYS):
        day += ONE_DAY
        if calendar.is_working_day(day):
            return day
    raise ValueError("The calendar has no working day in the next three years.")


def receipt_date(
    received_at: datetime.datetime,
    calendar: WorkingCalendar,
    *,
    cutoff: datetime.time | None = None,
) -> datetime.date:
    """The day a receipt counts as received on: day 1 is the first working day after it.

    Without a cut-off (the law, and the default): the Europe/London date of the moment received,
    whatever the day or hour. With a council's office-hours `cutoff`: a receipt at or after it,
    or on a non-working day, counts as received on the next working day.
    """
    moment = local(received_at)
    day = moment.date()
    if cutoff is None:
        return day
    if not calendar.is_working_day(day) or moment.time() >= cutoff:
        return next_working_day(day, calendar)
    return day


def working_days_after(start: datetime.date, days: int, calendar: WorkingCalendar) -> datetime.date:
    """The `days`-th working day after `start` (day 1 is the first working day after it)."""
    if days < 1:
        raise ValueError("A clock runs for at least one day.")
    day = start
    for _ in range(days):
        day = next_working_day(day, calendar)
    return day


def working_days_before(due: datetime.date, days: int, calendar: WorkingCalendar) -> datetime.date:
    """The working day `days` working days before `due` (for reminders)."""
    day = due
    counted = 0
    for _ in range(MAX_SEARCH_DAYS):
        if counted >= days:
            return day
        day -= ONE_DAY
        if calendar.is_working_day(day):
            counted += 1
    raise ValueError("The calendar has no working day in the last three years.")


def working_days_between(
    start: datetime.date, end: datetime.date, calendar: WorkingCalendar
) -> int:
    """Working days d with start < d <= end (0 when end is not after start).

    Used when a paused clock resumes: the working days it stood still are added to its due day.
    """
    count = 0
    day = start
    while day < end:
        day += ONE_DAY
        if calendar.is_working_day(day):
            count += 1
    return count


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last moment of `day` in Europe/London, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=LONDON)


def start_of_day(day: datetime.date) -> datetime.datetime:
    """The start of the working day (09:00 Europe/London): when reminders go out."""
    return datetime.datetime.combine(day, WORKING_DAY_STARTS, tzinfo=LONDON)


def due_date(
    received_at: datetime.datetime,
    *,
    length: int,
    working_days: bool,
    calendar: WorkingCalendar,
    cutoff: datetime.time | None = None,
) -> datetime.date:
    """The due day. `cutoff` (a council's office hours) moves working-day clocks only."""
    if length < 1:
        raise ValueError("A clock runs for at least one day.")
    if working_days:
        start = receipt_date(received_at, calendar, cutoff=cutoff)
        return working_days_after(start, length, calendar)
    return local(received_at).date() + datetime.timedelta(days=length)


def due_at(
    received_at: datetime.datetime,
    *,
    length: int,
    working_days: bool,
    calendar: WorkingCalendar,
    cutoff: datetime.time | None = None,
) -> datetime.datetime:
    return end_of_day(
        due_date(
            received_at,
            length=length,
            working_days=working_days,
            calendar=calendar,
            cutoff=cutoff,
        )
    )


def _day(day: datetime.date) -> str:
    return f"{day:%A %-d %B %Y}"


def counting_text(
    received_at: datetime.datetime,
    *,
    length: int,
    working_days: bool,
    calendar: WorkingCalendar,
    cutoff: datetime.time | None = None,
    paused_days: int = 0,
) -> str:
    """How a due day was counted, in words a member or a handler can check with a calendar.

    "Received Saturday 14 March 2026; day 1 is Monday 16 March 2026; day 20, the due day, is
    Friday 10 April 2026."
    """
    moment = local(received_at)
    received = moment.date()
    parts = [f"Received {_day(received)}"]
    if not working_days:
        due = received + datetime.timedelta(days=length)
        parts.append(
            f"{length} calendar day{'s' if length != 1 else ''} later is {_day(due)}, "
            "whatever the day of the week"
        )
        if paused_days:
            due += datetime.timedelta(days=paused_days)
            parts.append(f"{paused_days} paused day{'s' if paused_days != 1 else ''} added")
        return "; ".join(parts) + "."
    start = receipt_date(received_at, calendar, cutoff=cutoff)
    if start != received:
        parts[0] = f"Received {_day(received)} at {moment:%H:%M}"
        parts.append(
            f"the council counts receipts at or after {cutoff:%H:%M} or on a non-working day "
            f"as received on the next working day, {_day(start)}"
        )
    day_one = next_working_day(start, calendar)
    due = working_days_after(start, length, calendar)
    parts.append(f"day 1 is {_day(day_one)}")
    if length > 1:
        parts.append(f"day {length}, the due day, is {_day(due)}")
    else:
        parts[-1] += ", the due day"
    if paused_days:
        due = shift_due_date(due, paused_days, working_days=True, calendar=calendar)
        parts.append(
            f"{paused_days} working day{'s' if paused_days != 1 else ''} paused moved it to "
            f"{_day(due)}"
        )
    return "; ".join(parts) + "."


def shift_due_date(
    due: datetime.date, days: int, *, working_days: bool, calendar: WorkingCalendar
) -> datetime.date:
    """`due` moved later by `days` of the clock's own unit (a resumed pause)."""
    if days <= 0:
        return due
    if working_days:
        return working_days_after(due, days, calendar)
    return due + datetime.timedelta(days=days)


def reminder_at(
    due: datetime.datetime,
    *,
    working_days_before_due: int,
    calendar: WorkingCalendar,
    starts_at: datetime.datetime | None = None,
) -> datetime.datetime | None:
    """09:00 on the working day `working_days_before_due` working days before the due day.

    None when that moment is not after the clock started (a clock too short to remind about),
    or when reminders are switched off (0 days before).
    """
    if working_days_before_due < 1:
        return None
    day = working_days_before(local(due).date(), working_days_before_due, calendar)
    moment = start_of_day(day)
    if starts_at is not None and moment <= starts_at:
        return None
    return moment


def working_days_left(
    now: datetime.datetime, due: datetime.datetime, calendar: WorkingCalendar
) -> int:
    """Working days from today to the due day: 0 on the due day, negative once overdue.

    Overdue by a weekend alone still reads as -1, so an overdue clock never shows 0.
    """
    today = local(now).date()
    due_day = local(due).date()
    if today == due_day:
        return 0
    if due_day > today:
        return working_days_between(today, due_day, calendar)
    count = -working_days_between(due_day, today, calendar)
    return min(count, -1)


def countdown_text(
    now: datetime.datetime, due: datetime.datetime, calendar: WorkingCalendar
) -> str:
    """A countdown a handler can read at a glance, in working days."""
    if now > due:
        days = -working_days_left(now, due, calendar)
        return f"{days} working day{'s' if days != 1 else ''} overdue"
    left = working_days_left(now, due, calendar)
    if local(now).date() == local(due).date():
        return "Due today"
    if left == 0:
        # A calendar-day clock may fall due on a weekend or a holiday.
        return "Due before the next working day"
    return f"{left} working day{'s' if left != 1 else ''} left"

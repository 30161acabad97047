"""Pure working-day and calendar-day arithmetic. No database, no settings.

Rules (from the protocols and FOIA s.10):
- A working day is Monday to Friday, not a bank holiday, and not one of the council's own
  closure days. The all-UK calendar (FOIA) treats a bank holiday anywhere in the UK as
  non-working.
- Day 1 is the first working day after the day of receipt. A receipt outside working hours, or
  on a non-working day, is treated as received on the next working day.
- Calendar-day clocks ("within seven days") count plain days from the day of receipt.
- A deadline falls due at the end of its due day in Europe/London, so BST changes are right.
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
WORKING_DAY_ENDS = datetime.time(17, 0)

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


def calendar_for(
    region: str, closures: Iterable[datetime.date] = ()
) -> WorkingCalendar:
    return WorkingCalendar(region=region, closures=frozenset(closures))


def local(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None:
        raise ValueError("Naive datetimes are not allowed: give a time zone.")
    return moment.astimezone(LONDON)


def next_working_day(day: datetime.date, calendar: WorkingCalendar) -> datetime.date:
    day += datetime.timedelta(days=1)
    while not calendar.is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def effective_receipt_date(
    received_at: datetime.datetime, calendar: WorkingCalendar
) -> datetime.date:
    """The working day a receipt counts as received on."""
    moment = local(received_at)
    day = moment.date()
    if not calendar.is_working_day(day) or moment.time() >= WORKING_DAY_ENDS:
        return next_working_day(day, calendar)
    return day


def working_days_after(
    start: datetime.date, days: int, calendar: WorkingCalendar
) -> datetime.date:
    """The `days`-th working day after `start` (day 1 is the first working day after it)."""
    if days < 1:
        raise ValueError("A clock runs for at least one day.")
    day = start
    for _ in range(days):
        day = next_working_day(day, calendar)
    return day


def working_days_before(
    due: datetime.date, days: int, calendar: WorkingCalendar
) -> datetime.date:
    """The working day `days` working days before `due` (for reminders)."""
    day = due
    counted = 0
    while counted < days:
        day -= datetime.timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last moment of `day` in Europe/London, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=LONDON)


def start_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, WORKING_DAY_STARTS, tzinfo=LONDON)


def due_date(
    received_at: datetime.datetime,
    *,
    length: int,
    working_days: bool,
    calendar: WorkingCalendar,
) -> datetime.date:
    if working_days:
        return working_days_after(effective_receipt_date(received_at, calendar), length, calendar)
    if length < 1:
        raise ValueError("A clock runs for at least one day.")
    return local(received_at).date() + datetime.timedelta(days=length)


def due_at(
    received_at: datetime.datetime,
    *,
    length: int,
    working_days: bool,
    calendar: WorkingCalendar,
) -> datetime.datetime:
    return end_of_day(
        due_date(received_at, length=length, working_days=working_days, calendar=calendar)
    )


def working_days_left(
    now: datetime.datetime, due: datetime.datetime, calendar: WorkingCalendar
) -> int:
    """Working days from today to the due day: 0 on the due day, negative once overdue."""
    today = local(now).date()
    due_day = local(due).date()
    if today == due_day:
        return 0
    step = 1 if due_day > today else -1
    count = 0
    day = today
    while day != due_day:
        day += datetime.timedelta(days=step)
        if calendar.is_working_day(day):
            count += step
    if step < 0 and count == 0:
        count = -1  # overdue by a weekend still reads as overdue
    return count

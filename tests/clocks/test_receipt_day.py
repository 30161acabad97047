"""Clocks count from the day something actually arrived (issue #21).

FOIA s.10(1): comply "not later than the twentieth working day following the date of receipt";
s.10(6): "the date of receipt" is the day the authority receives the request, and a working day
is not a bank holiday "in any part of the United Kingdom". Berend v ICO and LB Richmond
(EA/2006/0049-50): a day is the whole calendar day, so there is no office-hours cut-off.

The property tests below check `clocks.calendar` against an independent count written here from
the `holidays` package alone: nothing in this file imports or copies clocks/calendar.py's rules.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clocks import calendar as cal

LONDON = ZoneInfo("Europe/London")
UTC = datetime.UTC
NATIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}
REGIONS = [*NATIONS, "all_uk"]
YEARS = range(2024, 2030)
# Modest: the whole suite must stay fast. Each example is a few dozen date comparisons.
FAST = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


# -- the independent count --------------------------------------------------------------------


@lru_cache(maxsize=8)
def bank_holidays(region: str) -> frozenset[datetime.date]:
    """Every bank holiday that stops the count in `region`, 2023-2031, straight from `holidays`."""
    codes = list(NATIONS.values()) if region == "all_uk" else [NATIONS[region]]
    days: set[datetime.date] = set()
    for code in codes:
        days.update(holidays.UK(subdiv=code, years=range(2023, 2032)).keys())
    return frozenset(days)


def counted_due(
    received: datetime.datetime,
    length: int,
    region: str,
    *,
    cutoff: datetime.time | None = None,
) -> datetime.date:
    """Count by hand: the receipt's London date, then `length` working days after it."""
    off = bank_holidays(region)

    def works(day: datetime.date) -> bool:
        return day.weekday() < 5 and day not in off

    here = received.astimezone(LONDON)
    day = here.date()
    if cutoff is not None and (not works(day) or here.time() >= cutoff):
        day += datetime.timedelta(days=1)
        while not works(day):
            day += datetime.timedelta(days=1)
    left = length
    while left:
        day += datetime.timedelta(days=1)
        if works(day):
            left -= 1
    return day


def due(received: datetime.datetime, length: int, region: str, **kw) -> datetime.date:
    return cal.due_date(
        received, length=length, working_days=True, calendar=cal.calendar_for(region), **kw
    )


# -- strategies ---------------------------------------------------------------------------------

regions = st.sampled_from(REGIONS)
lengths = st.sampled_from([1, 3, 5, 10, 20])


@st.composite
def any_moment(draw: st.DrawFn) -> datetime.datetime:
    naive = draw(
        st.datetimes(
            min_value=datetime.datetime(2024, 1, 1), max_value=datetime.datetime(2029, 12, 31)
        )
    )
    return naive.replace(tzinfo=UTC)


@st.composite
def weekend_moment(draw: st.DrawFn) -> datetime.datetime:
    monday = datetime.date(2024, 1, 1) + datetime.timedelta(weeks=draw(st.integers(0, 310)))
    day = monday + datetime.timedelta(days=draw(st.sampled_from([5, 6])))
    seconds = draw(st.integers(0, 86399))
    clock = datetime.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
    return datetime.datetime.combine(day, clock, tzinfo=LONDON)


@st.composite
def bank_holiday_moment(draw: st.DrawFn) -> datetime.datetime:
    nation = draw(st.sampled_from(list(NATIONS)))
    days = sorted(d for d in bank_holidays(nation) if d.year in YEARS)
    day = draw(st.sampled_from(days))
    hour = draw(st.integers(0, 23))
    return datetime.datetime.combine(day, datetime.time(hour, draw(st.integers(0, 59))), LONDON)


def _last_sunday(year: int, month: int) -> datetime.date:
    day = datetime.date(year, month, 31)
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


@st.composite
def small_hours_around_bst_change(draw: st.DrawFn) -> datetime.datetime:
    """00:00-00:59 London time, the day before, of, or after a clock change; given in UTC so the
    date in London differs from the date in UTC for half of them."""
    year = draw(st.sampled_from(list(YEARS)))
    change = _last_sunday(year, draw(st.sampled_from([3, 10])))
    day = change + datetime.timedelta(days=draw(st.integers(-1, 1)))
    local = datetime.datetime.combine(day, datetime.time(0, draw(st.integers(0, 59))), LONDON)
    return local.astimezone(UTC)


@st.composite
def evening_moment(draw: st.DrawFn) -> datetime.datetime:
    day = datetime.date(2024, 1, 1) + datetime.timedelta(days=draw(st.integers(0, 6 * 365)))
    clock = datetime.time(draw(st.integers(17, 23)), draw(st.integers(0, 59)))
    return datetime.datetime.combine(day, clock, LONDON)


receipts = st.one_of(
    any_moment(),
    weekend_moment(),
    bank_holiday_moment(),
    small_hours_around_bst_change(),
    evening_moment(),
)


# -- properties -------------------------------------------------------------------------------


@FAST
@given(received=receipts, length=lengths, region=regions)
def test_every_due_date_matches_an_independent_count(received, length, region):
    assert due(received, length, region) == counted_due(received, length, region)


@FAST
@given(received=receipts, region=regions)
def test_day_one_is_the_first_working_day_after_the_london_date_of_receipt(received, region):
    # Whatever the hour or the day: no cut-off, no "next working day" for a weekend receipt.
    day_one = due(received, 1, region)
    received_on = received.astimezone(LONDON).date()
    assert day_one > received_on
    between = [
        received_on + datetime.timedelta(days=n) for n in range(1, (day_one - received_on).days)
    ]
    assert all(d.weekday() >= 5 or d in bank_holidays(region) for d in between)


@FAST
@given(received=receipts, length=lengths, region=st.sampled_from(list(NATIONS)))
def test_an_office_hours_cutoff_matches_the_independent_count(received, length, region):
    cutoff = datetime.time(17, 0)
    assert due(received, length, region, cutoff=cutoff) == counted_due(
        received, length, region, cutoff=cutoff
    )
    # A cut-off only ever makes a clock later, never earlier.
    assert due(received, length, region, cutoff=cutoff) >= due(received, length, region)


@FAST
@given(received=receipts, length=st.integers(1, 30))
def test_calendar_day_clocks_are_unchanged(received, length):
    # Maldon 2.2's "within seven days": plain days from the London date of receipt.
    expected = received.astimezone(LONDON).date() + datetime.timedelta(days=length)
    for region in REGIONS:
        assert (
            cal.due_date(
                received, length=length, working_days=False, calendar=cal.calendar_for(region)
            )
            == expected
        )


# -- hand-checked tables --------------------------------------------------------------------------


def at(day: str, hhmm: str = "10:00") -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=LONDON)


FOI_RECEIPTS = [
    pytest.param(
        "2026-03-14",
        "10:00",
        "2026-04-15",
        "2026-04-16",
        id="foi-saturday: received Sat 14 Mar; d1 Mon 16, Tue 17 St Patrick's (NI) skipped, "
        "d2 Wed 18 ... d13 Thu 2 Apr, Fri 3 and Mon 6 Apr skipped, d20 Wed 15 Apr",
    ),
    pytest.param(
        "2026-03-15",
        "23:30",
        "2026-04-15",
        "2026-04-16",
        id="foi-sunday-late: received Sun 15 Mar 23:30; d1 Mon 16; d20 Wed 15 Apr",
    ),
    pytest.param(
        "2026-05-04",
        "10:00",
        "2026-06-02",
        "2026-06-03",
        id="foi-bank-holiday: received Mon 4 May (Early May bank holiday); d1 Tue 5 May, "
        "Mon 25 May skipped, d19 Mon 1 Jun, d20 Tue 2 Jun",
    ),
    pytest.param(
        "2026-11-20",
        "17:30",
        "2026-12-21",
        "2026-12-22",
        id="foi-friday-17:30: received Fri 20 Nov; d1 Mon 23, Mon 30 St Andrew's (Scotland) "
        "skipped, d6 Tue 1 Dec ... d20 Mon 21 Dec",
    ),
]


@pytest.mark.parametrize(("day", "hhmm", "expected", "old_rule"), FOI_RECEIPTS)
def test_foi_twenty_working_days_from_the_day_received(day, hhmm, expected, old_rule):
    # FOIA s.10(1) and (6), all-UK calendar.
    got = due(at(day, hhmm), 20, "all_uk")
    assert got.isoformat() == expected
    # The old rule (next working day after a weekend, holiday or 17:00) was a day later.
    assert due(at(day, hhmm), 20, "all_uk", cutoff=datetime.time(17)).isoformat() == old_rule


ACKNOWLEDGEMENT_RECEIPTS = [
    pytest.param(
        "2026-03-14",
        "10:00",
        "2026-03-18",
        id="ack-saturday: received Sat 14 Mar; d1 Mon 16, d2 Tue 17 (England works), d3 Wed 18",
    ),
    pytest.param(
        "2026-03-15", "10:00", "2026-03-18", id="ack-sunday: received Sun 15 Mar; d3 Wed 18"
    ),
    pytest.param(
        "2026-05-04",
        "12:00",
        "2026-05-07",
        id="ack-bank-holiday: received Mon 4 May; d1 Tue 5, d3 Thu 7 May",
    ),
    pytest.param(
        "2026-11-20",
        "17:30",
        "2026-11-25",
        id="ack-friday-17:30: received Fri 20 Nov; d1 Mon 23, d3 Wed 25 Nov",
    ),
]


@pytest.mark.parametrize(("day", "hhmm", "expected"), ACKNOWLEDGEMENT_RECEIPTS)
def test_three_working_day_acknowledgement_from_the_day_received(day, hhmm, expected):
    # Maldon 2.2: "acknowledged within three working days" (England calendar).
    assert due(at(day, hhmm), 3, "england").isoformat() == expected


def test_the_counting_is_explained_in_words():
    text = cal.counting_text(
        at("2026-03-14"), length=20, working_days=True, calendar=cal.calendar_for("all_uk")
    )
    assert text == (
        "Received Saturday 14 March 2026; day 1 is Monday 16 March 2026; "
        "day 20, the due day, is Wednesday 15 April 2026."
    )


def test_the_counting_text_names_a_councils_cutoff():
    text = cal.counting_text(
        at("2026-11-20", "17:30"),
        length=3,
        working_days=True,
        calendar=cal.calendar_for("england"),
        cutoff=datetime.time(17),
    )
    assert text == (
        "Received Friday 20 November 2026 at 17:30; the council counts receipts at or after "
        "17:00 or on a non-working day as received on the next working day, Monday 23 November "
        "2026; day 1 is Tuesday 24 November 2026; day 3, the due day, is Thursday 26 November "
        "2026."
    )


def test_the_counting_text_for_a_calendar_day_clock():
    text = cal.counting_text(
        at("2026-03-14"), length=7, working_days=False, calendar=cal.calendar_for("england")
    )
    assert text == (
        "Received Saturday 14 March 2026; 7 calendar days later is Saturday 21 March 2026, "
        "whatever the day of the week."
    )

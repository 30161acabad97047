"""The working-day calendar, table-driven. Every expected date was counted by hand on a printed
2025-2027 calendar against the gov.uk bank-holiday lists; the reasoning is in each test id
("d1" = day 1 of the clock, "hol" = a bank holiday, "wknd" = a weekend)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from clocks import calendar as cal

LONDON = ZoneInfo("Europe/London")
UTC = datetime.UTC
ENG = cal.calendar_for("england")
WLS = cal.calendar_for("wales")
SCT = cal.calendar_for("scotland")
NIR = cal.calendar_for("northern_ireland")
ALL_UK = cal.calendar_for(cal.ALL_UK)
CALENDARS = {
    "england": ENG,
    "wales": WLS,
    "scotland": SCT,
    "northern_ireland": NIR,
    "all_uk": ALL_UK,
}


def at(day: str, hhmm: str = "10:00", tz: datetime.tzinfo = LONDON) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=tz)


def d(day: str) -> datetime.date:
    return datetime.date.fromisoformat(day)


WORKING_DAY_CASES = [
    # --- Christmas and New Year 2026-27 -------------------------------------------------------
    pytest.param(
        "england",
        "2026-12-24",
        "10:00",
        3,
        "2026-12-31",
        id="eng-xmas: Thu 24 Dec; Fri 25 hol, wknd, Mon 28 Boxing Day (obs) hol; "
        "d1 Tue 29, d3 Thu 31 Dec",
    ),
    pytest.param(
        "england",
        "2026-12-23",
        "17:30",
        3,
        "2026-12-30",
        id="eng-xmas-at-17:30: received Wed 23 (no cut-off, FOIA s.10(1)); d1 Thu 24, "
        "Fri 25 hol, wknd, Mon 28 hol; d2 Tue 29, d3 Wed 30",
    ),
    pytest.param(
        "england",
        "2026-12-31",
        "09:00",
        3,
        "2027-01-06",
        id="eng-new-year: Thu 31 Dec; Fri 1 Jan hol, wknd; d1 Mon 4, d3 Wed 6 Jan",
    ),
    pytest.param(
        "scotland",
        "2026-12-31",
        "09:00",
        3,
        "2027-01-07",
        id="sct-new-year: Fri 1 Jan hol, 2 Jan (Sat) moved to Mon 4 Jan; d1 Tue 5, d3 Thu 7",
    ),
    pytest.param(
        "all_uk",
        "2026-12-31",
        "09:00",
        3,
        "2027-01-07",
        id="all-uk-new-year: Scotland's Mon 4 Jan counts everywhere; d3 Thu 7 Jan",
    ),
    pytest.param(
        "england",
        "2026-12-25",
        "10:00",
        1,
        "2026-12-29",
        id="eng-received-on-christmas: received Fri 25 (a holiday still counts as the day of "
        "receipt); wknd, Mon 28 hol; d1 Tue 29",
    ),
    # --- Easter 2026 (Good Friday 3 Apr, Easter Monday 6 Apr except Scotland) --------------------
    pytest.param(
        "england",
        "2026-04-02",
        "11:00",
        3,
        "2026-04-09",
        id="eng-easter-2026: Thu 2 Apr; Fri 3 hol, wknd, Mon 6 hol; d1 Tue 7, d3 Thu 9",
    ),
    pytest.param(
        "scotland",
        "2026-04-02",
        "11:00",
        3,
        "2026-04-08",
        id="sct-easter-2026: no Easter Monday in Scotland; d1 Mon 6, d3 Wed 8 Apr",
    ),
    pytest.param(
        "northern_ireland",
        "2026-04-02",
        "11:00",
        3,
        "2026-04-09",
        id="nir-easter-2026: Fri 3 and Mon 6 hol; d1 Tue 7, d3 Thu 9 Apr",
    ),
    # --- Easter 2027 (Good Friday 26 Mar, Easter Monday 29 Mar) ---------------------------------
    pytest.param(
        "england",
        "2027-03-25",
        "12:00",
        3,
        "2027-04-01",
        id="eng-easter-2027: Thu 25 Mar; Fri 26 hol, wknd, Mon 29 hol; d1 Tue 30, d3 Thu 1 Apr",
    ),
    pytest.param(
        "scotland",
        "2027-03-25",
        "12:00",
        3,
        "2027-03-31",
        id="sct-easter-2027: Mon 29 Mar works in Scotland; d1 Mon 29, d3 Wed 31 Mar",
    ),
    # --- Scotland: 2 January, St Andrew's Day, August bank holiday -----------------------------
    pytest.param(
        "scotland",
        "2025-12-31",
        "10:00",
        1,
        "2026-01-05",
        id="sct-2-jan-2026: Thu 1 and Fri 2 Jan hol, wknd; d1 Mon 5 Jan",
    ),
    pytest.param(
        "england",
        "2025-12-31",
        "10:00",
        1,
        "2026-01-02",
        id="eng-2-jan-2026: Fri 2 Jan works in England; d1 Fri 2 Jan",
    ),
    pytest.param(
        "scotland",
        "2026-11-27",
        "10:00",
        1,
        "2026-12-01",
        id="sct-st-andrew-2026: Fri 27 Nov; wknd, Mon 30 Nov hol; d1 Tue 1 Dec",
    ),
    pytest.param(
        "england",
        "2026-11-27",
        "10:00",
        1,
        "2026-11-30",
        id="eng-st-andrew-2026: Mon 30 Nov works in England; d1 Mon 30 Nov",
    ),
    pytest.param(
        "scotland",
        "2026-07-31",
        "10:00",
        1,
        "2026-08-04",
        id="sct-august-2026: Fri 31 Jul; wknd, Mon 3 Aug summer hol; d1 Tue 4 Aug",
    ),
    pytest.param(
        "england",
        "2026-07-31",
        "10:00",
        1,
        "2026-08-03",
        id="eng-early-august-2026: Mon 3 Aug works in England; d1 Mon 3 Aug",
    ),
    pytest.param(
        "england",
        "2026-08-28",
        "10:00",
        1,
        "2026-09-01",
        id="eng-late-august-2026: Fri 28 Aug; wknd, Mon 31 Aug hol; d1 Tue 1 Sep",
    ),
    pytest.param(
        "scotland",
        "2026-08-28",
        "10:00",
        1,
        "2026-08-31",
        id="sct-late-august-2026: Mon 31 Aug works in Scotland; d1 Mon 31 Aug",
    ),
    # --- Northern Ireland: St Patrick's Day, 12 July --------------------------------------------
    pytest.param(
        "northern_ireland",
        "2026-03-16",
        "10:00",
        1,
        "2026-03-18",
        id="nir-st-patrick-2026: Mon 16; Tue 17 Mar hol; d1 Wed 18 Mar",
    ),
    pytest.param(
        "england",
        "2026-03-16",
        "10:00",
        1,
        "2026-03-17",
        id="eng-st-patrick-2026: Tue 17 Mar works in England; d1 Tue 17",
    ),
    pytest.param(
        "northern_ireland",
        "2027-03-16",
        "10:00",
        3,
        "2027-03-22",
        id="nir-st-patrick-2027: Tue 16; Wed 17 hol; d1 Thu 18, d2 Fri 19, d3 Mon 22 Mar",
    ),
    pytest.param(
        "northern_ireland",
        "2026-07-10",
        "10:00",
        1,
        "2026-07-14",
        id="nir-12-july-2026: Fri 10; wknd (Sun 12), Mon 13 Jul hol (obs); d1 Tue 14",
    ),
    pytest.param(
        "england",
        "2026-07-10",
        "10:00",
        1,
        "2026-07-13",
        id="eng-12-july-2026: Mon 13 Jul works in England; d1 Mon 13",
    ),
    pytest.param(
        "northern_ireland",
        "2027-07-09",
        "10:00",
        1,
        "2027-07-13",
        id="nir-12-july-2027: Fri 9; wknd, Mon 12 Jul hol; d1 Tue 13 Jul",
    ),
    # --- receipt times and non-working days ------------------------------------------------------
    pytest.param(
        "england",
        "2026-11-25",
        "16:59",
        1,
        "2026-11-26",
        id="eng-16:59-is-in-hours: Wed 25 Nov counts; d1 Thu 26",
    ),
    pytest.param(
        "england",
        "2026-11-25",
        "17:00",
        1,
        "2026-11-26",
        id="eng-17:00-is-still-that-day: received Wed 25 (Berend: the whole day); d1 Thu 26",
    ),
    pytest.param(
        "england",
        "2026-11-28",
        "10:00",
        1,
        "2026-11-30",
        id="eng-saturday: received Sat 28 (FOIA s.10(6)); d1 Mon 30 Nov",
    ),
    pytest.param(
        "england",
        "2026-11-25",
        "08:00",
        3,
        "2026-11-30",
        id="eng-before-9am-counts-that-day: Wed 25; d1 Thu 26, d2 Fri 27, d3 Mon 30",
    ),
]


@pytest.mark.parametrize(("region", "day", "time", "length", "expected"), WORKING_DAY_CASES)
def test_working_day_due_dates(region, day, time, length, expected):
    due = cal.due_date(at(day, time), length=length, working_days=True, calendar=CALENDARS[region])
    assert due == d(expected)
    # Due at the end of that day in Europe/London.
    moment = cal.due_at(at(day, time), length=length, working_days=True, calendar=CALENDARS[region])
    assert moment.astimezone(LONDON).date() == d(expected)
    assert moment.astimezone(LONDON).time() == datetime.time.max


FOI_CASES = [
    # 20 working days from Mon 16 Mar 2026 (FOIA s.10). Non-working days in the window: Tue 17
    # Mar (NI), Fri 3 Apr (everywhere), Mon 6 Apr (not Scotland).
    pytest.param(
        "all_uk",
        "2026-03-16",
        "2026-04-16",
        id="foi-all-uk-spring-2026: 17 Mar, 3 Apr, 6 Apr skipped; d1 Wed 18 Mar, d20 Thu 16 Apr",
    ),
    pytest.param(
        "northern_ireland",
        "2026-03-16",
        "2026-04-16",
        id="foi-nir-spring-2026: same three holidays as all-UK; d20 Thu 16 Apr",
    ),
    pytest.param(
        "england",
        "2026-03-16",
        "2026-04-15",
        id="foi-eng-spring-2026: 17 Mar works; d1 Tue 17 Mar, d20 Wed 15 Apr",
    ),
    pytest.param(
        "wales", "2026-03-16", "2026-04-15", id="foi-wls-spring-2026: as England; d20 Wed 15 Apr"
    ),
    pytest.param(
        "scotland",
        "2026-03-16",
        "2026-04-14",
        id="foi-sct-spring-2026: only Good Friday skipped; d20 Tue 14 Apr",
    ),
    # From Mon 14 Dec 2026: Fri 25 Dec, Mon 28 Dec, Fri 1 Jan everywhere; Mon 4 Jan Scotland.
    pytest.param(
        "all_uk",
        "2026-12-14",
        "2027-01-15",
        id="foi-all-uk-christmas: d8 Thu 24 Dec, d9 Tue 29 Dec, d12 Tue 5 Jan, d20 Fri 15 Jan",
    ),
    pytest.param(
        "england",
        "2026-12-14",
        "2027-01-14",
        id="foi-eng-christmas: Mon 4 Jan works; d12 Mon 4 Jan, d20 Thu 14 Jan",
    ),
    pytest.param(
        "scotland",
        "2026-12-14",
        "2027-01-15",
        id="foi-sct-christmas: Mon 4 Jan hol; d20 Fri 15 Jan",
    ),
]


@pytest.mark.parametrize(("region", "day", "expected"), FOI_CASES)
def test_foi_twenty_working_days(region, day, expected):
    due = cal.due_date(at(day), length=20, working_days=True, calendar=CALENDARS[region])
    assert due == d(expected)


def test_all_uk_calendar_ignores_council_closures():
    # FOIA s.10 counts bank holidays in any part of the UK, not a council's own closures.
    closures = [d("2026-12-29"), d("2026-12-30"), d("2026-12-31")]
    assert cal.calendar_for(cal.ALL_UK, closures).closures == frozenset()
    due = cal.due_date(
        at("2026-12-24"),
        length=3,
        working_days=True,
        calendar=cal.calendar_for(cal.ALL_UK, closures),
    )
    assert due == d("2026-12-31")


def test_council_closure_days_are_not_working_days():
    # Closed 29-31 Dec 2026: from Thu 24 Dec, d1 Mon 4 Jan, d3 Wed 6 Jan 2027.
    closures = [d("2026-12-29"), d("2026-12-30"), d("2026-12-31")]
    calendar = cal.calendar_for("england", closures)
    assert cal.due_date(at("2026-12-24"), length=3, working_days=True, calendar=calendar) == d(
        "2027-01-06"
    )


CALENDAR_DAY_CASES = [
    pytest.param(
        "2026-11-23",
        "10:00",
        LONDON,
        7,
        "2026-11-30",
        id="7-days: Mon 23 Nov to Mon 30 Nov (St Andrew's ignored: plain days)",
    ),
    pytest.param(
        "2026-11-23",
        "18:30",
        LONDON,
        7,
        "2026-11-30",
        id="7-days-after-hours: the hour does not move a calendar-day clock",
    ),
    pytest.param(
        "2026-11-28",
        "10:00",
        LONDON,
        7,
        "2026-12-05",
        id="7-days-from-saturday: Sat 28 Nov to Sat 5 Dec, as written",
    ),
    pytest.param(
        "2026-12-21",
        "10:00",
        LONDON,
        7,
        "2026-12-28",
        id="7-days-over-christmas: Mon 21 to Mon 28 Dec (a bank holiday, still due)",
    ),
    pytest.param(
        "2026-06-14",
        "23:30",
        UTC,
        7,
        "2026-06-22",
        id="7-days-utc-input: 23:30 UTC Sun 14 Jun is 00:30 BST Mon 15; due Mon 22 Jun",
    ),
]


@pytest.mark.parametrize(("day", "time", "tz", "length", "expected"), CALENDAR_DAY_CASES)
def test_calendar_day_clocks_count_plain_days(day, time, tz, length, expected):
    assert cal.due_date(at(day, time, tz), length=length, working_days=False, calendar=ENG) == d(
        expected
    )


BST_CASES = [
    # BST starts 01:00 UTC Sun 29 Mar 2026; ends 01:00 UTC Sun 25 Oct 2026; starts Sun 28 Mar 2027.
    pytest.param(
        "2026-03-23",
        "10:00",
        False,
        7,
        "2026-03-30",
        1,
        id="bst-start-2026: received Mon 23 Mar (GMT), due Mon 30 Mar 23:59:59 BST (+01:00)",
    ),
    pytest.param(
        "2026-03-28",
        "10:00",
        False,
        1,
        "2026-03-29",
        1,
        id="bst-start-day-2026: due Sun 29 Mar, the change day itself: end of day is +01:00",
    ),
    pytest.param(
        "2026-03-27",
        "12:00",
        True,
        1,
        "2026-03-30",
        1,
        id="bst-start-working-2026: Fri 27 Mar (GMT); wknd; d1 Mon 30 Mar (+01:00)",
    ),
    pytest.param(
        "2026-10-19",
        "10:00",
        False,
        7,
        "2026-10-26",
        0,
        id="bst-end-2026: received Mon 19 Oct (BST), due Mon 26 Oct 23:59:59 GMT (+00:00)",
    ),
    pytest.param(
        "2026-10-24",
        "10:00",
        False,
        1,
        "2026-10-25",
        0,
        id="bst-end-day-2026: due Sun 25 Oct, the change day: end of day is +00:00",
    ),
    pytest.param(
        "2026-10-22",
        "10:00",
        True,
        3,
        "2026-10-27",
        0,
        id="bst-end-working-2026: Thu 22 Oct (BST); d1 Fri 23, d2 Mon 26, d3 Tue 27 (+00:00)",
    ),
    pytest.param(
        "2027-03-25",
        "12:00",
        True,
        3,
        "2027-04-01",
        1,
        id="bst-start-2027-with-easter: Thu 25 Mar (GMT); d3 Thu 1 Apr (+01:00)",
    ),
]


@pytest.mark.parametrize(
    ("day", "time", "working", "length", "expected", "offset_hours"), BST_CASES
)
def test_due_at_takes_the_utc_offset_of_the_due_day(
    day, time, working, length, expected, offset_hours
):
    received = at(day, time)
    due = cal.due_at(received, length=length, working_days=working, calendar=ENG)
    assert due.date() == d(expected)
    assert due.utcoffset() == datetime.timedelta(hours=offset_hours)
    # The same instant, in UTC: one hour earlier than midnight during BST.
    in_utc = due.astimezone(UTC)
    expected_utc_hour = 23 - offset_hours
    assert (in_utc.date(), in_utc.hour, in_utc.minute) == (d(expected), expected_utc_hour, 59)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="Naive"):
        cal.due_at(datetime.datetime(2026, 11, 25, 10), length=3, working_days=True, calendar=ENG)


@pytest.mark.parametrize("length", [0, -1])
def test_a_clock_runs_for_at_least_one_day(length):
    with pytest.raises(ValueError, match="at least one day"):
        cal.due_date(at("2026-11-25"), length=length, working_days=True, calendar=ENG)
    with pytest.raises(ValueError, match="at least one day"):
        cal.due_date(at("2026-11-25"), length=length, working_days=False, calendar=ENG)


def test_unknown_region_is_refused():
    with pytest.raises(ValueError, match="Unknown calendar region"):
        cal.calendar_for("atlantis")


LEFT_CASES = [
    pytest.param(
        "2026-11-25", "10:00", "2026-11-30", 3, id="left-3: Wed 25 -> Mon 30 Nov: Thu, Fri, Mon"
    ),
    pytest.param("2026-11-30", "10:00", "2026-11-30", 0, id="left-0: the due day itself"),
    pytest.param("2026-12-01", "10:00", "2026-11-30", -1, id="overdue-1: Tue after Mon due day"),
    pytest.param(
        "2026-11-29",
        "10:00",
        "2026-11-27",
        -1,
        id="overdue-by-weekend-only: Sun after a Friday due day still reads -1",
    ),
    pytest.param(
        "2026-12-24",
        "10:00",
        "2026-12-31",
        3,
        id="left-over-christmas: Thu 24 -> Thu 31 Dec: Tue 29, Wed 30, Thu 31",
    ),
]


@pytest.mark.parametrize(("today", "time", "due_day", "expected"), LEFT_CASES)
def test_working_days_left(today, time, due_day, expected):
    due = cal.end_of_day(d(due_day))
    assert cal.working_days_left(at(today, time), due, ENG) == expected


@pytest.mark.parametrize(
    ("today", "due_day", "text"),
    [
        pytest.param("2026-11-25", "2026-11-30", "3 working days left", id="three-left"),
        pytest.param("2026-11-26", "2026-11-27", "1 working day left", id="one-left"),
        pytest.param("2026-11-30", "2026-11-30", "Due today", id="due-today"),
        pytest.param("2026-12-02", "2026-11-30", "2 working days overdue", id="two-overdue"),
        pytest.param(
            "2026-11-27",
            "2026-11-29",
            "Due before the next working day",
            id="calendar-clock-due-sunday",
        ),
    ],
)
def test_countdown_text(today, due_day, text):
    assert cal.countdown_text(at(today), cal.end_of_day(d(due_day)), ENG) == text


@pytest.mark.parametrize(
    ("due_day", "before", "expected"),
    [
        pytest.param("2026-11-30", 1, "2026-11-27", id="reminder-mon-due: Fri 27 Nov 09:00"),
        pytest.param("2026-12-29", 1, "2026-12-24", id="reminder-over-christmas: Thu 24 Dec 09:00"),
        pytest.param("2026-12-29", 2, "2026-12-23", id="reminder-2-days: Wed 23 Dec 09:00"),
    ],
)
def test_reminder_goes_working_days_before_due(due_day, before, expected):
    moment = cal.reminder_at(
        cal.end_of_day(d(due_day)), working_days_before_due=before, calendar=ENG
    )
    assert moment == datetime.datetime.combine(d(expected), datetime.time(9), tzinfo=LONDON)


def test_no_reminder_for_a_clock_too_short_to_remind_about():
    started = at("2026-11-26", "10:00")  # Thu; due Fri 27; the reminder would be Thu 09:00
    due = cal.due_at(started, length=1, working_days=True, calendar=ENG)
    assert cal.reminder_at(due, working_days_before_due=1, calendar=ENG, starts_at=started) is None
    assert cal.reminder_at(due, working_days_before_due=0, calendar=ENG) is None


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param("2026-11-25", "2026-11-25", 0, id="same-day"),
        pytest.param("2026-11-25", "2026-11-30", 3, id="wed-to-mon: Thu, Fri, Mon"),
        pytest.param(
            "2026-12-24", "2027-01-04", 4, id="christmas: Tue 29, Wed 30, Thu 31 Dec, Mon 4 Jan"
        ),
        pytest.param("2026-11-30", "2026-11-25", 0, id="backwards-is-zero"),
    ],
)
def test_working_days_between(start, end, expected):
    assert cal.working_days_between(d(start), d(end), ENG) == expected

"""Every report figure against the hand-counted fixture in tests/reports/factories.py."""

from __future__ import annotations

import datetime

import pytest

from reports.selectors import DateRange, build_report
from tests.cases.factories import build_world
from tests.reports.factories import build_fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_world()
    build_fixture(world)
    return world


def report_for(world, period: DateRange | None = None, user_key: str = "clerk"):
    return build_report(world.user(user_key), [world.council], period or DateRange())


def test_cases_opened_and_resolved_by_month(world):
    table = report_for(world).tables["by_month"]
    assert table.headers == ["Month", "Opened", "Resolved"]
    # Opened: A, B in January; C, D in February; E, F in March.
    # Resolved: B (closed 5 February), E (closed 10 March); D was withdrawn, not resolved.
    assert table.rows == [
        ["January 2026", 2, 0],
        ["February 2026", 2, 1],
        ["March 2026", 2, 1],
    ]


def test_headline_figures(world):
    assert report_for(world).headline == {"opened": 6, "resolved": 2, "open_now": 3}


def test_cases_by_case_type(world):
    rows = report_for(world).tables["by_case_type"].rows
    assert rows == [
        # A, B, C, D: A and C open, B resolved, D withdrawn.
        ["Member's concern about an officer", 4, 2, 1, 1],
        # E resolved, F open.
        ["Member's formal complaint about an officer", 2, 1, 1, 0],
    ]


def test_cases_by_furthest_stage_reached(world):
    rows = report_for(world).tables["by_stage"].rows
    assert rows == [
        # Step 1 of the concern route is chief_officer: A (open) and B (resolved).
        ["Director / Chief Officer", 1, 2, 1, 1, 0],
        # Step 1 of the complaint route is head_of_paid_service: E (resolved), F (open).
        ["Head of Paid Service", 1, 2, 1, 1, 0],
        # C (open) and D (withdrawn) reached the Monitoring Officer, step 2.
        ["Monitoring Officer", 2, 2, 1, 0, 1],
    ]


def test_clocks_met_and_breached_with_median_days(world):
    table = report_for(world).tables["clocks"]
    assert table.headers == [
        "Clock",
        "Met in time",
        "Breached",
        "Met late",
        "Overdue, not met",
        "Running",
        "Stopped",
        "Median days to meet",
    ]
    assert table.rows == [
        # A met in 2 days and C in 1 (in time), B met late in 6: median of 1, 2, 6 is 2.
        ["Acknowledgement", 2, 1, 1, 0, 0, 0, 2.0],
        # B met in 4 days; A breached and never met; C running; D stopped.
        ["Response", 1, 1, 0, 1, 1, 1, 4.0],
        # The FOI request's response met in 19 days.
        ["FOI response", 1, 0, 0, 0, 0, 0, 19.0],
        # Its internal review fell due on 20 April and was never met.
        ["Internal review", 0, 1, 0, 1, 0, 0, "–"],
    ]


def test_median_is_the_middle_of_an_even_count(world):
    """percentile_cont interpolates: the median of 1, 2, 4 and 6 days is 3."""
    from cases.models import ClockKind
    from tests.reports.factories import at, make_deadline

    case = world.council.cases.get(received_at=at(3, 1))  # E
    make_deadline(case, ClockKind.ACKNOWLEDGEMENT, starts=at(3, 1), due=at(3, 4), met=at(3, 5))
    row = report_for(world).tables["clocks"].rows[0]
    assert row[0] == "Acknowledgement"
    assert row[-1] == 3.0  # 1, 2, 4, 6
    assert row[1:3] == [2, 2]  # E's was met a day late


def test_backlog_by_handler_counts_open_cases_and_overdue_clocks(world):
    rows = report_for(world).tables["backlog"].rows
    council = world.council.name
    # A, C and F are open; A's response clock is breached.
    assert sorted(rows) == sorted(
        [
            [world["service_head"].name, council, 1, 1, "10 Jan 2026"],
            [world["mo"].name, council, 1, 0, "3 Feb 2026"],
            [world["ceo"].name, council, 1, 0, "5 Mar 2026"],
        ]
    )


def test_information_requests_by_route_and_outcome(world):
    rows = report_for(world).tables["info_requests"].rows
    assert rows == [
        ["Public", "Provided", 1],
        ["Need to know", "Provided", 1],
        ["FOI", "FOI: disclosed in part", 1],
        ["No route yet", "s.100F and need to know not met", 1],
        ["No route yet", "Not yet decided", 1],
    ]


def test_a_date_range_counts_only_what_happened_in_it(world):
    february = DateRange(start=datetime.date(2026, 2, 1), end=datetime.date(2026, 2, 28))
    report = report_for(world, february)
    # C and D were received in February; B was resolved on 5 February.
    assert report.headline == {"opened": 2, "resolved": 1, "open_now": 3}
    assert report.tables["by_month"].rows == [["February 2026", 2, 1]]
    assert report.tables["by_case_type"].rows == [["Member's concern about an officer", 2, 1, 0, 1]]
    # Clocks started in February: C's acknowledgement (met in a day), C's running response, D's
    # stopped response.
    assert report.tables["clocks"].rows == [
        ["Acknowledgement", 1, 0, 0, 0, 0, 0, 1.0],
        ["Response", 0, 0, 0, 0, 1, 1, "–"],
    ]
    # The public request (10 Feb) and the waiting one (12 Feb).
    assert report.tables["info_requests"].rows == [
        ["Public", "Provided", 1],
        ["No route yet", "Not yet decided", 1],
    ]
    # The backlog is today's, whatever the range.
    assert len(report.tables["backlog"].rows) == 3


@pytest.mark.parametrize(
    ("start", "end", "opened"),
    [
        # The end day counts until midnight: F was received on 5 March at 10:00.
        (datetime.date(2026, 3, 5), datetime.date(2026, 3, 5), 1),
        (datetime.date(2026, 3, 6), None, 0),
        (None, datetime.date(2026, 1, 10), 1),
        (None, None, 6),
    ],
)
def test_range_ends_are_inclusive(world, start, end, opened):
    assert report_for(world, DateRange(start=start, end=end)).headline["opened"] == opened


def test_the_figures_come_from_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        report_for(world)


def test_without_percentile_cont_the_median_is_worked_out_in_python(world, monkeypatch):
    """SQLite has no percentile_cont: the same medians come from the met clocks' durations."""
    import reports.selectors

    monkeypatch.setattr(reports.selectors, "uses_database_median", lambda: False)
    report = report_for(world)
    assert not report.database_median
    assert [row[-1] for row in report.tables["clocks"].rows] == [2.0, 4.0, 19.0, "–"]

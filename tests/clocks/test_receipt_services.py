"""Issue #21 through the clock engine: clocks count from the day a receipt arrived, and a
council's office-hours cut-off moves only its own working-day clocks."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from cases.models import Channel, ClockCalendar, ClockKind, ClockUnit
from clocks import calendar as cal
from clocks import services
from clocks.models import Deadline
from contacts.models import ClosureDay
from tests.clocks.factories import make_case, make_info_request, make_route
from tests.factories import ClockRuleFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def at(day: str, hhmm: str = "10:00") -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=LONDON)


def due_day(deadline: Deadline) -> str:
    return cal.local(deadline.due_at).date().isoformat()


EMAILED_ACKNOWLEDGEMENTS = [
    pytest.param(
        "2026-03-14",
        "10:00",
        "2026-03-18",
        "Received Saturday 14 March 2026; day 1 is Monday 16 March 2026; day 3, the due day, "
        "is Wednesday 18 March 2026.",
        id="saturday: d1 Mon 16, d3 Wed 18 Mar (was Thu 19)",
    ),
    pytest.param(
        "2026-03-15",
        "16:00",
        "2026-03-18",
        "Received Sunday 15 March 2026; day 1 is Monday 16 March 2026; day 3, the due day, "
        "is Wednesday 18 March 2026.",
        id="sunday: d1 Mon 16, d3 Wed 18 Mar (was Thu 19)",
    ),
    pytest.param(
        "2026-05-04",
        "10:00",
        "2026-05-07",
        "Received Monday 4 May 2026; day 1 is Tuesday 5 May 2026; day 3, the due day, is "
        "Thursday 7 May 2026.",
        id="early-may-bank-holiday: d1 Tue 5, d3 Thu 7 May (was Fri 8)",
    ),
    pytest.param(
        "2026-11-20",
        "17:30",
        "2026-11-25",
        "Received Friday 20 November 2026; day 1 is Monday 23 November 2026; day 3, the due "
        "day, is Wednesday 25 November 2026.",
        id="friday-17:30: d1 Mon 23, d3 Wed 25 Nov (was Thu 26)",
    ),
]


@pytest.mark.parametrize(("day", "hhmm", "expected", "counted"), EMAILED_ACKNOWLEDGEMENTS)
def test_an_emailed_disputes_acknowledgement_counts_from_the_day_it_arrived(
    day, hhmm, expected, counted
):
    """Maldon 2.2: "a concern raised by email is acknowledged within three working days"."""
    case = make_case(make_route(), channel=Channel.EMAIL, received_at=at(day, hhmm))
    ack = case.deadlines.get(kind=ClockKind.ACKNOWLEDGEMENT)
    assert due_day(ack) == expected
    assert ack.receipt_cutoff is None
    assert services.counting_text(ack) == counted


FOI_RECEIPTS = [
    pytest.param("2026-03-14", "10:00", "2026-04-15", id="saturday: d20 Wed 15 Apr"),
    pytest.param("2026-03-15", "10:00", "2026-04-15", id="sunday: d20 Wed 15 Apr"),
    pytest.param("2026-05-04", "10:00", "2026-06-02", id="bank-holiday: d20 Tue 2 Jun"),
    pytest.param("2026-11-20", "17:30", "2026-12-21", id="friday-17:30: d20 Mon 21 Dec"),
]


@pytest.mark.parametrize(("day", "hhmm", "expected"), FOI_RECEIPTS)
def test_an_foi_clock_counts_from_the_day_the_request_arrived(day, hhmm, expected):
    """FOIA s.10(1): "the twentieth working day following the date of receipt"."""
    route = make_route()
    request = make_info_request(route.council, route.member, at(day, hhmm))
    deadline = services.start_clock(
        info_request=request,
        kind=ClockKind.FOI_RESPONSE,
        length=20,
        working_days=True,
        calendar_region=ClockCalendar.ALL_UK,
        received_at=request.received_at,
    )
    assert due_day(deadline) == expected
    assert services.counting_text(deadline).startswith(
        f"Received {cal.local(request.received_at):%A %-d %B %Y}; day 1 is "
    )


def test_a_variants_office_hours_cutoff_moves_its_own_working_day_clocks_only():
    """A council may keep an office-hours cut-off for its own clocks; never for FOI ones."""
    route = make_route()
    route.variant.office_hours_cutoff = datetime.time(17, 0)
    route.variant.save()
    ClockRuleFactory(
        step=route.first,
        kind=ClockKind.FOI_RESPONSE,
        length=20,
        unit=ClockUnit.WORKING_DAYS,
        calendar=ClockCalendar.ALL_UK,
    )
    ClockRuleFactory(
        step=route.first,
        kind=ClockKind.DECISION,
        length=5,
        unit=ClockUnit.WORKING_DAYS,
        calendar=ClockCalendar.ALL_UK,
    )
    case = make_case(route, channel=Channel.EMAIL, received_at=at("2026-11-20", "17:30"))
    clocks = {d.kind: d for d in case.deadlines.all()}
    # Acknowledgement (council's own, working days): counted from Mon 23; d3 Thu 26 Nov.
    assert due_day(clocks[ClockKind.ACKNOWLEDGEMENT]) == "2026-11-26"
    assert clocks[ClockKind.ACKNOWLEDGEMENT].receipt_cutoff == datetime.time(17, 0)
    assert "at or after 17:00" in services.counting_text(clocks[ClockKind.ACKNOWLEDGEMENT])
    # Response (7 calendar days): unchanged by any cut-off.
    assert due_day(clocks[ClockKind.RESPONSE]) == "2026-11-27"
    assert clocks[ClockKind.RESPONSE].receipt_cutoff is None
    # FOI (statutory) and an all-UK clock: from the day it arrived.
    assert due_day(clocks[ClockKind.FOI_RESPONSE]) == "2026-12-21"
    assert clocks[ClockKind.FOI_RESPONSE].receipt_cutoff is None
    assert clocks[ClockKind.DECISION].receipt_cutoff is None
    assert due_day(clocks[ClockKind.DECISION]) == "2026-11-27"


def test_without_a_cutoff_the_variant_counts_from_the_day_it_arrived():
    route = make_route()
    assert route.variant.office_hours_cutoff is None
    case = make_case(route, channel=Channel.EMAIL, received_at=at("2026-11-20", "17:30"))
    assert due_day(case.deadlines.get(kind=ClockKind.ACKNOWLEDGEMENT)) == "2026-11-25"


def test_a_closure_day_recompute_keeps_the_clocks_cutoff(django_capture_on_commit_callbacks):
    route = make_route()
    route.variant.office_hours_cutoff = datetime.time(17, 0)
    route.variant.save()
    case = make_case(route, channel=Channel.EMAIL, received_at=at("2026-11-20", "17:30"))
    with django_capture_on_commit_callbacks(execute=True):
        ClosureDay.objects.create(council=route.council, date=datetime.date(2026, 11, 24))
    ack = case.deadlines.get(kind=ClockKind.ACKNOWLEDGEMENT)
    # Counted from Mon 23 (cut-off); Tue 24 closed: d1 Wed 25, d3 Fri 27 Nov.
    assert due_day(ack) == "2026-11-27"


def test_restarting_a_clock_counts_from_the_day_the_clarification_arrived():
    """FOIA s.1(3): the 20 working days start again from the clarification's receipt."""
    route = make_route()
    request = make_info_request(route.council, route.member, at("2026-03-02"))
    deadline = services.start_clock(
        info_request=request,
        kind=ClockKind.FOI_RESPONSE,
        length=20,
        working_days=True,
        calendar_region=ClockCalendar.ALL_UK,
        received_at=request.received_at,
    )
    services.pause_clock(deadline=deadline, at=at("2026-03-04"), reason="Clarification sought")
    deadline = services.restart_clock(
        deadline=deadline, at=at("2026-03-14", "11:00"), reason="Clarification received"
    )
    # Received Sat 14 Mar: as the table above, d20 Wed 15 Apr.
    assert due_day(deadline) == "2026-04-15"


def test_the_case_page_and_the_api_say_how_each_date_was_counted(client):
    from rest_framework.test import APIClient

    route = make_route()
    case = make_case(route, channel=Channel.EMAIL, received_at=at("2026-03-14"))
    client.force_login(route.clerk.user)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert (
        "Received Saturday 14 March 2026; day 1 is Monday 16 March 2026; day 3, the due day, "
        "is Wednesday 18 March 2026." in page
    )
    assert (
        "Received Saturday 14 March 2026; 7 calendar days later is Saturday 21 March 2026, "
        "whatever the day of the week." in page
    )
    api = APIClient()
    api.force_authenticate(route.clerk.user)
    body = api.get(f"/api/cases/{case.pk}/").json()
    counted = {d["kind"]: d["counted"] for d in body["deadlines"]}
    assert counted["acknowledgement"].startswith(
        "Received Saturday 14 March 2026; day 1 is Monday 16 March 2026"
    )


def test_the_dashboard_rows_and_the_holding_reply_page_say_how_the_date_was_counted(client):
    from django.template.loader import render_to_string

    route = make_route()
    case = make_case(route, channel=Channel.EMAIL, received_at=at("2026-03-14"))
    ack = case.deadlines.get(kind=ClockKind.ACKNOWLEDGEMENT)
    html = render_to_string(
        "clocks/includes/deadline_table.html",
        {"rows": [ack], "caption": "Due this week", "table_id": "t", "empty": ""},
    )
    assert "Received Saturday 14 March 2026; day 1 is Monday 16 March 2026" in html
    response = case.deadlines.get(kind=ClockKind.RESPONSE)
    Deadline.objects.filter(pk=response.pk).update(
        due_at=datetime.datetime(2099, 1, 1, tzinfo=LONDON)
    )
    client.force_login(route.clerk.user)
    page = client.get(f"/clocks/{response.pk}/holding-reply/").content.decode()
    assert "Received Saturday 14 March 2026; 7 calendar days later is Saturday 21 March" in page

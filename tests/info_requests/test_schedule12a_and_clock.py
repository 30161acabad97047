"""The s.100F / Schedule 12A rule, and the FOI clock on the all-UK calendar."""

from __future__ import annotations

import datetime

import pytest

from cases.models import ClockKind
from clocks import calendar as cal
from info_requests import services
from info_requests.schedule12a import (
    PARAGRAPH_DESCRIPTIONS,
    Schedule12AParagraph,
    s100f_gives_access,
)

from .factories import make_cast, make_request, received

# Lancaster 8.3: s.100F does not reach exempt information except paragraph 3 (other than terms
# proposed in contract negotiations) and paragraph 6.
SCHEDULE_12A_TABLE = [
    ("1", False, False),
    ("1", True, False),
    ("2", False, False),
    ("2", True, False),
    ("3", False, True),
    ("3", True, False),
    ("4", False, False),
    ("4", True, False),
    ("5", False, False),
    ("5", True, False),
    ("6", False, True),
    ("6", True, True),
    ("7", False, False),
    ("7", True, False),
]


@pytest.mark.parametrize(("paragraph", "contract_terms", "gives_access"), SCHEDULE_12A_TABLE)
def test_s100f_gives_access(paragraph, contract_terms, gives_access):
    gives, explanation = s100f_gives_access(paragraph, contract_negotiation_terms=contract_terms)
    assert gives is gives_access
    assert explanation
    if not gives and paragraph != "3":
        assert f"paragraph {paragraph}" in explanation


def test_table_covers_every_paragraph_with_and_without_the_flag():
    assert {(p, f) for p, f, _ in SCHEDULE_12A_TABLE} == {
        (p, f) for p in Schedule12AParagraph.values for f in (False, True)
    }


def test_not_exempt_information_is_open_under_s100f():
    assert s100f_gives_access(None)[0] is True
    assert "not exempt" in s100f_gives_access(None)[1]


def test_unknown_paragraph_is_an_error():
    with pytest.raises(ValueError, match="no paragraph"):
        s100f_gives_access("8")


def test_every_paragraph_has_its_description():
    for paragraph in Schedule12AParagraph:
        assert paragraph.description == PARAGRAPH_DESCRIPTIONS[paragraph.value]


# (received on, all-UK due day, the council's own England due day, the holiday that differs)
FOI_CLOCK_TABLE = [
    # Northern Ireland: St Patrick's Day, Tuesday 17 March 2026.
    ((2026, 3, 13), (2026, 4, 15), (2026, 4, 14), "Saint Patrick's Day"),
    # Northern Ireland: Battle of the Boyne (observed Monday 13 July 2026); and Scotland's
    # summer bank holiday (Monday 3 August) inside the same count.
    ((2026, 7, 10), (2026, 8, 11), (2026, 8, 7), "Battle of the Boyne"),
    # Scotland: St Andrew's Day, Monday 30 November 2026, the day after receipt.
    ((2026, 11, 27), (2026, 12, 30), (2026, 12, 29), "Saint Andrew's Day"),
    # Scotland: 2 January 2027 is a Saturday, so the Scottish holiday moves to Monday 4 January.
    ((2026, 12, 31), (2027, 2, 1), (2027, 1, 29), "New Year"),
    # Scotland's 3 August AND England and Wales's late summer holiday (31 August) both stop it.
    ((2026, 7, 31), (2026, 9, 1), (2026, 8, 28), "Summer Bank Holiday"),
    # England and Wales (and Northern Ireland): Easter Monday 6 April 2026 counted everywhere.
    ((2026, 4, 2), (2026, 5, 5), (2026, 5, 5), None),
]


@pytest.mark.parametrize(("received_on", "due_uk", "due_england", "holiday"), FOI_CLOCK_TABLE)
def test_foi_clock_counts_bank_holidays_in_all_four_nations(
    db, time_machine, received_on, due_uk, due_england, holiday
):
    time_machine.move_to(received(2027, 3, 1), tick=False)
    lan = make_cast("lancaster")
    request = make_request(lan, received_at=received(*received_on))
    request = services.treat_as_foi(info_request=request, actor=lan.mo.user)
    deadline = request.deadlines.get(kind=ClockKind.FOI_RESPONSE)
    assert cal.local(deadline.due_at).date() == datetime.date(*due_uk)
    # Due at the end of the due day in Europe/London.
    assert cal.local(deadline.due_at).time() == datetime.time.max
    # A council-calendar (England) count would have been wrong wherever a holiday differs.
    england = cal.due_date(
        received(*received_on), length=20, working_days=True, calendar=cal.calendar_for("england")
    )
    assert england == datetime.date(*due_england)
    if holiday:
        assert england != datetime.date(*due_uk)


def test_foi_clock_counts_from_received_at_not_from_the_decision(db):
    lan = make_cast("lancaster")
    request = make_request(lan, received_at=received(2026, 3, 2))
    request = services.consider_member_rights(info_request=request, actor=lan.decider.user)
    request = services.refuse_access(
        info_request=request, actor=lan.mo.user, reason="roving_commission"
    )
    request = services.treat_as_foi(
        info_request=request, actor=lan.decider.user, at=received(2026, 3, 20)
    )
    deadline = request.deadlines.get()
    assert deadline.starts_at == received(2026, 3, 2)
    assert cal.local(deadline.due_at).date() == datetime.date(2026, 3, 31)

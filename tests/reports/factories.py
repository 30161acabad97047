"""A small, hand-countable set of cases, clocks and information requests for the report tests.

Everything is created as rows (no services), so each figure the reports show can be counted by
reading this file. The expected numbers are written next to the rows in the tests.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from cases.models import Case, CaseState, CaseType, ClockKind
from clocks.models import Deadline
from contacts.models import Person
from info_requests.models import FoiOutcome, InfoRequest, Route
from tests.cases.factories import World

_numbers = itertools.count(1)


def at(month: int, day: int, hour: int = 10) -> datetime.datetime:
    """A moment in early 2026 (GMT, so UTC and London agree)."""
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=datetime.UTC)


FAR_FUTURE = datetime.datetime(2035, 1, 1, tzinfo=datetime.UTC)


def make_case(
    world: World,
    *,
    case_type: str = CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
    received: datetime.datetime,
    state: str,
    step: int = 1,
    closed: datetime.datetime | None = None,
    handler: Person | None = None,
    raised_by: str = "councillor",
    about: str = "officer",
) -> Case:
    variant = world.variants[case_type]
    return Case.objects.create(
        reference=f"{world.council.reference_prefix}-2026-{next(_numbers):04d}",
        council=world.council,
        case_type=case_type,
        variant=variant,
        step_position=step,
        state=state,
        raised_by=world[raised_by],
        about=world[about],
        channel="email",
        received_at=received,
        summary="Reports requested twice have not arrived.",
        handler=handler,
        closed_at=closed,
    )


def make_deadline(
    owner: Case | InfoRequest,
    kind: str,
    *,
    starts: datetime.datetime,
    due: datetime.datetime,
    met: datetime.datetime | None = None,
    breached: datetime.datetime | None = None,
    cancelled: datetime.datetime | None = None,
) -> Deadline:
    values: dict[str, Any] = {"case": owner} if isinstance(owner, Case) else {"info_request": owner}
    return Deadline.objects.create(
        kind=kind,
        length=3,
        working_days=True,
        calendar="council",
        starts_at=starts,
        due_at=due,
        original_due_at=due,
        met_at=met,
        breached_at=breached,
        cancelled_at=cancelled,
        **values,
    )


def make_info_request(
    world: World, *, received: datetime.datetime, state: str, **fields: Any
) -> InfoRequest:
    return InfoRequest.objects.create(
        reference=f"INF-{world.council.reference_prefix}-{next(_numbers):04d}",
        council=world.council,
        requested_by=world["councillor"],
        description="The tender evaluation scores.",
        received_at=received,
        state=state,
        **fields,
    )


def build_fixture(world: World) -> dict[str, Any]:
    """Six cases, nine clocks and five information requests, January to March 2026.

    | case | type      | received | state              | step | closed | handler      |
    |------|-----------|----------|--------------------|------|--------|--------------|
    | A    | concern   | 10 Jan   | chief_officer      | 1    |        | service head |
    | B    | concern   | 20 Jan   | resolved           | 1    | 5 Feb  |              |
    | C    | concern   | 3 Feb    | monitoring_officer | 2    |        | MO           |
    | D    | concern   | 15 Feb   | withdrawn          | 2    | 20 Feb |              |
    | E    | complaint | 1 Mar    | resolved           | 1    | 10 Mar |              |
    | F    | complaint | 5 Mar    | head_of_paid_service | 1  |        | chief exec   |
    """
    concern = CaseType.MEMBER_CONCERN_ABOUT_OFFICER
    complaint = CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER
    cases = {
        "A": make_case(
            world,
            received=at(1, 10),
            state=CaseState.CHIEF_OFFICER,
            handler=world["service_head"],
        ),
        "B": make_case(world, received=at(1, 20), state=CaseState.RESOLVED, closed=at(2, 5)),
        "C": make_case(
            world,
            received=at(2, 3),
            state=CaseState.MONITORING_OFFICER,
            step=2,
            handler=world["mo"],
        ),
        "D": make_case(
            world, received=at(2, 15), state=CaseState.WITHDRAWN, step=2, closed=at(2, 20)
        ),
        "E": make_case(
            world,
            case_type=complaint,
            received=at(3, 1),
            state=CaseState.RESOLVED,
            closed=at(3, 10),
        ),
        "F": make_case(
            world,
            case_type=complaint,
            received=at(3, 5),
            state=CaseState.HEAD_OF_PAID_SERVICE,
            handler=world["ceo"],
        ),
    }
    _ = concern
    ack, response = ClockKind.ACKNOWLEDGEMENT, ClockKind.RESPONSE
    c = cases
    # Acknowledgements: A met in 2 days, B met late in 6 days, C met in 1 day.
    make_deadline(c["A"], ack, starts=at(1, 10), due=at(1, 13), met=at(1, 12))
    make_deadline(c["B"], ack, starts=at(1, 20), due=at(1, 23), met=at(1, 26), breached=at(1, 24))
    make_deadline(c["C"], ack, starts=at(2, 3), due=at(2, 6), met=at(2, 4))
    # Responses: A breached and not met; B met in 4 days; C running; D stopped by withdrawal.
    make_deadline(c["A"], response, starts=at(1, 10), due=at(1, 17), breached=at(1, 18))
    make_deadline(c["B"], response, starts=at(1, 20), due=at(1, 27), met=at(1, 24))
    make_deadline(c["C"], response, starts=at(2, 3), due=FAR_FUTURE)
    make_deadline(c["D"], response, starts=at(2, 15), due=at(2, 22), cancelled=at(2, 20))

    requests = {
        "foi": make_info_request(
            world,
            received=at(3, 1),
            state="foi_decided",
            route=Route.FOI,
            foi_started_at=at(3, 1),
            foi_outcome=FoiOutcome.PART_DISCLOSED,
            foi_decided_at=at(3, 20),
        ),
        "need_to_know": make_info_request(
            world,
            received=at(1, 15),
            state="provided",
            route=Route.NEED_TO_KNOW,
            provided_at=at(1, 20),
        ),
        "public": make_info_request(
            world, received=at(2, 10), state="provided", route=Route.PUBLIC, provided_at=at(2, 11)
        ),
        "waiting": make_info_request(world, received=at(2, 12), state="received"),
        "refused": make_info_request(
            world, received=at(3, 2), state="refused", refused_at=at(3, 9)
        ),
    }
    # FOI response met in 19 days; the internal review overdue (due long ago, never met).
    make_deadline(
        requests["foi"], ClockKind.FOI_RESPONSE, starts=at(3, 1), due=at(3, 29), met=at(3, 20)
    )
    make_deadline(requests["foi"], ClockKind.INTERNAL_REVIEW, starts=at(3, 21), due=at(4, 20))
    return {"cases": cases, "requests": requests}

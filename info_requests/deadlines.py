"""The clocks an information request runs: `foi_response` and `internal_review`.

Both are 20 working days on the all-UK calendar: FOIA s.10(6) says a working day is not a bank
holiday "in any part of the United Kingdom", so St Andrew's Day (Scotland) and St Patrick's Day
(Northern Ireland) stop the count even for an English council. The ICO's guidance sets the same
20 working days for an internal review.

The clock engine (`clocks.services`) owns Deadline rows and writes their audit events through
`info_requests.audit.record_event`; this module names the request's clocks and calls it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.utils import timezone

from cases.models import ClockCalendar, ClockKind
from clocks import calendar as cal
from clocks import services as engine
from clocks.models import Deadline

from .models import InfoRequest, InfoRequestState

FOI_WORKING_DAYS = 20
INTERNAL_REVIEW_WORKING_DAYS = 20
# The decider is reminded at 09:00 on this working day after receipt while nobody has chosen a
# route: half the 20 working days an FOI reply would have (issue #21).
FOI_DECISION_REMINDER_WORKING_DAY = 10
# Nobody has yet provided the information or chosen "handle as FOI".
UNDECIDED_STATES = frozenset(
    {
        InfoRequestState.RECEIVED,
        InfoRequestState.DETERMINING,
        InfoRequestState.REFUSED,
        InfoRequestState.DISPUTED,
    }
)
KIND_LABELS = dict(ClockKind.choices)
User = AuthUser | AnonymousUser


def _all_uk() -> cal.WorkingCalendar:
    return cal.calendar_for(cal.ALL_UK)


def _fmt(moment: datetime.datetime) -> str:
    return f"{cal.local(moment):%A %-d %B %Y}"


@dataclass(frozen=True)
class FoiIfHandled:
    """When an FOI reply would be due for a request nobody has decided yet, and why."""

    due_at: datetime.datetime
    counted: str
    reminder_at: datetime.datetime | None
    reminder_sent_at: datetime.datetime | None


def foi_due_if_handled(received_at: datetime.datetime) -> datetime.datetime:
    """FOIA s.10(1): the twentieth working day after the day of receipt, all-UK calendar."""
    return cal.due_at(received_at, length=FOI_WORKING_DAYS, working_days=True, calendar=_all_uk())


def foi_decision_reminder_at(received_at: datetime.datetime) -> datetime.datetime:
    """09:00 on working day 10 after receipt (all-UK calendar): half an FOI reply's time."""
    calendar = _all_uk()
    day = cal.working_days_after(
        cal.receipt_date(received_at, calendar), FOI_DECISION_REMINDER_WORKING_DAY, calendar
    )
    return cal.start_of_day(day)


def foi_if_handled(info_request: InfoRequest) -> FoiIfHandled | None:
    """The would-be FOI date, shown from the moment a request is logged until a route is
    chosen (the statutory clock runs from receipt whatever the council decides first)."""
    if info_request.state not in UNDECIDED_STATES or info_request.received_at is None:
        return None
    received_at = info_request.received_at
    return FoiIfHandled(
        due_at=foi_due_if_handled(received_at),
        counted=cal.counting_text(
            received_at, length=FOI_WORKING_DAYS, working_days=True, calendar=_all_uk()
        ),
        reminder_at=info_request.foi_reminder_at,
        reminder_sent_at=info_request.foi_reminder_sent_at,
    )


def start_clock(
    *, info_request: InfoRequest, kind: str, length: int, received_at: datetime.datetime
) -> Deadline:
    return engine.start_clock(
        info_request=info_request,
        kind=kind,
        length=length,
        working_days=True,
        calendar_region=ClockCalendar.ALL_UK,
        received_at=received_at,
    )


def open_deadline(info_request: InfoRequest, kind: str) -> Deadline | None:
    return (
        Deadline.objects.filter(
            info_request=info_request, kind=kind, met_at__isnull=True, cancelled_at__isnull=True
        )
        .order_by("-pk")
        .first()
    )


def pause_clock(*, deadline: Deadline, at: datetime.datetime, reason: str) -> Deadline:
    return engine.pause_clock(deadline=deadline, at=at, reason=reason)


def restart_clock(*, deadline: Deadline, at: datetime.datetime, reason: str) -> Deadline:
    """The whole length again from `at` (FOIA s.1(3))."""
    return engine.restart_clock(deadline=deadline, at=at, reason=reason)


def meet_clock(*, deadline: Deadline, at: datetime.datetime, actor: User | None) -> Deadline:
    return engine.meet_clock(deadline=deadline, at=at, actor=actor)


def stop_clocks(*, info_request: InfoRequest, at: datetime.datetime | None = None) -> int:
    """A withdrawn request's clocks stop; they are neither met nor breached afterwards."""
    return Deadline.objects.filter(
        info_request=info_request,
        met_at__isnull=True,
        breached_at__isnull=True,
        cancelled_at__isnull=True,
    ).update(cancelled_at=at or timezone.now())

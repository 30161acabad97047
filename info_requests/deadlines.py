"""The clocks an information request runs: `foi_response` and `internal_review`.

Both are 20 working days on the all-UK calendar: FOIA s.10(6) says a working day is not a bank
holiday "in any part of the United Kingdom", so St Andrew's Day (Scotland) and St Patrick's Day
(Northern Ireland) stop the count even for an English council. The ICO's guidance sets the same
20 working days for an internal review.

The clock engine (`clocks.services`) owns Deadline rows and writes their audit events through
`info_requests.audit.record_event`. This module calls it, and keeps a small private fallback on
`clocks.calendar` for any function the engine does not (yet) offer.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.utils import timezone

from cases.models import ClockCalendar, ClockKind
from clocks import calendar as cal
from clocks.models import Deadline

from .audit import record_event
from .models import InfoEventAction, InfoRequest, InfoRequestState

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


def _engine(name: str) -> Any:
    from clocks import services

    return getattr(services, name, None)


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


def _audit(deadline: Deadline, action: str, reason: str, actor: User | None = None) -> None:
    owner = InfoRequest.objects.get(pk=deadline.info_request_id)
    record_event(
        info_request=owner,
        actor=actor,
        action=action,
        reason=reason,
        data={
            "deadline": deadline.pk,
            "kind": deadline.kind,
            "due_at": deadline.due_at.isoformat(),
        },
    )


def start_clock(
    *, info_request: InfoRequest, kind: str, length: int, received_at: datetime.datetime
) -> Deadline:
    engine = _engine("start_clock")
    if engine is not None:
        deadline: Deadline = engine(
            info_request=info_request,
            kind=kind,
            length=length,
            working_days=True,
            calendar_region=ClockCalendar.ALL_UK,
            received_at=received_at,
        )
        return deadline
    due = cal.due_at(received_at, length=length, working_days=True, calendar=_all_uk())
    deadline = Deadline.objects.create(
        info_request=info_request,
        kind=kind,
        length=length,
        working_days=True,
        calendar=ClockCalendar.ALL_UK,
        starts_at=received_at,
        due_at=due,
        original_due_at=due,
    )
    _audit(deadline, InfoEventAction.CLOCK_STARTED, f"{KIND_LABELS[kind]} due {_fmt(due)}")
    return deadline


def open_deadline(info_request: InfoRequest, kind: str) -> Deadline | None:
    return (
        Deadline.objects.filter(
            info_request=info_request, kind=kind, met_at__isnull=True, cancelled_at__isnull=True
        )
        .order_by("-pk")
        .first()
    )


def pause_clock(*, deadline: Deadline, at: datetime.datetime, reason: str) -> Deadline:
    engine = _engine("pause_clock")
    if engine is not None:
        paused: Deadline = engine(deadline=deadline, at=at, reason=reason)
        return paused
    deadline.paused_at = at
    deadline.save(update_fields=["paused_at"])
    _audit(deadline, InfoEventAction.CLOCK_PAUSED, reason)
    return deadline


def resume_clock(*, deadline: Deadline, at: datetime.datetime) -> Deadline:
    engine = _engine("resume_clock")
    if engine is not None:
        resumed: Deadline = engine(deadline=deadline, at=at)
        return resumed
    if deadline.paused_at is None:
        return deadline
    calendar = _all_uk()
    stood = 0
    day = cal.local(deadline.paused_at).date()
    while day < cal.local(at).date():
        day += datetime.timedelta(days=1)
        stood += calendar.is_working_day(day)
    if stood:
        due_day = cal.working_days_after(cal.local(deadline.due_at).date(), stood, calendar)
        deadline.due_at = cal.end_of_day(due_day)
    deadline.paused_at = None
    deadline.save(update_fields=["paused_at", "due_at"])
    _audit(deadline, InfoEventAction.CLOCK_RESUMED, f"Running again: due {_fmt(deadline.due_at)}")
    return deadline


def restart_clock(*, deadline: Deadline, at: datetime.datetime, reason: str) -> Deadline:
    """The clocks app's `restart_clock`: the whole length again from `at` (FOIA s.1(3))."""
    from clocks.services import restart_clock as restart

    return restart(deadline=deadline, at=at, reason=reason)


def meet_clock(*, deadline: Deadline, at: datetime.datetime, actor: User | None) -> Deadline:
    engine = _engine("meet_clock")
    if engine is not None:
        met: Deadline = engine(deadline=deadline, at=at, actor=actor)
        return met
    deadline.met_at = at
    deadline.save(update_fields=["met_at"])
    late = " (late)" if at > deadline.due_at else ""
    _audit(deadline, InfoEventAction.CLOCK_MET, f"{KIND_LABELS[deadline.kind]} met{late}", actor)
    return deadline


def stop_clocks(*, info_request: InfoRequest, at: datetime.datetime | None = None) -> int:
    """A withdrawn request's clocks stop; they are neither met nor breached afterwards."""
    return Deadline.objects.filter(
        info_request=info_request,
        met_at__isnull=True,
        breached_at__isnull=True,
        cancelled_at__isnull=True,
    ).update(cancelled_at=at or timezone.now())

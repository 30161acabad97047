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

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.utils import timezone

from cases.models import ClockCalendar
from clocks import services as engine
from clocks.models import Deadline

from .models import InfoRequest

FOI_WORKING_DAYS = 20
INTERNAL_REVIEW_WORKING_DAYS = 20
User = AuthUser | AnonymousUser


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

"""Issue #21: running clocks computed under the old receipt rule, recounted.

Until issue #21 a receipt at or after 17:00, or on a weekend or bank holiday, counted as received
on the next working day, so every such working-day clock fell due a working day later than FOIA
s.10(1) and (6) allow (Berend v ICO and LB Richmond, EA/2006/0049-50: the day of receipt is the
whole calendar day). The data migration `clocks.0006_count_receipt_on_the_day_it_arrived` calls
`correct_running_deadlines` once.

Only running working-day clocks move: met, breached and stopped ones are history, and a clock a
holding reply extended carries the date the member was promised. A clock is corrected only when
its stored due day is exactly what the old rule gives, so a row nobody can explain is left alone.
Each change is an audit row on its case or information request.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction

from cases.models import EventAction

from . import calendar as cal
from . import services
from .models import Deadline

logger = logging.getLogger(__name__)

# The old rule: a receipt at or after 17:00, or on a non-working day, counted as the next
# working day's.
OLD_CUTOFF = datetime.time(17, 0)
REASON = "Due date corrected from {old} to {new}: receipt counted on the day it arrived"


def candidates() -> list[int]:
    return list(
        Deadline.objects.filter(
            met_at__isnull=True,
            breached_at__isnull=True,
            cancelled_at__isnull=True,
            extended_to__isnull=True,
            working_days=True,
            receipt_cutoff__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _due(
    deadline: Deadline, calendar: cal.WorkingCalendar, *, cutoff: datetime.time | None, paused: int
) -> datetime.datetime:
    day = cal.due_date(
        deadline.starts_at,
        length=deadline.length,
        working_days=True,
        calendar=calendar,
        cutoff=cutoff,
    )
    return cal.end_of_day(cal.shift_due_date(day, paused, working_days=True, calendar=calendar))


@transaction.atomic
def correct_deadline(deadline_id: int) -> bool:
    """Recount one running clock from the day it arrived. True when its due day moved."""
    deadline = services._lock(Deadline.objects.get(pk=deadline_id))
    if not deadline.is_open or deadline.extended_to is not None or not deadline.working_days:
        return False
    calendar = services.deadline_calendar(deadline)
    paused = deadline.paused_days
    old_rule = _due(deadline, calendar, cutoff=OLD_CUTOFF, paused=paused)
    if deadline.due_at != old_rule:
        return False
    new = _due(deadline, calendar, cutoff=None, paused=paused)
    if new == deadline.due_at:
        return False
    previous = deadline.due_at
    if deadline.original_due_at == _due(deadline, calendar, cutoff=OLD_CUTOFF, paused=0):
        deadline.original_due_at = _due(deadline, calendar, cutoff=None, paused=0)
    deadline.due_at = new
    update = ["due_at", "original_due_at"]
    if deadline.reminded_at is None:
        # Not reminded yet: the reminder moves with the due day. A reminder already sent stands
        # (the member of staff has been warned; a second warning a day apart helps nobody).
        deadline.remind_at = services._remind_at(new, calendar, deadline.starts_at)
        update.append("remind_at")
    deadline.save(update_fields=update)
    old_text = f"{cal.local(previous):%A %-d %B %Y}"
    new_text = f"{cal.local(new):%A %-d %B %Y}"
    services._audit(
        deadline,
        action=EventAction.CLOCK_RECALCULATED,
        reason=REASON.format(old=old_text, new=new_text),
        data={"from": previous.isoformat(), "to": new.isoformat(), "issue": 21},
    )
    return True


def correct_running_deadlines() -> int:
    """Recount every running working-day clock; returns how many moved."""
    moved = sum(correct_deadline(pk) for pk in candidates())
    logger.info("%s running deadline(s) moved: receipt counted on the day it arrived", moved)
    return moved

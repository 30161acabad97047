"""Issue #21: running clocks computed under the old receipt rule, recounted.

Until issue #21 a receipt at or after 17:00, or on a weekend or bank holiday, counted as received
on the next working day, so every such working-day clock fell due a working day later than FOIA
s.10(1) and (6) allow (Berend v ICO and LB Richmond, EA/2006/0049-50: the day of receipt is the
whole calendar day). The data migration `clocks.0006_count_receipt_on_the_day_it_arrived` calls
`correct_running_deadlines` once, with the migration's historical models (`apps`), so later
migrations adding columns to these tables never break it.

Only running working-day clocks move: met, breached and stopped ones are history, and a clock a
holding reply extended carries the date the member was promised. A clock is corrected only when
its stored due day is exactly what the old rule gives, so a row nobody can explain is left alone.
Each change is an audit row on its case or information request, chained to the one before as
`record_event` would chain it (the hash is computed by the audit model's own `compute_hash`).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import calendar as cal

logger = logging.getLogger(__name__)

# The old rule: a receipt at or after 17:00, or on a non-working day, counted as the next
# working day's.
OLD_CUTOFF = datetime.time(17, 0)
REASON = "Due date corrected from {old} to {new}: receipt counted on the day it arrived"
AUTOMATIC = "Protocol (automatic)"


def _running(apps: Any) -> Any:
    Deadline = apps.get_model("clocks", "Deadline")
    return Deadline.objects.filter(
        met_at__isnull=True,
        breached_at__isnull=True,
        cancelled_at__isnull=True,
        extended_to__isnull=True,
        working_days=True,
        receipt_cutoff__isnull=True,
    )


def _calendar(apps: Any, council_id: int, region: str) -> cal.WorkingCalendar:
    """As `clocks.services.council_calendar`, from the historical models."""
    if region == cal.ALL_UK:
        return cal.calendar_for(cal.ALL_UK)
    Council = apps.get_model("contacts", "Council")
    ClosureDay = apps.get_model("contacts", "ClosureDay")
    nation = Council.objects.filter(pk=council_id).values_list("nation", flat=True).get()
    closures = ClosureDay.objects.filter(council_id=council_id).values_list("date", flat=True)
    return cal.calendar_for(nation if region == "council" else region, closures)


def _due(
    deadline: Any, calendar: cal.WorkingCalendar, *, cutoff: datetime.time | None, paused: int
) -> datetime.datetime:
    day = cal.due_date(
        deadline.starts_at,
        length=deadline.length,
        working_days=True,
        calendar=calendar,
        cutoff=cutoff,
    )
    return cal.end_of_day(cal.shift_due_date(day, paused, working_days=True, calendar=calendar))


def _fmt(moment: datetime.datetime) -> str:
    return f"{cal.local(moment):%A %-d %B %Y}"


def _audit(apps: Any, deadline: Any, *, reason: str, data: dict[str, Any]) -> None:
    """Append a `clock_recalculated` event to the owner's hash-chained trail."""
    from cases.models import CaseEvent
    from info_requests.models import InfoRequestEvent

    live: type[CaseEvent] | type[InfoRequestEvent]
    if deadline.case_id:
        label, live, chain = ("cases", "CaseEvent"), CaseEvent, {"case_id": deadline.case_id}
    else:
        label, live = ("info_requests", "InfoRequestEvent"), InfoRequestEvent
        chain = {"info_request_id": deadline.info_request_id}
    event_model = apps.get_model(*label)
    latest = event_model.objects.filter(**chain).order_by("-at", "-pk")
    previous = latest.values_list("hash", flat=True).first()
    fields = {
        **chain,
        "at": timezone.now(),
        "actor_id": None,
        "actor_name": AUTOMATIC,
        "action": "clock_recalculated",
        "from_state": "",
        "to_state": "",
        "reason": reason,
        "data": {"deadline": deadline.pk, "kind": deadline.kind, **data},
        "previous_hash": previous or "",
    }
    # The live model only computes the hash (no query): the row is written historically.
    digest = live(**fields).compute_hash()
    event_model.objects.create(**fields, hash=digest)


def correct_deadline(apps: Any, deadline_id: int) -> bool:
    """Recount one running clock from the day it arrived. True when its due day moved."""
    Deadline = apps.get_model("clocks", "Deadline")
    with transaction.atomic():
        # The module-wide lock order: the owner row first, then its deadline.
        owner_ids = Deadline.objects.filter(pk=deadline_id).values("case_id", "info_request_id")
        owner = owner_ids.get()
        if owner["case_id"]:
            owner_model = apps.get_model("cases", "Case")
            owner_id = owner["case_id"]
        else:
            owner_model = apps.get_model("info_requests", "InfoRequest")
            owner_id = owner["info_request_id"]
        council_id = (
            owner_model.objects.select_for_update()
            .filter(pk=owner_id)
            .values_list("council_id", flat=True)
            .get()
        )
        deadline = _running(apps).select_for_update().filter(pk=deadline_id).first()
        if deadline is None:
            return False
        calendar = _calendar(apps, council_id, deadline.calendar)
        paused = deadline.paused_days
        if deadline.due_at != _due(deadline, calendar, cutoff=OLD_CUTOFF, paused=paused):
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
            # Not reminded yet: the reminder moves with the due day. A reminder already sent
            # stands (the handler has been warned; a second warning a day apart helps nobody).
            deadline.remind_at = cal.reminder_at(
                new,
                working_days_before_due=settings.REMINDER_WORKING_DAYS_BEFORE,
                calendar=calendar,
                starts_at=deadline.starts_at,
            )
            update.append("remind_at")
        deadline.save(update_fields=update)
        _audit(
            apps,
            deadline,
            reason=REASON.format(old=_fmt(previous), new=_fmt(new)),
            data={"from": previous.isoformat(), "to": new.isoformat(), "issue": 21},
        )
        return True


def correct_running_deadlines(apps: Any) -> int:
    """Recount every running working-day clock; returns how many moved."""
    ids = list(_running(apps).order_by("pk").values_list("pk", flat=True))
    moved = sum(correct_deadline(apps, pk) for pk in ids)
    logger.info("%s running deadline(s) moved: receipt counted on the day it arrived", moved)
    return moved

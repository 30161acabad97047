"""The sweep: reminders before a clock falls due, and the breach notice when it runs out.

Run by the beat task `clocks.tasks.sweep_deadlines` every minute. Safe to run concurrently and
repeatedly:

- Each batch runs in its own transaction under a PostgreSQL transaction-level advisory lock
  (`pg_try_advisory_xact_lock`): a second beat (or a manual run) finds the lock taken and stops,
  so two sweeps never work side by side. SQLite (the embedded default) has one writer anyway.
- Rows are claimed with `SELECT ... FOR UPDATE SKIP LOCKED`, owner (case) rows first and then
  deadlines, the same order the services use, so the sweep never deadlocks with a handler.
- `reminded_at` / `breached_at` are set once (the queries only match rows where they are null).
- The Notice row (unique per deadline, kind and key) is the exactly-once key; the email goes
  out after commit (`delay_on_commit`) and `send_notice` checks `sent_at` under a row lock.
- The database is the truth, not the broker: notices still unsent a few minutes after they were
  queued are queued again, so a Redis flush or a lost task loses nothing.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import Case, EventAction

from . import calendar as cal
from .models import OPEN, Deadline, Notice, NoticeKind

logger = logging.getLogger(__name__)

# "clocks" in ASCII: one key for every sweeper of this database.
ADVISORY_LOCK_KEY = 0x636C6F636B73
REQUEUE_AFTER = datetime.timedelta(minutes=5)
# After this many failed attempts a notice is left for a person to look at (admin: last_error).
MAX_ATTEMPTS = 30
MAX_BATCHES = 200


@dataclass
class SweepResult:
    reminders: int = 0
    breaches: int = 0
    requeued: int = 0
    locked_out: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _try_advisory_lock() -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        row = cursor.fetchone()
    return bool(row and row[0])


def _due_filter(kind: str, now: datetime.datetime) -> tuple[Q, str]:
    if kind == NoticeKind.BREACH:
        return OPEN & Q(due_at__lt=now), "due_at"
    # A clock that has already run out gets its breach notice, not a late reminder.
    return (
        OPEN
        & Q(reminded_at__isnull=True, remind_at__isnull=False, remind_at__lte=now)
        & Q(due_at__gte=now),
        "remind_at",
    )


def _lock_owners(
    candidates: Sequence[tuple[int, int | None, int | None]],
) -> dict[str, dict[int, Any]]:
    """Lock the owners of the candidate deadlines, skipping any a service is changing now."""
    case_ids = {c for _, c, _ in candidates if c}
    request_ids = {r for _, _, r in candidates if r}
    cases = {
        c.pk: c
        for c in Case.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("council")
        .filter(pk__in=case_ids)
    }
    requests: dict[int, Any] = {}
    if request_ids:
        from info_requests.models import InfoRequest

        requests = {
            r.pk: r
            for r in InfoRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("council")
            .filter(pk__in=request_ids)
        }
    return {"case": cases, "info_request": requests}


def _sweep_batch(kind: str, now: datetime.datetime, batch_size: int) -> tuple[int, int]:
    """One batch in the caller's transaction. Returns (candidates seen, deadlines processed).

    Set-based (issue #10, docs/adr/0004-performance.md): a fixed number of statements per batch
    whatever its size (one UPDATE, the notices and the case audit rows each in one INSERT),
    instead of five or so per deadline. The rows written are the same as one-by-one.
    """
    from .tasks import send_notice

    condition, order = _due_filter(kind, now)
    candidates = list(
        Deadline.objects.filter(condition)
        .order_by(order, "pk")
        .values_list("pk", "case_id", "info_request_id")[:batch_size]
    )
    if not candidates:
        return 0, 0
    owners = _lock_owners(candidates)
    deadlines = list(
        Deadline.objects.select_for_update(skip_locked=True)
        .filter(condition, pk__in=[pk for pk, _, _ in candidates])
        .filter(
            Q(case_id__in=list(owners["case"]))
            | Q(info_request_id__in=list(owners["info_request"]))
        )
        .order_by(order, "pk")
    )
    if not deadlines:
        return len(candidates), 0
    pks = [d.pk for d in deadlines]
    if kind == NoticeKind.BREACH:
        # A breached clock needs no reminder any more.
        Deadline.objects.filter(pk__in=pks).update(
            breached_at=now, reminded_at=Coalesce("reminded_at", Value(now))
        )
    else:
        Deadline.objects.filter(pk__in=pks).update(reminded_at=now)
    keys: dict[int, str] = {}
    for deadline in deadlines:
        if deadline.case_id is not None:
            deadline.case = owners["case"][deadline.case_id]
        elif deadline.info_request_id is not None:
            deadline.info_request = owners["info_request"][deadline.info_request_id]
        if kind == NoticeKind.BREACH:
            deadline.breached_at = now
            deadline.reminded_at = deadline.reminded_at or now
            keys[deadline.pk] = ""
        else:
            deadline.reminded_at = now
            # One reminder per due day: a holding reply that moves the day earns a new one.
            keys[deadline.pk] = cal.local(deadline.due_at).date().isoformat()
    # The Notice row is the exactly-once key: only deadlines without one get a notice and event.
    existing = set(
        Notice.objects.filter(deadline_id__in=pks, kind=kind).values_list("deadline_id", "key")
    )
    fresh = [d for d in deadlines if (d.pk, keys[d.pk]) not in existing]
    notices = Notice.objects.bulk_create(
        [Notice(deadline=d, kind=kind, key=keys[d.pk], queued_at=now) for d in fresh]
    )
    _audit_batch(kind, list(zip(fresh, notices, strict=True)))
    for notice in notices:
        send_notice.delay_on_commit(notice.pk)  # type: ignore[attr-defined]
    return len(candidates), len(deadlines)


def _audit_reason(kind: str, deadline: Deadline) -> tuple[str, str]:
    due_day = cal.local(deadline.due_at).date()
    what = deadline.get_kind_display()
    if kind == NoticeKind.BREACH:
        reason = f"{what} was due by the end of {due_day:%A %-d %B %Y} and is overdue"
        return EventAction.CLOCK_BREACHED, reason
    reason = f"Reminder: {what.lower()} due by the end of {due_day:%A %-d %B %Y}"
    return EventAction.REMINDER_SENT, reason


def _audit_batch(kind: str, pairs: list[tuple[Deadline, Notice]]) -> None:
    """The audit rows of one batch: case events in one INSERT, hash-chained exactly as
    `cases.audit.record_event` chains them; information requests through their own audit."""
    from cases.audit import actor_name
    from cases.models import CaseEvent

    from .services import _audit

    case_pairs = [(d, n) for d, n in pairs if d.case_id is not None]
    for deadline, notice in pairs:
        if deadline.case_id is None:
            action, reason = _audit_reason(kind, deadline)
            data = {"notice": notice.pk, "due_at": deadline.due_at.isoformat()}
            _audit(deadline, action=action, reason=reason, data=data)
    if not case_pairs:
        return
    # The newest event of each case (the chain's tail), in one statement.
    latest = dict(
        CaseEvent.objects.filter(case_id__in={d.case_id for d, _ in case_pairs})
        .order_by("case_id", "-at", "-pk")
        .distinct("case_id")
        .values_list("case_id", "hash")
    )
    at = timezone.now()
    events = []
    for deadline, notice in case_pairs:
        assert deadline.case_id is not None  # noqa: S101 - filtered above; narrows the type
        action, reason = _audit_reason(kind, deadline)
        event = CaseEvent(
            case_id=deadline.case_id,
            at=at,
            actor=None,
            actor_name=actor_name(None),
            action=action,
            reason=reason,
            data={
                "deadline": deadline.pk,
                "kind": deadline.kind,
                "notice": notice.pk,
                "due_at": deadline.due_at.isoformat(),
            },
            previous_hash=latest.get(deadline.case_id, ""),
        )
        event.hash = event.compute_hash()
        latest[deadline.case_id] = event.hash  # a second clock of the same case chains on
        events.append(event)
    # Same `at`, ascending pk: the chain order (at, pk) is the order written here.
    CaseEvent.objects.bulk_create(events)


def _requeue_unsent(now: datetime.datetime, batch_size: int) -> int:
    from .tasks import send_notice

    stale = now - REQUEUE_AFTER
    # SKIP LOCKED passes over a notice a worker is sending right now (it holds the row lock).
    notices = list(
        Notice.objects.select_for_update(skip_locked=True)
        .filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(queued_at__lt=stale) | Q(queued_at__isnull=True, created_at__lt=stale))
        .order_by("created_at", "pk")[:batch_size]
    )
    for notice in notices:
        notice.queued_at = now
        notice.save(update_fields=["queued_at"])
        send_notice.delay_on_commit(notice.pk)  # type: ignore[attr-defined]
    return len(notices)


def sweep_due_deadlines(
    *, now: datetime.datetime | None = None, batch_size: int = 500
) -> SweepResult:
    """Send the reminders and breach notices that are due at `now`, in batches."""
    now = now or timezone.now()
    result = SweepResult()
    # Breaches first, so a clock that ran out between sweeps is not also sent a late reminder.
    for kind in (NoticeKind.BREACH, NoticeKind.REMINDER):
        for _ in range(MAX_BATCHES):
            with transaction.atomic():
                if not _try_advisory_lock():
                    result.locked_out = True
                    logger.info("Another sweep holds the clocks lock; leaving it to that one.")
                    return result
                seen, processed = _sweep_batch(kind, now, batch_size)
            if kind == NoticeKind.BREACH:
                result.breaches += processed
            else:
                result.reminders += processed
            if seen < batch_size or processed == 0:
                break
    with transaction.atomic():
        if _try_advisory_lock():
            result.requeued = _requeue_unsent(now, batch_size)
    if result.breaches or result.reminders or result.requeued:
        logger.info("Clock sweep: %s", result.as_dict())
    return result

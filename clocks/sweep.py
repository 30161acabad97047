"""The sweep: reminders before a clock falls due, and the breach notice when it runs out.

Run by the beat task `clocks.tasks.sweep_deadlines` every minute. Safe to run concurrently and
repeatedly:

- Each batch runs in its own transaction under a PostgreSQL transaction-level advisory lock
  (`pg_try_advisory_xact_lock`): a second beat (or a manual run) finds the lock taken and stops,
  so two sweeps never work side by side. SQLite (the embedded default) has one writer anyway.
- Deadlines are claimed with `SELECT ... FOR UPDATE SKIP LOCKED`: one a service is changing is
  left for the next sweep, and the sweep never waits for a lock, so it cannot deadlock. Services
  re-read a deadline under its row lock before changing it, so they see the sweep's mark.
- `reminded_at` / `breached_at` are set once (the queries only match rows where they are null).
- The Notice row (unique per deadline, kind and key) is the exactly-once key and the outbox:
  the batch writes the marks and the notices, nothing per case. After commit each notice's
  task (`send_notice`) appends the audit row to the case's hash chain under the case's lock
  (`notices.record_notice_event`, once per notice), then sends the email, checking `sent_at`
  under a row lock. The sweep holds its advisory lock for two statements per batch, and never
  holds a case that a clerk is about to change (issue #10, docs/adr/0004-performance.md).
- The database is the truth, not the broker: notices still unsent a few minutes after they were
  queued are queued again, so a Redis flush or a lost task loses nothing.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import calendar as cal
from .models import OPEN, Deadline, Notice, NoticeKind

logger = logging.getLogger(__name__)

# "clocks" in ASCII: one key for every sweeper of this database.
ADVISORY_LOCK_KEY = 0x636C6F636B73
# A notice not sent this long after it was queued lost its task (Redis flushed, a worker
# killed): queue it again, up to REQUEUE_BATCH_FACTOR batches' worth per sweep (issue #23).
REQUEUE_AFTER = datetime.timedelta(minutes=2)
REQUEUE_BATCH_FACTOR = 10
# A notice failing this often is shown as failing (case page, clocks dashboard, the
# protocol_notices_failing metric) and from then on retried every RETRY_BACKOFF instead: never
# abandoned, however long the mail server is down.
FAILING_AFTER_ATTEMPTS = 5
RETRY_BACKOFF = datetime.timedelta(minutes=30)
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


def _postgresql() -> bool:
    """PostgreSQL gets the batch in one hand-written statement; any other database (SQLite,
    the embedded default) the same rows through the ORM, in a few."""
    return connection.vendor == "postgresql"


def _claim_portable(kind: str, now: datetime.datetime, batch_size: int) -> list[Deadline]:
    """Lock the first due deadlines no service holds (SKIP LOCKED), then mark them."""
    condition, order = _due_filter(kind, now)
    deadlines = list(
        Deadline.objects.select_for_update(skip_locked=True)
        .filter(condition)
        .order_by(order, "pk")[:batch_size]
    )
    pks = [d.pk for d in deadlines]
    if kind == NoticeKind.BREACH:
        # A breached clock needs no reminder any more.
        Deadline.objects.filter(pk__in=pks).update(
            breached_at=now, reminded_at=Coalesce("reminded_at", Value(now))
        )
    else:
        Deadline.objects.filter(pk__in=pks).update(reminded_at=now)
    return deadlines


def _mark_and_notify_postgresql(
    kind: str, now: datetime.datetime, batch_size: int
) -> tuple[int, list[int]]:
    """The whole batch in one statement: claim the first due deadlines no service holds (FOR
    UPDATE SKIP LOCKED), mark them, and write their notices. Returns (deadlines marked, new
    notice ids in order). The rows are those `_claim_portable` and `_create_notices_portable`
    write; one round trip instead of two, for the budget of issue #10."""
    condition, order = _due_filter(kind, now)
    claim_sql, claim_params = (
        Deadline.objects.select_for_update(skip_locked=True)
        .filter(condition)
        .order_by(order, "pk")
        .values("pk")[:batch_size]
        .query.sql_with_params()
    )
    table = connection.ops.quote_name(Deadline._meta.db_table)
    if kind == NoticeKind.BREACH:
        # A breached clock needs no reminder any more.
        set_sql = f"breached_at = %s, reminded_at = COALESCE({table}.reminded_at, %s)"
        set_params: list[Any] = [now, now]
        key_sql, key_params = "''", []
    else:
        set_sql, set_params = "reminded_at = %s", [now]
        # The due day in London, as `_reminder_key` writes it.
        key_sql, key_params = "to_char(timezone(%s, marked.due_at), 'YYYY-MM-DD')", [cal.LONDON.key]
    # Names from the models' metadata and _due_filter; every value is a parameter.
    sql = f"""
        WITH claimed AS MATERIALIZED ({claim_sql}),
        marked AS (
            UPDATE {table} SET {set_sql} FROM claimed WHERE {table}.id = claimed.pk
            RETURNING {table}.id, {table}.due_at, {table}.remind_at
        ),
        noticed AS (
            INSERT INTO {connection.ops.quote_name(Notice._meta.db_table)}
                (deadline_id, kind, key, created_at, queued_at, audited_at, recipients, attempts,
                 last_error)
            SELECT marked.id, %s, {key_sql}, %s, %s, NULL, '[]'::jsonb, 0, ''
            FROM marked ORDER BY marked.{order}, marked.id
            ON CONFLICT (deadline_id, kind, key) DO NOTHING
            RETURNING id
        )
        SELECT (SELECT count(*) FROM marked), ARRAY(SELECT id FROM noticed ORDER BY id)
    """  # noqa: S608  # nosec B608
    params = [*claim_params, *set_params, kind, *key_params, timezone.now(), now]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        marked, notice_ids = cursor.fetchone()
    return marked, list(notice_ids)


def _reminder_key(deadline: Deadline) -> str:
    # One reminder per due day: a holding reply that moves the day earns a new one.
    return cal.local(deadline.due_at).date().isoformat()


def _sweep_batch(kind: str, now: datetime.datetime, batch_size: int) -> int:
    """One batch in the caller's transaction. Returns how many deadlines it marked.

    Set-based (issue #10, docs/adr/0004-performance.md): one statement on PostgreSQL whatever
    the batch's size, which marks the deadlines and writes their notices; nothing per case.
    """
    from .tasks import send_notice

    if _postgresql():
        marked, notice_ids = _mark_and_notify_postgresql(kind, now, batch_size)
    else:
        deadlines = _claim_portable(kind, now, batch_size)
        marked = len(deadlines)
        keys = {d.pk: "" if kind == NoticeKind.BREACH else _reminder_key(d) for d in deadlines}
        notice_ids = _create_notices_portable(kind, now, keys)
    # The Notice row is the exactly-once key: only deadlines without one get a notice (and,
    # from the notice's task, an audit row).
    for notice_id in notice_ids:
        send_notice.delay_on_commit(notice_id)  # type: ignore[attr-defined]
    return marked


def _create_notices_portable(kind: str, now: datetime.datetime, keys: dict[int, str]) -> list[int]:
    """Notices for the deadlines that have none of this kind and key yet. `audited_at` is left
    empty: the notice's task writes the audit row (`notices.record_notice_event`)."""
    existing = set(
        Notice.objects.filter(deadline_id__in=keys, kind=kind).values_list("deadline_id", "key")
    )
    created = Notice.objects.bulk_create(
        [
            Notice(deadline_id=pk, kind=kind, key=key, queued_at=now, audited_at=None)
            for pk, key in keys.items()
            if (pk, key) not in existing
        ]
    )
    return [n.pk for n in created]


def _requeue_unsent(now: datetime.datetime, batch_size: int) -> int:
    from .tasks import send_notice

    stale = now - REQUEUE_AFTER
    backed_off = now - RETRY_BACKOFF
    due = Q(attempts__lt=FAILING_AFTER_ATTEMPTS, queued_at__lt=stale) | Q(
        attempts__gte=FAILING_AFTER_ATTEMPTS, queued_at__lt=backed_off
    )
    # SKIP LOCKED passes over a notice a worker is sending right now (it holds the row lock).
    notices = list(
        Notice.objects.select_for_update(skip_locked=True)
        .filter(sent_at__isnull=True)
        .filter(due | Q(queued_at__isnull=True, created_at__lt=stale))
        .order_by("created_at", "pk")[: batch_size * REQUEUE_BATCH_FACTOR]
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
                processed = _sweep_batch(kind, now, batch_size)
            if kind == NoticeKind.BREACH:
                result.breaches += processed
            else:
                result.reminders += processed
            if processed < batch_size:
                break
    with transaction.atomic():
        if _try_advisory_lock():
            result.requeued = _requeue_unsent(now, batch_size)
    if result.breaches or result.reminders or result.requeued:
        logger.info("Clock sweep: %s", result.as_dict())
    return result

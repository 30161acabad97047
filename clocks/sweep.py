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
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery, Value
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


def _postgresql() -> bool:
    """PostgreSQL gets the batch in a few hand-written statements (one claim, array inserts);
    any other database (SQLite, the embedded default) the same rows through the ORM."""
    return connection.vendor == "postgresql"


def _claim_portable(
    kind: str, now: datetime.datetime, batch_size: int
) -> tuple[int, list[Deadline]]:
    """Lock the owners, then the due deadlines, then mark them: any database (SQLite)."""
    condition, order = _due_filter(kind, now)
    candidates = list(
        Deadline.objects.filter(condition)
        .order_by(order, "pk")
        .values_list("pk", "case_id", "info_request_id")[:batch_size]
    )
    if not candidates:
        return 0, []
    owners = _lock_owners(candidates)
    deadlines = list(
        Deadline.objects.select_for_update(skip_locked=True)
        .filter(condition, pk__in=[pk for pk, _, _ in candidates])
        .filter(Q(case_id__in=owners["case"]) | Q(info_request_id__in=owners["info_request"]))
        .order_by(order, "pk")
    )
    pks = [d.pk for d in deadlines]
    if kind == NoticeKind.BREACH:
        # A breached clock needs no reminder any more.
        Deadline.objects.filter(pk__in=pks).update(
            breached_at=now, reminded_at=Coalesce("reminded_at", Value(now))
        )
    else:
        Deadline.objects.filter(pk__in=pks).update(reminded_at=now)
    return len(candidates), deadlines


def _lock_owners(
    candidates: Sequence[tuple[int, int | None, int | None]],
) -> dict[str, list[int]]:
    """Lock the owners of the candidate deadlines, skipping any a service is changing now."""
    from info_requests.models import InfoRequest

    locked: dict[str, list[int]] = {"case": [], "info_request": []}
    for name, model, index in (("case", Case, 1), ("info_request", InfoRequest, 2)):
        ids = {c[index] for c in candidates if c[index]}
        if ids:
            locked[name] = list(
                model.objects.select_for_update(skip_locked=True, no_key=True)
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            )
    return locked


def _claim_postgresql(
    kind: str, now: datetime.datetime, batch_size: int
) -> tuple[int, list[Deadline]]:
    """The same claim as `_claim_portable`, in one statement: candidates, owners locked (SKIP
    LOCKED), deadlines locked and re-checked (SKIP LOCKED), marked, returned. The sweep never
    waits for a lock, so it cannot deadlock with a service whatever order the locks are taken in.
    """
    from info_requests.models import InfoRequest

    condition, order = _due_filter(kind, now)
    due = Deadline.objects.filter(condition)
    candidate_sql, candidate_params = (
        due.order_by(order, "pk")
        .values("pk", "case_id", "info_request_id")[:batch_size]
        .query.sql_with_params()
    )
    where_sql, where_params = due.query.get_compiler(connection.alias).compile(due.query.where)
    table = connection.ops.quote_name(Deadline._meta.db_table)
    if kind == NoticeKind.BREACH:
        # A breached clock needs no reminder any more.
        set_sql = f"breached_at = %s, reminded_at = COALESCE({table}.reminded_at, %s)"
        set_params: list[Any] = [now, now]
    else:
        set_sql, set_params = "reminded_at = %s", [now]
    sql = f"""
        WITH candidate AS MATERIALIZED ({candidate_sql}),
        case_owner AS MATERIALIZED (
            SELECT id FROM {connection.ops.quote_name(Case._meta.db_table)}
            WHERE id IN (SELECT case_id FROM candidate) FOR NO KEY UPDATE SKIP LOCKED
        ),
        request_owner AS MATERIALIZED (
            SELECT id FROM {connection.ops.quote_name(InfoRequest._meta.db_table)}
            WHERE id IN (SELECT info_request_id FROM candidate) FOR NO KEY UPDATE SKIP LOCKED
        ),
        claimed AS MATERIALIZED (
            SELECT id FROM {table}
            WHERE {where_sql} AND id IN (SELECT pk FROM candidate)
              AND (case_id IN (SELECT id FROM case_owner)
                   OR info_request_id IN (SELECT id FROM request_owner))
            FOR UPDATE SKIP LOCKED
        )
        UPDATE {table} SET {set_sql} FROM claimed WHERE {table}.id = claimed.id
        RETURNING {table}.id, {table}.case_id, {table}.info_request_id, {table}.kind,
                  {table}.due_at, {table}.remind_at, (SELECT count(*) FROM candidate)
    """  # noqa: S608 - names from the models' metadata; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*candidate_params, *where_params, *set_params])
        rows = cursor.fetchall()
    if not rows:
        # Nothing claimed: either nothing is due or every owner is busy; the caller stops.
        return 0, []
    deadlines = [
        Deadline(
            pk=pk,
            case_id=case_id,
            info_request_id=request_id,
            kind=kind_,
            due_at=due_at,
            remind_at=remind_at,
        )
        for pk, case_id, request_id, kind_, due_at, remind_at, _ in rows
    ]
    deadlines.sort(key=lambda d: (getattr(d, order), d.pk))
    return rows[0][-1], deadlines


def _sweep_batch(kind: str, now: datetime.datetime, batch_size: int) -> tuple[int, int]:
    """One batch in the caller's transaction. Returns (candidates seen, deadlines processed).

    Set-based (issue #10, docs/adr/0004-performance.md): a fixed number of statements per batch
    whatever its size, instead of five or so per deadline. The rows written are the same as
    one-by-one: deadlines marked, one Notice per (deadline, kind, key), one audit event each.
    """
    from .tasks import send_notice

    claim = _claim_postgresql if _postgresql() else _claim_portable
    seen, deadlines = claim(kind, now, batch_size)
    if not deadlines:
        return seen, 0
    keys = {
        # One reminder per due day: a holding reply that moves the day earns a new one.
        d.pk: "" if kind == NoticeKind.BREACH else cal.local(d.due_at).date().isoformat()
        for d in deadlines
    }
    # The Notice row is the exactly-once key: only deadlines without one get a notice and event.
    notices = _create_notices(kind, now, keys)
    fresh = [d for d in deadlines if d.pk in notices]
    _audit_batch(kind, fresh, notices)
    for deadline in fresh:
        send_notice.delay_on_commit(notices[deadline.pk])  # type: ignore[attr-defined]
    return seen, len(deadlines)


def _create_notices(kind: str, now: datetime.datetime, keys: dict[int, str]) -> dict[int, int]:
    """Notices for the deadlines that have none of this kind and key yet: {deadline: notice}."""
    if _postgresql():
        sql = f"""
            INSERT INTO {connection.ops.quote_name(Notice._meta.db_table)}
                (deadline_id, kind, key, created_at, queued_at, recipients, attempts, last_error)
            SELECT t.deadline_id, %s, t.key, %s, %s, '[]'::jsonb, 0, ''
            FROM unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS t(deadline_id, key, n)
            ORDER BY t.n
            ON CONFLICT (deadline_id, kind, key) DO NOTHING
            RETURNING deadline_id, id
        """  # noqa: S608 - the table name from the model's metadata; values are parameters
        with connection.cursor() as cursor:
            cursor.execute(sql, [kind, timezone.now(), now, list(keys), list(keys.values())])
            return dict(cursor.fetchall())
    existing = set(
        Notice.objects.filter(deadline_id__in=keys, kind=kind).values_list("deadline_id", "key")
    )
    created = Notice.objects.bulk_create(
        [
            Notice(deadline_id=pk, kind=kind, key=key, queued_at=now)
            for pk, key in keys.items()
            if (pk, key) not in existing
        ]
    )
    return {n.deadline_id: n.pk for n in created}


def _audit_reason(kind: str, deadline: Deadline) -> tuple[str, str]:
    due_day = cal.local(deadline.due_at).date()
    what = deadline.get_kind_display()
    if kind == NoticeKind.BREACH:
        reason = f"{what} was due by the end of {due_day:%A %-d %B %Y} and is overdue"
        return EventAction.CLOCK_BREACHED, reason
    reason = f"Reminder: {what.lower()} due by the end of {due_day:%A %-d %B %Y}"
    return EventAction.REMINDER_SENT, reason


def _audit_batch(kind: str, deadlines: list[Deadline], notices: dict[int, int]) -> None:
    """The audit rows of one batch: case events in one INSERT, hash-chained exactly as
    `cases.audit.record_event` chains them; information requests through their own audit."""
    from cases.audit import actor_name
    from cases.models import CaseEvent

    from .services import _audit

    request_deadlines = [d.pk for d in deadlines if d.case_id is None]
    if request_deadlines:
        loaded = Deadline.objects.select_related("info_request").in_bulk(request_deadlines)
        for pk in request_deadlines:
            deadline = loaded[pk]
            action, reason = _audit_reason(kind, deadline)
            data = {"notice": notices[pk], "due_at": deadline.due_at.isoformat()}
            _audit(deadline, action=action, reason=reason, data=data)
    case_deadlines = [d for d in deadlines if d.case_id is not None]
    if not case_deadlines:
        return
    # The newest event of each case (the chain's tail): one index probe per case. Read after
    # the owners were locked, in a statement of its own, so it sees every committed event.
    latest = dict(
        Case.objects.order_by()
        .filter(pk__in={d.case_id for d in case_deadlines})
        .values_list(
            "pk",
            Subquery(
                CaseEvent.objects.filter(case=OuterRef("pk"))
                .order_by("-at", "-pk")
                .values("hash")[:1]
            ),
        )
    )
    at = timezone.now()
    events = []
    for deadline in case_deadlines:
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
                "notice": notices[deadline.pk],
                "due_at": deadline.due_at.isoformat(),
            },
            previous_hash=latest.get(deadline.case_id) or "",
        )
        event.hash = event.compute_hash()
        latest[deadline.case_id] = event.hash  # a second clock of the same case chains on
        events.append(event)
    # Same `at`, ascending pk: the chain order (at, pk) is the order written here.
    _insert_case_events(events)


def _insert_case_events(events: list[Any]) -> None:
    """Write the batch's case events in one statement, in list order (ascending pk)."""
    from cases.models import CaseEvent

    if not _postgresql():
        CaseEvent.objects.bulk_create(events)
        return
    # Arrays rather than a 500-row VALUES list: PostgreSQL parses and plans six parameters
    # instead of thousands, which was most of the INSERT's time (issue #10).
    first = events[0]
    sql = f"""
        INSERT INTO {connection.ops.quote_name(CaseEvent._meta.db_table)}
            (case_id, at, actor_id, actor_name, action, from_state, to_state, reason, data,
             previous_hash, hash)
        SELECT t.case_id, %s, NULL, %s, t.action, '', '', t.reason, t.data, t.previous_hash,
               t.hash
        FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::jsonb[], %s::text[], %s::text[])
             WITH ORDINALITY AS t(case_id, action, reason, data, previous_hash, hash, n)
        ORDER BY t.n
    """  # noqa: S608 - the table name from the model's metadata; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                first.at,
                first.actor_name,
                _array([e.case_id for e in events]),
                _array([e.action for e in events]),
                _array([e.reason for e in events]),
                _array([json.dumps(e.data) for e in events]),
                _array([e.previous_hash for e in events]),
                _array([e.hash for e in events]),
            ],
        )


def _array(values: Sequence[Any]) -> str:
    """A PostgreSQL array literal: one parameter for the whole column."""
    quoted = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


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

"""Celery tasks: thin, idempotent, safe to run twice. The work is in sweep.py and notices.py."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(name="clocks.tasks.sweep_deadlines", ignore_result=True)
def sweep_deadlines() -> dict[str, Any]:
    """Beat task (CELERY_BEAT_SCHEDULE["sweep-deadlines"])."""
    from protocol_site.ops import record_beat_heartbeat

    from .sweep import sweep_due_deadlines

    result = sweep_due_deadlines().as_dict()
    # /readyz reports beat as not ready when this heartbeat grows old.
    record_beat_heartbeat()
    return result


@shared_task(
    name="clocks.tasks.send_notice",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def send_notice(notice_id: int) -> bool:
    from .notices import deliver_notice, record_notice_event

    # The audit row first, in its own transaction: it stands even if the email never goes.
    record_notice_event(notice_id=notice_id)
    return deliver_notice(notice_id=notice_id)

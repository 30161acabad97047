"""Celery tasks for cases: thin, take ids, idempotent (they may run twice)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def notify_case_change(case_id: int, event_id: int) -> int:
    """Email the people who must hear about one case event. Sends once per event."""
    from .services import send_case_notification

    return send_case_notification(case_id=case_id, event_id=event_id)

"""Celery tasks for inbound email: thin, take ids, idempotent (they may run twice)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def notify_clerks_of_triage(email_id: int) -> int:
    """Tell the council's clerks an email waits for triage. Sends once per email."""
    from .services import notify_clerks

    return notify_clerks(email_id=email_id)

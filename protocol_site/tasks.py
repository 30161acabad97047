"""Site-wide Celery tasks (found by `app.autodiscover_tasks()`: protocol_site is an installed app).
Thin, idempotent, safe to run twice: the work is in protocol_site/gdpr.py."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="protocol_site.tasks.apply_retention", acks_late=True, ignore_result=True)
def apply_retention() -> int:
    """Beat task (CELERY_BEAT_SCHEDULE["apply-retention"], daily): anonymise expired cases."""
    from .gdpr import apply_retention as run

    return len(run().anonymised)

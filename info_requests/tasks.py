"""Celery tasks for information requests: thin; the work is in reminders.py."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="info_requests.tasks.remind_undecided_requests", ignore_result=True)
def remind_undecided_requests() -> int:
    """Beat task (CELERY_BEAT_SCHEDULE["remind-undecided-info-requests"])."""
    from .reminders import remind_undecided_requests as remind

    return remind()

"""Notices under faults (issue #23): what the case says is what happened.

Delivery is at least once, never silently lost: "sending" is committed before the email is
handed to the mail server and "sent" only after; a retry after a worker died mid-send sends
again with the same Message-ID; a notice that keeps failing is retried with backoff for as long
as it is unsent, shown on the case and the clocks dashboard, and counted by a metric; notices
lost from the broker are queued again after two minutes, in large batches; the sweep and the
emails have queues of their own."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from cases.models import ClockKind
from clocks.models import Deadline, Notice, NoticeKind
from clocks.notices import deliver_notice
from clocks.sweep import FAILING_AFTER_ATTEMPTS, REQUEUE_BATCH_FACTOR, sweep_due_deadlines
from tests.clocks.factories import make_case, make_route

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice():
    now = timezone.now()
    case = make_case(make_route(), received_at=now - datetime.timedelta(days=10))
    deadline = Deadline.objects.get(case=case, kind=ClockKind.ACKNOWLEDGEMENT)
    Deadline.objects.filter(pk=deadline.pk).update(breached_at=now - datetime.timedelta(hours=1))
    Deadline.objects.filter(case=case).exclude(pk=deadline.pk).update(met_at=now)
    return Notice.objects.create(deadline=deadline, kind=NoticeKind.BREACH, queued_at=now)


def test_sending_is_committed_before_the_send_and_sent_only_after(notice):
    seen = {}

    def send(message, *args, **kwargs):
        row = Notice.objects.get(pk=notice.pk)
        seen["sending_at"], seen["sent_at"] = row.sending_at, row.sent_at
        return 1

    with mock.patch("django.core.mail.EmailMultiAlternatives.send", send):
        assert deliver_notice(notice_id=notice.pk) is True
    assert seen["sending_at"] is not None
    assert seen["sent_at"] is None
    notice.refresh_from_db()
    assert notice.sent_at is not None


def test_a_mail_server_refusal_never_records_the_notice_as_sent(notice, settings):
    settings.EMAIL_BACKEND = "tests.clocks.failing_backend.FailingBackend"
    with pytest.raises(ConnectionRefusedError):
        deliver_notice(notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.sent_at is None
    assert notice.attempts == 1
    assert "ConnectionRefusedError" in notice.last_error


def test_a_retry_after_a_worker_died_mid_send_uses_the_same_message_id(notice):
    """A worker killed after the mail server accepted the email: the retry sends it again (at
    least once) with the same Message-ID, so the recipient's mail system can drop the copy."""
    with (
        mock.patch(
            "django.core.mail.EmailMultiAlternatives.send", side_effect=SystemExit("killed")
        ),
        pytest.raises(SystemExit),
    ):
        deliver_notice(notice_id=notice.pk)
    assert deliver_notice(notice_id=notice.pk) is True
    assert deliver_notice(notice_id=notice.pk) is False
    assert len(mail.outbox) == 1
    first_id = mail.outbox[0].extra_headers["Message-ID"]
    assert first_id.startswith(f"<notice-{notice.pk}.")
    # A second delivery of the same notice (were it ever needed) carries the same id.
    Notice.objects.filter(pk=notice.pk).update(sent_at=None)
    deliver_notice(notice_id=notice.pk)
    assert mail.outbox[1].extra_headers["Message-ID"] == first_id


def _queued(notice, *, attempts: int, minutes_ago: float) -> None:
    Notice.objects.filter(pk=notice.pk).update(
        attempts=attempts, queued_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )


@pytest.mark.parametrize(
    ("attempts", "minutes_ago", "requeued"),
    [
        (0, 1, False),  # its task may still be on its way
        (0, 3, True),  # lost from the broker: queued again after two minutes, not five
        (FAILING_AFTER_ATTEMPTS, 10, False),  # failing: backs off
        (FAILING_AFTER_ATTEMPTS, 31, True),
        (40, 31, True),  # never abandoned (it was after 30 attempts)
    ],
)
def test_unsent_notices_are_requeued_with_backoff_and_never_abandoned(
    notice, settings, django_capture_on_commit_callbacks, attempts, minutes_ago, requeued
):
    _queued(notice, attempts=attempts, minutes_ago=minutes_ago)
    with django_capture_on_commit_callbacks(execute=False):
        result = sweep_due_deadlines(now=timezone.now())
    assert result.requeued == (1 if requeued else 0)


def test_a_flushed_broker_is_caught_up_in_large_batches(notice, django_capture_on_commit_callbacks):
    """1,200 notices lost from Redis are all queued again by one sweep (one batch of 500 did
    it in a minute per 500 before)."""
    deadline = notice.deadline
    stale = timezone.now() - datetime.timedelta(minutes=3)
    Notice.objects.bulk_create(
        Notice(deadline=deadline, kind=NoticeKind.EXTENSION, key=str(n), queued_at=stale)
        for n in range(1200)
    )
    _queued(notice, attempts=0, minutes_ago=3)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        result = sweep_due_deadlines(now=timezone.now(), batch_size=500)
    assert 500 * REQUEUE_BATCH_FACTOR >= 1201
    assert result.requeued == 1201
    assert len(queued) >= 1201


def test_a_failing_notice_shows_on_the_case_and_the_dashboard(notice):
    _queued(notice, attempts=FAILING_AFTER_ATTEMPTS, minutes_ago=1)
    case = notice.deadline.case
    client = Client()
    client.force_login(case.handler.user)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Email not sent" in page
    board = client.get("/clocks/").content.decode()
    assert 'id="failing-notices"' in board
    assert case.reference in board


def test_a_failing_notice_is_a_metric_to_alert_on(notice, client, settings):
    settings.METRICS_TOKEN = ""
    _queued(notice, attempts=FAILING_AFTER_ATTEMPTS, minutes_ago=1)
    text = client.get("/metrics").content.decode()
    assert "protocol_notices_failing 1.0" in text
    assert "protocol_notices_unsent_oldest_seconds" in text


def test_the_sweep_and_the_emails_have_queues_of_their_own():
    routes = django_settings.CELERY_TASK_ROUTES
    sweep = routes["clocks.tasks.sweep_deadlines"]["queue"]
    send = routes["clocks.tasks.send_notice"]["queue"]
    assert len({sweep, send, django_settings.CELERY_TASK_DEFAULT_QUEUE}) == 3
    procfile = (django_settings.BASE_DIR / "Procfile").read_text()
    assert f"-Q {sweep} " in procfile
    assert f"-Q celery,{send} " in procfile


def _acknowledge(route, case, django_capture_on_commit_callbacks):
    from clocks import services

    draft = services.on_case_opened(case=case)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_acknowledgement(
            draft=draft, actor=route.handler.user, subject="Your concern", body="Dear member"
        )
    return draft


def test_the_case_says_acknowledgement_emailed_only_once_the_mail_server_took_it(
    settings, django_capture_on_commit_callbacks
):
    from cases.models import CaseEvent, EventAction

    settings.EMAIL_BACKEND = "tests.clocks.failing_backend.FailingBackend"
    route = make_route()
    case = make_case(route, received_at=timezone.now())
    from celery.exceptions import Retry

    # The task's eager run fails, and Celery would retry it.
    with pytest.raises((ConnectionRefusedError, Retry)):
        _acknowledge(route, case, django_capture_on_commit_callbacks)
    sent = CaseEvent.objects.filter(case=case, action=EventAction.ACKNOWLEDGEMENT_SENT)
    assert not sent.exists()
    # The mail server is back: the retry sends it, and only now the case says so, by the
    # handler who approved it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notice = Notice.objects.get(deadline__case=case, kind=NoticeKind.ACKNOWLEDGEMENT)
    assert deliver_notice(notice_id=notice.pk) is True
    event = sent.get()
    assert event.actor == route.handler.user
    assert route.member.email in event.reason

"""Nothing committed is lost when a piece of the machinery fails (issue #11):

- a worker killed in the middle of sending a reminder: the notice stays unsent (its row lock and
  transaction die with the worker), the broker redelivers the unacknowledged task
  (acks_late + reject_on_worker_lost), and whatever happens to the broker the sweep queues it
  again from the database;
- the broker flushed (Redis FLUSHDB): the task is gone, the database is the truth, and the sweep
  recreates what is due;
- PostgreSQL going away mid-request: the GOV.UK error page (never a traceback), and everything
  committed before is still there; a half-done change is rolled back whole.

The real worker, broker and SMTP server run end to end in tests/clocks/test_worker_integration.py;
here each failure is simulated where it strikes, so the tests stay fast and never touch the
shared PostgreSQL server itself.
"""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, ClockKind
from clocks.models import Deadline, Notice, NoticeKind
from clocks.notices import deliver_notice
from clocks.sweep import REQUEUE_AFTER, sweep_due_deadlines
from protocol_site.celery import app
from tests.cases.factories import build_world, open_test_case
from tests.clocks.factories import make_case, make_route
from tests.redis_db import chosen_redis_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _project_celery_app():
    """Tasks resolve through Celery's *current* app; another test may have made its own app
    current (tests/ops/test_logging.py creates some). Use the project's, eagerly."""
    app.set_current()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def overdue_notice():
    """An acknowledgement clock that has run out, with its breach notice queued a while ago."""
    now = timezone.now()
    case = make_case(make_route(), received_at=now - datetime.timedelta(days=10))
    deadline = Deadline.objects.get(case=case, kind=ClockKind.ACKNOWLEDGEMENT)
    Deadline.objects.filter(pk=deadline.pk).update(breached_at=now - datetime.timedelta(hours=1))
    # The response clock was met: only this notice is in play.
    Deadline.objects.filter(case=case).exclude(pk=deadline.pk).update(met_at=now)
    return Notice.objects.create(deadline=deadline, kind=NoticeKind.BREACH, queued_at=now)


def _sweep_later(django_capture_on_commit_callbacks, minutes: float):
    later = timezone.now() + REQUEUE_AFTER + datetime.timedelta(minutes=minutes)
    with django_capture_on_commit_callbacks(execute=True):
        return sweep_due_deadlines(now=later)


# -- a worker killed mid-task ----------------------------------------------------------------
def test_the_tasks_are_redelivered_if_the_worker_dies():
    from clocks.tasks import send_notice

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert send_notice.acks_late is True


def test_a_worker_killed_while_sending_leaves_the_notice_unsent_and_the_sweep_sends_it(
    overdue_notice, django_capture_on_commit_callbacks
):
    # The worker dies between building the email and recording it as sent: SystemExit is what
    # Celery's warm shutdown raises inside a task; a SIGKILL is harsher and rolls back the same.
    with (
        mock.patch(
            "django.core.mail.EmailMultiAlternatives.send", side_effect=SystemExit("killed")
        ),
        pytest.raises(SystemExit),
    ):
        deliver_notice(notice_id=overdue_notice.pk)

    overdue_notice.refresh_from_db()
    assert overdue_notice.sent_at is None
    # "Sending" was committed before the send (issue #23); "sent" died with the worker.
    assert overdue_notice.attempts == 1
    assert overdue_notice.sending_at is not None
    assert mail.outbox == []

    result = _sweep_later(django_capture_on_commit_callbacks, minutes=1)

    assert result.requeued == 1
    overdue_notice.refresh_from_db()
    assert overdue_notice.sent_at is not None
    assert len(mail.outbox) == 1
    # Run again (a redelivered copy of the task, the next sweep): still one email.
    assert deliver_notice(notice_id=overdue_notice.pk) is False
    assert _sweep_later(django_capture_on_commit_callbacks, minutes=2).requeued == 0
    assert len(mail.outbox) == 1


# -- the broker flushed --------------------------------------------------------------------------
@pytest.fixture
def broker():
    # FLUSHDB only on the database the environment chose for the tests (tests/redis_db.py).
    url = chosen_redis_url()
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail(f"Redis is not reachable at {url}")
    client.flushdb()
    yield url, client
    client.flushdb()
    client.close()


@pytest.mark.serial  # it empties the tests' broker database: not beside another xdist worker
def test_a_redis_flush_loses_nothing_the_sweep_requeues_from_the_database(
    overdue_notice, broker, django_capture_on_commit_callbacks
):
    from clocks.tasks import send_notice

    url, client = broker
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with app.connection_for_write(url) as connection:
            send_notice.apply_async(args=[overdue_notice.pk], connection=connection)
    finally:
        app.conf.task_always_eager = eager
    queue = settings.CELERY_NOTICE_QUEUE  # the emails' own queue (issue #23)
    assert client.llen(queue) == 1  # the task is on the real broker

    client.flushdb()  # the broker loses everything

    assert client.llen(queue) == 0
    overdue_notice.refresh_from_db()
    assert overdue_notice.sent_at is None

    result = _sweep_later(django_capture_on_commit_callbacks, minutes=1)

    assert result.requeued == 1
    overdue_notice.refresh_from_db()
    assert overdue_notice.sent_at is not None
    assert [m.subject for m in mail.outbox] == [
        f"{overdue_notice.deadline.case.reference}: acknowledgement is overdue"
    ]


def test_a_flushed_broker_also_loses_no_breach_the_sweep_has_not_made_yet(
    django_capture_on_commit_callbacks,
):
    """Clocks are rows, not scheduled tasks: a due clock is found from `due_at` alone."""
    now = timezone.now()
    case = make_case(make_route(), received_at=now - datetime.timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_due_deadlines(now=now)
    assert result.breaches >= 1
    assert Notice.objects.filter(deadline__case=case, sent_at__isnull=False).exists()


# -- PostgreSQL going away mid-request -----------------------------------------------------------
@pytest.fixture
def world():
    return build_world()


DB_GONE = OperationalError("server closed the connection unexpectedly")


def test_a_database_failure_mid_request_shows_the_error_page(world):
    case = open_test_case(world)
    client = Client(raise_request_exception=False)
    client.force_login(world.user("clerk"))

    with mock.patch("cases.views.selectors.case_for", side_effect=DB_GONE):
        response = client.get(f"/cases/{case.reference}/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Sorry, there is a problem with the service" in page
    assert "govuk-heading-l" in page
    assert "Traceback" not in page
    assert "OperationalError" not in page
    assert "server closed the connection" not in page
    # Committed before the failure, still there; the next request works.
    assert Case.objects.filter(pk=case.pk, summary=case.summary).exists()
    assert client.get(f"/cases/{case.reference}/").status_code == 200


def test_a_database_failure_half_way_through_a_change_rolls_it_back_whole(world):
    case = open_test_case(world)
    events = CaseEvent.objects.filter(case=case).count()
    client = Client(raise_request_exception=False)
    client.force_login(world.user("mo"))

    # The state has changed in the transaction when writing the audit event fails.
    with mock.patch("cases.services.record_event", side_effect=DB_GONE):
        response = client.post(
            f"/cases/{case.reference}/escalate/",
            {"expected_state": case.state, "reason": "Not resolved."},
        )

    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.state == case.state
    assert fresh.step_position == case.step_position
    assert CaseEvent.objects.filter(case=case).count() == events


def test_a_database_failure_in_the_api_is_a_clean_error(world):
    case = open_test_case(world)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(world.user("clerk"))

    with mock.patch("cases.api.views.selectors.case_for", side_effect=DB_GONE):
        response = client.get(f"/api/cases/{case.pk}/")

    assert response.status_code == 500
    body = response.content.decode()
    assert "server closed the connection" not in body
    assert "Traceback" not in body

"""The sweep: reminders and breach notices, exactly once, under the advisory lock."""

from __future__ import annotations

import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import psycopg2
import pytest
import time_machine
from django.core import mail
from django.db import connection

from cases.models import CaseEvent, Channel, ClockKind, EventAction
from clocks import services
from clocks import sweep as sweep_module
from clocks.models import Deadline, Notice, NoticeKind
from clocks.notices import deliver_notice, record_notice_event
from clocks.sweep import ADVISORY_LOCK_KEY, sweep_due_deadlines
from clocks.tasks import send_notice
from protocol_site.audit_chain import verify_audit_chains
from tests.clocks.factories import make_case, make_info_request, make_route

LONDON = ZoneInfo("Europe/London")
# Wed 25 Nov 2026 10:00. A case received Wed 18 Nov: acknowledgement due Mon 23 Nov (3 working
# days: Thu 19, Fri 20, Mon 23), response due Wed 25 Nov (7 days) — so the acknowledgement is
# overdue and the response falls due tonight.
NOW = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
RECEIVED = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=LONDON)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True, params=["postgresql", "portable"])
def batch_path(request, monkeypatch):
    """Every sweep test runs both ways: the hand-written PostgreSQL statements, and the portable
    ORM path that SQLite (the embedded default of `make run`) takes."""
    if request.param == "portable":
        monkeypatch.setattr(sweep_module, "_postgresql", lambda: False)
    return request.param


def _other_connection():
    settings = connection.settings_dict
    return psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )


def sweep(capture, **kwargs):
    with capture(execute=True):
        return sweep_due_deadlines(**kwargs)


def test_an_overdue_clock_is_breached_once_with_one_notice_and_one_event(
    django_capture_on_commit_callbacks,
):
    route = make_route()
    case = make_case(route, received_at=RECEIVED)

    result = sweep(django_capture_on_commit_callbacks, now=NOW)

    assert result.breaches == 1
    ack = Deadline.objects.get(case=case, kind=ClockKind.ACKNOWLEDGEMENT)
    assert ack.breached_at == NOW
    assert ack.status == "overdue"
    notice = Notice.objects.get(deadline=ack, kind=NoticeKind.BREACH)
    assert notice.sent_at is not None
    # The handler and the role the step keeps informed (the Leader).
    assert sorted(notice.recipients) == sorted([route.handler.email, route.leader.email])
    breach_mails = [m for m in mail.outbox if "overdue" in m.subject]
    assert len(breach_mails) == 1
    assert breach_mails[0].subject == f"{case.reference}: acknowledgement is overdue"
    assert "Monday 23 November 2026" in breach_mails[0].body
    assert breach_mails[0].alternatives[0][1] == "text/html"
    assert CaseEvent.objects.filter(case=case, action=EventAction.CLOCK_BREACHED).count() == 1

    # Running it again sends nothing more.
    again = sweep(django_capture_on_commit_callbacks, now=NOW + datetime.timedelta(minutes=1))
    assert (again.breaches, again.reminders) == (0, 0)
    assert len([m for m in mail.outbox if "overdue" in m.subject]) == 1
    assert CaseEvent.objects.filter(case=case, action=EventAction.CLOCK_BREACHED).count() == 1


def test_a_reminder_goes_once_before_the_clock_falls_due(django_capture_on_commit_callbacks):
    route = make_route()
    case = make_case(route, received_at=RECEIVED)
    response = Deadline.objects.get(case=case, kind=ClockKind.RESPONSE)
    # Due Wed 25 Nov: reminder Tue 24 Nov 09:00, already past at NOW.
    assert response.remind_at == datetime.datetime(2026, 11, 24, 9, tzinfo=LONDON)

    result = sweep(django_capture_on_commit_callbacks, now=NOW)

    assert result.reminders == 1
    response.refresh_from_db()
    assert response.reminded_at == NOW
    assert response.breached_at is None
    reminders = [m for m in mail.outbox if "due" in m.subject and "overdue" not in m.subject]
    assert [m.subject for m in reminders] == [f"{case.reference}: response due 25 November 2026"]
    assert CaseEvent.objects.filter(case=case, action=EventAction.REMINDER_SENT).count() == 1
    sweep(django_capture_on_commit_callbacks, now=NOW + datetime.timedelta(minutes=1))
    assert CaseEvent.objects.filter(case=case, action=EventAction.REMINDER_SENT).count() == 1


@pytest.mark.parametrize(
    ("due_at", "key"),
    [
        # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST): the London day counts.
        (datetime.datetime(2027, 6, 30, 23, 30, tzinfo=datetime.UTC), "2027-07-01"),
        # In winter London is on UTC.
        (datetime.datetime(2027, 1, 14, 23, 30, tzinfo=datetime.UTC), "2027-01-14"),
    ],
)
def test_a_reminder_is_keyed_by_its_due_day_in_london(
    due_at, key, django_capture_on_commit_callbacks
):
    case = make_case(make_route(), received_at=RECEIVED)
    Deadline.objects.filter(case=case).update(
        due_at=due_at, original_due_at=due_at, remind_at=due_at - datetime.timedelta(days=1)
    )

    result = sweep(django_capture_on_commit_callbacks, now=due_at - datetime.timedelta(hours=1))

    assert result.reminders == 2
    assert set(
        Notice.objects.filter(deadline__case=case, kind=NoticeKind.REMINDER).values_list(
            "key", flat=True
        )
    ) == {key}


def test_a_clock_that_ran_out_between_sweeps_gets_no_late_reminder(
    django_capture_on_commit_callbacks,
):
    route = make_route()
    case = make_case(route, received_at=RECEIVED)
    later = datetime.datetime(2026, 11, 26, 9, tzinfo=LONDON)  # both clocks have run out

    result = sweep(django_capture_on_commit_callbacks, now=later)

    assert (result.breaches, result.reminders) == (2, 0)
    assert not Notice.objects.filter(kind=NoticeKind.REMINDER).exists()
    assert not CaseEvent.objects.filter(case=case, action=EventAction.REMINDER_SENT).exists()


@pytest.mark.parametrize("field", ["met_at", "paused_at", "cancelled_at"])
def test_met_paused_and_stopped_clocks_are_left_alone(field, django_capture_on_commit_callbacks):
    case = make_case(make_route(), received_at=RECEIVED)
    Deadline.objects.filter(case=case).update(**{field: NOW})

    result = sweep(django_capture_on_commit_callbacks, now=NOW)

    assert (result.breaches, result.reminders) == (0, 0)
    assert not Notice.objects.exists()
    assert mail.outbox == []


def test_a_holding_reply_before_the_deadline_prevents_the_breach(
    django_capture_on_commit_callbacks,
):
    route = make_route()
    case = make_case(route, received_at=RECEIVED)
    response = Deadline.objects.get(case=case, kind=ClockKind.RESPONSE)
    services.extend_clock(
        deadline=response,
        new_due_date=datetime.date(2026, 12, 4),
        actor=None,
        reason="Waiting for the finance figures.",
    )
    tonight = datetime.datetime(2026, 11, 26, 9, tzinfo=LONDON)
    sweep(django_capture_on_commit_callbacks, now=tonight)
    response.refresh_from_db()
    assert response.breached_at is None


def test_batches_process_every_due_clock(django_capture_on_commit_callbacks):
    route = make_route()
    cases = [make_case(route, received_at=RECEIVED, channel=Channel.EMAIL) for _ in range(5)]

    result = sweep(django_capture_on_commit_callbacks, now=NOW, batch_size=2)

    assert result.breaches == 5
    for case in cases:
        assert CaseEvent.objects.filter(case=case, action=EventAction.CLOCK_BREACHED).count() == 1


def test_two_clocks_of_one_case_breached_in_one_batch_chain_one_after_the_other(
    django_capture_on_commit_callbacks,
):
    route = make_route()
    case = make_case(route, received_at=RECEIVED)
    tail = CaseEvent.objects.filter(case=case).order_by("at", "pk").last()
    # Both the acknowledgement and the response have run out by Friday.
    friday = NOW + datetime.timedelta(days=2)

    result = sweep(django_capture_on_commit_callbacks, now=friday)

    assert result.breaches == 2
    breaches = list(
        CaseEvent.objects.filter(case=case, action=EventAction.CLOCK_BREACHED).order_by("at", "pk")
    )
    assert [e.data["kind"] for e in breaches] == [ClockKind.ACKNOWLEDGEMENT, ClockKind.RESPONSE]
    assert breaches[0].previous_hash == tail.hash
    assert breaches[1].previous_hash == breaches[0].hash
    assert {e.data["notice"] for e in breaches} == set(
        Notice.objects.filter(deadline__case=case, kind=NoticeKind.BREACH).values_list(
            "pk", flat=True
        )
    )
    assert verify_audit_chains().intact


def test_a_notice_already_there_is_not_made_again_nor_audited_twice(
    django_capture_on_commit_callbacks,
):
    # A notice written for this deadline earlier (a breach told by hand, or a crash after the
    # notice but before the deadline was marked): the exactly-once key holds.
    case = make_case(make_route(), received_at=RECEIVED)
    ack = Deadline.objects.get(case=case, kind=ClockKind.ACKNOWLEDGEMENT)
    earlier = Notice.objects.create(deadline=ack, kind=NoticeKind.BREACH, sent_at=NOW)

    result = sweep(django_capture_on_commit_callbacks, now=NOW)

    assert result.breaches == 1  # the deadline is still marked breached
    ack.refresh_from_db()
    assert ack.breached_at == NOW
    assert list(Notice.objects.filter(deadline=ack, kind=NoticeKind.BREACH)) == [earlier]
    assert not CaseEvent.objects.filter(case=case, action=EventAction.CLOCK_BREACHED).exists()


@pytest.mark.django_db(transaction=True)
def test_a_clock_a_service_is_changing_is_skipped_and_swept_next_time(
    django_capture_on_commit_callbacks,
):
    route = make_route()
    busy, idle = (make_case(route, received_at=RECEIVED) for _ in range(2))
    held = Deadline.objects.get(case=busy, kind=ClockKind.ACKNOWLEDGEMENT)
    other = _other_connection()
    try:
        with other.cursor() as cursor:
            # What a service holds while it changes a clock (clocks.services._lock).
            cursor.execute("SELECT id FROM clocks_deadline WHERE id = %s FOR UPDATE", [held.pk])
        first = sweep(django_capture_on_commit_callbacks, now=NOW)
    finally:
        # Roll back first: it returns once the server has released the lock, where close()
        # alone leaves the release to the server's own time (the next sweep could still meet it).
        other.rollback()
        other.close()
    second = sweep(django_capture_on_commit_callbacks, now=NOW)

    assert (first.breaches, second.breaches) == (1, 1)
    assert Deadline.objects.get(case=idle, kind=ClockKind.ACKNOWLEDGEMENT).breached_at == NOW
    held.refresh_from_db()
    assert held.breached_at == NOW


@pytest.mark.django_db(transaction=True)
def test_the_sweep_does_not_hold_the_cases_a_clerk_is_working_on():
    # A clerk's transaction holds the case; the sweep still marks its clock and writes the
    # notice (it locks no case), and the audit row follows once the case is free.
    case = make_case(make_route(), received_at=RECEIVED)
    queued: list[int] = []
    other = _other_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM cases_case WHERE id = %s FOR UPDATE", [case.pk])
        # No outer transaction here: commits run their callbacks at once, so catch the tasks.
        with mock.patch.object(send_notice, "delay_on_commit", side_effect=queued.append):
            result = sweep_due_deadlines(now=NOW)
    finally:
        # Roll back first: it returns once the server has released the lock, where close()
        # alone leaves the release to the server's own time (the next sweep could still meet it).
        other.rollback()
        other.close()

    assert result.breaches == 1
    ack = Deadline.objects.get(case=case, kind=ClockKind.ACKNOWLEDGEMENT)
    assert ack.breached_at == NOW
    notice = Notice.objects.get(deadline=ack, kind=NoticeKind.BREACH)
    assert notice.audited_at is None
    assert notice.pk in queued  # with the response's reminder
    for queued_notice in queued:
        send_notice(queued_notice)  # the notices' tasks, now the clerk is done
    notice.refresh_from_db()
    assert notice.audited_at is not None
    assert notice.sent_at is not None
    event = CaseEvent.objects.get(case=case, action=EventAction.CLOCK_BREACHED)
    assert event.data["notice"] == notice.pk
    assert event.data["marked_at"] == NOW.isoformat()


def test_the_audit_row_of_a_notice_is_written_once_however_often_its_task_runs(
    django_capture_on_commit_callbacks,
):
    case = make_case(make_route(), received_at=RECEIVED)
    with django_capture_on_commit_callbacks(execute=False):
        sweep_due_deadlines(now=NOW)
    notice = Notice.objects.get(deadline__case=case, kind=NoticeKind.BREACH)

    assert record_notice_event(notice_id=notice.pk) is True
    assert record_notice_event(notice_id=notice.pk) is False
    send_notice(notice.pk)  # a redelivered task

    assert CaseEvent.objects.filter(case=case, action=EventAction.CLOCK_BREACHED).count() == 1
    assert verify_audit_chains().intact


def test_a_notice_a_service_queued_is_not_audited_again_by_its_task(
    django_capture_on_commit_callbacks,
):
    # Services audit their own notices (a holding reply here) in their own transaction.
    case = make_case(make_route(), received_at=RECEIVED)
    response = Deadline.objects.get(case=case, kind=ClockKind.RESPONSE)
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_notice(deadline=response, kind=NoticeKind.EXTENSION, key="2026-12-01")
    notice = Notice.objects.get(deadline=response, kind=NoticeKind.EXTENSION)

    assert notice.audited_at is not None
    assert record_notice_event(notice_id=notice.pk) is False


def test_another_sweep_holding_the_advisory_lock_stops_this_one():
    if connection.vendor != "postgresql":
        pytest.skip("The advisory lock is PostgreSQL's.")
    case = make_case(make_route(), received_at=RECEIVED)
    other = _other_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        result = sweep_due_deadlines(now=NOW)
    finally:
        # Roll back first: it returns once the server has released the lock, where close()
        # alone leaves the release to the server's own time (the next sweep could still meet it).
        other.rollback()
        other.close()

    assert result.locked_out is True
    assert result.breaches == 0
    assert Deadline.objects.get(case=case, kind=ClockKind.ACKNOWLEDGEMENT).breached_at is None


def test_unsent_notices_are_queued_again_after_a_few_minutes(django_capture_on_commit_callbacks):
    route = make_route()
    case = make_case(route, received_at=RECEIVED)
    ack = Deadline.objects.get(case=case, kind=ClockKind.ACKNOWLEDGEMENT)
    # A notice whose task was lost (e.g. Redis flushed): created and queued ten minutes ago.
    stale = Notice.objects.create(
        deadline=ack, kind=NoticeKind.BREACH, queued_at=NOW - datetime.timedelta(minutes=10)
    )
    Deadline.objects.filter(pk=ack.pk).update(breached_at=NOW - datetime.timedelta(minutes=10))
    fresh = Notice.objects.create(
        deadline=Deadline.objects.get(case=case, kind=ClockKind.RESPONSE),
        kind=NoticeKind.REMINDER,
        key="2026-11-25",
        queued_at=NOW - datetime.timedelta(minutes=1),
    )
    Deadline.objects.filter(kind=ClockKind.RESPONSE).update(reminded_at=NOW)

    result = sweep(django_capture_on_commit_callbacks, now=NOW)

    assert result.requeued == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.sent_at is not None
    assert fresh.sent_at is None


def test_delivering_a_notice_twice_sends_one_email():
    route = make_route()
    case = make_case(route, received_at=RECEIVED)
    ack = Deadline.objects.get(case=case, kind=ClockKind.ACKNOWLEDGEMENT)
    notice = Notice.objects.create(deadline=ack, kind=NoticeKind.BREACH)

    assert deliver_notice(notice_id=notice.pk) is True
    assert deliver_notice(notice_id=notice.pk) is False
    assert deliver_notice(notice_id=999_999) is False
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.attempts == 1


def test_a_failed_delivery_is_recorded_and_raised_for_celery_to_retry(settings):
    settings.EMAIL_BACKEND = "tests.clocks.failing_backend.FailingBackend"
    case = make_case(make_route(), received_at=RECEIVED)
    ack = Deadline.objects.get(case=case, kind=ClockKind.ACKNOWLEDGEMENT)
    notice = Notice.objects.create(deadline=ack, kind=NoticeKind.BREACH)

    with pytest.raises(ConnectionRefusedError):
        deliver_notice(notice_id=notice.pk)

    notice.refresh_from_db()
    assert notice.sent_at is None
    assert notice.attempts == 1
    assert "ConnectionRefusedError" in notice.last_error


def test_a_breach_is_audited_even_when_its_email_cannot_be_sent(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.clocks.failing_backend.FailingBackend"
    case = make_case(make_route(), received_at=RECEIVED)
    with django_capture_on_commit_callbacks(execute=False):
        sweep_due_deadlines(now=NOW)
    notice = Notice.objects.get(deadline__case=case, kind=NoticeKind.BREACH)

    with pytest.raises(ConnectionRefusedError):
        send_notice(notice.pk)

    notice.refresh_from_db()
    assert notice.sent_at is None
    assert notice.audited_at is not None
    assert CaseEvent.objects.filter(case=case, action=EventAction.CLOCK_BREACHED).count() == 1


def test_the_send_notice_task_retries_with_backoff_at_most_five_times():
    from clocks.tasks import send_notice

    assert send_notice.acks_late is True
    assert send_notice.max_retries == 5
    assert send_notice.retry_backoff is True
    assert Exception in send_notice.autoretry_for


def test_an_information_requests_breach_is_audited_on_the_request_and_told_to_the_clerk(
    django_capture_on_commit_callbacks,
):
    from info_requests.models import InfoRequestEvent

    route = make_route()
    received = datetime.datetime(2026, 10, 1, 10, tzinfo=LONDON)
    request = make_info_request(route.council, route.member, received)
    deadline = services.start_clock(
        info_request=request,
        kind=ClockKind.FOI_RESPONSE,
        length=20,
        working_days=True,
        calendar_region="all_uk",
        received_at=received,
    )

    result = sweep(django_capture_on_commit_callbacks, now=NOW)

    assert result.breaches == 1
    deadline.refresh_from_db()
    assert deadline.breached_at == NOW
    assert (
        InfoRequestEvent.objects.filter(info_request=request, action="clock_breached").count() == 1
    )
    notice = Notice.objects.get(deadline=deadline, kind=NoticeKind.BREACH)
    # No handler on the request: the council's clerk is told.
    assert notice.recipients == [route.clerk.email]
    email = next(m for m in mail.outbox if m.to == [route.clerk.email])
    assert email.subject == f"{request.reference}: FOI response is overdue"
    assert "The FOI response on" in email.body

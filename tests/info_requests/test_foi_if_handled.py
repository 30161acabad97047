"""Issue #21: from the moment a request is logged it shows when an FOI reply would be due, and
its decider is reminded before then while nobody has chosen a route.

FOIA s.10(1): the 20 working days run from the day of receipt, whatever the council considers
first (Lancaster 8.6-8.8: public? then s.100F and need to know, then FOI)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from info_requests import reminders, services
from info_requests.models import InfoRequest, InfoRequestEvent

from .factories import make_cast, make_request

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# Sat 14 Mar 2026: d1 Mon 16, Tue 17 (St Patrick's, NI) skipped, d10 Mon 30 Mar,
# Fri 3 and Mon 6 Apr skipped, d20 Wed 15 Apr.
SATURDAY = datetime.datetime(2026, 3, 14, 11, 0, tzinfo=LONDON)
REMINDER = datetime.datetime(2026, 3, 30, 9, 0, tzinfo=LONDON)


@pytest.fixture
def lan():
    return make_cast("lancaster")


def _detail(r: InfoRequest) -> str:
    return reverse("info_requests:detail", args=[r.reference])


def test_a_logged_request_shows_when_an_foi_reply_would_be_due(client, lan):
    r = make_request(lan, received_at=SATURDAY)
    assert r.deadlines.count() == 0
    assert r.foi_reminder_at == REMINDER
    client.force_login(lan.decider.user)
    page = client.get(_detail(r)).content.decode()
    assert "If this request is handled under the Freedom of Information Act" in page
    assert "Wednesday 15 April 2026" in page
    assert "Received Saturday 14 March 2026; day 1 is Monday 16 March 2026" in page
    assert "The decider is reminded on Monday 30 March 2026" in page


def test_the_member_sees_the_date_too(client, lan):
    r = make_request(lan, received_at=SATURDAY)
    client.force_login(lan.member.user)
    assert "Wednesday 15 April 2026" in client.get(_detail(r)).content.decode()


def test_once_handled_under_foi_the_real_clock_has_the_same_date(client, lan):
    r = make_request(lan, received_at=SATURDAY)
    services.treat_as_foi(info_request=r, actor=lan.mo.user)
    r.refresh_from_db()
    assert r.foi_if_handled is None
    foi = r.deadlines.get(kind="foi_response")
    assert foi.due_at == datetime.datetime.combine(
        datetime.date(2026, 4, 15), datetime.time.max, tzinfo=LONDON
    )
    client.force_login(lan.decider.user)
    page = client.get(_detail(r)).content.decode()
    assert "If this request is handled under the Freedom of Information Act" not in page
    assert "Received Saturday 14 March 2026; day 1 is Monday 16 March 2026" in page


def test_a_provided_request_no_longer_shows_the_foi_date(lan):
    r = make_request(lan, received_at=SATURDAY)
    services.provide_as_public(info_request=r, actor=lan.decider.user)
    r.refresh_from_db()
    assert r.foi_if_handled is None


def test_the_decider_is_reminded_once_while_the_request_is_undecided(lan):
    r = make_request(lan, received_at=SATURDAY)
    mail.outbox.clear()
    assert reminders.remind_undecided_requests(now=REMINDER - datetime.timedelta(minutes=1)) == 0
    assert mail.outbox == []
    assert reminders.remind_undecided_requests(now=REMINDER) == 1
    assert [m.to for m in mail.outbox] == [[lan.decider.email]]
    assert "Wednesday 15 April 2026" in mail.outbox[0].body
    assert "half that time has gone" in mail.outbox[0].body
    assert r.reference in mail.outbox[0].subject
    r.refresh_from_db()
    assert r.foi_reminder_sent_at == REMINDER
    event = InfoRequestEvent.objects.get(info_request=r, action="reminder_sent")
    assert "Wednesday 15 April 2026" in event.reason
    # A second sweep sends nothing more.
    assert reminders.remind_undecided_requests(now=REMINDER + datetime.timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1


def test_a_request_whose_route_is_chosen_is_not_reminded(lan):
    r = make_request(lan, received_at=SATURDAY)
    services.treat_as_foi(info_request=r, actor=lan.mo.user)
    mail.outbox.clear()
    assert reminders.remind_undecided_requests(now=REMINDER) == 0
    assert mail.outbox == []
    assert not InfoRequestEvent.objects.filter(info_request=r, action="reminder_sent").exists()
    r.refresh_from_db()
    assert r.foi_reminder_sent_at is not None  # never looked at again


def test_without_a_decider_the_clerks_are_reminded(lan):
    r = make_request(lan, received_at=SATURDAY)
    InfoRequest.objects.filter(pk=r.pk).update(decider=None)
    mail.outbox.clear()
    assert reminders.remind_undecided_requests(now=REMINDER) == 1
    assert mail.outbox[0].to == [lan.clerk.email]


def test_the_api_gives_the_would_be_date_and_how_it_was_counted(lan):
    r = make_request(lan, received_at=SATURDAY)
    client = APIClient()
    client.force_authenticate(lan.decider.user)
    body = client.get(f"/api/info-requests/{r.reference}/").json()
    assert body["foi_due_if_handled"]["due_at"].startswith("2026-04-15T23:59:59")
    assert body["foi_due_if_handled"]["counted"].startswith(
        "Received Saturday 14 March 2026; day 1 is Monday 16 March 2026"
    )
    services.treat_as_foi(info_request=r, actor=lan.mo.user)
    body = client.get(f"/api/info-requests/{r.reference}/").json()
    assert body["foi_due_if_handled"] is None
    assert body["deadlines"][0]["counted"].startswith(
        "Received Saturday 14 March 2026; day 1 is Monday 16 March 2026"
    )


def test_the_beat_runs_the_reminder_task(lan, settings):
    from info_requests.tasks import remind_undecided_requests

    entry = settings.CELERY_BEAT_SCHEDULE["remind-undecided-info-requests"]
    assert entry["task"] == remind_undecided_requests.name
    r = make_request(lan, received_at=SATURDAY)  # its reminder moment has long passed
    mail.outbox.clear()
    assert remind_undecided_requests() == 1
    assert mail.outbox[0].to == [lan.decider.email]
    assert "that day has passed, so choose its route now" in mail.outbox[0].body
    r.refresh_from_db()
    assert r.foi_reminder_sent_at is not None


def test_undecided_requests_logged_before_the_reminder_existed_get_one(lan):
    """info_requests.0004: only where an FOI reply would still be due."""
    import importlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    from info_requests.deadlines import foi_decision_reminder_at

    recent = make_request(lan, received_at=timezone.now() - datetime.timedelta(days=1))
    old = make_request(lan, received_at=SATURDAY)
    decided = make_request(lan, received_at=timezone.now() - datetime.timedelta(days=1))
    services.treat_as_foi(info_request=decided, actor=lan.mo.user)
    InfoRequest.objects.update(foi_reminder_at=None)
    name = "0004_fill_foi_decision_reminders"
    migration = importlib.import_module(f"info_requests.migrations.{name}")
    state = MigrationExecutor(connection).loader.project_state(
        ("info_requests", name), at_end=False
    )
    migration.fill(state.apps, None)
    recent.refresh_from_db()
    old.refresh_from_db()
    decided.refresh_from_db()
    assert recent.foi_reminder_at == foi_decision_reminder_at(recent.received_at)
    assert old.foi_reminder_at is None
    assert decided.foi_reminder_at is None

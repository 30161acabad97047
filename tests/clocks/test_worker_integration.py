"""A real Celery worker, the real Redis and PostgreSQL, and a real SMTP server.

Opens a case whose acknowledgement is overdue, puts the sweep on the broker (as the beat
would), and checks that exactly one breach email reaches the SMTP server and one
`clock_breached` event is written; then runs the sweep again, re-delivers the notice task and
starts a second worker: still exactly one email.
"""

from __future__ import annotations

import datetime
import email
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cases.models import CaseEvent, ClockKind, EventAction
from clocks.models import Deadline, Notice, NoticeKind
from tests.clocks.factories import make_case, make_route
from tests.redis_db import chosen_redis_url

pytestmark = [pytest.mark.slow, pytest.mark.serial, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)
CELERY = str(Path(sys.executable).parent / "celery")
# A queue of this run's own, so two test runs on one machine never take each other's tasks.
QUEUE = f"clocks-it-{uuid.uuid4().hex}"
TIMEOUT = 120.0  # generous: CI runs this beside another xdist worker on 2 cores


class Collector:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _redis_url() -> str:
    return chosen_redis_url()


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    from aiosmtpd.controller import Controller

    collector = Collector()
    port = _free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield collector, port
    finally:
        controller.stop()


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(_redis_url())
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI", "").lower() == "true":
            raise
        pytest.skip("Redis is not reachable")
    client.flushdb()  # the database the environment chose for the tests (tests/redis_db.py)
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def worker_env(smtp: tuple[Collector, int]) -> dict[str, str]:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    database_url = (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "protocol_site.settings.test",
        "DATABASE_URL": database_url,  # pytest-django's test_… database
        "CELERY_BROKER_URL": _redis_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_DEFAULT_QUEUE": QUEUE,
        # One queue for everything, of this test's own (the sweep and the emails have their own
        # queues in production: settings CELERY_TASK_ROUTES).
        "CELERY_SWEEP_QUEUE": QUEUE,
        "CELERY_NOTICE_QUEUE": QUEUE,
        "TEST_SMTP_URL": f"smtp://127.0.0.1:{smtp[1]}",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp[1]}",
        "SITE_URL": "http://testserver",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def start_worker(
    worker_env: dict[str, str], tmp_path: Path, broker: redis.Redis
) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    workers: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603
            [
                CELERY,
                "-A",
                "protocol_site",
                "worker",
                "-Q",
                QUEUE,
                "--pool=solo",
                "--loglevel=INFO",
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=BASE_DIR,
            env=worker_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        workers.append(process)
        _wait_for(lambda: b"ready." in (tmp_path / f"{name}.log").read_bytes(), process, tmp_path)
        return process

    yield start
    for process in workers:
        process.terminate()
    for process in workers:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text(errors="replace")[-3000:] for p in tmp_path.glob("*.log"))


def _wait_for(
    condition: Callable[[], bool], process: subprocess.Popen[bytes] | None, tmp_path: Path
) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            pytest.fail(f"The worker exited ({process.returncode}):\n{_logs(tmp_path)}")
        time.sleep(0.2)
    pytest.fail(f"Timed out waiting for the worker:\n{_logs(tmp_path)}")


def _send(task: str, *args: Any) -> None:
    """Put a task on the broker as the beat (or a redelivery) would: a bare Celery client."""
    # Celery lets a CELERY_BROKER_URL environment variable (as `make test` sets) win over the
    # `broker` argument, which would send the task to the suite's broker, not the worker's.
    with mock.patch.dict(os.environ, {"CELERY_BROKER_URL": _redis_url()}):
        client = Celery(broker=_redis_url(), set_as_current=False)
        client.conf.broker_url = _redis_url()
        try:
            client.send_task(task, args=list(args), queue=QUEUE)
        finally:
            client.close()


def _queue_drained(client: redis.Redis) -> bool:
    # kombu's Redis transport: the queue is a list; delivered-but-unacked tasks sit in "unacked".
    return client.llen(QUEUE) == 0 and client.hlen("unacked") == 0


def test_a_real_worker_sends_exactly_one_breach_email(
    smtp, broker, worker_env, start_worker, tmp_path
):
    collector, _port = smtp
    route = make_route()
    case = make_case(route, received_at=timezone.now() - datetime.timedelta(days=3))
    # The acknowledgement ran out an hour ago; the response is weeks away and not yet reminded.
    now = timezone.now()
    Deadline.objects.filter(case=case, kind=ClockKind.ACKNOWLEDGEMENT).update(
        due_at=now - datetime.timedelta(hours=1), remind_at=None
    )
    Deadline.objects.filter(case=case, kind=ClockKind.RESPONSE).update(
        due_at=now + datetime.timedelta(days=30), remind_at=now + datetime.timedelta(days=29)
    )
    breach_subject = f"{case.reference}: acknowledgement is overdue"

    first = start_worker("clocks-it-1")
    _send("clocks.tasks.sweep_deadlines")

    _wait_for(lambda: breach_subject in collector.subjects(), first, tmp_path)
    _wait_for(lambda: _queue_drained(broker), first, tmp_path)
    notice = Notice.objects.get(deadline__case=case, kind=NoticeKind.BREACH)
    assert notice.sent_at is not None
    assert collector.subjects().count(breach_subject) == 1
    assert CaseEvent.objects.filter(case=case, action=EventAction.CLOCK_BREACHED).count() == 1
    message = next(m for m in collector.messages if m["Subject"] == breach_subject)
    assert route.handler.email in message["To"]
    assert route.leader.email in message["To"]
    assert message.is_multipart()  # plain text + HTML

    # The sweep again, a duplicate delivery of the notice task, and a second worker.
    second = start_worker("clocks-it-2")
    _send("clocks.tasks.sweep_deadlines")
    _send("clocks.tasks.send_notice", notice.pk)
    _send("clocks.tasks.sweep_deadlines")
    _wait_for(lambda: _queue_drained(broker), second, tmp_path)
    time.sleep(1.0)  # let any straggling SMTP conversation finish

    assert collector.subjects().count(breach_subject) == 1
    assert len(collector.messages) == 1
    assert CaseEvent.objects.filter(case=case, action=EventAction.CLOCK_BREACHED).count() == 1
    assert Notice.objects.filter(deadline__case=case).count() == 1
    logs = _logs(tmp_path)
    assert "clocks.tasks.sweep_deadlines" in logs
    assert first.poll() is None
    assert second.poll() is None

"""/metrics: Prometheus text with request latency, task counts, deadlines per council, sweep lag."""

from __future__ import annotations

import datetime
import re

import pytest
from celery import Celery
from django.utils import timezone

from cases import services
from cases.models import CaseType, Channel
from clocks.models import Deadline
from protocol_site.metrics import METRIC_NAMES, DeadlineCollector
from tests.cases.factories import build_world


def _value(text: str, name: str, **labels: str) -> float:
    """The sample `name{labels}` from Prometheus text (labels in any order)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(3) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(4))
    raise AssertionError(f"no sample {name}{labels} in:\n{text}")


def test_metrics_exposes_every_metric_name(client, db):
    client.get("/no-such-page/")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for name in METRIC_NAMES:
        assert f"# HELP {name.removesuffix('_total')}" in text, name


def test_request_latency_is_recorded_by_route_pattern(client, db):
    before_text = client.get("/metrics").content.decode()
    try:
        before = _value(
            before_text,
            "protocol_http_request_duration_seconds_count",
            method="GET",
            route="<unmatched>",
            status="4xx",
        )
    except AssertionError:
        before = 0.0

    client.get("/no-such-page/")
    client.get("/also-missing/")

    text = client.get("/metrics").content.decode()
    after = _value(
        text,
        "protocol_http_request_duration_seconds_count",
        method="GET",
        route="<unmatched>",
        status="4xx",
    )
    assert after == before + 2
    # The probes and the scrape itself are not counted.
    assert 'route="/healthz"' not in text
    assert "/metrics" not in re.findall(r'route="([^"]*)"', text)


def test_task_successes_and_failures_are_counted(client, db):
    app = Celery("ops-metrics-test", broker="memory://", set_as_current=False)
    app.conf.task_always_eager = True

    @app.task(name="tests.ops.ok")
    def ok() -> int:
        return 1

    @app.task(name="tests.ops.boom")
    def boom() -> None:
        raise RuntimeError("boom")

    ok.delay()
    ok.delay()
    boom.delay()

    text = client.get("/metrics").content.decode()
    assert _value(text, "protocol_celery_tasks_total", task="tests.ops.ok", outcome="success") >= 2
    assert (
        _value(text, "protocol_celery_tasks_total", task="tests.ops.boom", outcome="failure") >= 1
    )
    assert _value(text, "protocol_celery_task_duration_seconds_count", task="tests.ops.ok") >= 2


@pytest.fixture
def deadlines(db):
    world = build_world(slug="metricshire", prefix="MET")
    case = services.open_case(
        council=world.council,
        case_type=CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER,
        raised_by=world["councillor"],
        about=world["officer"],
        channel=Channel.LETTER if hasattr(Channel, "LETTER") else Channel.EMAIL,
        received_at=timezone.now(),
        summary="A summary.",
        actor=world.user("councillor"),
    )
    Deadline.objects.filter(case=case).delete()  # only the rows below count
    now = timezone.now()

    def make(due: datetime.timedelta, **fields):
        return Deadline.objects.create(
            case=case,
            kind="response",
            length=7,
            working_days=False,
            calendar="council",
            starts_at=now - datetime.timedelta(days=30),
            due_at=now + due,
            original_due_at=now + due,
            **fields,
        )

    make(datetime.timedelta(days=3))  # running, not due soon
    make(datetime.timedelta(hours=2))  # running, due within 24h
    make(-datetime.timedelta(minutes=10))  # past due, the sweep has not marked it yet
    make(-datetime.timedelta(days=2), breached_at=now - datetime.timedelta(days=2))
    make(datetime.timedelta(hours=1), paused_at=now)
    make(-datetime.timedelta(days=1), met_at=now - datetime.timedelta(days=2))  # met: not counted
    make(-datetime.timedelta(days=9), cancelled_at=now)  # stopped: not counted
    return world.council


def test_deadlines_per_council_and_sweep_lag(client, deadlines):
    text = client.get("/metrics").content.decode()

    assert _value(text, "protocol_deadlines_running", council="metricshire") == 3
    assert _value(text, "protocol_deadlines_due_within_24h", council="metricshire") == 2
    assert _value(text, "protocol_deadlines_breached", council="metricshire") == 1
    assert _value(text, "protocol_deadlines_paused", council="metricshire") == 1
    lag = _value(text, "protocol_sweep_lag_seconds")
    assert 600 <= lag < 700


def test_deadline_metrics_are_one_query(deadlines, django_assert_num_queries):
    with django_assert_num_queries(1):
        families = list(DeadlineCollector().collect())

    assert {f.name for f in families} >= {
        "protocol_deadlines_running",
        "protocol_sweep_lag_seconds",
    }


def test_no_lag_when_the_sweep_is_up_to_date(client, db):
    text = client.get("/metrics").content.decode()

    assert _value(text, "protocol_sweep_lag_seconds") == 0


@pytest.mark.parametrize(
    ("authorization", "status"),
    [(None, 401), ("Bearer wrong", 401), ("Basic s3cret-token", 401), ("Bearer s3cret-token", 200)],
    ids=["none", "wrong-token", "wrong-scheme", "right"],
)
def test_metrics_token(client, db, settings, authorization, status):
    settings.METRICS_TOKEN = "s3cret-token"
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = client.get("/metrics", **headers)

    assert response.status_code == status
    if status == 401:
        assert "protocol_" not in response.content.decode()
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("host", "status"),
    [("testserver", 200), ("metrics.internal", 200), ("evil.example.org", 404)],
)
def test_metrics_answers_only_on_allowed_hosts(client, db, settings, host, status):
    """Issue #23: /metrics is answered before Django's host check (for the probes), so it
    checks the host itself: ALLOWED_HOSTS, or METRICS_ALLOWED_HOSTS for the scraper."""
    settings.METRICS_TOKEN = "s3cret-token"
    settings.METRICS_ALLOWED_HOSTS = ["metrics.internal"]
    response = client.get("/metrics", HTTP_HOST=host, HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == status
    assert ("protocol_" in response.content.decode()) is (status == 200)

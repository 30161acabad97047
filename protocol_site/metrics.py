"""Prometheus metrics: request latency, Celery tasks, deadlines per council and the sweep's lag.

Process-local counters (requests, tasks) live in prometheus-client's default registry; under
gunicorn or a prefork Celery worker set `PROMETHEUS_MULTIPROC_DIR` so every process's counts are
summed (see `protocol_site/ops/gunicorn.py` and docs/operations.md). Deadline figures come from
the database at scrape time: one aggregate query, grouped by council, whichever process answers.
"""

from __future__ import annotations

import datetime
import hmac
import logging
import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port, validate_host
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "protocol_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern, method and status class.",
    ["method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TASKS = Counter(
    "protocol_celery_tasks",
    "Celery tasks run, by task name and outcome (success, failure, retry).",
    ["task", "outcome"],
)
TASKS_PUBLISHED = Counter(
    "protocol_celery_tasks_published",
    "Celery tasks queued, by task name.",
    ["task"],
)
TASK_DURATION = Histogram(
    "protocol_celery_task_duration_seconds",
    "Time a Celery task took to run, by task name.",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0),
)

# Names the tests and the dashboards rely on.
METRIC_NAMES = (
    "protocol_http_request_duration_seconds",
    "protocol_celery_tasks_total",
    "protocol_celery_tasks_published_total",
    "protocol_celery_task_duration_seconds",
    "protocol_deadlines_running",
    "protocol_deadlines_due_within_24h",
    "protocol_deadlines_breached",
    "protocol_deadlines_paused",
    "protocol_sweep_lag_seconds",
    "protocol_beat_heartbeat_age_seconds",
)


class DeadlineCollector(Collector):
    """Deadline counts per council and the sweep's lag, read at scrape time.

    The sweep's lag is how long the oldest deadline that is past due has waited without being
    marked breached: near zero when beat and the workers keep up, growing when they do not.
    """

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db.models import Count, F, Min, Q
        from django.db.models.functions import Coalesce
        from django.utils import timezone

        from clocks.models import Deadline

        now = timezone.now()
        counting = Q(breached_at__isnull=True, paused_at__isnull=True)
        running = GaugeMetricFamily(
            "protocol_deadlines_running",
            "Open deadlines whose clock is running, per council.",
            labels=["council"],
        )
        due = GaugeMetricFamily(
            "protocol_deadlines_due_within_24h",
            "Running deadlines due within the next 24 hours (or already past due), per council.",
            labels=["council"],
        )
        breached = GaugeMetricFamily(
            "protocol_deadlines_breached",
            "Deadlines breached and not yet met or stopped, per council.",
            labels=["council"],
        )
        paused = GaugeMetricFamily(
            "protocol_deadlines_paused",
            "Open deadlines whose clock is paused, per council.",
            labels=["council"],
        )
        lag = GaugeMetricFamily(
            "protocol_sweep_lag_seconds",
            "Now minus the due time of the oldest past-due deadline not yet marked breached.",
        )
        try:
            rows = (
                Deadline.objects.filter(met_at__isnull=True, cancelled_at__isnull=True)
                .annotate(
                    council_slug=Coalesce(
                        F("case__council__slug"), F("info_request__council__slug")
                    )
                )
                .values("council_slug")
                .annotate(
                    running=Count("pk", filter=counting),
                    due=Count(
                        "pk", filter=counting & Q(due_at__lte=now + datetime.timedelta(hours=24))
                    ),
                    breached=Count("pk", filter=Q(breached_at__isnull=False)),
                    paused=Count("pk", filter=Q(breached_at__isnull=True, paused_at__isnull=False)),
                    oldest_unswept=Min("due_at", filter=counting & Q(due_at__lt=now)),
                )
                .order_by()
            )
            oldest: datetime.datetime | None = None
            for row in rows:
                council = row["council_slug"] or "unknown"
                running.add_metric([council], row["running"])
                due.add_metric([council], row["due"])
                breached.add_metric([council], row["breached"])
                paused.add_metric([council], row["paused"])
                if row["oldest_unswept"] is not None and (
                    oldest is None or row["oldest_unswept"] < oldest
                ):
                    oldest = row["oldest_unswept"]
        except Exception:
            logger.warning("Deadline metrics could not be read", exc_info=True)
            return
        lag.add_metric([], max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)
        yield from (running, due, breached, paused, lag)


class HeartbeatCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.utils import timezone

        from protocol_site.ops import last_beat_heartbeat

        try:
            last = last_beat_heartbeat()
        except Exception:
            logger.warning("Beat heartbeat could not be read", exc_info=True)
            return
        age = GaugeMetricFamily(
            "protocol_beat_heartbeat_age_seconds",
            "Seconds since the deadline sweep last ran (absent when it never has).",
        )
        if last is not None:
            age.add_metric([], (timezone.now() - last).total_seconds())
        yield age


class _ProcessRegistry(Collector):
    """This process's own counters, for the single-process (no PROMETHEUS_MULTIPROC_DIR) case."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()


class NoticeCollector(Collector):
    """Emails the clocks could not send: alert on `protocol_notices_failing > 0` (issue #23)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db.models import Min
        from django.utils import timezone

        from clocks.models import Notice
        from clocks.sweep import FAILING_AFTER_ATTEMPTS

        failing = GaugeMetricFamily(
            "protocol_notices_failing",
            "Unsent clock emails that have failed at least "
            f"{FAILING_AFTER_ATTEMPTS} times (still retried).",
        )
        oldest = GaugeMetricFamily(
            "protocol_notices_unsent_oldest_seconds",
            "Age of the oldest clock email not yet handed to the mail server.",
        )
        try:
            unsent = Notice.objects.filter(sent_at__isnull=True)
            failing.add_metric([], unsent.filter(attempts__gte=FAILING_AFTER_ATTEMPTS).count())
            first = unsent.aggregate(first=Min("created_at"))["first"]
            oldest.add_metric([], (timezone.now() - first).total_seconds() if first else 0.0)
        except Exception:  # the database is down: /readyz says so; no numbers is honest
            logger.warning("Notice metrics unavailable", exc_info=True)
            return
        yield failing
        yield oldest


def scrape_registry(*, include_database: bool = True) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessRegistry())
    if include_database:
        registry.register(DeadlineCollector())
        registry.register(NoticeCollector())
        registry.register(HeartbeatCollector())
    return registry


def _authorised(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return True
    header = request.headers.get("Authorization", "")
    scheme, _, supplied = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(supplied.strip(), token)


def _allowed_host(request: HttpRequest) -> bool:
    """The Host header is one of ALLOWED_HOSTS or METRICS_ALLOWED_HOSTS (the middleware answers
    /metrics before Django's own host check, for the probes' sake)."""
    raw = str(request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME") or "")
    domain, _port = split_domain_port(raw)
    allowed = [*settings.ALLOWED_HOSTS, *settings.METRICS_ALLOWED_HOSTS]
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        allowed += [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, on an allowed host only. With METRICS_TOKEN set (production
    requires it: protocol.E006), `Authorization: Bearer <token>` is needed."""
    if not _allowed_host(request):
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    if not _authorised(request):
        return HttpResponse(
            "Metrics need a bearer token.\n",
            status=401,
            content_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return HttpResponse(
        generate_latest(scrape_registry()),
        content_type=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    REQUEST_LATENCY.labels(method=method, route=route, status=f"{status // 100}xx").observe(seconds)


# -- Celery ---------------------------------------------------------------------------------------
def connect_celery_signals() -> None:
    from celery.signals import (
        after_task_publish,
        task_failure,
        task_postrun,
        task_prerun,
        task_retry,
        task_success,
        worker_ready,
    )

    after_task_publish.connect(_on_publish, weak=False, dispatch_uid="ops-metrics-publish")
    task_prerun.connect(_on_prerun, weak=False, dispatch_uid="ops-metrics-prerun")
    task_postrun.connect(_on_postrun, weak=False, dispatch_uid="ops-metrics-postrun")
    task_success.connect(_on_success, weak=False, dispatch_uid="ops-metrics-success")
    task_failure.connect(_on_failure, weak=False, dispatch_uid="ops-metrics-failure")
    task_retry.connect(_on_retry, weak=False, dispatch_uid="ops-metrics-retry")
    worker_ready.connect(_serve_worker_metrics, weak=False, dispatch_uid="ops-metrics-worker")


def _task_name(sender: Any) -> str:
    return str(getattr(sender, "name", None) or sender or "unknown")


def _on_publish(sender: Any = None, headers: dict[str, Any] | None = None, **_: Any) -> None:
    name = (headers or {}).get("task") or sender
    TASKS_PUBLISHED.labels(task=str(name)).inc()


_STARTED: dict[str, float] = {}


def _on_prerun(task_id: str | None = None, **_: Any) -> None:
    import time

    if task_id:
        _STARTED[task_id] = time.monotonic()


def _on_postrun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    import time

    started = _STARTED.pop(task_id or "", None)
    if started is not None:
        TASK_DURATION.labels(task=_task_name(task)).observe(time.monotonic() - started)


def _on_success(sender: Any = None, **_: Any) -> None:
    TASKS.labels(task=_task_name(sender), outcome="success").inc()


def _on_failure(sender: Any = None, **_: Any) -> None:
    TASKS.labels(task=_task_name(sender), outcome="failure").inc()


def _on_retry(sender: Any = None, **_: Any) -> None:
    TASKS.labels(task=_task_name(sender), outcome="retry").inc()


def _serve_worker_metrics(**_: Any) -> None:
    """A worker has no web server: with CELERY_METRICS_PORT set it serves /metrics itself.

    Only task counters are served here; deadline figures come from the web tier's /metrics.
    """
    port = getattr(settings, "CELERY_METRICS_PORT", None)
    if not port:
        return
    from prometheus_client import start_http_server

    start_http_server(int(port), registry=scrape_registry(include_database=False))
    logger.info("Serving worker metrics on port %s", port)

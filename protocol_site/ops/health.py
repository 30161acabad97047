"""`/healthz` (the process answers) and `/readyz` (it can do useful work).

Both are plain JSON views with no session, login, CSRF or throttling: load balancers and
orchestrators call them without credentials. `OpsEndpointsMiddleware` answers them before the
host check and the HTTPS redirect, so a probe that addresses a container by IP still works.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlparse

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from .heartbeat import _is_redis, last_beat_heartbeat

logger = logging.getLogger(__name__)

Check = Callable[[], str]


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process is up and serving. Touches nothing else, so it never flaps."""
    return JsonResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


def _broker_where(url: str) -> str:
    """Host and port only: the URL may carry a password."""
    parsed = urlparse(url)
    if parsed.hostname:
        return f"{parsed.hostname}:{parsed.port or 6379}"
    return parsed.scheme or url


def check_database() -> str:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        raise RuntimeError(f"database unreachable ({type(exc).__name__})") from exc
    return "ok"


def check_broker() -> str:
    from kombu import Connection

    url = settings.CELERY_BROKER_URL
    timeout = settings.OPS_CHECK_TIMEOUT_SECONDS
    kind = "Redis broker" if _is_redis(url) else "Broker"
    try:
        with Connection(
            url,
            connect_timeout=timeout,
            transport_options={
                **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                "socket_timeout": timeout,
                "socket_connect_timeout": timeout,
            },
        ) as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=timeout
            )
    except Exception as exc:
        raise RuntimeError(
            f"{kind} unreachable at {_broker_where(url)} ({type(exc).__name__})"
        ) from exc
    return "ok"


def check_beat() -> str:
    if not settings.READYZ_REQUIRE_BEAT:
        return "not checked (READYZ_REQUIRE_BEAT is off)"
    last = last_beat_heartbeat()
    max_age = settings.BEAT_HEARTBEAT_MAX_AGE_SECONDS
    if last is None:
        raise RuntimeError("no beat heartbeat recorded: is celery beat (and a worker) running?")
    age = (timezone.now() - last).total_seconds()
    if age > max_age:
        raise RuntimeError(
            f"last beat heartbeat {int(age)}s ago (more than {int(max_age)}s): "
            "is celery beat (and a worker) running?"
        )
    return f"ok ({int(age)}s ago)"


CHECKS: dict[str, Check] = {
    "database": check_database,
    "broker": check_broker,
    "beat": check_beat,
}


def run_checks() -> tuple[bool, dict[str, dict[str, object]]]:
    results: dict[str, dict[str, object]] = {}
    ready = True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            detail = check()
            ok = True
        except Exception as exc:
            # The message names the dependency; the exception detail stays in the log only.
            detail = str(exc) if isinstance(exc, RuntimeError) else f"{type(exc).__name__}"
            ok = False
            ready = False
            logger.warning("Readiness check %s failed: %s", name, detail)
        results[name] = {
            "ok": ok,
            "detail": detail,
            "ms": round((time.monotonic() - started) * 1000, 1),
        }
    return ready, results


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, broker and a recent beat heartbeat; 503 naming what is not ready."""
    ready, results = run_checks()
    body = {
        "status": "ok" if ready else "unavailable",
        "failing": [name for name, r in results.items() if not r["ok"]],
        "checks": results,
    }
    response = JsonResponse(
        body, status=200 if ready else 503, headers={"Cache-Control": "no-store"}
    )
    # Each failing check was logged above as a warning; Django need not add an ERROR per probe.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response

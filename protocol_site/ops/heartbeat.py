"""The beat heartbeat: a timestamp the deadline sweep writes each time it runs.

Stored where every process can read it without a new table: a Redis key on the broker when the
broker is Redis (production), else a small file under var/ (the embedded, filesystem-broker
set-up, where web, worker and beat share one disk).
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


def _is_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://", "redis+socket://"))


def _redis_client():  # type: ignore[no-untyped-def]
    import redis

    timeout = settings.OPS_CHECK_TIMEOUT_SECONDS
    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_timeout=timeout, socket_connect_timeout=timeout
    )


def _heartbeat_file() -> Path:
    return Path(settings.BEAT_HEARTBEAT_FILE)


def record_beat_heartbeat(*, at: datetime.datetime | None = None) -> None:
    """Note that the sweep ran now. Never raises: a heartbeat must not break the sweep."""
    moment = at or timezone.now()
    value = f"{moment.timestamp():.3f}"
    try:
        if _is_redis(settings.CELERY_BROKER_URL):
            # The key outlives a missed sweep or two but not a dead beat: /readyz then reports it.
            ttl = max(int(settings.BEAT_HEARTBEAT_MAX_AGE_SECONDS) * 10, 3600)
            _redis_client().set(settings.BEAT_HEARTBEAT_KEY, value, ex=ttl)
        else:
            path = _heartbeat_file()
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(value)
            tmp.replace(path)
    except Exception:
        logger.warning("Could not record the beat heartbeat", exc_info=True)


def last_beat_heartbeat() -> datetime.datetime | None:
    """When the sweep last ran, or None if never (or the store cannot be read: raises)."""
    if _is_redis(settings.CELERY_BROKER_URL):
        raw = _redis_client().get(settings.BEAT_HEARTBEAT_KEY)
        if raw is None:
            return None
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
    else:
        path = _heartbeat_file()
        if not path.exists():
            return None
        text = path.read_text().strip()
    try:
        return datetime.datetime.fromtimestamp(float(text), tz=datetime.UTC)
    except ValueError:
        return None

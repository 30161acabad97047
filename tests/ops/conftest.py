"""Fixtures for the operations tests: a private heartbeat key and a JSON log capture."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator

import pytest

from protocol_site.logging import JsonFormatter, RedactEmailFilter, RequestIdFilter


@pytest.fixture
def heartbeat_key(settings) -> Iterator[str]:
    """A Redis key of this test's own: other engineers' test runs share Redis db 15."""
    key = f"protocol-test:beat:{uuid.uuid4().hex}"
    broker = settings.CELERY_BROKER_URL  # tests may point the setting at a stopped Redis
    settings.BEAT_HEARTBEAT_KEY = key
    yield key
    if broker.startswith("redis"):
        import redis

        redis.Redis.from_url(broker).delete(key)


class JsonLogCapture:
    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonFormatter())
        self.handler.addFilter(RequestIdFilter())
        self.handler.addFilter(RedactEmailFilter())
        self.handler.setLevel(logging.DEBUG)

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def json_logs() -> Iterator[JsonLogCapture]:
    """Everything logged, at DEBUG, formatted exactly as production formats it."""
    capture = JsonLogCapture()
    root = logging.getLogger()
    old_level = root.level
    # Another test in the same process may have re-run logging configuration (a Celery app, a
    # dictConfig) and disabled or detached loggers: capture what production would emit regardless.
    loggers = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    saved = [(logger, logger.disabled, logger.propagate) for logger in loggers]
    for logger in loggers:
        if logger.name.startswith("protocol"):  # levels stay as LOGGING sets them
            logger.disabled = False
            logger.propagate = True
    root.addHandler(capture.handler)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture.handler)
        root.setLevel(old_level)
        for logger, disabled, propagate in saved:
            logger.disabled, logger.propagate = disabled, propagate

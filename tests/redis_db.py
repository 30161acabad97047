"""The Redis database a test may flush: the one the environment chose, never one of its own.

`TEST_REDIS_DB` (or the older `CLOCKS_WORKER_TEST_REDIS_DB`) when set, else the database number
of `CELERY_BROKER_URL` (`make test` gives db 15; each developer gives their own). A test that
flushes Redis asks here, so it can never empty a database another person or process is using
unless they chose it for the tests themselves.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

ENV_NAMES = ("TEST_REDIS_DB", "CLOCKS_WORKER_TEST_REDIS_DB")


def chosen_redis_url() -> str:
    """`redis://host:port/N` for the chosen database; skips the test (fails it with CI=true)
    when the environment names none."""
    base = settings.CELERY_BROKER_URL
    message = ""
    if not base.startswith("redis://"):
        message = "CELERY_BROKER_URL is not a Redis URL"
    host, _, path = base.split("//", 1)[-1].partition("/")
    db = next((os.environ[n] for n in ENV_NAMES if os.environ.get(n)), path.split("?", 1)[0])
    if not message and not db.isdigit():
        message = f"Set TEST_REDIS_DB or give CELERY_BROKER_URL a database number (/N), not {db!r}"
    if message:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return f"redis://{host or '127.0.0.1:6379'}/{db}"

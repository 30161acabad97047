"""Test-wide set-up.

The suite runs against the real PostgreSQL and Redis. With CI=true an unreachable service is a
failure that names the service, never a skip.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings


def _reachable(url: str, default_port: int) -> tuple[bool, str]:
    parsed = urlparse(url)
    host = parsed.hostname or "127.0.0.1"
    port = parsed.port or default_port
    try:
        with socket.create_connection((host, port), timeout=3):
            return True, f"{host}:{port}"
    except OSError:
        return False, f"{host}:{port}"


def pytest_configure(config: pytest.Config) -> None:
    db = settings.DATABASES["default"]
    problems = []
    if "postgresql" in db["ENGINE"]:
        host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
        ok, where = _reachable(f"postgres://{host}:{port}", 5432)
        if not ok:
            problems.append(f"PostgreSQL is not reachable at {where} (DATABASE_URL)")
    broker = settings.CELERY_BROKER_URL
    if broker.startswith("redis"):
        ok, where = _reachable(broker, 6379)
        if not ok:
            problems.append(f"Redis is not reachable at {where} (CELERY_BROKER_URL)")
    if problems:
        message = "; ".join(problems)
        if os.environ.get("CI", "").lower() == "true":
            raise pytest.UsageError(f"CI=true and a required service is down: {message}")
        config.issue_config_time_warning(pytest.PytestWarning(message), stacklevel=2)


@pytest.fixture(autouse=True)
def _media_and_email(settings, tmp_path):  # noqa: PT004
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def councils(db):
    """The seven shipped councils with their people, roles and variants."""
    from django.core.management import call_command

    call_command("load_councils", verbosity=0)
    from contacts.models import Council

    return {c.slug: c for c in Council.objects.all()}


@pytest.fixture
def demo(councils):
    """Councils plus the demo logins of the contract."""
    from django.core.management import call_command

    call_command("load_demo", verbosity=0, sample_cases=False)
    return councils


@pytest.fixture
def refuses(django_capture_on_commit_callbacks):
    """Check a refusal: its message, and nothing written, queued or emailed (tests/refusals.py)."""
    from tests.refusals import refusal_checker

    return refusal_checker(django_capture_on_commit_callbacks)

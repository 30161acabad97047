"""Production settings: `manage.py check` names each missing variable; `--deploy` is clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from protocol_site.checks import production_settings_check

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "-Zq9xT3vLm8RpW2sYb6NcJ4hGf7Dk1Ae5Uo0"

GOOD = {
    "SECRET_KEY": GOOD_KEY,
    "DATABASES": {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "protocol"}},
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "ALLOWED_HOSTS": ["protocol.example.gov.uk"],
    "METRICS_TOKEN": "m" * 40,
    "AUDIT_HMAC_KEYS": [("k1", b"a" * 40)],
    "CACHES": {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://redis:6379/1",
        }
    },
}


@pytest.mark.parametrize(
    ("setting", "value", "code", "names"),
    [
        (
            "SECRET_KEY",
            "dev-only-insecure-key-change-me-in-production-0123456789",
            "protocol.E001",
            "DJANGO_SECRET_KEY",
        ),
        ("SECRET_KEY", "short", "protocol.E001", "DJANGO_SECRET_KEY"),
        (
            "DATABASES",
            {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}},
            "protocol.E002",
            "DATABASE_URL",
        ),
        ("CELERY_BROKER_URL", "filesystem://", "protocol.E003", "CELERY_BROKER_URL"),
        ("ALLOWED_HOSTS", [], "protocol.E004", "DJANGO_ALLOWED_HOSTS"),
        ("ALLOWED_HOSTS", ["*"], "protocol.E005", "DJANGO_ALLOWED_HOSTS"),
        # Issue #23: /metrics needs its token in production; throttles need a shared cache.
        ("METRICS_TOKEN", "", "protocol.E006", "METRICS_TOKEN"),
        (
            "CACHES",
            {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
            "protocol.E007",
            "CACHE_URL",
        ),
        ("AUDIT_HMAC_KEYS", [], "protocol.E008", "AUDIT_HMAC_KEYS"),
    ],
    ids=[
        "dev-key",
        "short-key",
        "sqlite",
        "filesystem-broker",
        "no-hosts",
        "any-host",
        "no-metrics-token",
        "per-process-cache",
        "unkeyed-audit-chain",
    ],
)
def test_a_missing_production_setting_is_an_error_naming_the_variable(
    settings, setting, value, code, names
):
    settings.PROTOCOL_PRODUCTION = True
    for key, good in GOOD.items():
        setattr(settings, key, good)
    setattr(settings, setting, value)

    errors = production_settings_check()

    assert [e.id for e in errors] == [code]
    assert names in errors[0].msg + errors[0].hint
    assert errors[0].hint
    assert errors[0].is_serious()


def test_complete_production_settings_pass(settings):
    settings.PROTOCOL_PRODUCTION = True
    for key, good in GOOD.items():
        setattr(settings, key, good)

    assert production_settings_check() == []


def test_the_check_is_silent_outside_production(settings):
    settings.PROTOCOL_PRODUCTION = False
    settings.SECRET_KEY = "short"

    assert production_settings_check() == []


def _manage_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--settings=protocol_site.settings.prod",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_manage_py_check_fails_with_a_clear_message_when_unconfigured():
    result = _manage_check({})

    assert result.returncode != 0
    for text in ("protocol.E001", "DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"):
        assert text in result.stderr


def test_check_deploy_has_no_warnings_with_production_settings():
    result = _manage_check(
        {
            "DJANGO_SECRET_KEY": GOOD_KEY,
            "DJANGO_ALLOWED_HOSTS": "protocol.example.gov.uk",
            "DATABASE_URL": "postgres://protocol:pw@db:5432/protocol",
            "CELERY_BROKER_URL": "redis://redis:6379/0",
            "METRICS_TOKEN": "m" * 40,
            "AUDIT_HMAC_KEYS": "k1:" + "a" * 40,
        }
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_fails_without_a_metrics_token():
    """Issue #23: production without METRICS_TOKEN would serve /metrics to anyone."""
    result = _manage_check(
        {
            "DJANGO_SECRET_KEY": GOOD_KEY,
            "DJANGO_ALLOWED_HOSTS": "protocol.example.gov.uk",
            "DATABASE_URL": "postgres://protocol:pw@db:5432/protocol",
            "CELERY_BROKER_URL": "redis://redis:6379/0",
        }
    )
    assert result.returncode != 0
    assert "protocol.E006" in result.stderr

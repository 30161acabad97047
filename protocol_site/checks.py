"""System checks that refuse to run production on development defaults.

`protocol_site.settings.prod` sets PROTOCOL_PRODUCTION = True and reads every setting leniently,
so `manage.py check` (and `migrate`, and gunicorn through protocol_site/ops/gunicorn.py) can list
*every* missing setting at once, each naming the environment variable to set.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

# Keys that must never sign a production session: the development default in settings/base.py,
# the dummy the Dockerfile builds with, and Django's startproject prefix.
INSECURE_SECRET_KEY_PREFIXES = ("dev-only-insecure", "build-only-not-secret", "django-insecure")


def _production_problems() -> list[tuple[str, str, str]]:
    """(id, message, hint) for each production setting that is missing or unsafe."""
    problems: list[tuple[str, str, str]] = []
    secret = str(getattr(settings, "SECRET_KEY", "") or "")
    if not secret or secret.startswith(INSECURE_SECRET_KEY_PREFIXES) or len(secret) < 50:
        problems.append(
            (
                "protocol.E001",
                "DJANGO_SECRET_KEY is not set: the development default (or a short key) is in use.",
                "Set DJANGO_SECRET_KEY to 50+ random characters, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
            )
        )
    engine = settings.DATABASES.get("default", {}).get("ENGINE", "")
    if "postgresql" not in engine:
        problems.append(
            (
                "protocol.E002",
                f"DATABASE_URL does not point at PostgreSQL (engine {engine or 'unset'}): "
                "SQLite is for a single laptop only.",
                "Set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/NAME.",
            )
        )
    broker = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    if not broker.startswith(("redis://", "rediss://", "redis+socket://", "amqp://", "amqps://")):
        problems.append(
            (
                "protocol.E003",
                f"CELERY_BROKER_URL is {broker.split('://')[0] + '://' if broker else 'unset'}: "
                "the filesystem broker only works when every process shares one disk.",
                "Set CELERY_BROKER_URL=redis://HOST:6379/0 (Redis with appendonly persistence).",
            )
        )
    hosts = [h for h in getattr(settings, "ALLOWED_HOSTS", []) if h]
    if not hosts:
        problems.append(
            (
                "protocol.E004",
                "DJANGO_ALLOWED_HOSTS is empty: every request would be refused.",
                "Set DJANGO_ALLOWED_HOSTS to the site's host names, comma-separated, "
                "e.g. protocol.example.gov.uk.",
            )
        )
    elif "*" in hosts:
        problems.append(
            (
                "protocol.E005",
                "DJANGO_ALLOWED_HOSTS contains '*': host-header attacks would reach the site.",
                "List the real host names instead.",
            )
        )
    if not str(getattr(settings, "METRICS_TOKEN", "") or ""):
        problems.append(
            (
                "protocol.E006",
                "METRICS_TOKEN is not set: /metrics would answer anyone who can reach it.",
                "Set METRICS_TOKEN to a long random string and give it to the scraper as "
                "`Authorization: Bearer <token>` (docs/operations.md).",
            )
        )
    cache = settings.CACHES.get("default", {})
    location = str(cache.get("LOCATION", "") or "")
    if "redis" not in str(cache.get("BACKEND", "")).lower() or not location.startswith(
        ("redis://", "rediss://", "unix://")
    ):
        problems.append(
            (
                "protocol.E007",
                "The cache is not Redis: each process would count throttles on its own.",
                "Set CACHE_URL=redis://HOST:6379/1 (defaults to CELERY_BROKER_URL).",
            )
        )
    if not getattr(settings, "AUDIT_HMAC_KEYS", []):
        problems.append(
            (
                "protocol.E008",
                "AUDIT_HMAC_KEYS is not set: the audit chain could be re-sealed by anyone who "
                "can write to the database.",
                "Set AUDIT_HMAC_KEYS=k1:<40+ random characters> (or AUDIT_HMAC_KEYS_FILE to a "
                "secrets file); keep it out of the database and its backups.",
            )
        )
    return problems


@register(Tags.security, deploy=False)
def production_settings_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not getattr(settings, "PROTOCOL_PRODUCTION", False):
        return []
    return [Error(message, hint=hint, id=code) for code, message, hint in _production_problems()]

"""gunicorn configuration: `gunicorn -c python:protocol_site.ops.gunicorn protocol_site.wsgi`.

- Binds to $PORT (default 8000) with $WEB_CONCURRENCY workers (default 3).
- Refuses to start when a production setting is missing (the system checks, not just `check`).
- Prepares prometheus-client's multiprocess directory so /metrics sums every worker.
- No access log: RequestIdMiddleware writes a JSON line per request without query strings.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Recycle workers now and then so a slow leak never becomes an outage.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
accesslog = None
errorlog = "-"
# gunicorn's own messages (start, worker boots and timeouts) as JSON lines like the app's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_email": {"()": "protocol_site.logging.RedactEmailFilter"}},
    "formatters": {"json": {"()": "protocol_site.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["redact_email"],
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": ["console"], "propagate": False},
    },
}
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108


def on_starting(server: Any) -> None:
    multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if multiproc_dir:
        # Counts from a previous run would be added to this one's.
        shutil.rmtree(multiproc_dir, ignore_errors=True)
        Path(multiproc_dir).mkdir(parents=True, exist_ok=True)
    import django
    from django.core import management

    django.setup()
    # Raises SystemCheckError (gunicorn exits) when e.g. DJANGO_SECRET_KEY is missing in prod.
    management.call_command("check", "--deploy", "--fail-level", "ERROR")


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

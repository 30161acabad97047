"""The project's own app config: registers system checks and the Celery signal handlers."""

from __future__ import annotations

from django.apps import AppConfig


class ProtocolSiteConfig(AppConfig):
    name = "protocol_site"
    verbose_name = "Protocol site"

    def ready(self) -> None:
        # Importing checks registers the production-settings check.
        from protocol_site import checks, metrics
        from protocol_site import logging as ops_logging

        del checks
        # Web processes publish tasks and workers run them: both need the handlers.
        ops_logging.connect_celery_signals()
        metrics.connect_celery_signals()

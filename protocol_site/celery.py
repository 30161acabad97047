import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "protocol_site.settings.dev")

app = Celery("protocol_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def _record_heartbeat_at_start(**_kwargs: object) -> None:
    """Beat notes its heartbeat the moment it starts, so /readyz is not 503 ("no beat
    heartbeat") for the first minute before the first sweep runs."""
    from protocol_site.ops.heartbeat import record_beat_heartbeat

    record_beat_heartbeat()

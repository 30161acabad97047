"""/healthz and /readyz: open to probes, JSON, and 503 naming whatever is not ready."""

from __future__ import annotations

import datetime

import pytest
from django.db.utils import OperationalError
from django.utils import timezone

from protocol_site.ops import health, heartbeat, last_beat_heartbeat, record_beat_heartbeat

# A port nothing listens on: the broker is "stopped".
STOPPED_REDIS = "redis://127.0.0.1:1/15"


@pytest.mark.parametrize(
    "host",
    ["testserver", "10.0.3.7:8000", "unlisted.example.com"],
    ids=["listed", "pod-ip", "other"],
)
def test_healthz_answers_any_host_without_login(client, host):
    # Probes address containers by IP, which is never in ALLOWED_HOSTS.
    response = client.get("/healthz", HTTP_HOST=host)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert response["X-Request-ID"]


def test_healthz_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/healthz")

    assert response.status_code == 200


def test_readyz_ok_when_database_broker_and_heartbeat_are_fine(client, db, heartbeat_key):
    record_beat_heartbeat()

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "broker": True,
        "beat": True,
    }


def test_readyz_names_a_stopped_redis(client, db, settings, heartbeat_key):
    record_beat_heartbeat()
    settings.CELERY_BROKER_URL = STOPPED_REDIS
    settings.OPS_CHECK_TIMEOUT_SECONDS = 0.5

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert "broker" in body["failing"]
    assert body["checks"]["broker"]["ok"] is False
    assert "Redis broker unreachable at 127.0.0.1:1" in body["checks"]["broker"]["detail"]
    assert body["checks"]["database"]["ok"] is True


def test_readyz_never_shows_the_broker_password(client, db, settings, heartbeat_key):
    settings.CELERY_BROKER_URL = "redis://:s3cret-password@127.0.0.1:1/15"
    settings.OPS_CHECK_TIMEOUT_SECONDS = 0.5

    response = client.get("/readyz")

    assert response.status_code == 503
    assert "s3cret-password" not in response.content.decode()


def test_readyz_names_an_unreachable_database(client, db, heartbeat_key, monkeypatch):
    record_beat_heartbeat()

    class BrokenConnection:
        def cursor(self):
            raise OperationalError("could not connect to server")

    monkeypatch.setattr(health, "connections", {"default": BrokenConnection()})

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["detail"] == "database unreachable (OperationalError)"


@pytest.mark.parametrize(
    ("age", "require_beat", "status", "detail"),
    [
        (None, True, 503, "no beat heartbeat recorded"),
        (datetime.timedelta(minutes=30), True, 503, "more than 300s"),
        (datetime.timedelta(seconds=30), True, 200, "ok (30s ago)"),
        (None, False, 200, "not checked"),
    ],
    ids=["never", "stale", "recent", "not-required"],
)
def test_readyz_beat_heartbeat(
    client, db, settings, heartbeat_key, age, require_beat, status, detail
):
    settings.READYZ_REQUIRE_BEAT = require_beat
    settings.BEAT_HEARTBEAT_MAX_AGE_SECONDS = 300
    if age is not None:
        record_beat_heartbeat(at=timezone.now() - age)

    response = client.get("/readyz")

    assert response.status_code == status
    beat = response.json()["checks"]["beat"]
    assert detail in beat["detail"]
    assert ("beat" in response.json()["failing"]) is (status == 503)


def test_heartbeat_uses_a_file_with_the_filesystem_broker(settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.BEAT_HEARTBEAT_FILE = tmp_path / "var" / "beat-heartbeat"
    moment = timezone.now().replace(microsecond=0)

    assert last_beat_heartbeat() is None
    record_beat_heartbeat(at=moment)

    assert settings.BEAT_HEARTBEAT_FILE.exists()
    assert last_beat_heartbeat() == moment


def test_recording_a_heartbeat_never_breaks_the_sweep(settings, caplog):
    settings.CELERY_BROKER_URL = STOPPED_REDIS
    settings.OPS_CHECK_TIMEOUT_SECONDS = 0.5

    record_beat_heartbeat()  # must not raise

    assert "Could not record the beat heartbeat" in caplog.text
    assert heartbeat._is_redis(STOPPED_REDIS)


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_are_not_throttled_or_logged_in(client, db, heartbeat_key, path):
    record_beat_heartbeat()
    statuses = {client.get(path).status_code for _ in range(30)}

    assert statuses == {200}


def test_beat_records_its_heartbeat_when_it_starts(client, db, settings, heartbeat_key):
    """Issue #22: /readyz was 503 ("no beat heartbeat") for the first minute after start,
    until the first sweep ran. Beat's start (celery's beat_init signal) records it."""
    from celery.signals import beat_init

    settings.READYZ_REQUIRE_BEAT = True
    assert client.get("/readyz").status_code == 503

    beat_init.send(sender=None)

    assert last_beat_heartbeat() is not None
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["beat"]["ok"] is True

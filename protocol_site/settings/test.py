"""Tests run on the real PostgreSQL and Redis (see tests/conftest.py for the CI=true rule)."""

from .base import *  # noqa: F403
from .base import STATIC_ROOT, env

# WhiteNoise warns "No directory at …/staticfiles" for every test client until collectstatic has
# run; the tests serve static files through the finders, so an empty directory is all it needs.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/protocol"),
}
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # pytest-django empties the database between transactional tests with TRUNCATE, which the
    # audit tables refuse unless the session says it is the test suite (cases migration 0008).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c protocol.test_flush=on"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
# tests/clocks/test_worker_integration.py runs a real Celery worker on these settings: it sets
# CELERY_TASK_ALWAYS_EAGER=false and TEST_SMTP_URL (its own aiosmtpd server). Nothing else does.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if env("TEST_SMTP_URL", default=""):
    vars().update(env.email_url("TEST_SMTP_URL"))
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REST_FRAMEWORK = {  # noqa: F405
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        "anon": "10000/minute",
        "user": "100000/minute",
        "token": "10000/minute",
    },
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# django-axes counts failed sign-ins in the database; tests/security/test_login_lockout.py turns
# it on for itself, everything else signs in as often as it likes.
AXES_ENABLED = False
# The audit chain is keyed in the tests as in production (issue #23).
AUDIT_HMAC_KEYS = [("test-1", b"test-only-audit-key")]

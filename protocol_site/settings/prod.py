"""Production: PostgreSQL, Redis, HTTPS only. docs/configuration.md lists every variable.

Settings are read leniently here (base.py's development defaults stay as fallbacks) so that
`manage.py check` can name *every* missing variable at once: protocol_site/checks.py turns each
development default left in place into an error, and gunicorn (protocol_site/ops/gunicorn.py)
and `migrate` refuse to start while any remains.
"""

from .base import *  # noqa: F403
from .base import env

PROTOCOL_PRODUCTION = True
DEBUG = False
FORCE_DEMO_PASSWORD_CHANGE = env.bool("FORCE_DEMO_PASSWORD_CHANGE", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CELERY_BROKER_TRANSPORT_OPTIONS = {}
# A broker connection that drops while publishing is retried, not lost (fault tolerance, #11).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME",
    default=CELERY_BEAT_SCHEDULE_FILENAME,  # noqa: F405
)

DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# HTTPS everywhere. The load balancer terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Secure-sessionid"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Secure-csrftoken"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The throttles' counters (API token endpoint, password reset) are shared by every gunicorn
# worker and container: per-process memory would give each its own allowance (issue #23).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default=CELERY_BROKER_URL),  # noqa: F405
        "KEY_PREFIX": "protocol",
    }
}

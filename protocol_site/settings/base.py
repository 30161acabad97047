"""Settings shared by every environment. Everything configurable comes from the environment."""

import datetime
from pathlib import Path

import environ
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env(
    "DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789"
)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_fsm",
    "protocol_site.apps.ProtocolSiteConfig",
    "contacts",
    "cases",
    "info_requests",
    "clocks",
    "registers",
    "reports",
    "inbound",
    "worklist",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "bench",
]

MIDDLEWARE = [
    # protocol_site/middleware.py explains the order of the first three.
    "protocol_site.middleware.RequestIdMiddleware",
    "protocol_site.middleware.OpsEndpointsMiddleware",
    "protocol_site.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A NUL byte in the path or query string is a 400, never a database error (issue #23).
    "protocol_site.middleware.RejectNulMiddleware",
    # Pages with case, request or register data are never cached (shared council PCs, #23).
    "protocol_site.middleware.NoStoreMiddleware",
    "protocol_site.middleware.SessionIdleTimeoutMiddleware",
    # Optional TOTP second factor for MOs and admins (protocol_site/two_factor.py).
    "django_otp.middleware.OTPMiddleware",
    "protocol_site.two_factor.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The demo password is changed before anything else in production (issue #23).
    "protocol_site.passwords.ForcePasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a django-axes lockout into the locked-out page (SECURITY.md).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "protocol_site.urls"
WSGI_APPLICATION = "protocol_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "protocol_site.context_processors.service",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'protocol.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # No JIT: the planner over-costs the visibility rule's OR of subqueries, so a 10 ms page
    # query paid 250 ms of JIT compilation (issue #10, docs/adr/0004-performance.md).
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["options"] = f"{_pg_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username/address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# A sign-in with load_demo's password must choose a new one first (on in production).
FORCE_DEMO_PASSWORD_CHANGE = env.bool("FORCE_DEMO_PASSWORD_CHANGE", default=False)
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60  # the reset email says "for 3 days"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "uploads")))
MEDIA_URL = None  # uploads are served only through permission-checked views

ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

# Email: console in the embedded default, SMTP when EMAIL_URL says so.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Protocol <protocol@example.gov.uk>")

# Celery: filesystem transport in the embedded default (needs no server), Redis in production.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery-queue"
    # The filesystem transport needs its folders before the first message.
    for _folder in ("celery-queue", "celery-processed", "celery-control"):
        (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
# The queue tasks go to when none is named (a test worker uses one of its own).
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_DEFAULT_QUEUE", default="celery")
# The sweep and the clocks' emails have queues of their own, so a backlog of sends never holds
# up the sweep (issue #23). Every worker command names its queues with -Q (Procfile, compose).
CELERY_SWEEP_QUEUE = env("CELERY_SWEEP_QUEUE", default="sweep")
CELERY_NOTICE_QUEUE = env("CELERY_NOTICE_QUEUE", default="notices")
CELERY_TASK_ROUTES = {
    "clocks.tasks.sweep_deadlines": {"queue": CELERY_SWEEP_QUEUE},
    "clocks.tasks.send_notice": {"queue": CELERY_NOTICE_QUEUE},
}
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {
        "task": "clocks.tasks.sweep_deadlines",
        "schedule": env.float("SWEEP_INTERVAL_SECONDS", default=60.0),
    },
    "apply-retention": {"task": "protocol_site.tasks.apply_retention", "schedule": 86400.0},
    # Issue #21: remind a request's decider before the FOI date while no route is chosen.
    "remind-undecided-info-requests": {
        "task": "info_requests.tasks.remind_undecided_requests",
        "schedule": 300.0,
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# How long before a clock falls due its reminder goes out, in working days.
REMINDER_WORKING_DAYS_BEFORE = env.int("REMINDER_WORKING_DAYS_BEFORE", default=1)
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# The API (docs/api.md); errors and schema in protocol_site/api/.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies are read up to DATA_UPLOAD_MAX_MEMORY_SIZE; beyond it a 413 (DRF reads the
    # stream itself, so Django's own limit never applies to a JSON body).
    "DEFAULT_PARSER_CLASSES": [
        "protocol_site.api.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "protocol_site.api.pagination.DefaultPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "protocol_site.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "protocol_site.api.throttling.AnonThrottle",
        "protocol_site.api.throttling.UserThrottle",
    ],
    # Who the client is, for the per-address throttles: 0 = the connecting address only
    # (REMOTE_ADDR; X-Forwarded-For ignored, so a forged one resets nothing). Behind N proxies
    # that each append to X-Forwarded-For, set NUM_PROXIES=N (docs/operations.md, issue #23).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/minute"),
        "user": env("API_THROTTLE_USER", default="1200/minute"),
        # POST /api/token/ checks a password: per client address, far stricter.
        "token": env("API_THROTTLE_TOKEN", default="10/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Protocol API",
    "DESCRIPTION": "Member/Officer Protocol cases, clocks, registers and information requests. "
    "Send `Authorization: Token <token>` (get one with `POST /api/token/` or on your account "
    'page). Errors are JSON: 400 `{"field": ["message"]}` or `{"detail"}`; '
    '401/403/404/409 `{"detail"}`. Unknown fields in a request body are ignored.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Stable names for choice sets used by more than one serializer (otherwise hashed names such
    # as `Kind3b8Enum` that change with the code).
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "cases.models.CaseState",
        "CaseTypeEnum": "cases.models.CaseType",
        "DeadlineKindEnum": "cases.models.ClockKind",
        "RoleEnum": "contacts.models.Role",
        "PersonKindEnum": "contacts.models.PersonKind",
        "InfoRequestStateEnum": "info_requests.models.InfoRequestState",
        "RefusalReasonEnum": "info_requests.models.RefusalReason",
        "FoiOutcomeEnum": "info_requests.models.FoiOutcome",
        "ReviewOutcomeEnum": "info_requests.models.ReviewOutcome",
        "ItemOutcomeEnum": "info_requests.models.ItemOutcome",
        "ApproachKindEnum": "registers.models.ApproachKind",
        "WardNotificationKindEnum": "registers.models.WardNotificationKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "protocol_site.api.schema.document_errors",
    ],
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# -- Operations (protocol_site/middleware.py, ops/, metrics.py; docs/configuration.md) ---------
# Structured JSON logs with the request id; LOG_FORMAT=text for a human-readable console.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "protocol_site.logging.RequestIdFilter"},
        "redact_email": {"()": "protocol_site.logging.RedactEmailFilter"},
    },
    "formatters": {
        "json": {"()": "protocol_site.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "text" if LOG_FORMAT == "text" else "json",
            "filters": ["request_id", "redact_email"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own request log repeats what protocol.request says, with the full URL.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}
# The worker logs through LOGGING above (JSON, request ids) instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_REDIRECT_STDOUTS = False
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=None)

METRICS_TOKEN = env("METRICS_TOKEN", default="")


def _audit_keys(text: str) -> list[tuple[str, bytes]]:
    """ "id:secret" entries, comma- or line-separated, the current key first."""
    pairs = []
    for entry in text.replace("\n", ",").split(","):
        kid, sep, secret = entry.strip().partition(":")
        if sep and kid and secret:
            pairs.append((kid.strip(), secret.strip().encode()))
    return pairs


# The audit chain's HMAC keys (issue #23): from the environment or a secrets file, never the
# database. Rotate by listing a new key first and keeping the old ones (they verify what they
# signed). Empty: plain SHA-256 (development). Production requires a key (protocol.E008).
_AUDIT_KEYS_FILE = env("AUDIT_HMAC_KEYS_FILE", default="")
AUDIT_HMAC_KEYS = _audit_keys(
    Path(_AUDIT_KEYS_FILE).read_text(encoding="utf-8")
    if _AUDIT_KEYS_FILE
    else env("AUDIT_HMAC_KEYS", default="")
)
# Events written before the keys were introduced keep their plain hashes until this moment.
# ISO 8601 with an offset, e.g. 2027-01-04T09:00:00+00:00 (naive is read as UTC).
_UNKEYED_UNTIL = env("AUDIT_UNKEYED_UNTIL", default="")
AUDIT_UNKEYED_UNTIL = (
    datetime.datetime.fromisoformat(_UNKEYED_UNTIL).replace(
        tzinfo=datetime.datetime.fromisoformat(_UNKEYED_UNTIL).tzinfo or datetime.UTC
    )
    if _UNKEYED_UNTIL
    else None
)
# Host names (or addresses) the metrics scraper may use besides DJANGO_ALLOWED_HOSTS, e.g. the
# container's name on the monitoring network. Any other Host header gets a 404 (issue #23).
METRICS_ALLOWED_HOSTS = env.list("METRICS_ALLOWED_HOSTS", default=[])
OPS_CHECK_TIMEOUT_SECONDS = env.float("OPS_CHECK_TIMEOUT_SECONDS", default=2.0)
READYZ_REQUIRE_BEAT = env.bool("READYZ_REQUIRE_BEAT", default=True)
# /readyz fails when the sweep has not run for this long (five missed sweeps, at least 5 minutes).
BEAT_HEARTBEAT_MAX_AGE_SECONDS = env.float(
    "BEAT_HEARTBEAT_MAX_AGE_SECONDS",
    default=max(5 * env.float("SWEEP_INTERVAL_SECONDS", default=60.0), 300.0),
)
BEAT_HEARTBEAT_KEY = env("BEAT_HEARTBEAT_KEY", default="protocol:beat-heartbeat")
BEAT_HEARTBEAT_FILE = VAR_DIR / "beat-heartbeat"
PROTOCOL_PRODUCTION = False  # settings/prod.py turns on protocol_site/checks.py

# Sessions: SESSION_COOKIE_AGE caps a session's life; SESSION_IDLE_TIMEOUT ends an idle one.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Content Security Policy (django-csp): same-origin only, no inline script or style unless it
# carries the response's nonce (<script nonce="{{ request.csp_nonce }}">); GOV.UK Frontend
# needs nothing more (its CSS, fonts and images are served from /static/).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        # A printable page may carry its own <style nonce="{{ request.csp_nonce }}">.
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Login throttling (django-axes, SECURITY.md): five failed sign-ins from one address for one
# username lock that pair out for 15 minutes; a success resets the count. Locking the pair, not
# the username alone, stops a stranger locking a named officer out of the service.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# The address is REMOTE_ADDR (django-ipware is not installed): X-Forwarded-For is never trusted,
# so a caller cannot rotate a forged address to dodge the count.

# -- Inbound email (inbound/): the gateway's shared token, council addresses, size limit --------
INBOUND_EMAIL_TOKEN = env("INBOUND_EMAIL_TOKEN", default="")
# "concerns@maldon.gov.uk=maldon,standards@lancaster.gov.uk=lancaster"
INBOUND_EMAIL_ADDRESSES = env.dict("INBOUND_EMAIL_ADDRESSES", default={})
INBOUND_EMAIL_MAX_BYTES = env.int("INBOUND_EMAIL_MAX_BYTES", default=25 * 1024 * 1024)

from .base import *  # noqa: F403
from .base import LOGGING, STATIC_ROOT, env

# `make run` serves static files through runserver's finders; WhiteNoise needs the directory to
# exist (else it warns "No directory at …/staticfiles" on every start).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# A developer reads the console: plain text unless LOG_FORMAT=json is asked for.
if env("LOG_FORMAT", default="text") == "text":
    LOGGING["handlers"]["console"]["formatter"] = "text"  # type: ignore[index]

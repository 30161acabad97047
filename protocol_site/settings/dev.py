from .base import *  # noqa: F403
from .base import LOGGING, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# A developer reads the console: plain text unless LOG_FORMAT=json is asked for.
if env("LOG_FORMAT", default="text") == "text":
    LOGGING["handlers"]["console"]["formatter"] = "text"  # type: ignore[index]

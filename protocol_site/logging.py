"""Structured logs: one JSON object per line, each carrying the request id.

The request id is set by `protocol_site.middleware.RequestIdMiddleware` for a web request and
travels into Celery tasks in a message header (see `connect_celery_signals`), so one complaint's
journey through the web tier, the worker and the audit trail can be followed by a single id.

Personal data never goes into a log: code logs ids and references only. `RedactEmailFilter` is
a defensive second line for messages we do not write ourselves (a database error quoting a
unique email, a third-party library echoing an address).
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "protocol_request_id", default=None
)

# The Celery message header the request id travels in.
CELERY_HEADER = "protocol_request_id"

# An id a client sends is echoed into logs and headers, so only a short, plain token is trusted.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
REDACTED_EMAIL = "[email redacted]"


def current_request_id() -> str | None:
    """The id of the request (or of the request that queued the running task), if any.

    Audit events may store it, e.g. `data={"request_id": current_request_id()}`.
    """
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(candidate: str | None) -> str:
    """The caller's X-Request-ID when it is a plain token, otherwise a fresh one."""
    if candidate and _SAFE_REQUEST_ID.match(candidate):
        return candidate
    return new_request_id()


def set_request_id(value: str | None) -> contextvars.Token[str | None]:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token[str | None]) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (None outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id()
        return True


def redact(text: str) -> str:
    return EMAIL_PATTERN.sub(REDACTED_EMAIL, text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, tuple):
        return tuple(_redact_value(v) for v in value)
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    return value


class RedactEmailFilter(logging.Filter):
    """Replaces anything that looks like an email address in the message and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed %-format is the logger's problem, not ours
            return True
        redacted = redact(message)
        if redacted != message or record.args:
            # Freeze the formatted message so the arguments cannot reintroduce an address.
            record.msg = redacted
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str | dict | list | tuple):
                setattr(record, key, _redact_value(value))
        return True


_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}


class JsonFormatter(_JsonFormatter):
    """python-json-logger with fixed field names: time, level, logger, message, request_id.

    Anything passed in `extra=` (ids, references, durations) becomes a field of its own.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s %(request_id)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        # ISO 8601 in UTC, e.g. 2026-11-25T17:55:52.684000+00:00
        kwargs.setdefault("timestamp", "time")
        super().__init__(*args, **kwargs)

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        # python-json-logger formats the traceback itself rather than reusing record.exc_text.
        return redact(str(super().formatException(ei)))


def connect_celery_signals() -> None:
    """Carry the request id from the publishing process into the task that runs it."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(_put_request_id_in_headers, weak=False, dispatch_uid="ops-rid-pub")
    task_prerun.connect(_restore_request_id, weak=False, dispatch_uid="ops-rid-pre")
    task_postrun.connect(_forget_request_id, weak=False, dispatch_uid="ops-rid-post")


def _put_request_id_in_headers(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = current_request_id()
    if headers is not None and request_id:
        headers.setdefault(CELERY_HEADER, request_id)


def _header_request_id(task: Any) -> str | None:
    request = getattr(task, "request", None)
    if request is None:
        return None
    value = getattr(request, CELERY_HEADER, None)
    if not value:
        value = (getattr(request, "headers", None) or {}).get(CELERY_HEADER)
    return value if isinstance(value, str) else None


def _restore_request_id(task: Any = None, **_: Any) -> None:
    request_id = _header_request_id(task)
    if request_id is None:
        # Eager tasks run inside the request that queued them and keep its id; a task queued by
        # beat or a shell gets an id of its own so its log lines still group together.
        if current_request_id() is not None:
            return
        request_id = (
            f"task-{getattr(getattr(task, 'request', None), 'id', None) or new_request_id()}"
        )
    token = set_request_id(accept_request_id(request_id))
    if task is not None and task.request is not None:
        task.request._protocol_request_id_token = token


def _forget_request_id(task: Any = None, **_: Any) -> None:
    token = getattr(getattr(task, "request", None), "_protocol_request_id_token", None)
    if token is not None:
        try:
            reset_request_id(token)
        except ValueError:  # set in another context (thread pools): clear instead
            set_request_id(None)
        task.request._protocol_request_id_token = None

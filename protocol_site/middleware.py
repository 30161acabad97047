"""Operational middleware: request ids and access log lines, metrics, ops endpoints, idle timeout.

Order in settings.MIDDLEWARE (top first):
    RequestIdMiddleware        every response, even the probes', carries X-Request-ID
    OpsEndpointsMiddleware     /healthz, /readyz, /metrics answered before host checks and the
                               HTTPS redirect (probes address containers by IP over plain HTTP)
    RequestMetricsMiddleware   latency histogram for real pages only
    ... Django's own ...
    RejectNulMiddleware            after AuthenticationMiddleware (its 400 page names the user)
    NoStoreMiddleware              after AuthenticationMiddleware
    SessionIdleTimeoutMiddleware   after AuthenticationMiddleware
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.cache import patch_cache_control

from protocol_site import logging as ops_logging

access_logger = logging.getLogger("protocol.request")

Handler = Callable[[HttpRequest], HttpResponse]

OPS_PATHS = ("/healthz", "/readyz", "/metrics")


def _route(request: HttpRequest) -> str:
    """The URL pattern, not the path: bounded label values and no references in metrics."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"
    return "/" + str(match.route) if match.route else str(match.view_name or "<unnamed>")


class RequestIdMiddleware:
    """Takes X-Request-ID from the caller (or makes one), logs with it and sends it back.

    The access line logs method, path (never the query string, which may hold a searched name),
    status, duration and the user's id: ids and references, no personal data.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = ops_logging.accept_request_id(request.headers.get("X-Request-ID"))
        token = ops_logging.set_request_id(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if request.path not in OPS_PATHS:
                user = getattr(request, "user", None)
                access_logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "route": _route(request),
                        "status": response.status_code,
                        "duration_ms": round((time.monotonic() - started) * 1000, 1),
                        "user_id": getattr(user, "pk", None),
                    },
                )
            return response
        finally:
            ops_logging.reset_request_id(token)


class OpsEndpointsMiddleware:
    """Answers the probes and the metrics scrape without sessions, auth, CSRF or throttling."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from protocol_site.metrics import metrics_view
        from protocol_site.ops.health import healthz, readyz

        views = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics_view}
        view = views.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)


class RequestMetricsMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from protocol_site.metrics import observe_request

        started = time.monotonic()
        response = self.get_response(request)
        observe_request(
            method=request.method or "GET",
            route=_route(request),
            status=response.status_code,
            seconds=time.monotonic() - started,
        )
        return response


SESSION_ACTIVITY_KEY = "_protocol_last_activity"


class SessionIdleTimeoutMiddleware:
    """Logs a user out after SESSION_IDLE_TIMEOUT seconds without a request.

    SESSION_COOKIE_AGE caps a session's whole life; this closes a session left open on a shared
    council PC. The activity stamp is rewritten at most once a minute to spare the session store.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = getattr(settings, "SESSION_IDLE_TIMEOUT", 0)
        user = getattr(request, "user", None)
        if timeout and user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(timezone.now().timestamp())
            last = request.session.get(SESSION_ACTIVITY_KEY)
            if isinstance(last, int) and now - last > timeout:
                logout(request)
                request.session["session_expired"] = True
            elif not isinstance(last, int) or now - last >= 60:
                request.session[SESSION_ACTIVITY_KEY] = now
        return self.get_response(request)


class RejectNulMiddleware:
    """A NUL byte in the path or the query string is a 400 before any view sees it.

    PostgreSQL cannot hold a NUL in text, so one reaching a query is a 500 (issue #23: 15
    addresses did). No address or filter of the service has one legitimately."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            from protocol_site.error_pages import bad_request

            return bad_request(request)
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path_info or "\x00" in request.path:
        return True
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query:
        return True
    if _nul_in(request.GET):
        return True
    # A form posted to a page (the API answers its own 400s): Django's CSRF check reads the
    # same parsed body, so nothing is read twice.
    if request.method == "POST" and not request.path.startswith("/api/"):
        return _nul_in(request.POST)
    return False


def _nul_in(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer to a signed-in user and every API answer.

    Such pages show cases, information requests and registers; on a shared council PC neither
    the browser's cache nor its back button may keep them after sign-out (issue #23). Static
    files (served before this by WhiteNoise) and anonymous pages stay cacheable."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            patch_cache_control(response, no_store=True, private=True)
            response.headers.pop("Expires", None)
        return response

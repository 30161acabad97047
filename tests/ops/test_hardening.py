"""Deployment hardening (#11): CSP with nonces, and the session idle timeout."""

from __future__ import annotations

import datetime

import time_machine
from django.utils import timezone

from protocol_site.middleware import SESSION_ACTIVITY_KEY
from tests.factories import UserFactory


def test_every_page_sends_a_content_security_policy(client, db):
    response = client.get("/healthz-missing/")

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy


def test_a_template_nonce_is_added_to_the_policy(rf):
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    def view(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}' src='/static/x.js'></script>")

    request = rf.get("/")
    response = CSPMiddleware(view)(request)

    nonce = response.content.decode().split("nonce='")[1].split("'")[0]
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_an_idle_session_is_logged_out(client, db, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    user = UserFactory()
    client.force_login(user)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        client.get("/no-such-page/")
    assert client.session.get("_auth_user_id") == str(user.pk)
    assert isinstance(client.session[SESSION_ACTIVITY_KEY], int)

    # 20 minutes later: still signed in, and the clock restarts.
    with time_machine.travel(start + datetime.timedelta(minutes=20), tick=False):
        client.get("/no-such-page/")
    assert client.session.get("_auth_user_id") == str(user.pk)

    # 31 minutes after that: signed out.
    with time_machine.travel(start + datetime.timedelta(minutes=51), tick=False):
        client.get("/no-such-page/")
    assert client.session.get("_auth_user_id") is None
    assert client.session.get("session_expired") is True


def test_the_idle_timeout_can_be_turned_off(client, db, settings):
    settings.SESSION_IDLE_TIMEOUT = 0
    user = UserFactory()
    client.force_login(user)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        client.get("/no-such-page/")
    with time_machine.travel(start + datetime.timedelta(hours=3), tick=False):
        client.get("/no-such-page/")

    assert client.session.get("_auth_user_id") == str(user.pk)

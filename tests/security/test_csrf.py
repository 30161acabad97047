"""CSRF everywhere: every state-changing page needs the token; the API needs it for a browser
session (DRF SessionAuthentication) and not for a token; no page opts out of the check."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from tests.cases.factories import build_world, open_test_case

pytestmark = pytest.mark.django_db
# Answered before sessions exist, GET only, no state (protocol_site/ops/).
EXEMPT_OK = {"/healthz", "/readyz", "/metrics"}


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append(("/" + prefix + str(entry.pattern), entry.callback))
    return found


def test_no_page_outside_the_api_opts_out_of_csrf():
    patterns = _patterns(get_resolver())
    assert len(patterns) > 50
    assert any(getattr(view, "csrf_exempt", False) for route, view in patterns)  # DRF's views
    exempt = [
        route
        for route, view in patterns
        if getattr(view, "csrf_exempt", False)
        and not route.startswith("/api/")
        and not route.startswith("/admin/")  # Django's admin enforces CSRF itself
        and route.rstrip("$") not in EXEMPT_OK
    ]
    assert exempt == []


def test_signing_in_needs_the_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/sign-in/", {"username": "x", "password": "y"})
    assert response.status_code == 403


@pytest.fixture
def world():
    return build_world()


def test_a_case_action_needs_the_token(world):
    case = open_test_case(world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("mo"))
    response = client.post(
        f"/cases/{case.reference}/escalate/", {"expected_state": case.state, "reason": "x"}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.step_position == 1


def test_the_api_with_a_browser_session_needs_the_token_but_not_with_a_token(world):
    case = open_test_case(world)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.user("mo"))
    url = f"/api/cases/{case.pk}/escalate/"
    refused = browser.post(url, {"reason": "x"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    token = Token.objects.create(user=world.user("mo"))
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.post(url, {"reason": "x"}, content_type="application/json").status_code == 200

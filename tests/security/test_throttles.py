"""Throttles count the real client (issue #23): a forged X-Forwarded-For neither resets the
token endpoint's limit nor buys a fresh allowance; behind N trusted proxies (NUM_PROXIES) the
address the last of them saw is the one counted."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_token_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "token": "3/minute",
        },
    }
    cache.clear()
    yield
    cache.clear()


def _try(api: APIClient, **meta: str) -> int:
    return api.post(
        "/api/token/", {"username": "nobody", "password": "wrong"}, format="json", **meta
    ).status_code


def test_a_forged_forwarded_for_does_not_reset_the_token_limit(strict_token_rate):
    api = APIClient()
    statuses = [
        _try(api, REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        for n in range(6)
    ]
    assert statuses[:3] == [400, 400, 400]
    assert statuses[3:] == [429, 429, 429]


def test_by_default_the_connecting_address_is_the_client():
    assert api_settings.NUM_PROXIES == 0


def test_behind_one_proxy_the_address_it_appended_is_counted(strict_token_rate, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    api = APIClient()
    # The proxy (10.0.0.2) appends the address it saw; what the client wrote before is ignored.
    forged = [
        _try(api, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.10")
        for n in range(4)
    ]
    assert forged == [400, 400, 400, 429]
    # Another real client behind the same proxy has its own allowance.
    assert _try(api, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.11") == 400

"""Throttles. The rates live in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (settings/base.py):
`anon` per client address, `user` per account, `token` for `POST /api/token/` per address.

DRF's throttles copy the rates when they are imported; these read them when asked, so the rate
in force is always the setting's (and a test can change it)."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import (
    AnonRateThrottle,
    ScopedRateThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)


class _CurrentRate(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return str(rate) if rate is not None else None


class AnonThrottle(_CurrentRate, AnonRateThrottle):
    """Callers without a token, per address (scope `anon`)."""


class UserThrottle(_CurrentRate, UserRateThrottle):
    """Callers with a token, per account (scope `user`)."""


class TokenRateThrottle(_CurrentRate, ScopedRateThrottle):
    """`POST /api/token/` checks a password, so it is limited per client address far more
    strictly than the rest of the API (scope `token`, default 10/minute)."""

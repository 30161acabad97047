"""Throttles. The rates live in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (settings/base.py)."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class TokenRateThrottle(ScopedRateThrottle):
    """`POST /api/token/` checks a password, so it is limited per client address far more
    strictly than the rest of the API (scope `token`, default 10/minute)."""

    scope_attr = "throttle_scope"

    def get_rate(self) -> str | None:
        # Read the rate when asked, not at import, so a changed setting takes effect.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return str(rate) if rate is not None else None

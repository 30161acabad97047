"""`POST /api/token/` for scripts (tokens are also made on /account/ and in the admin)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser
from rest_framework.request import Request
from rest_framework.response import Response

from .parsers import LimitedJSONParser
from .schema import errors
from .throttling import TokenRateThrottle


class TokenView(ObtainAuthToken):
    """Exchange a username and password for the caller's API token (the same token every
    time until it is revoked on the account page). Bad credentials: 400."""

    # Credentials are in the body: a stale Authorization header must not turn this into a 401.
    authentication_classes: list[Any] = []
    throttle_classes = [TokenRateThrottle]
    throttle_scope = "token"
    parser_classes = [LimitedJSONParser, FormParser]

    @extend_schema(
        responses={
            200: OpenApiResponse(
                description="The caller's token.",
                response={
                    "type": "object",
                    "properties": {"token": {"type": "string"}},
                    "required": ["token"],
                },
            ),
            **errors(400, 403, 413, 429),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)

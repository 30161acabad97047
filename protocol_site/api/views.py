"""`POST /api/token/` for scripts (tokens are also made on /account/ and in the admin)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

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


def api_resources() -> list[str]:
    """Every collection the API serves (a GET path without a parameter), from the same
    enumeration the OpenAPI schema is built from, so the list cannot drift from the routes."""
    from drf_spectacular.generators import EndpointEnumerator

    paths = {
        path
        for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints()
        if method == "GET" and "{" not in path and path not in {"/api/", "/api/schema/"}
    }
    return sorted(paths - {"/api/docs/"})


class ApiRootView(APIView):
    """`GET /api/`: what the API offers and where its documentation is. Public, as the docs."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(
            {
                "docs": request.build_absolute_uri("/api/docs/"),
                "schema": request.build_absolute_uri("/api/schema/"),
                "token": request.build_absolute_uri("/api/token/"),
                "resources": {
                    path.removeprefix("/api/").strip("/"): request.build_absolute_uri(path)
                    for path in api_resources()
                },
                "authentication": "Send 'Authorization: Token <your token>' (POST /api/token/ "
                "or your account page gives you one).",
            }
        )

"""`POST /api/inbound-email/`: the email gateway hands over one raw RFC 822 message.

Authorization: `Token <token>` where the token is a DRF token of a user in the `email_gateway`
group, or the `INBOUND_EMAIL_TOKEN` setting. Without one: 401.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .parsing import MalformedEmail
from .services import ingest_email

GATEWAY_GROUP = "email_gateway"
SETTING_TOKEN = "inbound-email-setting-token"  # noqa: S105 - a marker, not a secret


class SettingTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <INBOUND_EMAIL_TOKEN>` for a gateway with no user account."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        expected = getattr(settings, "INBOUND_EMAIL_TOKEN", "") or ""
        parts = get_authorization_header(request).split()
        if not expected or len(parts) != 2 or parts[0].lower() != b"token":
            return None
        if secrets.compare_digest(parts[1], expected.encode()):
            return AnonymousUser(), SETTING_TOKEN
        return None  # maybe a user's DRF token: the next authenticator decides


class IsEmailGateway(BasePermission):
    message = "Only the email gateway may post emails."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.auth == SETTING_TOKEN:
            return True
        user = request.user
        return bool(
            user and user.is_authenticated and user.groups.filter(name=GATEWAY_GROUP).exists()
        )


class RawEmailParser(BaseParser):
    """The body is the message itself, whatever the gateway calls its type."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return stream.read() if stream is not None else b""


class InboundEmailView(APIView):
    authentication_classes = [SettingTokenAuthentication, TokenAuthentication]
    permission_classes = [IsEmailGateway]
    parser_classes = [RawEmailParser]
    # A mail gateway delivers in bursts; the token is the control, not a rate.
    throttle_classes: list[Any] = []

    @extend_schema(
        request={"message/rfc822": {"type": "string", "format": "binary"}},
        responses={
            201: OpenApiResponse(description="Case opened, note added, or sent to triage"),
            200: OpenApiResponse(description="Already received (same Message-ID)"),
            400: OpenApiResponse(description="Malformed email: nothing saved"),
            413: OpenApiResponse(description="Too large"),
        },
    )
    def post(self, request: Request) -> Response:
        limit = getattr(settings, "INBOUND_EMAIL_MAX_BYTES", 25 * 1024 * 1024)
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > limit:
            return Response(
                {"detail": f"The email is {length:,} bytes; the limit is {limit:,}."},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        raw = request.data if isinstance(request.data, bytes) else b""
        try:
            result = ingest_email(raw=raw, source="api")
        except MalformedEmail as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        email = result.email
        return Response(
            {
                "id": email.pk,
                "outcome": result.outcome,
                "status": email.status,
                "case": email.case.reference if email.case else None,
                "reason": email.triage_reason or None,
            },
            status=status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED,
        )

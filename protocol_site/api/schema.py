"""The OpenAPI contract's shared pieces: one error shape, and a hook documenting it everywhere.

api-contract.md fixes the error bodies: 400 `{"field": ["message"]}` or `{"detail": "..."}`;
401/403/404/409 `{"detail": "..."}`. Rather than trust every view to list every code, the
postprocessing hook below adds the codes an operation can answer with and points each at one
component, so the schema the fuzzer (tests/api/test_schemathesis.py) checks is the one the code
keeps.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every 401, 403, 404, 409, 413 and 429 body, and the `{"detail"}` form of a 400."""

    detail = serializers.CharField(help_text="What went wrong, in words for a person.")


ERROR_REF = {"$ref": "#/components/schemas/Error"}
VALIDATION_ERROR_REF = {"$ref": "#/components/schemas/ValidationError"}

# `{"field": ["message"]}` (nested for list items) or `{"detail": "..."}`. Kept open: a field's
# messages are a list of strings, a list field's are keyed by position.
VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": 'Bad input: `{"field": ["message", ...]}` per field (`non_field_errors` for '
    'the whole body), or `{"detail": "message"}`.',
    "additionalProperties": {},
    "example": {"received_at": ["Give the date and time with a time zone offset."]},
}

DESCRIPTIONS = {
    400: "Bad input (a naive date-time included).",
    401: "No token, or a token that is not valid.",
    403: "You can see this but may not take this action.",
    404: "No such object, or not yours to see (existence is never leaked as a 403).",
    409: "Not allowed from the current state, or somebody changed it first.",
    413: "The request body is larger than the limit.",
    429: "Too many requests: wait and try again (see the Retry-After header).",
}

ERRORS: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(VALIDATION_ERROR_REF, description=DESCRIPTIONS[400]),
    **{
        code: OpenApiResponse(ErrorSerializer, description=DESCRIPTIONS[code])
        for code in (401, 403, 404, 409, 413, 429)
    },
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The shared error responses for `@extend_schema(responses={..., **errors(400, 404)})`."""
    return {code: ERRORS[code] for code in codes}


# Operations anybody may call: no 401/403 (the schema and docs are public; the token endpoint is
# how a caller gets a token).
PUBLIC_PATHS = {"/api/token/", "/api/schema/", "/api/docs/"}
PATH_PARAMETER = re.compile(r"\{[^}]+\}")


def _codes_for(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    codes = {429}
    if path not in PUBLIC_PATHS:
        codes |= {401, 403}
    if method in {"post", "put", "patch"}:
        codes |= {400, 413}
        if path not in PUBLIC_PATHS and PATH_PARAMETER.search(path):
            codes.add(409)
    if any(p.get("in") == "query" for p in operation.get("parameters", [])):
        codes.add(400)  # a filter value outside its enum, a malformed cursor
    if PATH_PARAMETER.search(path):
        codes.add(404)
    return codes


def _json_error(code: int) -> dict[str, Any]:
    return {"schema": VALIDATION_ERROR_REF if code == 400 else ERROR_REF}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    """Postprocessing hook: every operation documents its error codes with the shared shapes."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(
        "Error",
        {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
        },
    )
    schemas["ValidationError"] = VALIDATION_ERROR_SCHEMA
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            wanted = _codes_for(path, method, operation) | {
                int(code) for code in responses if str(code).startswith(("4", "5"))
            }
            for code in sorted(wanted):
                entry = responses.setdefault(str(code), {"description": DESCRIPTIONS[code]})
                if not entry.get("description"):
                    entry["description"] = DESCRIPTIONS.get(code, "Error")
                # Every error body is JSON in the one shape, whatever the view declared.
                entry["content"] = {"application/json": _json_error(code)}
    return result


class GatewayTokenScheme(OpenApiAuthenticationExtension):
    """The email gateway's own token (INBOUND_EMAIL_TOKEN): the same header as a user's token,
    documented under its own name so the two schemes do not collide."""

    target_class = "inbound.api.SettingTokenAuthentication"
    name = "gatewayToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <INBOUND_EMAIL_TOKEN>`, for an email gateway with no account.",
        }

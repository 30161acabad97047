"""Request size and shape limits for the API.

DRF reads a JSON body from the request stream, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE (which
guards `request.body` and form data) never applies to it. This parser applies the same limit and
answers 413 `{"detail"}` instead of reading an unbounded body into memory.

It also answers 400, never 500 (issue #23), to JSON nested deeper than `MAX_JSON_DEPTH` (no
request of the API nests more than a few levels; Python's parser would recurse to its limit),
and to numbers JSON cannot carry: `NaN`, `Infinity` and a float that overflows (`1e400`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def body_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class LimitedJSONParser(JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = body_limit()
        if limit is None or stream is None:
            return super().parse(stream, media_type, parser_context)
        request = (parser_context or {}).get("request")
        declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if declared > limit:
            raise PayloadTooLarge(
                f"The request body is {declared:,} bytes; the limit is {limit:,}."
            )
        # A chunked body declares no length: read one byte past the limit to know.
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge(f"The request body is larger than the limit of {limit:,} bytes.")
        return parse_json(body)


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects nest deeper than `limit` (brackets inside strings aside).

    Linear, and skipped when there are not even `limit` opening brackets."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def _refuse_constant(name: str) -> Any:
    raise ParseError(f"JSON parse error - {name} is not a number this API accepts.")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ParseError(f"JSON parse error - the number {text[:40]} is out of range.")
    return value


def parse_json(body: bytes) -> Any:
    """The body as JSON, or a 400 `ParseError` for anything malformed, too deep or out of range."""
    if json_depth_exceeds(body):
        raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.")
    try:
        text = body.decode(settings.DEFAULT_CHARSET)
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"JSON parse error - {exc}") from exc

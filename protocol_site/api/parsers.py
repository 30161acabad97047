"""Request size limits for the API.

DRF reads a JSON body from the request stream, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE (which
guards `request.body` and form data) never applies to it. This parser applies the same limit and
answers 413 `{"detail"}` instead of reading an unbounded body into memory.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


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
        return super().parse(io.BytesIO(body), media_type, parser_context)

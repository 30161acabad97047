"""Pagination: `{"next", "previous", "results"}` on every list (api-contract.md).

Cases use a cursor (keyset: no COUNT(*) over a council's 200,000 cases); the other lists pages
with a `count`. A malformed cursor or a page that does not exist is bad input (400
`{"cursor": [...]}` / `{"page": [...]}`), not a missing object: DRF's default is a 404, which
the contract keeps for objects the caller may not see.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request


class DefaultPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as exc:
            raise exceptions.ValidationError({self.page_query_param: [str(exc.detail)]}) from exc


class CaseCursorPagination(CursorPagination):
    """Keyset pagination: no COUNT(*) over a council's 200,000 cases."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-received_at", "-id")

    def decode_cursor(self, request: Request) -> Any:
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise exceptions.ValidationError({self.cursor_query_param: [str(exc.detail)]}) from exc
        if cursor is not None and "\x00" in str(cursor.position or ""):
            # `cD0A` is "p=<NUL>": PostgreSQL cannot compare with it (issue #23).
            raise exceptions.ValidationError({self.cursor_query_param: ["Invalid cursor"]})
        return cursor

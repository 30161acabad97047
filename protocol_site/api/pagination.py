from rest_framework.pagination import CursorPagination, PageNumberPagination


class DefaultPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class CaseCursorPagination(CursorPagination):
    """Keyset pagination: no COUNT(*) over a council's 200,000 cases."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-received_at", "-id")

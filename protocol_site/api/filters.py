"""Filter backends shared by the API's lists (documented in the schema by drf-spectacular)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request


class CouncilFilter(BaseFilterBackend):
    """`?council=<slug>`: only the rows of that council (on top of what the caller may see)."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        council = request.query_params.get("council")
        if council:
            return queryset.filter(council__slug=council)
        return queryset

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "council",
                "required": False,
                "in": "query",
                "description": "Council slug, e.g. `maldon`.",
                "schema": {"type": "string"},
            }
        ]


class StateFilter(BaseFilterBackend):
    """`?state=<state>` for registers whose entries move through states (the view's
    `state_choices`); an unknown state is a 400 naming the parameter."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        choices = getattr(view, "state_choices", None)
        state = request.query_params.get("state")
        if not choices or not state:
            return queryset
        if state not in choices:
            raise exceptions.ValidationError({"state": [f"Unknown state {state!r}."]})
        return queryset.filter(state=state)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        choices = getattr(view, "state_choices", None)
        if not choices:
            return []
        return [
            {
                "name": "state",
                "required": False,
                "in": "query",
                "schema": {"type": "string", "enum": list(choices)},
            }
        ]

"""The cases API. Every read starts from `cases.selectors`; every write calls `cases.services`.

Status codes (api-contract.md): 404 for a case the caller may not see (never 403), 403 for an
action the caller may not take on a case they can see, 409 for a transition not allowed now or
lost to a concurrent change, 400 for bad input (a naive date-time included).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from cases import selectors, services
from cases.models import Case, CaseState, CaseType
from contacts.models import Service
from contacts.selectors import person_for
from protocol_site.api.pagination import CaseCursorPagination
from protocol_site.api.schema import errors as _errors
from protocol_site.errors import PermissionRefused

from .serializers import (
    AssignHandlerSerializer,
    CaseCreateSerializer,
    CaseFilterSerializer,
    CaseSerializer,
    EmptySerializer,
    EscalateSerializer,
    ReopenSerializer,
    ResolveSerializer,
    RespondSerializer,
    TransitionSerializer,
    WithdrawSerializer,
)

TRANSITION_RESPONSES = {200: CaseSerializer, **_errors(400, 401, 403, 404, 409)}


class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Cases the caller may see. `{id}` is the case id or its reference (`LAN-2026-0042`)."""

    serializer_class = CaseSerializer
    pagination_class = CaseCursorPagination
    # `?ordering=received_at` (oldest first) or `-received_at` (the default), or by reference;
    # the cursor follows whichever order was asked for.
    filter_backends = [OrderingFilter]
    ordering_fields = ["received_at", "reference"]
    ordering = ("-received_at", "-id")
    lookup_value_regex = r"[A-Za-z0-9-]+"
    queryset = Case.objects.none()  # for the schema; get_queryset answers every request

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, PermissionRefused):
            exc = exceptions.PermissionDenied(detail=str(exc))
        return super().handle_exception(exc)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        user = self.request.user
        person = person_for(user)
        context["person_id"] = person.pk if person is not None else None
        context["superuser"] = bool(getattr(user, "is_superuser", False))
        context["party_view_ids"] = lambda: selectors.party_view_case_ids(user)
        return context

    def get_queryset(self) -> QuerySet[Case]:
        filters = CaseFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.with_case_details(
            selectors.case_list(self.request.user, **filters.validated_data)
        )

    def get_object(self) -> Case:
        return selectors.case_for(self.request.user, self.kwargs["pk"])

    def _case_response(self, case: Case, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.case_for(self.request.user, case.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("council", str, description="Council slug"),
            OpenApiParameter("state", str, enum=CaseState.values),
            OpenApiParameter("case_type", str, enum=CaseType.values),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("search", str, description="Reference, summary or a party's name"),
        ],
        responses={200: CaseSerializer(many=True), **_errors(400, 401)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: CaseSerializer, **_errors(401, 404)})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=CaseCreateSerializer,
        responses={201: CaseSerializer, **_errors(400, 401, 403)},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = CaseCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if slug := values.pop("service", None):
            values["service"] = Service.objects.filter(council=values["council"], slug=slug).first()
            if values["service"] is None:
                raise exceptions.ValidationError(
                    {"service": [f"{values['council'].name} has no service {slug!r}."]}
                )
        key = values.pop("idempotency_key", "") or request.headers.get("Idempotency-Key", "")
        case = services.open_case(
            **values, actor=request.user, idempotency_key=(key or "")[:64] or None
        )
        return self._case_response(case, status.HTTP_201_CREATED)

    @extend_schema(responses={200: TransitionSerializer(many=True), **_errors(401, 404)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        return Response(services.available_transitions(case=case, user=request.user))

    def _transition(
        self,
        serializer_class: type[Serializer],
        service: Callable[..., Case],
        **extra: Any,
    ) -> Response:
        case = self.get_object()
        data = serializer_class(data=self.request.data, context={"request": self.request})
        data.is_valid(raise_exception=True)
        result = service(case=case, actor=self.request.user, **data.validated_data, **extra)
        return self._case_response(result)

    @extend_schema(request=EmptySerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(EmptySerializer, services.acknowledge_case)

    @extend_schema(request=RespondSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(RespondSerializer, services.respond_to_case)

    @extend_schema(request=EscalateSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(EscalateSerializer, services.escalate_case)

    @extend_schema(request=ResolveSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(ResolveSerializer, services.resolve_case)

    @extend_schema(request=WithdrawSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(WithdrawSerializer, services.withdraw_case)

    @extend_schema(request=ReopenSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(ReopenSerializer, services.reopen_case)

    @extend_schema(
        request=AssignHandlerSerializer,
        responses=TRANSITION_RESPONSES,
        description="Change who handles an open case (a clerk or the Monitoring Officer).",
    )
    @action(detail=True, methods=["post"], url_path="handler")
    def assign_handler(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(AssignHandlerSerializer, services.assign_handler)

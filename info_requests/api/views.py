"""The information-request API. Reads start from `visible_info_requests_for`; writes call the
services. 404 for a request the caller may not see (never 403); 403 for a step the caller may not
take on a request they can see; 409 for a step not allowed from the current state (or lost to a
concurrent change); 400 for bad input, a naive date-time included."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from clocks.models import Deadline
from contacts.models import Service
from protocol_site.api.schema import errors as _errors
from protocol_site.errors import PermissionRefused

from .. import services
from ..models import InfoRequest, InfoRequestEvent, InfoRequestState
from ..permissions import ACTIONS, available_actions
from ..selectors import visible_info_requests_for
from .serializers import (
    TRANSITION_INPUT,
    InfoRequestCreateSerializer,
    InfoRequestSerializer,
    InfoTransitionSerializer,
    transition_payload,
)


class InfoRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Members' requests for information the caller may see. `{id}` is the id or the reference."""

    serializer_class = InfoRequestSerializer
    filter_backends = [OrderingFilter]
    ordering_fields = ["received_at", "reference"]
    ordering = ["-received_at", "-pk"]
    lookup_value_regex = r"[A-Za-z0-9-]+"
    queryset = InfoRequest.objects.none()  # for the schema; get_queryset answers every request

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, PermissionRefused):
            exc = exceptions.PermissionDenied(detail=str(exc))
        return super().handle_exception(exc)

    def get_queryset(self) -> QuerySet[InfoRequest]:
        qs = visible_info_requests_for(self.request.user).prefetch_related(
            "items",
            Prefetch("deadlines", queryset=Deadline.objects.order_by("starts_at", "pk")),
            Prefetch("events", queryset=InfoRequestEvent.objects.order_by("at", "pk")),
        )
        council = self.request.query_params.get("council")
        if council:
            qs = qs.filter(council__slug=council)
        state = self.request.query_params.get("state")
        if state:
            if state not in InfoRequestState.values:
                raise exceptions.ValidationError({"state": [f"Unknown state {state!r}."]})
            qs = qs.filter(state=state)
        return qs

    def get_object(self) -> InfoRequest:
        key = self.kwargs["pk"]
        if key.isascii() and key.isdigit():
            if int(key) >= 2**63:  # beyond bigint: no such row, not a database error
                raise Http404("No such information request.")
            lookup: dict[str, object] = {"pk": int(key)}
        else:
            lookup = {"reference": key}
        try:
            return self.get_queryset().get(**lookup)
        except InfoRequest.DoesNotExist as exc:
            raise Http404("No such information request.") from exc

    def _respond(self, info_request: InfoRequest, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=info_request.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("council", str, description="Council slug"),
            OpenApiParameter("state", str, enum=InfoRequestState.values),
        ],
        responses={200: InfoRequestSerializer(many=True), **_errors(400, 401)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: InfoRequestSerializer, **_errors(401, 404)})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=InfoRequestCreateSerializer,
        responses={201: InfoRequestSerializer, **_errors(400, 401, 403)},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = InfoRequestCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if slug := values.pop("service", None):
            values["service"] = Service.objects.filter(council=values["council"], slug=slug).first()
            if values["service"] is None:
                raise exceptions.ValidationError(
                    {"service": [f"{values['council'].name} has no service {slug!r}."]}
                )
        created = services.create_info_request(**values, actor=request.user)
        return self._respond(created, status.HTTP_201_CREATED)

    @extend_schema(responses={200: InfoTransitionSerializer(many=True), **_errors(401, 404)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        info_request = self.get_object()
        return Response(transition_payload(available_actions(request.user, info_request)))

    def _transition(self, name: str) -> Response:
        info_request = self.get_object()
        data = TRANSITION_INPUT[name](data=self.request.data)
        data.is_valid(raise_exception=True)
        result = services.TRANSITION_SERVICES[name](
            info_request=info_request, actor=self.request.user, **data.validated_data
        )
        return self._respond(result)


def _make_transition(name: str) -> Any:
    def view(self: InfoRequestViewSet, request: Request, pk: str | None = None) -> Response:
        return self._transition(name)

    view.__name__ = name
    view.__doc__ = f"{ACTIONS[name].label}. {ACTIONS[name].guidance}"
    decorated = extend_schema(
        operation_id=f"info_requests_{name}",
        request=TRANSITION_INPUT[name],
        responses={200: InfoRequestSerializer, **_errors(400, 401, 403, 404, 409)},
    )(action(detail=True, methods=["post"], url_path=name, url_name=name.replace("_", "-"))(view))
    return decorated


# One POST endpoint per step: /api/info-requests/{id}/<transition>/ (treat_as_foi and
# request_internal_review are the two names the contract fixes).
for _name in ACTIONS:
    setattr(InfoRequestViewSet, _name, _make_transition(_name))

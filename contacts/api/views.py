"""Councils (public facts) and people (scoped to the councils the caller can look at)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from cases.models import ProtocolVariant, VariantStatus, VariantStep
from contacts.models import Council, Person, PersonKind, RoleAssignment, ServiceMembership
from contacts.selectors import held_on, visible_councils_for

from .serializers import CouncilDetailSerializer, CouncilSerializer, PersonSerializer


class CouncilViewSet(viewsets.ReadOnlyModelViewSet):
    """The councils and, on the detail, their published protocol routes."""

    lookup_field = "slug"
    filter_backends = [OrderingFilter]
    ordering_fields = ["name", "slug"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Council]:
        qs = Council.objects.select_related("monitoring_officer_council").order_by("name")
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                Prefetch(
                    "variants",
                    queryset=ProtocolVariant.objects.filter(status=VariantStatus.PUBLISHED)
                    .order_by("case_type")
                    .prefetch_related(
                        Prefetch("steps", queryset=VariantStep.objects.order_by("position"))
                    ),
                    to_attr="published_variants",
                )
            )
        return qs

    def get_serializer_class(self) -> type[CouncilSerializer]:
        return CouncilDetailSerializer if self.action == "retrieve" else CouncilSerializer


class PeopleFilterSerializer(serializers.Serializer):
    council = serializers.SlugField(required=False)
    kind = serializers.ChoiceField(choices=PersonKind.choices, required=False)


class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    """People of the councils the caller can look at (their own; those they administer or
    serve as Monitoring Officer)."""

    serializer_class = PersonSerializer
    filter_backends = [OrderingFilter]
    ordering_fields = ["name"]
    ordering = ["name", "pk"]

    def get_queryset(self) -> QuerySet[Person]:
        filters = PeopleFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        today = timezone.localdate()
        qs = (
            Person.objects.filter(
                council__in=visible_councils_for(self.request.user), anonymised_at__isnull=True
            )
            .select_related("council")
            .prefetch_related(
                Prefetch(
                    "role_assignments",
                    queryset=RoleAssignment.objects.filter(
                        Q(ends_on__isnull=True) | Q(ends_on__gte=today), starts_on__lte=today
                    ),
                    to_attr="current_assignments",
                ),
                Prefetch(
                    "service_memberships",
                    queryset=ServiceMembership.objects.filter(held_on(today))
                    .select_related("service")
                    .order_by("-starts_on", "-pk"),
                    to_attr="current_memberships",
                ),
            )
            .order_by("name", "pk")
        )
        if council := filters.validated_data.get("council"):
            qs = qs.filter(council__slug=council)
        if kind := filters.validated_data.get("kind"):
            qs = qs.filter(kind=kind)
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("council", str, description="Council slug"),
            OpenApiParameter("kind", str, enum=PersonKind.values),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

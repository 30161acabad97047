"""Councils and people as ../shared/api-contract.md describes them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.api.serializers import ServiceRefSerializer
from cases.models import CaseState, ProtocolVariant, VariantStep
from contacts.models import Council, Person
from contacts.selectors import service_of, services_of


class StepSerializer(serializers.ModelSerializer):
    # The case states' one enum, so the schema has a single `StateEnum`.
    state = serializers.ChoiceField(choices=CaseState.choices)

    class Meta:
        model = VariantStep
        fields = ["state", "label", "handler_role"]


class VariantSerializer(serializers.ModelSerializer):
    steps = serializers.SerializerMethodField()

    class Meta:
        model = ProtocolVariant
        fields = ["case_type", "version", "title", "protocol_reference", "steps"]

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, variant: ProtocolVariant) -> list[dict[str, str]]:
        return list(StepSerializer(variant.ordered_steps(), many=True).data)


class CouncilSerializer(serializers.ModelSerializer):
    # Always a slug (api-contract.md): the council's own when it has its own Monitoring Officer.
    monitoring_officer_council = serializers.CharField(
        source="monitoring_officer_source.slug", read_only=True
    )

    class Meta:
        model = Council
        fields = ["slug", "name", "tier", "nation", "monitoring_officer_council"]


class ServiceHeadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()


class ServiceSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.CharField()
    parent = serializers.SlugField(allow_null=True)  # type: ignore[assignment]
    heads = ServiceHeadSerializer(many=True)


class CouncilDetailSerializer(CouncilSerializer):
    variants = serializers.SerializerMethodField()
    services = serializers.SerializerMethodField()

    class Meta(CouncilSerializer.Meta):
        fields = [*CouncilSerializer.Meta.fields, "variants", "services"]

    @extend_schema_field(ServiceSerializer(many=True))
    def get_services(self, council: Council) -> list[dict[str, object]]:
        """Issue #20: the organisation structure, with today's heads of each service."""
        return [
            {
                "slug": row["service"].slug,
                "name": row["service"].name,
                "kind": row["service"].kind,
                "parent": row["service"].parent.slug if row["service"].parent else None,
                "heads": [
                    {"id": a.person.pk, "name": a.person.name, "role": a.role} for a in row["heads"]
                ],
            }
            for row in services_of(council)
        ]

    @extend_schema_field(VariantSerializer(many=True))
    def get_variants(self, council: Council) -> list[dict[str, object]]:
        # Only the published routes: drafts are work in progress, retired ones history.
        return list(VariantSerializer(council.published_variants, many=True).data)  # type: ignore[attr-defined]


class PersonSerializer(serializers.ModelSerializer):
    council: serializers.SlugRelatedField[Council] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    roles = serializers.SerializerMethodField()
    service = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "name", "kind", "council", "roles", "service"]

    @extend_schema_field(ServiceRefSerializer(allow_null=True))
    def get_service(self, person: Person) -> dict[str, str] | None:
        # `current_memberships` is prefetched by the view (today's service only).
        memberships = getattr(person, "current_memberships", None)
        if memberships is None:
            service = service_of(person)
        else:
            service = memberships[0].service if memberships else None
        return {"slug": service.slug, "name": service.name} if service else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_roles(self, person: Person) -> list[str]:
        # `current_assignments` is prefetched by the view (today's roles only).
        return sorted({a.role for a in person.current_assignments})  # type: ignore[attr-defined]

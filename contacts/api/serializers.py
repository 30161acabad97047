"""Councils and people as ../shared/api-contract.md describes them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import CaseState, ProtocolVariant, VariantStep
from contacts.models import Council, Person


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


class CouncilDetailSerializer(CouncilSerializer):
    variants = serializers.SerializerMethodField()

    class Meta(CouncilSerializer.Meta):
        fields = [*CouncilSerializer.Meta.fields, "variants"]

    @extend_schema_field(VariantSerializer(many=True))
    def get_variants(self, council: Council) -> list[dict[str, object]]:
        # Only the published routes: drafts are work in progress, retired ones history.
        return list(VariantSerializer(council.published_variants, many=True).data)  # type: ignore[attr-defined]


class PersonSerializer(serializers.ModelSerializer):
    council: serializers.SlugRelatedField[Council] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    roles = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "name", "kind", "council", "roles"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_roles(self, person: Person) -> list[str]:
        # `current_assignments` is prefetched by the view (today's roles only).
        return sorted({a.role for a in person.current_assignments})  # type: ignore[attr-defined]

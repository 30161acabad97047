"""Case JSON exactly as ../shared/api-contract.md describes it (plus a few extra fields)."""

from __future__ import annotations

import datetime
from functools import cached_property
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from cases.models import (
    Case,
    CaseEvent,
    CaseState,
    CaseType,
    Channel,
    InformedView,
)
from cases.selectors import Access, visible_events
from clocks.models import Deadline
from contacts.models import Council
from protocol_site.api.fields import PersonField


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset. A naive date-time is a 400, never silently put in London time."""

    default_error_messages = {
        **serializers.DateTimeField.default_error_messages,
        "naive": "Give the date and time with a time zone offset, e.g. 2026-03-02T10:00:00+00:00.",
    }

    def enforce_timezone(self, value: datetime.datetime) -> datetime.datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


@extend_schema_serializer(component_name="CaseHandler")
class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="ServiceRef")
class ServiceRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="CaseStage")
class StageSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=CaseState.choices)
    label = serializers.CharField()  # type: ignore[assignment]
    handler = PersonRefSerializer(allow_null=True)
    # The members who handle a committee rung (Maldon 5.1, West Lavington 4.2); empty for a
    # rung one person handles, whose `handler` is then that person.
    panel = PersonRefSerializer(many=True)


@extend_schema_serializer(component_name="CaseDeadline")
class DeadlineSerializer(serializers.ModelSerializer):
    breached = serializers.SerializerMethodField()
    paused = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True)
    counted = serializers.SerializerMethodField(
        help_text="How the due day was counted, in words: 'Received Saturday 14 March 2026; "
        "day 1 is Monday 16 March 2026; ...'"
    )

    class Meta:
        model = Deadline
        fields = ["kind", "due_at", "met_at", "breached", "paused", "status", "counted"]

    def get_counted(self, obj: Deadline) -> str:
        from clocks.services import counting_text, shared_calendar

        cache = self.context.setdefault("working_calendars", {})
        return counting_text(obj, shared_calendar(obj, cache))

    def get_breached(self, obj: Deadline) -> bool:
        return obj.breached_at is not None

    def get_paused(self, obj: Deadline) -> bool:
        return obj.paused_at is not None


@extend_schema_serializer(component_name="CaseHistory")
class HistorySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name")

    class Meta:
        model = CaseEvent
        fields = ["at", "actor", "action", "from_state", "to_state", "reason"]


class CaseSerializer(serializers.ModelSerializer):
    council: serializers.SlugRelatedField[Council] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    stage = serializers.SerializerMethodField()
    deadlines = DeadlineSerializer(many=True, read_only=True)
    history = serializers.SerializerMethodField()
    variant_version = serializers.IntegerField(source="variant.version", read_only=True)
    service = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "council",
            "case_type",
            "state",
            "stage",
            "raised_by",
            "about",
            "service",
            "channel",
            "received_at",
            "summary",
            "variant_version",
            "acknowledged_at",
            "closed_at",
            "outcome",
            "deadlines",
            "history",
        ]
        read_only_fields = fields

    def _is_party(self, case: Case) -> bool:
        access = self.context.get("access")
        if access is not None:
            return bool(access == Access.PARTY)
        person_id = self.context.get("person_id")
        if self.context.get("superuser"):
            return False
        if person_id is not None and person_id in (case.raised_by_id, case.about_id):
            return True
        # Kept informed in the parties' view (issue #20): asked once per request, and only when
        # a case of such a route is shown.
        if case.variant.informed_view != InformedView.PARTY or "party_view_ids" not in self.context:
            return False
        ids = self.context["party_view_ids"]
        if callable(ids):
            ids = self.context["party_view_ids"] = ids()
        return case.pk in ids

    @extend_schema_field(ServiceRefSerializer(allow_null=True))
    def get_service(self, case: Case) -> dict[str, str] | None:
        service = case.service
        return {"slug": service.slug, "name": service.name} if service else None

    @extend_schema_field(StageSerializer)
    def get_stage(self, case: Case) -> dict[str, Any]:
        step = case.current_step
        handler = case.handler
        return {
            "state": step.state,
            "label": step.label,
            "handler": {"id": handler.pk, "name": handler.name} if handler else None,
            "panel": [{"id": p.pk, "name": p.name} for p in case.panel()],
        }

    @cached_property
    def _history(self) -> HistorySerializer:
        # One serializer for every row of a list: building one per case (fields, validators,
        # their reference cycles) cost more than the rows, and fed the garbage collector
        # pauses that set the API list's p95 (issue #10).
        return HistorySerializer(context=self.context)

    @extend_schema_field(HistorySerializer(many=True))
    def get_history(self, case: Case) -> list[dict[str, Any]]:
        access = Access.PARTY if self._is_party(case) else Access.FULL
        return [self._history.to_representation(e) for e in visible_events(case, access)]


@extend_schema_serializer(component_name="CaseCreate")
class CaseCreateSerializer(serializers.Serializer):
    council = serializers.SlugRelatedField(slug_field="slug", queryset=Council.objects.all())
    case_type = serializers.ChoiceField(choices=CaseType.choices)
    raised_by = PersonField()
    about = PersonField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    received_at = AwareDateTimeField()
    summary = serializers.CharField(max_length=20000, trim_whitespace=True)
    service = serializers.SlugField(
        required=False,
        allow_null=True,
        help_text="The service the matter belongs to (its slug, `GET /api/councils/{slug}/`), "
        "for a case not about an officer: its head handles a Director / Chief Officer / "
        "Service Head rung. Left out, the service of the officer the case is about (or who "
        "raised it).",
    )
    idempotency_key = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="Send the same key again (e.g. a retried request) to get the same case back.",
    )


class CaseFilterSerializer(serializers.Serializer):
    council = serializers.SlugField(required=False)
    state = serializers.ChoiceField(choices=CaseState.choices, required=False)
    case_type = serializers.ChoiceField(choices=CaseType.choices, required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    search = serializers.CharField(required=False, max_length=200)


@extend_schema_serializer(component_name="CaseEmpty")
class EmptySerializer(serializers.Serializer):
    pass


@extend_schema_serializer(component_name="CaseEscalate")
class EscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    expected_state = serializers.CharField(
        required=False,
        max_length=30,
        help_text="The state you saw: if the case has moved on since, you get a 409.",
    )


@extend_schema_serializer(component_name="CaseRespond")
class RespondSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=20000)


@extend_schema_serializer(component_name="CaseAssignHandler")
class AssignHandlerSerializer(serializers.Serializer):
    person = PersonField(
        help_text="The person to handle the case: an officer of its council (or of the council "
        "lending its Monitoring Officer), or a councillor holding a role there; never a party "
        "or someone with a declared relationship with one.",
    )
    reason = serializers.CharField(
        max_length=5000, help_text="Why this person: recorded on the case's timeline."
    )


@extend_schema_serializer(component_name="CaseResolve")
class ResolveSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=20000)


@extend_schema_serializer(component_name="CaseWithdraw")
class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


@extend_schema_serializer(component_name="CaseReopen")
class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


@extend_schema_serializer(component_name="CaseTransition")
class TransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    target = serializers.CharField(help_text="The state the case will be in afterwards.")

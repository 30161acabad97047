"""JSON shapes of the information-request API (api-contract.md, "Information requests")."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clocks.models import Deadline
from contacts.models import Council, Person
from protocol_site.api.fields import PersonField

from ..models import (
    FoiExemption,
    FoiOutcome,
    InfoRequest,
    InfoRequestEvent,
    ItemOutcome,
    RefusalReason,
    RequestedItem,
    ReviewOutcome,
)
from ..schedule12a import Schedule12AParagraph
from ..selectors import history_for
from ..services import ItemDecision


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


class InfoDeadlineSerializer(serializers.ModelSerializer):
    breached = serializers.SerializerMethodField()
    paused = serializers.SerializerMethodField()
    counted = serializers.SerializerMethodField(
        help_text="How the due day was counted, in words: 'Received Saturday 14 March 2026; "
        "day 1 is Monday 16 March 2026; ...'"
    )

    class Meta:
        model = Deadline
        fields = ["kind", "starts_at", "due_at", "met_at", "breached", "paused", "counted"]

    def get_counted(self, obj: Deadline) -> str:
        from clocks.services import counting_text, shared_calendar

        cache = self.context.setdefault("working_calendars", {})
        return counting_text(obj, shared_calendar(obj, cache))

    def get_breached(self, obj: Deadline) -> bool:
        return obj.breached_at is not None

    def get_paused(self, obj: Deadline) -> bool:
        return obj.paused_at is not None


class FoiIfHandledSerializer(serializers.Serializer):
    due_at = serializers.DateTimeField(read_only=True)
    counted = serializers.CharField(read_only=True)
    reminder_at = serializers.DateTimeField(read_only=True, allow_null=True)


class InfoHistorySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name")

    class Meta:
        model = InfoRequestEvent
        fields = ["at", "actor", "action", "from_state", "to_state", "reason"]


class InfoRequestedItemSerializer(serializers.ModelSerializer):
    s100f_gives_access = serializers.SerializerMethodField()
    s100f_explanation = serializers.SerializerMethodField()

    class Meta:
        model = RequestedItem
        fields = [
            "id",
            "description",
            "assessed_at",
            "schedule_12a_paragraph",
            "contract_negotiation_terms",
            "s100f_gives_access",
            "s100f_explanation",
            "outcome",
            "withheld_reason",
        ]

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_s100f_gives_access(self, obj: RequestedItem) -> bool | None:
        # Null until the decider assesses the item: nobody has said whether it is exempt.
        return obj.s100f_access()[0] if obj.is_assessed else None

    def get_s100f_explanation(self, obj: RequestedItem) -> str:
        return obj.s100f_access()[1] if obj.is_assessed else "Not yet assessed."


class InfoRequestSerializer(serializers.ModelSerializer):
    council: serializers.SlugRelatedField[Council] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    requested_by: serializers.PrimaryKeyRelatedField[Person] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    deadlines = InfoDeadlineSerializer(many=True, read_only=True)
    history = serializers.SerializerMethodField()
    items = InfoRequestedItemSerializer(many=True, read_only=True)
    route = serializers.SerializerMethodField()
    foi_due_if_handled = serializers.SerializerMethodField(
        help_text="While no route is chosen: when an FOI reply would be due (FOIA s.10(1)), "
        "with how it was counted. Null once the request is provided or handled as FOI."
    )

    class Meta:
        model = InfoRequest
        fields = [
            "id",
            "reference",
            "council",
            "state",
            "route",
            "requested_by",
            "description",
            "received_at",
            "own_committee_business",
            "reasons",
            "caveat",
            "refusal_reason",
            "foi_outcome",
            "foi_exemptions",
            "review_outcome",
            "ico_complaint_made",
            "resource_paused_at",
            "items",
            "deadlines",
            "foi_due_if_handled",
            "history",
        ]

    @extend_schema_field(FoiIfHandledSerializer(allow_null=True))
    def get_foi_due_if_handled(self, obj: InfoRequest) -> dict[str, Any] | None:
        foi = obj.foi_if_handled
        if foi is None:
            return None
        return FoiIfHandledSerializer(foi).data  # type: ignore[return-value]

    @extend_schema_field(
        serializers.ChoiceField(choices=["public", "s100f", "need_to_know", "foi"], allow_null=True)
    )
    def get_route(self, obj: InfoRequest) -> str | None:
        return obj.route or None

    @extend_schema_field(InfoHistorySerializer(many=True))
    def get_history(self, obj: InfoRequest) -> list[dict[str, Any]]:
        # The member reads the words meant for them, not the officers' file (selectors).
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None:
            return []
        rows = []
        for event, reason in history_for(user, obj):
            row = dict(InfoHistorySerializer(event).data)
            row["reason"] = reason
            rows.append(row)
        return rows


class InfoRequestCreateSerializer(serializers.Serializer):
    council: serializers.SlugRelatedField[Council] = serializers.SlugRelatedField(
        slug_field="slug", queryset=Council.objects.all()
    )
    requested_by = PersonField()
    description = serializers.CharField()
    received_at = AwareDateTimeField()
    own_committee_business = serializers.BooleanField(required=False, allow_null=True, default=None)
    reasons = serializers.CharField(required=False, allow_blank=True, default="")
    items = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, default=list
    )
    service = serializers.SlugField(
        required=False,
        allow_null=True,
        help_text="The service holding the information (Maldon 10.2, Lancaster 8.6): its head "
        "decides the request first.",
    )


class InfoTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    target = serializers.CharField(allow_null=True)


class InfoEmptySerializer(serializers.Serializer):
    pass


class InfoNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class InfoItemDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The listed item's id (`items[].id`).")
    schedule_12a_paragraph = serializers.ChoiceField(
        choices=Schedule12AParagraph.choices,
        allow_null=True,
        help_text="Null when the item is not exempt information.",
    )
    contract_negotiation_terms = serializers.BooleanField(required=False, default=False)
    outcome = serializers.ChoiceField(choices=ItemOutcome.choices)
    withheld_reason = serializers.CharField(required=False, allow_blank=True, default="")


class InfoProvideSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="The reason for the file."
    )
    letter_text = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="What the letter tells the member."
    )
    items = InfoItemDecisionSerializer(
        many=True,
        required=False,
        default=None,
        help_text="Each listed item marked; omitted, every item must already be assessed.",
    )

    def validate_items(self, value: list[dict[str, Any]] | None) -> list[ItemDecision] | None:
        if value is None:
            return None
        return [
            ItemDecision(
                item_id=v["id"],
                paragraph=v["schedule_12a_paragraph"],
                contract_negotiation_terms=v["contract_negotiation_terms"],
                provide=v["outcome"] == ItemOutcome.PROVIDE,
                withheld_reason=v["withheld_reason"],
            )
            for v in value
        ]


class InfoRefuseAccessSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=RefusalReason.choices)
    detail = serializers.CharField(required=False, allow_blank=True, default="")


class InfoReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class InfoOptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class InfoQuestionSerializer(serializers.Serializer):
    question = serializers.CharField()


class InfoAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(required=False, allow_blank=True, default="")


class InfoAdviceSerializer(serializers.Serializer):
    advice = serializers.CharField()


class InfoDecideFoiSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=FoiOutcome.choices)
    exemptions = serializers.ListField(
        child=serializers.ChoiceField(choices=FoiExemption.choices), required=False, default=list
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class InfoDecideReviewSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    note = serializers.CharField()


class InfoIcoSerializer(serializers.Serializer):
    complained = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class InfoAgreementSerializer(serializers.Serializer):
    agreement = serializers.CharField()


# Each transition's input; the keys of validated_data are the service's keyword arguments.
TRANSITION_INPUT: dict[str, type[serializers.Serializer]] = {
    "provide_as_public": InfoProvideSerializer,
    "consider_member_rights": InfoNoteSerializer,
    "provide_under_s100f": InfoProvideSerializer,
    "provide_on_need_to_know": InfoProvideSerializer,
    "refuse_access": InfoRefuseAccessSerializer,
    "dispute_refusal": InfoReasonSerializer,
    "uphold_refusal": InfoNoteSerializer,
    "treat_as_foi": InfoEmptySerializer,
    "seek_clarification": InfoQuestionSerializer,
    "record_clarification": InfoAnswerSerializer,
    "note_legal_advice": InfoAdviceSerializer,
    "decide_foi": InfoDecideFoiSerializer,
    "request_internal_review": InfoReasonSerializer,
    "decide_internal_review": InfoDecideReviewSerializer,
    "record_ico_complaint": InfoIcoSerializer,
    "pause_for_resource_agreement": InfoReasonSerializer,
    "record_resource_agreement": InfoAgreementSerializer,
    "withdraw": InfoOptionalReasonSerializer,
}


def transition_payload(actions: list[Any]) -> list[dict[str, Any]]:
    return [{"name": a.name, "label": a.label, "target": a.target} for a in actions]

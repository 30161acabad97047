"""JSON shapes for the registers API. Output serializers redact through `registers.selectors`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from contacts.models import Person, PersonalRelationship, PoliticalGroup, Ward
from protocol_site.api.fields import PersonField

from .. import selectors
from ..models import (
    ApproachKind,
    Briefing,
    BriefingOffer,
    ImproperApproach,
    InterestAdvice,
    OfferStatus,
    OfficerHelpRequest,
    RegisterEvent,
    SharingConsent,
    WardNotification,
    WardNotificationKind,
)

Slug = serializers.SlugRelatedField


class RegisterPersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "kind"]


@extend_schema_serializer(component_name="RegisterEvent")
class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name")

    class Meta:
        model = RegisterEvent
        fields = ["at", "actor", "action", "description", "hash", "previous_hash"]


class _WithHistory(serializers.Serializer):
    history = serializers.SerializerMethodField()
    register_name = ""

    @extend_schema_field(EventSerializer(many=True))
    def get_history(self, obj: Any) -> list[dict[str, Any]]:
        events = selectors.events_for(self.register_name, obj.pk)
        return EventSerializer(events, many=True).data  # type: ignore[return-value]


def _user(serializer: serializers.Serializer) -> Any:
    return serializer.context["request"].user


def _viewer(serializer: serializers.Serializer) -> selectors.Viewer:
    """Computed once per response (the context is shared by every row of a list)."""
    context = serializer.context
    if "registers_viewer" not in context:
        context["registers_viewer"] = selectors.viewer_for(_user(serializer))
    viewer: selectors.Viewer = context["registers_viewer"]
    return viewer


# -- Personal relationships --------------------------------------------------------------------


class RelationshipSerializer(_WithHistory, serializers.ModelSerializer):
    register_name = "relationship"
    council: Slug = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    person = RegisterPersonSerializer(read_only=True)
    related_person = RegisterPersonSerializer(read_only=True)
    declared_to = RegisterPersonSerializer(read_only=True)
    recipients = RegisterPersonSerializer(many=True, read_only=True)

    class Meta:
        model = PersonalRelationship
        fields = [
            "id",
            "council",
            "person",
            "related_person",
            "nature",
            "declared_on",
            "ended_on",
            "declared_to_role",
            "declared_to",
            "notified_roles",
            "recipients",
            "history",
        ]


class RelationshipCreateSerializer(serializers.Serializer):
    person = PersonField(required=False, help_text="Defaults to you.")
    related_person = PersonField()
    nature = serializers.CharField(max_length=200)
    declared_on = serializers.DateField()


@extend_schema_serializer(component_name="RelationshipEnd")
class EndRelationshipSerializer(serializers.Serializer):
    ended_on = serializers.DateField()


# -- Briefings -------------------------------------------------------------------------------


@extend_schema_serializer(component_name="BriefingOffer")
class OfferSerializer(serializers.ModelSerializer):
    group: Slug = serializers.SlugRelatedField(slug_field="name", read_only=True)
    group_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = BriefingOffer
        fields = [
            "id",
            "group_id",
            "group",
            "status",
            "offered_at",
            "responded_at",
            "response_note",
        ]


class BriefingSerializer(_WithHistory, serializers.ModelSerializer):
    register_name = "briefing"
    council: Slug = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    group: Slug = serializers.SlugRelatedField(slug_field="name", read_only=True)
    officer = RegisterPersonSerializer(read_only=True)
    advice = serializers.SerializerMethodField()
    offers = OfferSerializer(many=True, read_only=True)
    share_only_on_written_request = serializers.SerializerMethodField()
    offer_to_all_groups = serializers.SerializerMethodField()
    approved_by = RegisterPersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Briefing
        fields = [
            "id",
            "council",
            "group",
            "officer",
            "topic",
            "given_on",
            "decision_meeting",
            "decision_meeting_on",
            "advice",
            "offers",
            "share_only_on_written_request",
            "offer_to_all_groups",
            "approved_by",
            "written_request_received_on",
            "written_request_reference",
            "information_shared_at",
            "history",
        ]

    def get_advice(self, obj: Briefing) -> str | None:
        """Null when the caller's group has not been given the briefing (Lancaster 3.3)."""
        return (
            obj.advice
            if selectors.briefing_advice_visible(_user(self), obj, viewer=_viewer(self))
            else None
        )

    def get_share_only_on_written_request(self, obj: Briefing) -> bool:
        return selectors.briefing_policy_for(obj.council).share_only_on_written_request

    def get_offer_to_all_groups(self, obj: Briefing) -> bool:
        """Maldon 7.1: offered to every group when recorded; Lancaster 3.1: not routinely."""
        return selectors.briefing_policy_for(obj.council).offer_to_all_groups


class BriefingCreateSerializer(serializers.Serializer):
    group = serializers.PrimaryKeyRelatedField(queryset=PoliticalGroup.objects.all())
    officer = PersonField()
    topic = serializers.CharField(max_length=200)
    given_on = serializers.DateField()
    advice = serializers.CharField()
    decision_meeting = serializers.CharField(max_length=200, required=False, default="")
    decision_meeting_on = serializers.DateField(required=False, allow_null=True, default=None)
    approved_by = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Lancaster 3.1: the Chief Executive who approved a briefing by an officer who "
        "is neither the Chief Executive nor a Service Head.",
    )


@extend_schema_serializer(component_name="BriefingOfferAnswer")
class OfferAnswerSerializer(serializers.Serializer):
    group = serializers.IntegerField(help_text="The id of the group answering.")
    status = serializers.ChoiceField(choices=[OfferStatus.ACCEPTED, OfferStatus.DECLINED])
    note = serializers.CharField(required=False, default="", allow_blank=True)


@extend_schema_serializer(component_name="BriefingWrittenRequest")
class WrittenRequestSerializer(serializers.Serializer):
    received_on = serializers.DateField()
    reference = serializers.CharField(required=False, default="", allow_blank=True)


@extend_schema_serializer(component_name="RegisterEmpty")
class EmptySerializer(serializers.Serializer):
    pass


# -- Improper approaches ---------------------------------------------------------------------


class ApproachSerializer(_WithHistory, serializers.ModelSerializer):
    register_name = "improper_approach"
    council: Slug = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    reported_by = RegisterPersonSerializer(read_only=True)
    about = RegisterPersonSerializer(read_only=True)
    reported_to = RegisterPersonSerializer(read_only=True)
    case: Slug = serializers.SlugRelatedField(slug_field="reference", read_only=True)

    class Meta:
        model = ImproperApproach
        fields = [
            "id",
            "council",
            "kind",
            "reported_by",
            "about",
            "reported_to_role",
            "reported_to",
            "occurred_on",
            "reported_at",
            "description",
            "state",
            "outcome",
            "closed_at",
            "case",
            "history",
        ]


class ApproachCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ApproachKind.choices)
    reported_by = PersonField(required=False, help_text="Defaults to you.")
    about = PersonField()
    occurred_on = serializers.DateField()
    description = serializers.CharField()


@extend_schema_serializer(component_name="ApproachOutcome")
class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField()


# -- Officer help ----------------------------------------------------------------------------


@extend_schema_serializer(component_name="OfficerHelpRequest")
class HelpRequestSerializer(_WithHistory, serializers.ModelSerializer):
    register_name = "officer_help"
    council: Slug = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requested_by = RegisterPersonSerializer(read_only=True)
    officer = RegisterPersonSerializer(read_only=True)

    class Meta:
        model = OfficerHelpRequest
        fields = [
            "id",
            "council",
            "requested_by",
            "officer",
            "description",
            "requested_at",
            "decision",
            "within_workload",
            "appropriate",
            "inform_all_members",
            "decision_reason",
            "decided_at",
            "history",
        ]


@extend_schema_serializer(component_name="OfficerHelpRequestCreate")
class HelpRequestCreateSerializer(serializers.Serializer):
    requested_by = PersonField(required=False, help_text="Defaults to you.")
    officer = PersonField()
    description = serializers.CharField()


@extend_schema_serializer(component_name="OfficerHelpDecision")
class HelpDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    within_workload = serializers.BooleanField()
    appropriate = serializers.BooleanField()
    inform_all_members = serializers.BooleanField()
    reason = serializers.CharField()


# -- Ward notifications ------------------------------------------------------------------------


class WardNotificationSerializer(_WithHistory, serializers.ModelSerializer):
    register_name = "ward_notification"
    council: Slug = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    wards: Slug = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    notified_by = RegisterPersonSerializer(read_only=True)
    raised_via_councillor = RegisterPersonSerializer(read_only=True)
    resident_name = serializers.SerializerMethodField()
    resident_contact = serializers.SerializerMethodField()
    resident_identity_withheld = serializers.SerializerMethodField()

    class Meta:
        model = WardNotification
        fields = [
            "id",
            "council",
            "kind",
            "wards",
            "subject",
            "details",
            "location",
            "event_on",
            "notified_at",
            "notified_by",
            "resident_name",
            "resident_contact",
            "resident_identity_withheld",
            "resident_consents_to_identity_sharing",
            "raised_via_councillor",
            "sharing_consent",
            "history",
        ]

    def _visible(self, obj: WardNotification) -> bool:
        return selectors.resident_identity_visible(_user(self), obj, viewer=_viewer(self))

    def get_resident_name(self, obj: WardNotification) -> str | None:
        """Null unless the caller may know who the resident is (Lancaster 10.3)."""
        return obj.resident_name if self._visible(obj) else None

    def get_resident_contact(self, obj: WardNotification) -> str | None:
        return obj.resident_contact if self._visible(obj) else None

    def get_resident_identity_withheld(self, obj: WardNotification) -> bool:
        has_resident = bool(obj.resident_name or obj.resident_contact)
        return has_resident and not self._visible(obj)


class WardNotificationCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=WardNotificationKind.choices)
    wards = serializers.PrimaryKeyRelatedField(queryset=Ward.objects.all(), many=True)
    subject = serializers.CharField(max_length=200)
    details = serializers.CharField()
    location = serializers.CharField(required=False, default="", allow_blank=True)
    event_on = serializers.DateField(required=False, allow_null=True, default=None)
    resident_name = serializers.CharField(required=False, default="", allow_blank=True)
    resident_contact = serializers.CharField(required=False, default="", allow_blank=True)
    resident_consents_to_identity_sharing = serializers.BooleanField(required=False, default=False)
    raised_via_councillor = PersonField(required=False, allow_null=True, default=None)
    sharing_consent = serializers.ChoiceField(
        choices=SharingConsent.choices, required=False, default="", allow_blank=True
    )


@extend_schema_serializer(component_name="WardNotificationConsent")
class WardConsentSerializer(serializers.Serializer):
    resident_consents_to_identity_sharing = serializers.BooleanField(
        required=False, allow_null=True, default=None
    )
    sharing_consent = serializers.ChoiceField(
        choices=SharingConsent.choices,
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
    )


# -- Interest advice ---------------------------------------------------------------------------


class InterestAdviceSerializer(_WithHistory, serializers.ModelSerializer):
    register_name = "interest_advice"
    council: Slug = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    member = RegisterPersonSerializer(read_only=True)
    advised_by = RegisterPersonSerializer(read_only=True)

    class Meta:
        model = InterestAdvice
        fields = [
            "id",
            "council",
            "member",
            "question",
            "asked_at",
            "state",
            "advice",
            "advised_by",
            "advised_at",
            "history",
        ]


class InterestAdviceCreateSerializer(serializers.Serializer):
    member = PersonField(required=False, help_text="Defaults to you.")
    question = serializers.CharField()


@extend_schema_serializer(component_name="InterestAdviceGive")
class AdviceSerializer(serializers.Serializer):
    advice = serializers.CharField()

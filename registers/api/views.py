"""The registers API. Reads start from the register's one selector; writes call the services.

404 for an entry the caller may not see (never 403); 403 for an action the caller may not take
on an entry they can see; 409 for an action not allowed now; 400 for bad input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from contacts.models import PersonalRelationship
from protocol_site.api.filters import CouncilFilter, StateFilter
from protocol_site.api.schema import ERRORS
from protocol_site.errors import PermissionRefused

from .. import selectors, services
from ..models import (
    AdviceState,
    ApproachState,
    Briefing,
    ImproperApproach,
    InterestAdvice,
    OfficerHelpRequest,
    WardNotification,
)
from . import serializers as s


def _responses(ok: Any, *codes: int, ok_status: int = 200) -> dict[int, Any]:
    return {ok_status: ok, **{code: ERRORS[code] for code in codes}}


class RegisterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List, retrieve and create through the register's selector and services."""

    selector: Callable[[Any], QuerySet[Any]]
    # `?council=<slug>` on every register; `?state=` where entries have states.
    filter_backends = [CouncilFilter, StateFilter]
    state_choices: list[str] | None = None
    create_serializer_class: type[BaseSerializer] = s.EmptySerializer

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, PermissionRefused):
            exc = exceptions.PermissionDenied(detail=str(exc))
        return super().handle_exception(exc)

    def get_queryset(self) -> QuerySet[Any]:
        return type(self).selector(self.request.user)

    def _input(self, serializer_class: type[BaseSerializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context={"request": self.request})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _me(self) -> Any:
        person = selectors.viewer_for(self.request.user).person
        if person is None:
            raise exceptions.PermissionDenied("Only people recorded at a council use registers.")
        return person

    def _out(self, obj: Any, code: int = status.HTTP_200_OK) -> Response:
        # Re-read through the selector: the caller sees what they may see, nothing more.
        fresh = self.get_queryset().filter(pk=obj.pk).first()
        if fresh is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(self.get_serializer(fresh).data, status=code)


@extend_schema_view(
    list=extend_schema(summary="Declared personal relationships you may see (Maldon 5.1)"),
    retrieve=extend_schema(
        summary="One declared relationship",
        responses=_responses(s.RelationshipSerializer, 401, 404),
    ),
)
class RelationshipViewSet(RegisterViewSet):
    serializer_class = s.RelationshipSerializer
    queryset = PersonalRelationship.objects.none()
    selector = staticmethod(selectors.visible_relationships_for)

    @extend_schema(
        request=s.RelationshipCreateSerializer,
        responses=_responses(s.RelationshipSerializer, 400, 401, 403, ok_status=201),
        summary="Declare a personal relationship",
    )
    def create(self, request: Request) -> Response:
        data = self._input(s.RelationshipCreateSerializer)
        obj = services.declare_relationship(
            actor=request.user,
            person=data.get("person") or self._me(),
            related_person=data["related_person"],
            nature=data["nature"],
            declared_on=data["declared_on"],
        )
        return self._out(obj, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.EndRelationshipSerializer,
        responses=_responses(s.RelationshipSerializer, 400, 401, 403, 404, 409),
        summary="Record that the relationship has ended",
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        data = self._input(s.EndRelationshipSerializer)
        services.end_relationship(actor=request.user, relationship=obj, ended_on=data["ended_on"])
        return self._out(obj)


@extend_schema_view(
    list=extend_schema(summary="Briefings to political groups you may see (Maldon 7.1)"),
    retrieve=extend_schema(
        summary="One briefing with its offers to the other groups",
        responses=_responses(s.BriefingSerializer, 401, 404),
    ),
)
class BriefingViewSet(RegisterViewSet):
    serializer_class = s.BriefingSerializer
    queryset = Briefing.objects.none()
    selector = staticmethod(
        lambda user: selectors.visible_briefings_for(user).prefetch_related("offers__group")
    )

    @extend_schema(
        request=s.BriefingCreateSerializer,
        responses=_responses(s.BriefingSerializer, 400, 401, 403, ok_status=201),
        summary="Record a briefing; the same is offered to every other group",
    )
    def create(self, request: Request) -> Response:
        data = self._input(s.BriefingCreateSerializer)
        obj = services.record_briefing(actor=request.user, **data)
        return self._out(obj, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.OfferAnswerSerializer,
        responses=_responses(s.BriefingSerializer, 400, 401, 403, 404, 409),
        summary="Record a group's answer to the offer (accepted or declined)",
    )
    @action(detail=True, methods=["post"], url_path="answer-offer")
    def answer_offer(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        data = self._input(s.OfferAnswerSerializer)
        offer = obj.offers.filter(group_id=data["group"]).first()
        if offer is None:
            raise exceptions.ValidationError(
                {"group": ["This briefing was not offered to that group."]}
            )
        services.respond_to_offer(
            actor=request.user, offer=offer, status=data["status"], note=data["note"]
        )
        return self._out(obj)

    @extend_schema(
        request=s.WrittenRequestSerializer,
        responses=_responses(s.BriefingSerializer, 400, 401, 403, 404, 409),
        summary="Record the briefed group's written request to share (Lancaster 3.1)",
    )
    @action(detail=True, methods=["post"], url_path="written-request")
    def written_request(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        data = self._input(s.WrittenRequestSerializer)
        services.record_written_request(actor=request.user, briefing=obj, **data)
        return self._out(obj)

    @extend_schema(
        request=s.EmptySerializer,
        responses=_responses(s.BriefingSerializer, 401, 403, 404, 409),
        summary="Pass the briefing information to the other groups",
        description="409 where the council shares only at the briefed group's written request "
        "(Lancaster 3.1) and none is recorded.",
    )
    @action(detail=True, methods=["post"])
    def share(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        services.share_briefing_information(actor=request.user, briefing=obj)
        return self._out(obj)


@extend_schema_view(
    list=extend_schema(summary="Improper approaches and undue pressure you may see"),
    retrieve=extend_schema(
        summary="One report", responses=_responses(s.ApproachSerializer, 401, 404)
    ),
)
class ApproachViewSet(RegisterViewSet):
    serializer_class = s.ApproachSerializer
    state_choices = ApproachState.values
    queryset = ImproperApproach.objects.none()
    selector = staticmethod(selectors.visible_approaches_for)

    @extend_schema(
        request=s.ApproachCreateSerializer,
        responses=_responses(s.ApproachSerializer, 400, 401, 403, ok_status=201),
        summary="Report an improper approach or undue pressure (Maldon 3.3, Lancaster 5.1-5.2)",
    )
    def create(self, request: Request) -> Response:
        data = self._input(s.ApproachCreateSerializer)
        obj = services.report_improper_approach(
            actor=request.user,
            kind=data["kind"],
            reported_by=data.get("reported_by") or self._me(),
            about=data["about"],
            occurred_on=data["occurred_on"],
            description=data["description"],
        )
        return self._out(obj, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.EmptySerializer,
        responses=_responses(s.ApproachSerializer, 401, 403, 404, 409),
        summary="Start the review",
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        services.start_approach_review(actor=request.user, approach=obj)
        return self._out(obj)

    @extend_schema(
        request=s.OutcomeSerializer,
        responses=_responses(s.ApproachSerializer, 400, 401, 403, 404, 409),
        summary="Close with an outcome",
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        data = self._input(s.OutcomeSerializer)
        services.close_approach(actor=request.user, approach=obj, outcome=data["outcome"])
        return self._out(obj)

    @extend_schema(
        request=s.EmptySerializer,
        responses=_responses(s.ApproachSerializer, 400, 401, 403, 404, 409),
        summary="Open a dispute case from the report",
        description="400 when the council's protocol has no route for the case type.",
    )
    @action(detail=True, methods=["post"], url_path="open-case")
    def open_case(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        services.open_case_for_approach(actor=request.user, approach=obj)
        return self._out(obj)


@extend_schema_view(
    list=extend_schema(summary="Requests for a particular officer's help (Halstead 1.4)"),
    retrieve=extend_schema(
        summary="One request", responses=_responses(s.HelpRequestSerializer, 401, 404)
    ),
)
class HelpRequestViewSet(RegisterViewSet):
    serializer_class = s.HelpRequestSerializer
    queryset = OfficerHelpRequest.objects.none()
    selector = staticmethod(selectors.visible_help_requests_for)

    @extend_schema(
        request=s.HelpRequestCreateSerializer,
        responses=_responses(s.HelpRequestSerializer, 400, 401, 403, ok_status=201),
        summary="Ask for a particular officer's help, through the Clerk",
    )
    def create(self, request: Request) -> Response:
        data = self._input(s.HelpRequestCreateSerializer)
        obj = services.request_officer_help(
            actor=request.user,
            requested_by=data.get("requested_by") or self._me(),
            officer=data["officer"],
            description=data["description"],
        )
        return self._out(obj, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.HelpDecisionSerializer,
        responses=_responses(s.HelpRequestSerializer, 400, 401, 403, 404, 409),
        summary="The Clerk's decision",
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        data = self._input(s.HelpDecisionSerializer)
        services.decide_officer_help_request(actor=request.user, request=obj, **data)
        return self._out(obj)


@extend_schema_view(
    list=extend_schema(summary="Ward notifications you may see (Lancaster 10, Hounslow 4.3)"),
    retrieve=extend_schema(
        summary="One notification; the resident is named only with consent",
        responses=_responses(s.WardNotificationSerializer, 401, 404),
    ),
)
class WardNotificationViewSet(RegisterViewSet):
    serializer_class = s.WardNotificationSerializer
    queryset = WardNotification.objects.none()
    selector = staticmethod(selectors.visible_ward_notifications_for)

    @extend_schema(
        request=s.WardNotificationCreateSerializer,
        responses=_responses(s.WardNotificationSerializer, 400, 401, 403, ok_status=201),
        summary="Notify ward members",
    )
    def create(self, request: Request) -> Response:
        data = self._input(s.WardNotificationCreateSerializer)
        wards = list(data.pop("wards"))
        if not wards:
            raise exceptions.ValidationError({"wards": ["Choose the ward or wards affected."]})
        obj = services.record_ward_notification(
            actor=request.user, council=wards[0].council, wards=wards, **data
        )
        return self._out(obj, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.WardConsentSerializer,
        responses=_responses(s.WardNotificationSerializer, 400, 401, 403, 404, 409),
        summary="Record or withdraw consent (Lancaster 10.3-10.5)",
    )
    @action(detail=True, methods=["post"])
    def consent(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        data = self._input(s.WardConsentSerializer)
        services.record_ward_consent(actor=request.user, notification=obj, **data)
        return self._out(obj)


@extend_schema_view(
    list=extend_schema(summary="Interest advice you may see (Maldon 8.1: in confidence)"),
    retrieve=extend_schema(
        summary="One request for advice", responses=_responses(s.InterestAdviceSerializer, 401, 404)
    ),
)
class InterestAdviceViewSet(RegisterViewSet):
    serializer_class = s.InterestAdviceSerializer
    state_choices = AdviceState.values
    queryset = InterestAdvice.objects.none()
    selector = staticmethod(selectors.visible_interest_advice_for)

    @extend_schema(
        request=s.InterestAdviceCreateSerializer,
        responses=_responses(s.InterestAdviceSerializer, 400, 401, 403, ok_status=201),
        summary="Ask the Monitoring Officer for advice on an interest",
    )
    def create(self, request: Request) -> Response:
        data = self._input(s.InterestAdviceCreateSerializer)
        obj = services.ask_interest_advice(
            actor=request.user, member=data.get("member") or self._me(), question=data["question"]
        )
        return self._out(obj, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.AdviceSerializer,
        responses=_responses(s.InterestAdviceSerializer, 400, 401, 403, 404, 409),
        summary="The Monitoring Officer's advice",
    )
    @action(detail=True, methods=["post"])
    def advise(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        data = self._input(s.AdviceSerializer)
        services.give_interest_advice(actor=request.user, item=obj, advice=data["advice"])
        return self._out(obj)

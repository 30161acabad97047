"""A member's non-routine request for information (Lancaster 8, Maldon 10, Hounslow 5.3).

The route is Lancaster's (8.6-8.9), the fullest of the five: would a member of the public get
it? → if not, does s.100F LGA 1972 or the common-law "need to know" give access? → if not, it is
handled as a Freedom of Information request, with an internal review by the Monitoring Officer
and then the Information Commissioner. Each council's `InformationPolicy` says who decides.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from contacts.models import Council, Person, Role
from protocol_site.audit_models import HashChainedEvent

from .schedule12a import Schedule12AParagraph, s100f_gives_access

# Lancaster 8.9: the words every need-to-know disclosure carries.
LANCASTER_CAVEAT = (
    "This information is provided to you in your capacity as a Member of the Council. It is only "
    "to be used for the purpose of exercising your functions as a Member, and should not be made "
    "public."
)
# Maldon 10.3.
MALDON_CAVEAT = (
    "This information is provided to you as a Member. It may only be used for the proper "
    "performance of your duties and should not be used for your own or others' personal "
    "advantage. Exempt or confidential information must not be disclosed to persons outside the "
    "Council."
)


class InformationPolicy(models.Model):
    """Who decides each step of a member's information request at one council."""

    council = models.OneToOneField(
        Council, on_delete=models.CASCADE, related_name="information_policy"
    )
    decider_role = models.CharField(
        max_length=40,
        choices=Role.choices,
        help_text="Who first decides whether a member of the public would get the information "
        "(Lancaster 8.6: the Service Head; Maldon 10.2: the Director holding it; a parish: "
        "the Clerk).",
    )
    need_to_know_role = models.CharField(
        max_length=40,
        choices=Role.choices,
        default=Role.MONITORING_OFFICER,
        help_text="Whose determination of 'need to know' is final (Lancaster 8.7: the "
        "Monitoring Officer; Maldon 10.2: the Director, to whose satisfaction it is shown).",
    )
    dispute_role = models.CharField(
        max_length=40,
        choices=Role.choices,
        blank=True,
        help_text="Who decides a dispute about a refusal (Maldon 10.2: the Head of Paid Service). "
        "Blank where the need-to-know determination is final (Lancaster 8.7).",
    )
    review_role = models.CharField(
        max_length=40,
        choices=Role.choices,
        default=Role.MONITORING_OFFICER,
        help_text="Who carries out the FOI internal review (Lancaster 8.8: the Monitoring "
        "Officer).",
    )
    s100f_applies = models.BooleanField(
        default=True,
        help_text="Section 100F LGA 1972 binds principal councils only; a parish or town "
        "council's members rely on the common law and FOI.",
    )
    reasons_required_outside_committee = models.BooleanField(
        default=False,
        help_text="Maldon 10.2: a request not directly relevant to the member's service on a "
        "body must be put in writing with the reasons for seeking it.",
    )
    resource_pause = models.BooleanField(
        default=False,
        help_text="Hounslow 5.3: where the resource implications are considerable, the group "
        "leaders and the Head of Paid Service agree what is provided.",
    )
    caveat_text = models.TextField(
        default=LANCASTER_CAVEAT,
        help_text="Printed on every disclosure under s.100F or need to know (Lancaster 8.9).",
    )
    protocol_reference = models.CharField(max_length=100, blank=True)
    guidance = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "information policies"

    def __str__(self) -> str:
        return f"Information policy for {self.council}"

    @classmethod
    def default_for(cls, council: Council) -> InformationPolicy:
        """The Lancaster route, unsaved, for a council nobody has configured yet."""
        return cls(
            council=council,
            decider_role=Role.CLERK if council.is_parish else Role.SERVICE_HEAD,
            need_to_know_role=Role.MONITORING_OFFICER,
            s100f_applies=not council.is_parish,
            protocol_reference="Lancaster 8.6-8.9 (default)",
        )

    @property
    def decider_label(self) -> str:
        return Role(self.decider_role).label

    @property
    def need_to_know_label(self) -> str:
        return Role(self.need_to_know_role).label

    @property
    def review_label(self) -> str:
        return Role(self.review_role).label

    @property
    def dispute_label(self) -> str:
        return Role(self.dispute_role).label if self.dispute_role else ""


class InfoRequestState(models.TextChoices):
    RECEIVED = "received", "Received"
    DETERMINING = "determining", "Considering s.100F and need to know"
    DISPUTED = "disputed", "Refusal disputed"
    REFUSED = "refused", "s.100F and need to know not met"
    PROVIDED = "provided", "Provided"
    FOI = "foi", "Being handled under the Freedom of Information Act"
    FOI_DECIDED = "foi_decided", "FOI decision made"
    INTERNAL_REVIEW = "internal_review", "Internal review"
    REVIEW_DECIDED = "review_decided", "Internal review decided"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


S = InfoRequestState
OPEN_STATES = (S.RECEIVED, S.DETERMINING, S.DISPUTED, S.REFUSED, S.FOI)
# Hounslow 5.3 applies while somebody still has work to do to provide the information.
RESOURCE_PAUSE_STATES = (S.RECEIVED, S.DETERMINING, S.FOI)


class Route(models.TextChoices):
    PUBLIC = "public", "Would be given to a member of the public"
    S100F = "s100f", "Section 100F Local Government Act 1972"
    NEED_TO_KNOW = "need_to_know", "Common-law need to know"
    FOI = "foi", "Freedom of Information Act 2000"


class RefusalReason(models.TextChoices):
    """Why neither s.100F nor need to know gives access (Lancaster 8.4)."""

    MERE_CURIOSITY = "mere_curiosity", "Mere curiosity is not sufficient"
    ROVING_COMMISSION = (
        "roving_commission",
        "Members have no right to a roving commission to examine documents",
    )
    IMPROPER_MOTIVE = "improper_motive", "The motive is indirect, improper or ulterior"
    NOT_NECESSARY = (
        "not_necessary",
        "Not reasonably necessary for the member's duties as a member",
    )
    EXEMPT_INFORMATION = (
        "exempt_information",
        "Exempt information (Schedule 12A) that section 100F does not reach",
    )


class FoiOutcome(models.TextChoices):
    DISCLOSED = "disclosed", "Disclosed in full"
    PART_DISCLOSED = "part_disclosed", "Disclosed in part, an exemption applying to the rest"
    REFUSED = "refused", "Refused: an exemption applies"


class FoiExemption(models.TextChoices):
    """The FOIA provisions a refusal most often cites (Lancaster 8.8: "as a result of an
    exemption")."""

    S12 = "s12", "s.12 Cost of compliance exceeds the appropriate limit"
    S14 = "s14", "s.14 Vexatious or repeated request"
    S21 = "s21", "s.21 Information accessible by other means"
    S22 = "s22", "s.22 Intended for future publication"
    S30 = "s30", "s.30 Investigations and proceedings"
    S31 = "s31", "s.31 Law enforcement"
    S36 = "s36", "s.36 Prejudice to the effective conduct of public affairs"
    S38 = "s38", "s.38 Health and safety"
    S40 = "s40", "s.40 Personal information"
    S41 = "s41", "s.41 Information provided in confidence"
    S42 = "s42", "s.42 Legal professional privilege"
    S43 = "s43", "s.43 Commercial interests"
    S44 = "s44", "s.44 Prohibitions on disclosure"


class ReviewOutcome(models.TextChoices):
    UPHELD = "upheld", "Original decision upheld"
    PART_OVERTURNED = "part_overturned", "Original decision changed in part"
    OVERTURNED = "overturned", "Original decision overturned: information to be disclosed"


class InfoRequestCounter(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["council", "year"], name="info_request_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.council_id}/{self.year}: {self.last}"


class InfoRequest(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(max_length=30, unique=True)
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="info_requests")
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="info_requests")
    description = models.TextField()
    received_at = models.DateTimeField()
    state = FSMField(
        max_length=30,
        choices=InfoRequestState.choices,
        default=InfoRequestState.RECEIVED,
        protected=True,
    )
    route = models.CharField(max_length=20, choices=Route.choices, null=True, blank=True)
    # Maldon 10.2: business of a body the member sits on, or reasons in writing.
    own_committee_business = models.BooleanField(null=True, blank=True)
    reasons = models.TextField(blank=True)
    decider = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Hounslow 5.3: paused for the group leaders and the HoPS to agree what is provided.
    resource_paused_at = models.DateTimeField(null=True, blank=True)
    resource_pause_reason = models.TextField(blank=True)
    resource_agreed_at = models.DateTimeField(null=True, blank=True)
    resource_agreement = models.TextField(blank=True)

    # The disclosure (routes public, s100f, need_to_know).
    provided_at = models.DateTimeField(null=True, blank=True)
    caveat = models.TextField(blank=True, help_text="Lancaster 8.9, as printed on the disclosure.")
    decision_note = models.TextField(blank=True)

    # Lancaster 8.4 / 8.7: s.100F and need to know not met.
    refused_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(max_length=30, choices=RefusalReason.choices, blank=True)
    refusal_detail = models.TextField(blank=True)
    # Maldon 10.2: a dispute goes to the Head of Paid Service.
    disputed_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.TextField(blank=True)
    dispute_decided_at = models.DateTimeField(null=True, blank=True)

    # Lancaster 8.8: handled as an FOI request.
    foi_started_at = models.DateTimeField(null=True, blank=True)
    legal_advice = models.TextField(blank=True)
    legal_advice_at = models.DateTimeField(null=True, blank=True)
    clarification_requested_at = models.DateTimeField(null=True, blank=True)
    clarification_question = models.TextField(blank=True)
    clarification_received_at = models.DateTimeField(null=True, blank=True)
    foi_outcome = models.CharField(max_length=20, choices=FoiOutcome.choices, blank=True)
    foi_exemptions = models.JSONField(default=list, blank=True)
    foi_decided_at = models.DateTimeField(null=True, blank=True)
    foi_decision_note = models.TextField(blank=True)
    review_requested_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)
    review_outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices, blank=True)
    review_decided_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    ico_complaint_made = models.BooleanField(null=True, blank=True)
    ico_recorded_at = models.DateTimeField(null=True, blank=True)
    ico_note = models.TextField(blank=True)

    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["council", "state", "-received_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="provided")
                | Q(route__in=["public", "s100f", "need_to_know"], provided_at__isnull=False),
                name="info_request_provided_has_route",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["foi", "foi_decided", "internal_review", "review_decided"])
                | Q(route="foi", foi_started_at__isnull=False),
                name="info_request_foi_has_route",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    # -- derived --------------------------------------------------------------------------------
    @property
    def policy(self) -> InformationPolicy:
        try:
            return self.council.information_policy
        except InformationPolicy.DoesNotExist:
            return InformationPolicy.default_for(self.council)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_resource_paused(self) -> bool:
        return self.resource_paused_at is not None

    @property
    def awaiting_clarification(self) -> bool:
        return self.clarification_requested_at is not None and (
            self.clarification_received_at is None
        )

    @property
    def carries_caveat(self) -> bool:
        return bool(self.caveat)

    def may_be_made_public(self) -> bool:
        """Lancaster 8.9: FOI disclosures may be made public; caveated ones may not."""
        return self.route in (Route.PUBLIC, Route.FOI)

    # -- conditions ----------------------------------------------------------------------------
    def s100f_available(self) -> bool:
        return self.policy.s100f_applies

    def dispute_available(self) -> bool:
        return bool(self.policy.dispute_role) and self.disputed_at is None

    def not_awaiting_clarification(self) -> bool:
        return not self.awaiting_clarification

    def is_awaiting_clarification(self) -> bool:
        return self.awaiting_clarification

    def resource_pause_available(self) -> bool:
        return self.policy.resource_pause and self.resource_paused_at is None

    def resource_paused(self) -> bool:
        return self.resource_paused_at is not None

    # -- transitions: fields only; services check who, save, audit and run the clocks ----------
    @transition(field=state, source=S.RECEIVED, target=S.PROVIDED)
    def provide_as_public(self, *, at: Any, note: str = "") -> None:
        # Lancaster 8.6: what any member of the public would get is simply provided.
        self.route = Route.PUBLIC
        self.provided_at = at
        self.decision_note = note

    @transition(field=state, source=S.RECEIVED, target=S.DETERMINING)
    def consider_member_rights(self) -> None:
        """Lancaster 8.7: not for the public, so s.100F or need to know, consulting the MO."""

    @transition(
        field=state,
        source=S.DETERMINING,
        target=S.PROVIDED,
        conditions=[s100f_available],  # type: ignore[list-item]
    )
    def provide_under_s100f(self, *, at: Any, caveat: str, note: str = "") -> None:
        self.route = Route.S100F
        self.provided_at = at
        self.caveat = caveat
        self.decision_note = note

    @transition(field=state, source=[S.DETERMINING, S.DISPUTED], target=S.PROVIDED)
    def provide_on_need_to_know(self, *, at: Any, caveat: str, note: str = "") -> None:
        self.route = Route.NEED_TO_KNOW
        self.provided_at = at
        self.caveat = caveat
        self.decision_note = note
        if self.disputed_at is not None:
            self.dispute_decided_at = at

    @transition(field=state, source=S.DETERMINING, target=S.REFUSED)
    def refuse_access(self, *, at: Any, reason: str, detail: str = "") -> None:
        self.refused_at = at
        self.refusal_reason = reason
        self.refusal_detail = detail

    @transition(field=state, source=S.REFUSED, target=S.DISPUTED, conditions=[dispute_available])  # type: ignore[list-item]
    def dispute_refusal(self, *, at: Any, reason: str) -> None:
        self.disputed_at = at
        self.dispute_reason = reason

    @transition(field=state, source=S.DISPUTED, target=S.REFUSED)
    def uphold_refusal(self, *, at: Any) -> None:
        self.dispute_decided_at = at

    @transition(field=state, source=[S.RECEIVED, S.DETERMINING, S.REFUSED], target=S.FOI)
    def treat_as_foi(self, *, at: Any) -> None:
        # Lancaster 8.8: without the member having to make a separate FOI request.
        self.route = Route.FOI
        self.foi_started_at = at
        if self.refused_at is None:
            self.refused_at = at

    @transition(field=state, source=S.FOI, target=None, conditions=[not_awaiting_clarification])  # type: ignore[list-item]
    def seek_clarification(self, *, at: Any, question: str) -> None:
        self.clarification_requested_at = at
        self.clarification_question = question
        self.clarification_received_at = None

    @transition(
        field=state,
        source=S.FOI,
        target=None,
        conditions=[is_awaiting_clarification],  # type: ignore[list-item]
    )
    def record_clarification(self, *, at: Any) -> None:
        self.clarification_received_at = at

    @transition(field=state, source=S.FOI, target=None)
    def note_legal_advice(self, *, at: Any, advice: str) -> None:
        self.legal_advice = advice
        self.legal_advice_at = at

    @transition(
        field=state,
        source=S.FOI,
        target=S.FOI_DECIDED,
        conditions=[not_awaiting_clarification],  # type: ignore[list-item]
    )
    def decide_foi(self, *, at: Any, outcome: str, exemptions: list[str], note: str) -> None:
        self.foi_outcome = outcome
        self.foi_exemptions = list(exemptions)
        self.foi_decided_at = at
        self.foi_decision_note = note

    @transition(field=state, source=S.FOI_DECIDED, target=S.INTERNAL_REVIEW)
    def request_internal_review(self, *, at: Any, reason: str) -> None:
        self.review_requested_at = at
        self.review_reason = reason

    @transition(field=state, source=S.INTERNAL_REVIEW, target=S.REVIEW_DECIDED)
    def decide_internal_review(self, *, at: Any, outcome: str, note: str) -> None:
        self.review_outcome = outcome
        self.review_decided_at = at
        self.review_note = note

    @transition(field=state, source=S.REVIEW_DECIDED, target=S.CLOSED)
    def record_ico_complaint(self, *, at: Any, complained: bool, note: str = "") -> None:
        self.ico_complaint_made = complained
        self.ico_recorded_at = at
        self.ico_note = note
        self.closed_at = at

    @transition(
        field=state,
        source=list(RESOURCE_PAUSE_STATES),
        target=None,
        conditions=[resource_pause_available],  # type: ignore[list-item]
    )
    def pause_for_resource_agreement(self, *, at: Any, reason: str) -> None:
        self.resource_paused_at = at
        self.resource_pause_reason = reason

    @transition(
        field=state,
        source=list(RESOURCE_PAUSE_STATES),
        target=None,
        conditions=[resource_paused],  # type: ignore[list-item]
    )
    def record_resource_agreement(self, *, at: Any, agreement: str) -> None:
        self.resource_paused_at = None
        self.resource_agreed_at = at
        self.resource_agreement = agreement

    @transition(field=state, source=list(OPEN_STATES), target=S.WITHDRAWN)
    def withdraw(self, *, at: Any) -> None:
        self.closed_at = at


class RequestedItem(models.Model):
    """One document or piece of information asked for, marked with its Schedule 12A paragraph."""

    info_request = models.ForeignKey(InfoRequest, on_delete=models.CASCADE, related_name="items")
    description = models.CharField(max_length=500)
    schedule_12a_paragraph = models.CharField(
        max_length=1,
        choices=Schedule12AParagraph.choices,
        null=True,
        blank=True,
        help_text="Leave blank when the information is not exempt.",
    )
    contract_negotiation_terms = models.BooleanField(
        default=False,
        help_text="Paragraph 3 only: terms proposed by or to the council in negotiations for a "
        "contract.",
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contract_negotiation_terms=False) | Q(schedule_12a_paragraph="3"),
                name="requested_item_contract_terms_only_para_3",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def s100f_access(self) -> tuple[bool, str]:
        return s100f_gives_access(
            self.schedule_12a_paragraph,
            contract_negotiation_terms=self.contract_negotiation_terms,
        )


class InfoEventAction(models.TextChoices):
    CREATED = "created", "Request received"
    PROVIDED = "provided", "Information provided"
    CONSIDERING = "considering", "s.100F and need to know being considered"
    REFUSED = "refused", "s.100F and need to know not met"
    DISPUTED = "disputed", "Refusal disputed"
    DISPUTE_DECIDED = "dispute_decided", "Dispute decided"
    TREATED_AS_FOI = "treated_as_foi", "Handled as an FOI request"
    CLARIFICATION_SOUGHT = "clarification_sought", "Clarification sought"
    CLARIFICATION_RECEIVED = "clarification_received", "Clarification received"
    LEGAL_ADVICE_NOTED = "legal_advice_noted", "Legal advice noted"
    FOI_DECIDED = "foi_decided", "FOI decision made"
    REVIEW_REQUESTED = "review_requested", "Internal review requested"
    REVIEW_DECIDED = "review_decided", "Internal review decided"
    ICO_RECORDED = "ico_recorded", "Information Commissioner complaint recorded"
    RESOURCE_PAUSED = "resource_paused", "Paused for resource agreement"
    RESOURCE_AGREED = "resource_agreed", "Resource agreement recorded"
    ITEM_ADDED = "item_added", "Item added"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CLOCK_STARTED = "clock_started", "Clock started"
    CLOCK_PAUSED = "clock_paused", "Clock paused"
    CLOCK_RESUMED = "clock_resumed", "Clock resumed"
    CLOCK_MET = "clock_met", "Clock met"
    CLOCK_EXTENDED = "clock_extended", "Clock extended"
    CLOCK_RECALCULATED = "clock_recalculated", "Clock recalculated"
    REMINDER_SENT = "reminder_sent", "Reminder sent"
    CLOCK_BREACHED = "clock_breached", "Clock breached"
    ANONYMISED = "anonymised", "Anonymised under the retention policy"


class ImmutableEventError(Exception):
    pass


class InfoRequestEvent(HashChainedEvent):
    """An immutable audit row, hash-chained to the request's previous event (as CaseEvent)."""

    immutable_error = ImmutableEventError

    info_request = models.ForeignKey(InfoRequest, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=200, help_text="Kept as it was at the time.")
    action = models.CharField(max_length=30, choices=InfoEventAction.choices)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["info_request", "at"])]

    def __str__(self) -> str:
        return f"{self.info_request_id} {self.action} at {self.at:%Y-%m-%d %H:%M}"

    def chain_payload(self) -> dict[str, Any]:
        return {
            "info_request": self.info_request_id,
            "from": self.from_state,
            "to": self.to_state,
            "reason": self.reason,
        }

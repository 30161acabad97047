"""The registers the protocols require besides disputes (see docs/adr/0003-registers-app.md).

The personal relationship register is `contacts.models.PersonalRelationship`: routing needs it.
Every entry here writes immutable `RegisterEvent` rows, hash-chained per entry like `CaseEvent`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition

from contacts.models import Council, Person, PoliticalGroup, Role, Ward
from protocol_site.audit_models import HashChainedEvent


class Register(models.TextChoices):
    RELATIONSHIP = "relationship", "Personal relationships"
    BRIEFING = "briefing", "Political group briefings"
    DECLINED_ATTENDANCE = "declined_attendance", "Group meetings declined"
    IMPROPER_APPROACH = "improper_approach", "Improper approaches and undue pressure"
    OFFICER_HELP = "officer_help", "Requests for an officer's help"
    WARD_NOTIFICATION = "ward_notification", "Ward notifications"
    INTEREST_ADVICE = "interest_advice", "Interest advice"


# -- Political group briefings (Maldon 7.1, Lancaster 3.1-3.4, Hounslow 5-7) ---------------------


class BriefingPolicy(models.Model):
    """How a council passes one group's briefing to the others.

    Maldon 7.1: advice given to one group is available to the others before the decision
    meeting. Lancaster 3.1: it is not passed on as a matter of routine, only at the briefed
    group's written request.
    """

    council = models.OneToOneField(
        Council, on_delete=models.CASCADE, related_name="briefing_policy"
    )
    share_only_on_written_request = models.BooleanField(
        default=False,
        help_text="Lancaster 3.1: pass briefing information to other groups only at the briefed "
        "group's written request.",
    )
    offer_to_all_groups = models.BooleanField(
        default=True,
        help_text="Maldon 7.1: a service made available to one group is made available to all "
        "groups, so recording a briefing offers the same to every other group. Off where the "
        "protocol says otherwise (Lancaster 3.1: not passed on as a matter of routine).",
    )
    giver_roles = models.JSONField(
        default=list,
        blank=True,
        help_text="Roles that may brief a political group (Lancaster 3.1: the Chief Executive or "
        "Service Heads). Empty: any officer.",
    )
    approval_role = models.CharField(
        max_length=40,
        choices=Role.choices,
        blank=True,
        help_text="Whose approval lets any other officer brief a group (Lancaster 3.1: the "
        "Chief Executive). Blank: nobody else may.",
    )
    protocol_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name_plural = "briefing policies"

    def __str__(self) -> str:
        return f"Briefing policy for {self.council}"


class Briefing(models.Model):
    """A briefing or other service an officer gave one political group."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="briefings")
    group = models.ForeignKey(PoliticalGroup, on_delete=models.PROTECT, related_name="briefings")
    officer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="briefings_given")
    topic = models.CharField(max_length=200)
    given_on = models.DateField()
    decision_meeting = models.CharField(
        max_length=200, blank=True, help_text="The formal meeting that will decide the matter."
    )
    decision_meeting_on = models.DateField(null=True, blank=True)
    advice = models.TextField(help_text="The information and advice given to the group.")
    # Lancaster 3.1: an officer who is neither the Chief Executive nor a Service Head briefs a
    # group only "with the approval of the Chief Executive": who approved.
    approved_by = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="briefings_approved",
    )
    written_request_received_on = models.DateField(null=True, blank=True)
    written_request_reference = models.CharField(max_length=200, blank=True)
    information_shared_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-pk"]
        indexes = [models.Index(fields=["council", "-given_on"])]

    def __str__(self) -> str:
        return f"Briefing to {self.group}: {self.topic}"


class OfferStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class BriefingOffer(models.Model):
    """The same service offered to another group (Maldon 7.1: made available to all groups)."""

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="offers")
    group = models.ForeignKey(PoliticalGroup, on_delete=models.PROTECT, related_name="offers")
    status = models.CharField(
        max_length=10, choices=OfferStatus.choices, default=OfferStatus.OFFERED
    )
    offered_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    response_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["briefing", "group__name"]
        constraints = [
            models.UniqueConstraint(fields=["briefing", "group"], name="briefing_offer_unique"),
        ]

    def __str__(self) -> str:
        return f"Offer to {self.group} ({self.status})"


class DeclinedAttendance(models.Model):
    """An officer declined to attend a group meeting as too political (Hounslow 7.2,
    Lancaster 3.2(a))."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="declined_meetings")
    group = models.ForeignKey(PoliticalGroup, on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="meetings_declined")
    meeting_on = models.DateField()
    reason = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-meeting_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.officer} declined {self.group} on {self.meeting_on}"


# -- Improper approaches and undue pressure (Maldon 3.3, Lancaster 5.1-5.2) ----------------------


class ApproachKind(models.TextChoices):
    OFFICER_APPROACH = (
        "officer_approach",
        "An officer sought to influence a member (Maldon 3.3, Lancaster 5.2)",
    )
    MEMBER_PRESSURE = (
        "member_pressure",
        "A member put undue pressure on an officer (Lancaster 5.1)",
    )


class ApproachState(models.TextChoices):
    REPORTED = "reported", "Reported"
    UNDER_REVIEW = "under_review", "Under review"
    CLOSED = "closed", "Closed"


class ImproperApproach(models.Model):
    council = models.ForeignKey(
        Council, on_delete=models.PROTECT, related_name="improper_approaches"
    )
    kind = models.CharField(max_length=20, choices=ApproachKind.choices)
    reported_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="approaches_reported"
    )
    about = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="approaches_about")
    # Maldon 3.3 "reported to the Head of Paid Service"; Lancaster 5.2 "the Chief Executive".
    reported_to_role = models.CharField(
        max_length=40, choices=Role.choices, default=Role.HEAD_OF_PAID_SERVICE
    )
    reported_to = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="approaches_received"
    )
    occurred_on = models.DateField()
    reported_at = models.DateTimeField()
    description = models.TextField()
    state = FSMField(
        max_length=20, choices=ApproachState.choices, default=ApproachState.REPORTED, protected=True
    )
    review_started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-reported_at", "-pk"]
        indexes = [models.Index(fields=["council", "state", "-reported_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reported_by=models.F("about")), name="approach_not_about_self"
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | ~Q(outcome=""), name="approach_closed_has_outcome"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reported by {self.reported_by}"

    # Transitions change fields only; registers.services saves and audits.
    @transition(field=state, source=ApproachState.REPORTED, target=ApproachState.UNDER_REVIEW)
    def start_review(self, *, at: Any) -> None:
        self.review_started_at = at

    @transition(
        field=state,
        source=[ApproachState.REPORTED, ApproachState.UNDER_REVIEW],
        target=ApproachState.CLOSED,
    )
    def close(self, *, at: Any, outcome: str) -> None:
        self.closed_at = at
        self.outcome = outcome


# -- Requests for a particular officer's help (Halstead 1.4) ----------------------------------


class HelpDecision(models.TextChoices):
    PENDING = "pending", "Waiting for the Clerk"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class OfficerHelpRequest(models.Model):
    council = models.ForeignKey(
        Council, on_delete=models.PROTECT, related_name="officer_help_requests"
    )
    requested_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="help_requested"
    )
    officer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="help_requests")
    description = models.TextField()
    requested_at = models.DateTimeField()
    decision = models.CharField(
        max_length=10, choices=HelpDecision.choices, default=HelpDecision.PENDING
    )
    # Halstead 1.4: the Clerk weighs the officer's workload, whether the request is appropriate,
    # and whether all members should be informed.
    within_workload = models.BooleanField(null=True, blank=True)
    appropriate = models.BooleanField(null=True, blank=True)
    inform_all_members = models.BooleanField(default=False)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="pending") | Q(decided_at__isnull=False),
                name="help_request_decided_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requested_by} asks for {self.officer}'s help"


# -- Ward notifications (Lancaster 10.1-10.5, Hounslow 4.3) -------------------------------------


class WardNotificationKind(models.TextChoices):
    PUBLIC_MEETING = "public_meeting", "Public meeting on a local issue (Lancaster 10.1)"
    CONSULTATION = "consultation", "Consultation on a local issue (Lancaster 10.1)"
    LOCAL_ACTIVITY = "local_activity", "Significant events or works in the ward (Lancaster 10.1)"
    LOCATION_ISSUE = "location_issue", "A resident's location-related issue (Lancaster 10.3)"


class SharingConsent(models.TextChoices):
    """Lancaster 10.5: who, if anyone, agreed the other ward councillors may be told."""

    NONE = "", "Nobody: only the councillor who raised it"
    RESIDENT = "resident", "The resident"
    RAISING_COUNCILLOR = "raising_councillor", "The councillor who first raised it"


class WardNotification(models.Model):
    council = models.ForeignKey(
        Council, on_delete=models.PROTECT, related_name="ward_notifications"
    )
    kind = models.CharField(max_length=20, choices=WardNotificationKind.choices)
    wards = models.ManyToManyField(Ward, related_name="notifications")
    subject = models.CharField(max_length=200)
    details = models.TextField(help_text="What is happening and what action is being taken.")
    location = models.CharField(max_length=200, blank=True)
    event_on = models.DateField(null=True, blank=True)
    notified_at = models.DateTimeField()
    notified_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="ward_notifications_sent"
    )
    # The resident who raised a location issue. Lancaster 10.3: their details are not passed on
    # to ward councillors without their consent.
    resident_name = models.CharField(max_length=200, blank=True)
    resident_contact = models.CharField(max_length=200, blank=True)
    resident_consents_to_identity_sharing = models.BooleanField(default=False)
    identity_consent_recorded_at = models.DateTimeField(null=True, blank=True)
    # Lancaster 10.5: a councillor acting for the resident in a multi-member ward.
    raised_via_councillor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="ward_issues_raised"
    )
    sharing_consent = models.CharField(
        max_length=20, choices=SharingConsent.choices, default=SharingConsent.NONE, blank=True
    )
    sharing_consent_recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-notified_at", "-pk"]
        indexes = [models.Index(fields=["council", "-notified_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(resident_consents_to_identity_sharing=False)
                | Q(identity_consent_recorded_at__isnull=False),
                name="ward_identity_consent_dated",
            ),
            models.CheckConstraint(
                condition=Q(sharing_consent="") | Q(sharing_consent_recorded_at__isnull=False),
                name="ward_sharing_consent_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def restricted_to_raising_councillor(self) -> bool:
        return self.raised_via_councillor_id is not None and not self.sharing_consent


# -- Interest advice (Maldon 8.1) --------------------------------------------------------------


class AdviceState(models.TextChoices):
    REQUESTED = "requested", "Asked"
    ADVISED = "advised", "Advice given"


class InterestAdvice(models.Model):
    """A member asks the Monitoring Officer about disclosing an interest; always in confidence."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="interest_advice")
    member = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="interest_advice")
    question = models.TextField()
    asked_at = models.DateTimeField()
    state = models.CharField(
        max_length=10, choices=AdviceState.choices, default=AdviceState.REQUESTED
    )
    advice = models.TextField(blank=True)
    advised_by = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interest_advice_given",
    )
    advised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at", "-pk"]
        verbose_name_plural = "interest advice"
        constraints = [
            models.CheckConstraint(
                condition=Q(state="requested") | (Q(advised_at__isnull=False) & ~Q(advice="")),
                name="interest_advice_given_has_text",
            ),
        ]

    def __str__(self) -> str:
        return f"Interest advice for {self.member}"


# -- The audit trail ---------------------------------------------------------------------------


class ImmutableRegisterEvent(Exception):
    pass


class RegisterEvent(HashChainedEvent):
    """An immutable audit row for one register entry, hash-chained to the entry's previous one.

    `data` never repeats confidential text: it names fields and ids, so the trail can be shown
    to whoever may see the entry.
    """

    immutable_error = ImmutableRegisterEvent
    immutable_noun = "Register events"

    register = models.CharField(max_length=30, choices=Register.choices)
    object_id = models.PositiveBigIntegerField()
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=200, help_text="Kept as it was at the time.")
    action = models.CharField(max_length=40)
    description = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["register", "object_id", "at"])]
        constraints = [
            # One successor per event, so an entry's trail cannot fork (as CaseEvent; issue #26).
            models.UniqueConstraint(
                fields=["register", "object_id", "previous_hash"],
                name="registerevent_one_successor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.register} {self.object_id} {self.action}"

    def chain_payload(self) -> dict[str, Any]:
        return {
            "register": self.register,
            "object": self.object_id,
            "council": self.council_id,
            "description": self.description,
        }

    @property
    def action_label(self) -> str:
        return self.action.replace("_", " ").capitalize()

"""Protocol variants (the council's ladder, as data) and the cases that climb them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from contacts.models import Council, Person, Role
from protocol_site.audit_models import HashChainedEvent, ImmutableEvent


class CaseType(models.TextChoices):
    MEMBER_CONCERN_ABOUT_OFFICER = (
        "member_concern_about_officer",
        "Member's concern about an officer",
    )
    MEMBER_COMPLAINT_ABOUT_OFFICER = (
        "member_complaint_about_officer",
        "Member's formal complaint about an officer",
    )
    OFFICER_CONCERN_ABOUT_MEMBER = (
        "officer_concern_about_member",
        "Officer's concern about a member",
    )
    OFFICER_COMPLAINT_ABOUT_MEMBER = (
        "officer_complaint_about_member",
        "Officer's complaint that a member broke the Code of Conduct",
    )

    @property
    def raiser_kind(self) -> str:
        return "councillor" if self.value.startswith("member_") else "officer"

    @property
    def subject_kind(self) -> str:
        return "officer" if self.value.endswith("_officer") else "councillor"


class CaseState(models.TextChoices):
    INFORMAL = "informal", "Informal resolution"
    CHIEF_OFFICER = "chief_officer", "Director / Chief Officer"
    HEAD_OF_PAID_SERVICE = "head_of_paid_service", "Head of Paid Service"
    LEADER = "leader", "Leader of the Council"
    MONITORING_OFFICER = "monitoring_officer", "Monitoring Officer"
    STANDARDS_COMMITTEE = "standards_committee", "Standards Committee"
    PERSONNEL_COMMITTEE = "personnel_committee", "Personnel Committee"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn"


CLOSED_STATES = (CaseState.RESOLVED, CaseState.WITHDRAWN)
ESCALATION_STATES = tuple(s for s in CaseState if s not in CLOSED_STATES)


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"
    LETTER = "letter", "Letter"
    WEB = "web", "Online form"


class InformedView(models.TextChoices):
    """What a person the route keeps informed reads when they open the case (issue #20)."""

    FULL = "full", "The full case, internal notes included"
    PARTY = "party", "What the parties see: no internal notes"


class VariantStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class ProtocolVariant(models.Model):
    """One council's route for one case type. Published versions are never edited."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="variants")
    case_type = models.CharField(max_length=40, choices=CaseType.choices)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=12, choices=VariantStatus.choices, default=VariantStatus.DRAFT
    )
    title = models.CharField(max_length=200)
    protocol_reference = models.CharField(
        max_length=100, blank=True, help_text="Where the route is written, e.g. 'Maldon 2.1-2.3'."
    )
    parties_may_escalate = models.BooleanField(
        default=True,
        help_text="Whether the person who raised the case may escalate it themself.",
    )
    auto_acknowledge = models.BooleanField(
        default=False,
        help_text="Send the emailed-concern acknowledgement automatically instead of as a draft.",
    )
    informal_wording_check = models.BooleanField(
        default=False,
        help_text="Maldon 1.2: warn when an informal note uses words like 'investigation'.",
    )
    office_hours_cutoff = models.TimeField(
        "office-hours cut-off",
        null=True,
        blank=True,
        help_text="Optional, for the council's own working-day clocks only: a concern received "
        "at or after this time, or on a weekend, bank holiday or closure day, counts as "
        "received on the next working day, so its clock ends a working day later. Never "
        "applies to FOI or internal-review clocks (FOIA s.10(1) and (6)). Leave empty to count "
        "from the day it arrived.",
    )
    informed_view = models.CharField(
        max_length=10,
        choices=InformedView.choices,
        default=InformedView.PARTY,
        help_text="What the people a step keeps informed read on the case (read-only).",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["council", "case_type", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "case_type", "version"], name="variant_version_unique"
            ),
            models.UniqueConstraint(
                fields=["council", "case_type"],
                condition=Q(status="published"),
                name="variant_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.council.slug} {self.case_type} v{self.version} ({self.status})"

    def ordered_steps(self) -> list[VariantStep]:
        # Uses the prefetch cache when there is one.
        return sorted(self.steps.all(), key=lambda s: s.position)

    def step_at(self, position: int) -> VariantStep:
        for step in self.ordered_steps():
            if step.position == position:
                return step
        raise VariantStep.DoesNotExist(f"{self} has no step {position}")


class VariantStep(models.Model):
    variant = models.ForeignKey(ProtocolVariant, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=30, choices=[(s.value, s.label) for s in ESCALATION_STATES])
    label = models.CharField(max_length=300, help_text="The rung in the council's own words.")
    handler_role = models.CharField(max_length=40, choices=Role.choices)
    inform_roles = models.JSONField(
        default=list, blank=True, help_text="Roles always kept informed at this step."
    )
    participant_roles = models.JSONField(
        default=list,
        blank=True,
        help_text="Roles the people answering this step may bring in to help, who then read the "
        "case (Maldon 2.1: the Leader of the Council / Opposition Leader where necessary).",
    )
    subject_responds = models.BooleanField(
        default=False,
        help_text="Maldon 2.2: the officer the case is about is told when it opens and may "
        "acknowledge and respond (the step's acknowledgement and response duties are theirs).",
    )
    protocol_reference = models.CharField(max_length=100, blank=True)
    guidance = models.TextField(blank=True)
    # "When the case is about the holder of role X, this step goes to Y" (Hounslow 11.2: a
    # complaint about the Chief Executive is raised with the Monitoring Officer). A list of
    # {"subject_role", "handler_role", "protocol_reference"}; the first that matches wins.
    subject_rules = models.JSONField(
        default=list,
        blank=True,
        help_text="When the case is about the holder of a role, this step goes to another role.",
    )

    class Meta:
        ordering = ["variant", "position"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "position"], name="step_position_unique"),
            models.UniqueConstraint(fields=["variant", "state"], name="step_state_unique"),
            models.CheckConstraint(condition=Q(position__gte=1), name="step_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.label}"


class ClockKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
    RESPONSE = "response", "Response"
    FOI_RESPONSE = "foi_response", "FOI response"
    INTERNAL_REVIEW = "internal_review", "Internal review"
    DECISION = "decision", "Decision"


class ClockUnit(models.TextChoices):
    CALENDAR_DAYS = "calendar_days", "Calendar days"
    WORKING_DAYS = "working_days", "Working days"


class ClockCalendar(models.TextChoices):
    COUNCIL = "council", "The council's nation, plus its closure days"
    ALL_UK = "all_uk", "All-UK (a bank holiday anywhere in the UK; FOIA s.10)"


# Statutory clocks: their day of receipt is fixed by law (FOIA s.10(1) and (6)), so a council's
# office-hours cut-off never applies to them.
STATUTORY_CLOCK_KINDS = frozenset({ClockKind.FOI_RESPONSE, ClockKind.INTERNAL_REVIEW})


def office_hours_cutoff_applies(*, kind: str, unit: str, calendar: str) -> bool:
    """Whether a variant's office-hours cut-off may move a clock of this kind: the council's
    own working-day clocks only, never FOI or internal-review ones or the all-UK calendar."""
    return (
        kind not in STATUTORY_CLOCK_KINDS
        and unit == ClockUnit.WORKING_DAYS
        and calendar != ClockCalendar.ALL_UK
    )


class ClockRule(models.Model):
    """A clock that starts when a case reaches `step`."""

    step = models.ForeignKey(VariantStep, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(max_length=30, choices=ClockKind.choices)
    length = models.PositiveSmallIntegerField()
    unit = models.CharField(max_length=20, choices=ClockUnit.choices)
    calendar = models.CharField(
        max_length=20, choices=ClockCalendar.choices, default=ClockCalendar.COUNCIL
    )
    only_channel = models.CharField(
        max_length=20,
        choices=Channel.choices,
        blank=True,
        help_text="Start only for cases received through this channel (e.g. email).",
    )
    protocol_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["step", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["step", "kind"], name="clock_rule_unique"),
            models.CheckConstraint(condition=Q(length__gte=1), name="clock_length_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.length} {self.get_unit_display().lower()}"


class ReferenceCounter(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["council", "year"], name="reference_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.council_id}/{self.year}: {self.last}"


class Case(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(max_length=30, unique=True)
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="cases")
    case_type = models.CharField(max_length=40, choices=CaseType.choices)
    # An open case keeps the version of the variant it was opened under.
    variant = models.ForeignKey(ProtocolVariant, on_delete=models.PROTECT, related_name="cases")
    step_position = models.PositiveSmallIntegerField(default=1)
    state = FSMField(max_length=30, choices=CaseState.choices, protected=True)
    raised_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases_raised")
    about = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases_about")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField()
    summary = models.TextField()
    handler = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="cases_handling"
    )
    handler_reason = models.TextField(blank=True)
    # The service the matter belongs to (issue #20): "their Director" is its head. The subject's
    # service for a case about an officer; asked for when the case is about a member.
    service = models.ForeignKey(
        "contacts.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    # West Lavington 4.1: "resolve matters informally, through conciliation by an appropriate
    # third party" - a person or body outside the council (4.2: e.g. the Society of Local
    # Council Clerks), recorded on the case.
    conciliator = models.CharField(
        max_length=200,
        blank=True,
        help_text="The appropriate third party conciliating: a person or body outside the "
        "council (West Lavington 4.1-4.2).",
    )
    conciliator_recorded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Unique per council and opening login (services._by_idempotency_key), never globally.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        permissions = [("view_case_as_reviewer", "Can see this case as an invited reviewer")]
        indexes = [
            models.Index(fields=["council", "state", "-received_at"]),
            models.Index(fields=["council", "-received_at", "-id"]),
            models.Index(fields=["handler", "state"]),
            # Issue #10 (docs/adr/0004-performance.md): the list order across every council a
            # user sees, so a page is an ordered index walk, not a sort of all visible cases;
            # and the case page's case-insensitive reference lookup.
            models.Index(fields=["-received_at", "-id"], name="case_received_order"),
            models.Index(Upper("reference"), name="case_reference_upper"),
        ]
        constraints = [
            # A retried request from the same login at the same council gets its case back; the
            # same key anywhere else is another key (issue #23). Cases the system opened (no
            # login) are kept unique by their source (an email's Message-ID).
            models.UniqueConstraint(
                fields=["council", "opened_by", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="case_idempotency_key_per_council_and_login",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    # -- derived --------------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.state not in CLOSED_STATES

    @property
    def current_step(self) -> VariantStep:
        return self.variant.step_at(self.step_position)

    def next_step(self) -> VariantStep | None:
        later = [s for s in self.variant.ordered_steps() if s.position > self.step_position]
        return later[0] if later else None

    def has_next_step(self) -> bool:
        return self.next_step() is not None

    def panel_member_ids(self) -> list[int]:
        """Who sits on the panel handling the current rung (empty for a one-person rung).
        Uses the prefetch cache when there is one."""
        return [s.person_id for s in self._current_seats()]

    def _current_seats(self) -> list[PanelSeat]:
        # Seats of the current rung; a member stood down by a re-formed panel is not one.
        position = self.step_position
        return [
            s
            for s in self.panel_seats.all()
            if s.step_position == position and s.stood_down_at is None
        ]

    def panel(self) -> list[Person]:
        seats = self._current_seats()
        return [s.person for s in sorted(seats, key=lambda s: (s.person.name, s.person_id))]

    def not_acknowledged(self) -> bool:
        return self.acknowledged_at is None

    def _state_of_current_step(self, *args: Any, **kwargs: Any) -> str:
        return self.current_step.state

    # -- transitions: fields only; services save, audit and notify -------------------------------
    @transition(
        field=state,
        source=list(ESCALATION_STATES),
        target=GET_STATE(_state_of_current_step, states=list(ESCALATION_STATES)),
        conditions=[has_next_step],  # type: ignore[list-item]
    )
    def escalate(self) -> None:
        step = self.next_step()
        if step is None:  # the has_next_step condition makes this unreachable
            raise VariantStep.DoesNotExist(f"{self} is at the last step of its route")
        self.step_position = step.position

    @transition(
        field=state,
        source=list(ESCALATION_STATES),
        target=None,
        conditions=[not_acknowledged],  # type: ignore[list-item]
    )
    def acknowledge(self, *, at: Any) -> None:
        self.acknowledged_at = at

    @transition(field=state, source=list(ESCALATION_STATES), target=None)
    def respond(self, *, at: Any) -> None:
        self.responded_at = at

    @transition(field=state, source=list(ESCALATION_STATES), target=CaseState.RESOLVED)
    def resolve(self, *, at: Any, outcome: str) -> None:
        self.closed_at = at
        self.outcome = outcome

    @transition(field=state, source=list(ESCALATION_STATES), target=CaseState.WITHDRAWN)
    def withdraw(self, *, at: Any) -> None:
        self.closed_at = at

    @transition(
        field=state,
        source=list(CLOSED_STATES),
        target=GET_STATE(_state_of_current_step, states=list(ESCALATION_STATES)),
    )
    def reopen(self) -> None:
        self.closed_at = None
        self.outcome = ""


class CaseAssignment(models.Model):
    """Every handler a case has had; past handlers keep sight of the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="case_assignments")
    step_position = models.PositiveSmallIntegerField()
    assigned_at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["assigned_at", "pk"]
        indexes = [models.Index(fields=["person", "case"])]

    def __str__(self) -> str:
        return f"{self.person_id} on {self.case_id} from step {self.step_position}"


class PanelSeat(models.Model):
    """A committee member sitting on the panel that handles one rung of a case.

    A rung handled by a committee (Maldon 5.1 the Standards Committee; West Lavington 4.2 "a
    small group of councillors" for personnel matters) is handled by its members, taken from
    their role assignments when the case reaches the rung; any of them may act, and each action
    records who. Past seats keep sight of the case, as past handlers do.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="panel_seats")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="panel_seats")
    step_position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=40, choices=Role.choices)
    seated_at = models.DateTimeField()
    # Set when a clerk re-forms the panel without this member; they keep sight of the case.
    stood_down_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["step_position", "person__name", "pk"]
        indexes = [models.Index(fields=["person", "case"])]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person", "step_position"], name="panel_seat_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} on the panel of {self.case_id} at step {self.step_position}"


class KeptInformed(models.Model):
    """Someone a step of the case's route keeps informed (Maldon 4.3 "The Leader must always be
    kept informed"; Hounslow 11.2 the Chief Executive and HR). Written when the case reaches the
    step, like a handler's `CaseAssignment`: they read the case, read-only, in the variant's
    `informed_view`, and keep sight of it after it moves on."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="kept_informed")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="kept_informed_of")
    role = models.CharField(max_length=40, choices=Role.choices)
    step_position = models.PositiveSmallIntegerField()
    since = models.DateTimeField()

    class Meta:
        ordering = ["since", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person", "step_position"], name="kept_informed_once_per_step"
            )
        ]
        indexes = [models.Index(fields=["person", "case"])]

    def __str__(self) -> str:
        return f"{self.person_id} informed of {self.case_id} from step {self.step_position}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Explicit per-case grants (e.g. a Standards Committee member), with a real foreign key."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class EventAction(models.TextChoices):
    OPENED = "opened", "Opened"
    ESCALATED = "escalated", "Escalated"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESPONDED = "responded", "Responded"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REOPENED = "reopened", "Reopened"
    ASSIGNED = "assigned", "Handler assigned"
    NOTE_ADDED = "note_added", "Note added"
    ACCESS_GRANTED = "access_granted", "Access granted"
    CLOCK_STARTED = "clock_started", "Clock started"
    CLOCK_MET = "clock_met", "Clock met"
    CLOCK_EXTENDED = "clock_extended", "Clock extended (holding reply)"
    CLOCK_PAUSED = "clock_paused", "Clock paused"
    CLOCK_RESUMED = "clock_resumed", "Clock resumed"
    CLOCK_RECALCULATED = "clock_recalculated", "Clock recalculated"
    REMINDER_SENT = "reminder_sent", "Reminder sent"
    CLOCK_BREACHED = "clock_breached", "Clock breached"
    ACKNOWLEDGEMENT_SENT = "acknowledgement_sent", "Acknowledgement sent"
    INFORMED = "informed", "Roles informed"
    ANONYMISED = "anonymised", "Anonymised"
    CONCILIATOR_RECORDED = "conciliator_recorded", "Conciliator recorded"
    SUMMARY_CORRECTED = "summary_corrected", "Summary corrected"


class ImmutableModelError(Exception):
    pass


class CaseEvent(HashChainedEvent):
    """An immutable audit row. Each carries a hash chained to the case's previous event."""

    immutable_error = ImmutableModelError

    # No index of its own: (case, at, id) below serves every lookup by case, and one index fewer
    # makes each audit INSERT cheaper (issue #10, docs/adr/0004-performance.md).
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    at = models.DateTimeField()
    # Indexed below only where set: the automatic events (the clocks) skip the index.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    actor_name = models.CharField(max_length=200, help_text="Kept as it was at the time.")
    action = models.CharField(max_length=30, choices=EventAction.choices)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            # The chain's order: a case's timeline, and its newest event (the tail the next
            # event chains on) in one index probe, without a sort.
            models.Index(fields=["case", "at", "id"], name="caseevent_chain"),
            models.Index(
                fields=["actor"], name="caseevent_actor", condition=Q(actor__isnull=False)
            ),
        ]
        constraints = [
            # One successor per event: two writers that both chained onto the same tail (a
            # missing row lock) fail instead of forking the trail (issue #26).
            models.UniqueConstraint(
                fields=["case", "previous_hash"], name="caseevent_one_successor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} at {self.at:%Y-%m-%d %H:%M}"

    def chain_payload(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "from": self.from_state,
            "to": self.to_state,
            "reason": self.reason,
        }


class NoteVisibility(models.TextChoices):
    INTERNAL = "internal", "Internal: officers handling the case only"
    SHARED = "shared", "Shared with the parties"


class Note(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=200)
    visibility = models.CharField(max_length=10, choices=NoteVisibility.choices)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Note on {self.case_id} by {self.author_name}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never carries the uploaded name (that is kept in original_name).
    import uuid

    return f"attachments/{instance.note.case.council_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class VariantEventAction(models.TextChoices):
    DRAFTED = "drafted", "Draft started"
    EDITED = "edited", "Draft edited"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"
    DISCARDED = "discarded", "Draft discarded"
    IMPORTED = "imported", "Configuration imported"
    COUNCIL_CREATED = "council_created", "Council created"


class VariantEvent(ImmutableEvent):
    """Who changed a council's protocol routes, what, and when (issue #12). Never edited.

    `variant` is kept nullable so a discarded draft's history survives; `case_type` and
    `version` say which route it was either way.
    """

    immutable_error = ImmutableModelError

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="variant_events")
    variant = models.ForeignKey(
        ProtocolVariant, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    case_type = models.CharField(max_length=40, choices=CaseType.choices, blank=True)
    version = models.PositiveIntegerField(null=True, blank=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=200, help_text="Kept as it was at the time.")
    action = models.CharField(max_length=30, choices=VariantEventAction.choices)
    summary = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["council", "-at"])]

    def __str__(self) -> str:
        return f"{self.council_id} {self.action} {self.case_type} v{self.version}"

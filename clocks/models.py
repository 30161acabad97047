"""Deadlines stored as rows (never recomputed in a list page) and the notices they send."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cases.models import ClockKind

# The sweep's partial indexes and queries share this one definition of "open", so the planner
# can match a query to its index (PostgreSQL only uses a partial index whose predicate the
# query's WHERE clause implies).
OPEN = Q(
    met_at__isnull=True,
    breached_at__isnull=True,
    paused_at__isnull=True,
    cancelled_at__isnull=True,
)


class DeadlineStatus(models.TextChoices):
    RUNNING = "running", "Running"
    MET = "met", "Met"
    MET_LATE = "met_late", "Met late"
    OVERDUE = "overdue", "Overdue"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"


def in_sentence(label: str) -> str:
    """A label as it reads mid-sentence: the first letter lowered, unless the first word is an
    acronym ("FOI response" stays as it is)."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return label
    return label[:1].lower() + label[1:]


class Deadline(models.Model):
    """A running clock on a case or an information request.

    `due_at` is always the current due moment (moved by a holding reply or a resumed pause);
    `original_due_at` keeps the first one. The sweep reads the partial indexes below only.
    """

    # No index of its own: deadline_case_kind (case, kind) serves lookups by case (issue #10).
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
        db_index=False,
    )
    # Indexed below only where set: a case's clocks skip the index.
    info_request = models.ForeignKey(
        "info_requests.InfoRequest",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
        db_index=False,
    )
    rule = models.ForeignKey(
        "cases.ClockRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=ClockKind.choices)
    length = models.PositiveSmallIntegerField()
    working_days = models.BooleanField()
    # A ClockCalendar value ("council" or "all_uk").
    calendar = models.CharField(max_length=20)
    step_position = models.PositiveSmallIntegerField(null=True, blank=True)
    # The council's office-hours cut-off in force when the clock started (a variant setting for
    # its own, non-statutory working-day clocks). Empty: the day of receipt is the London date
    # received, whatever the hour (FOIA s.10(1) and (6); Berend v ICO, EA/2006/0049-50).
    receipt_cutoff = models.TimeField(null=True, blank=True)
    starts_at = models.DateTimeField()
    due_at = models.DateTimeField()
    original_due_at = models.DateTimeField()
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.TextField(blank=True)
    # Days (in the clock's own unit) the clock has stood still, so a recompute keeps them.
    paused_days = models.PositiveIntegerField(default=0)
    extended_to = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["due_at"], name="deadline_open_due", condition=OPEN),
            models.Index(
                fields=["remind_at"],
                name="deadline_open_remind",
                condition=OPEN & Q(reminded_at__isnull=True, remind_at__isnull=False),
            ),
            models.Index(fields=["case", "kind"], name="deadline_case_kind"),
            models.Index(
                fields=["info_request"],
                name="deadline_info_request",
                condition=Q(info_request__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(case__isnull=False) & Q(info_request__isnull=True))
                | (Q(case__isnull=True) & Q(info_request__isnull=False)),
                name="deadline_has_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gte=models.F("starts_at")), name="deadline_due_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_at:%d %b %Y}"

    @property
    def kind_in_sentence(self) -> str:
        """The kind inside a sentence: "the acknowledgement", but "the FOI response"."""
        return in_sentence(self.get_kind_display())

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.breached_at is None and self.cancelled_at is None

    @property
    def is_breached(self) -> bool:
        return self.breached_at is not None

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def owner(self) -> models.Model:
        owner = self.case if self.case_id else self.info_request
        if owner is None:
            raise ValueError("A deadline belongs to a case or an information request.")
        return owner

    def status_at(self, now: datetime.datetime) -> str:
        """What a person should see now. A clock past its due moment reads as overdue even
        before the sweep has marked the breach."""
        if self.met_at:
            late = self.breached_at is not None or self.met_at > self.due_at
            return DeadlineStatus.MET_LATE if late else DeadlineStatus.MET
        if self.cancelled_at:
            return DeadlineStatus.STOPPED
        if self.breached_at or (self.paused_at is None and now > self.due_at):
            return DeadlineStatus.OVERDUE
        if self.paused_at:
            return DeadlineStatus.PAUSED
        return DeadlineStatus.RUNNING

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())


class NoticeKind(models.TextChoices):
    REMINDER = "reminder", "Reminder"
    BREACH = "breach", "Breach notice"
    EXTENSION = "extension", "Holding reply"
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"


class Notice(models.Model):
    """An email the clocks send. One per (deadline, kind, key), delivered at least once.

    `key` is empty for reminders, breaches and acknowledgements (one each per deadline) and the
    new due date for a holding reply (each new date is told once).
    """

    # No index of its own: notice_once_per_kind (deadline, kind, key) serves lookups by deadline
    # (issue #10, docs/adr/0004-performance.md).
    deadline = models.ForeignKey(
        Deadline, on_delete=models.CASCADE, related_name="notices", db_index=False
    )
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    key = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    # When the notice's audit row was written. A service that queues a notice writes its own
    # audit row in the same transaction (the default); the sweep leaves it empty and the
    # notice's task writes the row (notices.record_notice_event), so a sweep batch is two
    # statements rather than a lock and an audit row per case (issue #10).
    audited_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # Committed before the email is handed to the mail server, `sent_at` after: a notice with
    # the first and not the second may have gone (a worker killed mid-send), so the retry
    # sends it again with the same Message-ID. At least once, never silently lost (#23).
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "kind", "key"], name="notice_once_per_kind"
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], name="notice_unsent", condition=Q(sent_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for deadline {self.deadline_id}"


class DraftStatus(models.TextChoices):
    DRAFT = "draft", "Waiting for the handler"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Not needed"


class AcknowledgementDraft(models.Model):
    """Maldon 2.2: a concern raised by email is acknowledged within three working days.

    The system drafts the acknowledgement when the case opens; the handler reviews and sends it
    (or it goes at once where the variant says `auto_acknowledge`).
    """

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="acknowledgement_draft"
    )
    deadline = models.ForeignKey(
        Deadline, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_email = models.EmailField(blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=12, choices=DraftStatus.choices, default=DraftStatus.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notice = models.OneToOneField(
        Notice, null=True, blank=True, on_delete=models.SET_NULL, related_name="acknowledgement"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Acknowledgement draft for {self.case}"

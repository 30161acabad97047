"""Deadlines stored as rows (never recomputed in a list page) and the notices they send."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cases.models import ClockKind


class Deadline(models.Model):
    """A running clock on a case or an information request.

    `due_at` is always the current due moment (moved by a holding reply); `original_due_at`
    keeps the first one. The sweep reads the partial indexes below and nothing else.
    """

    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    info_request = models.ForeignKey(
        "info_requests.InfoRequest",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    rule = models.ForeignKey(
        "cases.ClockRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=ClockKind.choices)
    length = models.PositiveSmallIntegerField()
    working_days = models.BooleanField()
    calendar = models.CharField(max_length=20)
    step_position = models.PositiveSmallIntegerField(null=True, blank=True)
    starts_at = models.DateTimeField()
    due_at = models.DateTimeField()
    original_due_at = models.DateTimeField()
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    extended_to = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="deadline_open_due",
                condition=Q(
                    met_at__isnull=True,
                    breached_at__isnull=True,
                    paused_at__isnull=True,
                    cancelled_at__isnull=True,
                ),
            ),
            models.Index(
                fields=["remind_at"],
                name="deadline_open_remind",
                condition=Q(
                    met_at__isnull=True,
                    breached_at__isnull=True,
                    paused_at__isnull=True,
                    cancelled_at__isnull=True,
                    reminded_at__isnull=True,
                ),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(case__isnull=False) & Q(info_request__isnull=True))
                | (Q(case__isnull=True) & Q(info_request__isnull=False)),
                name="deadline_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_at:%d %b %Y}"

    @property
    def is_open(self) -> bool:
        return (
            self.met_at is None
            and self.breached_at is None
            and self.cancelled_at is None
        )

    @property
    def is_breached(self) -> bool:
        return self.breached_at is not None

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def status(self) -> str:
        if self.met_at:
            return "met late" if self.breached_at else "met"
        if self.cancelled_at:
            return "stopped"
        if self.breached_at:
            return "overdue"
        if self.paused_at:
            return "paused"
        return "running"


class NoticeKind(models.TextChoices):
    REMINDER = "reminder", "Reminder"
    BREACH = "breach", "Breach notice"


class Notice(models.Model):
    """One notice per deadline and kind: the unique key makes sending exactly-once."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.JSONField(default=list)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deadline", "kind"], name="notice_once_per_kind"),
        ]
        indexes = [models.Index(fields=["sent_at"], name="notice_unsent", condition=Q(sent_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for deadline {self.deadline_id}"

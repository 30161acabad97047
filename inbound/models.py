"""Emails received by the service (`manage.py ingest_email`, `POST /api/inbound-email/`).

Every well-formed email is kept once, by its Message-ID, whatever became of it: a new case, a
note on the case its subject names, or a place in the clerk's triage queue. Malformed mail (no
From, no Date, unparsable) is refused before anything is saved.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class InboundStatus(models.TextChoices):
    NEW = "new", "Waiting for triage"
    TRIAGED = "triaged", "Turned into a case"
    REJECTED = "rejected", "Rejected"
    PROCESSED = "processed", "Handled automatically"


class InboundOutcome(models.TextChoices):
    CASE_OPENED = "case_opened", "Opened a case"
    NOTE_ADDED = "note_added", "Added a note to a case"
    TRIAGE = "triage", "Sent to triage"


class InboundEmail(models.Model):
    message_id = models.CharField(max_length=998, unique=True)
    status = models.CharField(
        max_length=12, choices=InboundStatus.choices, default=InboundStatus.NEW, db_index=True
    )
    outcome = models.CharField(max_length=12, choices=InboundOutcome.choices)
    # Why the email waits for a person (unknown sender, no officer named, no route …).
    triage_reason = models.TextField(blank=True)
    raw = models.BinaryField(help_text="The message exactly as received (RFC 822).")
    from_address = models.EmailField(max_length=320)
    from_name = models.CharField(max_length=300, blank=True)
    to_addresses = models.JSONField(default=list, blank=True)
    cc_addresses = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    sent_at = models.DateTimeField(help_text="The email's Date header.")
    body_text = models.TextField(blank=True)
    body_was_html = models.BooleanField(default=False)
    attachments = models.JSONField(
        default=list, blank=True, help_text="[{name, content_type, size}] as received."
    )
    council = models.ForeignKey(
        "contacts.Council",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inbound_emails",
    )
    sender = models.ForeignKey(
        "contacts.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    about = models.ForeignKey(
        "contacts.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_emails",
    )
    note = models.ForeignKey(
        "cases.Note", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=20, help_text="command or api")
    received_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    # The clerks are told once that an email waits for them (`services.notify_clerks`).
    clerks_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["status", "council", "-received_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reason=""),
                name="inbound_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject or '(no subject)'}"

    @property
    def raw_bytes(self) -> bytes:
        return bytes(self.raw)

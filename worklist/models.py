"""What a person's worklist remembers about them: the views they saved and when they last
looked at each case (issue #24)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SavedView(models.Model):
    """A named set of case-list filters and sort, kept as the query string the list reads."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_view_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"


class CaseSeen(models.Model):
    """When `user` last opened `case`: one row per person and case, overwritten on each visit.

    A case whose newest event is later than this is "changed since you looked"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="case_seen_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.case_id} at {self.seen_at:%Y-%m-%d %H:%M}"


class ReplyTemplate(models.Model):
    """A council's standard wording for replying to a party from the case page. Edited by
    administrators (Django admin); Maldon 1.2's wording check is applied when saved."""

    council = models.ForeignKey(
        "contacts.Council", on_delete=models.CASCADE, related_name="reply_templates"
    )
    name = models.CharField(max_length=100)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["council", "name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="reply_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.council_id}: {self.name}"


class OutboundEmail(models.Model):
    """An email a person sent from the case page. Kept as sent: text, recipients and whether it
    was delivered to the mail server. Its subject carries the case reference, so a reply
    threads back to the case (inbound.services)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="outbound_emails")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_name = models.CharField(max_length=200)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"], name="outbound_case_created")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.subject}"

"""A member's non-routine request for information (Lancaster 8, Maldon 10, Hounslow 5.3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField

from contacts.models import Council, Person


class InfoRequestState(models.TextChoices):
    RECEIVED = "received", "Received"


class InfoRequest(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(max_length=30, unique=True)
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="info_requests")
    requested_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="info_requests"
    )
    description = models.TextField()
    received_at = models.DateTimeField()
    state = FSMField(
        max_length=30,
        choices=InfoRequestState.choices,
        default=InfoRequestState.RECEIVED,
        protected=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return self.reference

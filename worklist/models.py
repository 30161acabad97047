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

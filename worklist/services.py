"""Writes for the worklist: saving a view and remembering when a person last opened a case."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.models import Case

from .models import CaseSeen, SavedView

# The list's own parameters; anything else (a cursor, a stray key) is not part of a view.
VIEW_PARAMETERS = (
    "q",
    "council",
    "status",
    "state",
    "case_type",
    "overdue",
    "assigned",
    "changed",
    "queue",
    "work",
    "sort",
)
MAX_VIEWS = 30


def clean_query(query: str) -> str:
    """The filters and sort of a case-list query string, in a stable order, without cursors."""
    pairs = [(k, v) for k, v in parse_qsl(query or "") if k in VIEW_PARAMETERS and v]
    return urlencode(sorted(dict(pairs).items(), key=lambda kv: VIEW_PARAMETERS.index(kv[0])))


@transaction.atomic
def save_view(*, user: Any, name: str, query: str) -> SavedView:
    """Save (or overwrite, by name) a named view of the case list for `user`."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the view"})
    if len(name) > 80:
        raise ValidationError({"name": "The name must be 80 characters or fewer"})
    existing = SavedView.objects.select_for_update().filter(user_id=user.pk, name=name).first()
    if existing is None and SavedView.objects.filter(user_id=user.pk).count() >= MAX_VIEWS:
        raise ValidationError({"name": f"You can keep {MAX_VIEWS} views: delete one first"})
    view = existing or SavedView(user_id=user.pk, name=name)
    view.query = clean_query(query)
    view.save()
    return view


@transaction.atomic
def delete_view(*, user: Any, view: SavedView) -> None:
    if view.user_id != user.pk:
        raise ValidationError("That view is not yours.")
    view.delete()


def mark_seen(*, user: Any, case: Case, at: datetime.datetime | None = None) -> None:
    """Remember that `user` opened `case` now: one upsert, one row per person and case."""
    if not user.is_authenticated:
        return
    CaseSeen.objects.bulk_create(
        [CaseSeen(user_id=user.pk, case_id=case.pk, seen_at=at or timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "case"],
        update_fields=["seen_at"],
    )

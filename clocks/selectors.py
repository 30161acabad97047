"""Read queries for clocks. Visibility comes from the owners' selectors: a deadline is visible
exactly when its case is (`cases.selectors.visible_cases_for`)."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from contacts.selectors import administered_council_ids, person_for

from . import calendar as cal
from .models import AcknowledgementDraft, Deadline, DeadlineStatus, DraftStatus, Notice

# Any: django-stubs types request.user as User | AnonymousUser, services as AbstractBaseUser.
User = Any


def may_manage_owner(user: User, owner: Any) -> bool:
    """Whether `user` may act on the clocks of `owner` (a case or an information request).

    Cases defer to `cases.permissions` (the handler, the council's clerks and its Monitoring
    Officer; never a party). Information requests: their handler if they have one, or someone
    who administers the council.
    """
    if user is None or not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    from cases.models import Case

    if isinstance(owner, Case):
        from cases.permissions import Action, can

        return can(user, Action.RESPOND, owner)
    if owner.council_id in administered_council_ids(user):
        return True
    person = person_for(user)
    return person is not None and getattr(owner, "handler_id", None) == person.pk


def visible_deadlines_for(user: User) -> QuerySet[Deadline]:
    """Deadlines of the cases `user` may see."""
    if user is None or not user.is_authenticated:
        return Deadline.objects.none()
    from cases.selectors import visible_cases_for

    return Deadline.objects.filter(case__in=visible_cases_for(user).values("pk"))


def acknowledgement_draft_for(user: User, pk: int) -> AcknowledgementDraft | None:
    """The draft if its case is visible to `user` with full access (else None, a 404).

    A party never sees it, sent or not: it holds the complainant's address, and the one it was
    for has it in their inbox (issue #23)."""
    if user is None or not user.is_authenticated:
        return None
    from cases.selectors import Access, case_access, visible_cases_for

    draft = (
        AcknowledgementDraft.objects.select_related(
            "case__council", "case__raised_by", "case__handler", "case__variant", "deadline"
        )
        .filter(pk=pk, case__in=visible_cases_for(user).values("pk"))
        .first()
    )
    if draft is None:
        return None
    draft.case._visible_to = user.pk  # type: ignore[attr-defined]  # checked just above
    return draft if case_access(user, draft.case) == Access.FULL else None


@dataclass
class Dashboard:
    overdue: list[Deadline]
    due_this_week: list[Deadline]
    per_handler: list[dict[str, Any]]
    drafts: list[AcknowledgementDraft] = field(default_factory=list)
    failing_notices: list[Notice] = field(default_factory=list)
    now: datetime.datetime = field(default_factory=timezone.now)


def end_of_week(now: datetime.datetime) -> datetime.datetime:
    """The end of Sunday of the current week, Europe/London."""
    today = cal.local(now).date()
    return cal.end_of_day(today + datetime.timedelta(days=6 - today.weekday()))


def dashboard_for(user: User, *, now: datetime.datetime | None = None) -> Dashboard:
    """The clocks dashboard: overdue clocks, clocks due by the end of this week, and open
    clocks per handler, all read from stored deadline rows (due_at is never recomputed here)."""
    now = now or timezone.now()
    open_deadlines = (
        visible_deadlines_for(user)
        .filter(met_at__isnull=True, cancelled_at__isnull=True)
        .select_related("case__council", "case__handler", "case__raised_by")
    )
    overdue = list(
        open_deadlines.filter(
            Q(breached_at__isnull=False) | Q(paused_at__isnull=True, due_at__lt=now)
        ).order_by("due_at", "pk")
    )
    due_this_week = list(
        open_deadlines.filter(
            breached_at__isnull=True,
            paused_at__isnull=True,
            due_at__gte=now,
            due_at__lte=end_of_week(now),
        ).order_by("due_at", "pk")
    )
    counts: Counter[tuple[int | None, str]] = Counter()
    overdue_counts: Counter[tuple[int | None, str]] = Counter()
    for deadline in open_deadlines.order_by():
        handler = deadline.case.handler if deadline.case is not None else None
        key = (handler.pk if handler else None, handler.name if handler else "No handler")
        counts[key] += 1
        if deadline.status_at(now) == DeadlineStatus.OVERDUE:
            overdue_counts[key] += 1
    per_handler = [
        {"handler_id": key[0], "name": key[1], "open": n, "overdue": overdue_counts[key]}
        for key, n in sorted(
            counts.items(), key=lambda item: (-overdue_counts[item[0]], item[0][1])
        )
    ]
    person = person_for(user)
    drafts = list(
        AcknowledgementDraft.objects.filter(
            status=DraftStatus.DRAFT, case__in=visible_deadlines_for(user).values("case_id")
        )
        # Never a party's own case: the draft holds the complainant's address (issue #23).
        .exclude(
            Q(case__raised_by_id=person.pk) | Q(case__about_id=person.pk)
            if person is not None
            else Q(pk__in=[])
        )
        .select_related("case", "deadline")
    )
    return Dashboard(
        overdue=overdue,
        due_this_week=due_this_week,
        per_handler=per_handler,
        drafts=drafts,
        failing_notices=list(
            failing_notices().filter(deadline__in=visible_deadlines_for(user).values("pk"))
        ),
        now=now,
    )


def failing_notices() -> QuerySet[Notice]:
    """Emails the clocks could not send after `FAILING_AFTER_ATTEMPTS` tries (still retried,
    issue #23), oldest first, with what a list shows."""
    from .sweep import FAILING_AFTER_ATTEMPTS

    return (
        Notice.objects.filter(sent_at__isnull=True, attempts__gte=FAILING_AFTER_ATTEMPTS)
        .select_related("deadline__case", "deadline__info_request")
        .order_by("created_at", "pk")
    )

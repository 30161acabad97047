"""Template helpers for showing clocks: `{% load clocks_tags %}`.

- `{{ deadline|working_days_left }}`: working days to the due day (0 on it, negative overdue).
- `{{ deadline|countdown }}`: the same as words ("3 working days left", "1 working day overdue").
- `{% clock_status_tag deadline %}`: a GOV.UK tag (running / met / overdue / paused / stopped).
- `{{ deadline|counted }}`: how the due day was counted ("Received Saturday 14 March 2026; day 1
  is Monday 16 March 2026; ...").
"""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from clocks import calendar as cal
from clocks.models import Deadline, DeadlineStatus

register = template.Library()

STATUS_TAGS = {
    DeadlineStatus.RUNNING: ("Running", "govuk-tag--blue"),
    DeadlineStatus.MET: ("Met", "govuk-tag--green"),
    DeadlineStatus.MET_LATE: ("Met late", "govuk-tag--orange"),
    DeadlineStatus.OVERDUE: ("Overdue", "govuk-tag--red"),
    DeadlineStatus.PAUSED: ("Paused", "govuk-tag--yellow"),
    DeadlineStatus.STOPPED: ("Stopped", "govuk-tag--grey"),
}


def _calendar(deadline: Deadline) -> cal.WorkingCalendar:
    # Cached on the owner (case or request), which a page's clocks share: the council's
    # closure days are read once per page, not once per clock (issue #10 query budget).
    from clocks.services import owner_calendar

    return owner_calendar(deadline)


@register.filter
def counted(deadline: Deadline) -> str:
    """How the due day was counted, in words (issue #21)."""
    from clocks.services import counting_text

    return counting_text(deadline, _calendar(deadline))


@register.filter
def working_days_left(deadline: Deadline, now: datetime.datetime | None = None) -> int:
    return cal.working_days_left(now or timezone.now(), deadline.due_at, _calendar(deadline))


@register.filter
def email_failing(deadline: Deadline) -> bool:
    """Whether an email of this clock keeps failing (shown on the case, issue #23)."""
    from clocks.sweep import FAILING_AFTER_ATTEMPTS

    return deadline.notices.filter(
        sent_at__isnull=True, attempts__gte=FAILING_AFTER_ATTEMPTS
    ).exists()


@register.filter
def countdown(deadline: Deadline, now: datetime.datetime | None = None) -> str:
    now = now or timezone.now()
    status = deadline.status_at(now)
    if status in (DeadlineStatus.MET, DeadlineStatus.MET_LATE):
        return f"Met {cal.local(deadline.met_at):%-d %B %Y}" if deadline.met_at else "Met"
    if status == DeadlineStatus.STOPPED:
        return "Stopped"
    if status == DeadlineStatus.PAUSED:
        return "Paused"
    return cal.countdown_text(now, deadline.due_at, _calendar(deadline))


@register.filter
def clock_status(deadline: Deadline, now: datetime.datetime | None = None) -> str:
    return str(deadline.status_at(now or timezone.now()))


@register.simple_tag
def clock_status_tag(deadline: Deadline, now: datetime.datetime | None = None) -> SafeString:
    label, css = STATUS_TAGS[DeadlineStatus(deadline.status_at(now or timezone.now()))]
    return format_html('<strong class="govuk-tag {}">{}</strong>', css, label)


@register.simple_tag(takes_context=True)
def clock_actions(context: template.Context, deadline: Deadline) -> dict[str, str]:
    """Links for a running clock the user may act on: the holding reply (Maldon 2.2) and, for
    an emailed concern, the acknowledgement waiting to be sent. Empty for everyone else."""
    from django.urls import reverse

    from clocks.models import DraftStatus
    from clocks.selectors import may_manage_owner

    request = context.get("request")
    user = getattr(request, "user", None)
    if deadline.case_id is None or user is None:
        return {}
    if deadline.status_at(timezone.now()) != DeadlineStatus.RUNNING:
        return {}
    # One permission check per case per request, however many clocks it shows.
    cache: dict[int, bool] = request.__dict__.setdefault("_clocks_may_manage", {})
    if deadline.case_id not in cache:
        cache[deadline.case_id] = may_manage_owner(user, deadline.case)
    if not cache[deadline.case_id]:
        return {}
    actions = {}
    if deadline.kind == "acknowledgement":
        draft = getattr(deadline.case, "acknowledgement_draft", None)
        if draft is not None and draft.status == DraftStatus.DRAFT:
            actions["acknowledge"] = reverse("clocks:acknowledgement", args=[draft.pk])
    else:
        actions["holding_reply"] = reverse("clocks:holding_reply", args=[deadline.pk])
    return actions

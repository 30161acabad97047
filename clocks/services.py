"""Use cases for clocks: start, meet, pause, resume, extend, stop, recompute, acknowledge.

The sweep (reminders and breach notices) lives in clocks/sweep.py; email delivery in
clocks/notices.py. Every function here is keyword-only and atomic, writes the audit row of the
case (or information request) it touches, and queues email with `delay_on_commit`.

Lock order, everywhere: the case (or information request) row first, then its deadlines. The
sweep follows the same order, so a service and the sweep never deadlock.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    Case,
    Channel,
    ClockCalendar,
    ClockKind,
    ClockRule,
    ClockUnit,
    EventAction,
    VariantStep,
    office_hours_cutoff_applies,
)
from contacts.models import Council, Person
from protocol_site.errors import ActionNotAllowed, PermissionRefused
from protocol_site.validators import has_control_characters

from . import calendar as cal
from .models import OPEN, AcknowledgementDraft, Deadline, DraftStatus, Notice, NoticeKind

if TYPE_CHECKING:
    from info_requests.models import InfoRequest

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | AnonymousUser | None
NOT_A_MANAGER = "Only the handler, the clerk or the Monitoring Officer can do this."


# -- calendars ------------------------------------------------------------------------------------


def council_calendar(council: Council, region: str = ClockCalendar.COUNCIL) -> cal.WorkingCalendar:
    """The working calendar a council's clock runs on.

    `council`: the council's nation's bank holidays plus its own closure days. `all_uk`: a bank
    holiday anywhere in the UK (FOIA s.10), ignoring local closures. A nation key (e.g.
    `scotland`) is also accepted: that nation's bank holidays plus the council's closures.
    """
    if region == ClockCalendar.ALL_UK:
        return cal.calendar_for(cal.ALL_UK)
    nation = council.nation if region == ClockCalendar.COUNCIL else region
    closures = council.closure_days.values_list("date", flat=True)
    return cal.calendar_for(nation, closures)


def _owner_council(deadline: Deadline) -> Council:
    owner: Any = deadline.owner
    council: Council = owner.council
    return council


def deadline_calendar(deadline: Deadline) -> cal.WorkingCalendar:
    return council_calendar(_owner_council(deadline), deadline.calendar)


def owner_calendar(deadline: Deadline) -> cal.WorkingCalendar:
    """`deadline_calendar`, cached on the owner (case or request) a page's clocks share: the
    council's closure days are read once per page or API answer, not once per clock."""
    owner: Any = deadline.owner
    cache: dict[str, cal.WorkingCalendar] | None = getattr(owner, "_working_calendars", None)
    if cache is None:
        cache = {}
        owner._working_calendars = cache
    if deadline.calendar not in cache:
        cache[deadline.calendar] = deadline_calendar(deadline)
    return cache[deadline.calendar]


def shared_calendar(
    deadline: Deadline, cache: dict[tuple[int, str], cal.WorkingCalendar]
) -> cal.WorkingCalendar:
    """`deadline_calendar`, kept in `cache` per council and region: an API list of many cases
    of one council reads its closure days once, not once per case."""
    owner: Any = deadline.owner
    key = (owner.council_id, deadline.calendar)
    if key not in cache:
        cache[key] = deadline_calendar(deadline)
    return cache[key]


def counting_text(deadline: Deadline, calendar: cal.WorkingCalendar | None = None) -> str:
    """How the clock's due day was counted, in words ("Received Saturday 14 March 2026; day 1 is
    Monday 16 March 2026; ..."). A holding reply's new date is shown beside it, not here."""
    return cal.counting_text(
        deadline.starts_at,
        length=deadline.length,
        working_days=deadline.working_days,
        calendar=calendar or owner_calendar(deadline),
        cutoff=deadline.receipt_cutoff,
        paused_days=deadline.paused_days,
    )


def _remind_at(
    due: datetime.datetime, calendar: cal.WorkingCalendar, starts_at: datetime.datetime
) -> datetime.datetime | None:
    return cal.reminder_at(
        due,
        working_days_before_due=settings.REMINDER_WORKING_DAYS_BEFORE,
        calendar=calendar,
        starts_at=starts_at,
    )


def _fmt_day(moment: datetime.datetime) -> str:
    return f"{cal.local(moment):%A %-d %B %Y}"


# -- audit ----------------------------------------------------------------------------------------


def _audit(
    deadline: Deadline,
    *,
    action: str,
    actor: Actor = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    at: datetime.datetime | None = None,
) -> None:
    """Write the audit row on whatever owns the clock.

    Cases: cases.audit.record_event. Information requests: info_requests.audit.record_event.
    """
    payload = {"deadline": deadline.pk, "kind": deadline.kind, **(data or {})}
    if deadline.case_id:
        from cases.audit import record_event

        record_event(
            case=deadline.case,  # type: ignore[arg-type]
            actor=actor,  # type: ignore[arg-type]
            action=action,
            reason=reason,
            data=payload,
            at=at,
        )
        return
    from info_requests.audit import record_event as record_request_event

    record_request_event(
        info_request=deadline.info_request,  # type: ignore[arg-type]
        actor=actor,  # type: ignore[arg-type]
        action=action,
        reason=reason,
        data=payload,
        at=at,
    )


# -- permissions ----------------------------------------------------------------------------------


def may_manage_clocks(user: Actor, deadline: Deadline) -> bool:
    """The handler, the council's clerks / case administrators and its Monitoring Officer."""
    from .selectors import may_manage_owner

    return may_manage_owner(user, deadline.owner)


# -- starting -------------------------------------------------------------------------------------


def _create_deadline(
    *,
    case: Case | None = None,
    info_request: InfoRequest | None = None,
    rule: ClockRule | None,
    kind: str,
    length: int,
    working_days: bool,
    calendar_region: str,
    started_at: datetime.datetime,
    step_position: int | None = None,
    receipt_cutoff: datetime.time | None = None,
) -> Deadline:
    council = case.council if case is not None else info_request.council  # type: ignore[union-attr]
    calendar = council_calendar(council, calendar_region)
    due = cal.due_at(
        started_at,
        length=length,
        working_days=working_days,
        calendar=calendar,
        cutoff=receipt_cutoff,
    )
    return Deadline.objects.create(
        case=case,
        info_request=info_request,
        rule=rule,
        kind=kind,
        length=length,
        working_days=working_days,
        calendar=calendar_region,
        step_position=step_position,
        receipt_cutoff=receipt_cutoff,
        starts_at=started_at,
        due_at=due,
        original_due_at=due,
        remind_at=_remind_at(due, calendar, started_at),
    )


@transaction.atomic
def start_step_clocks(
    *,
    case: Case,
    step: VariantStep,
    started_at: datetime.datetime,
    only_kinds: Collection[str] | None = None,
) -> list[Deadline]:
    """Start the clocks `step` names, for `case`.

    An `only_channel` clock starts only for that channel (Maldon 2.2: the three-working-day
    acknowledgement is for emailed concerns). Idempotent: a clock of the same kind already
    running for this step is not started twice. The variant's office-hours cut-off, if it has
    one, moves its own working-day clocks only, never a statutory one.
    """
    variant_cutoff = case.variant.office_hours_cutoff
    deadlines = []
    running = set(
        Deadline.objects.filter(
            case=case, step_position=step.position, met_at__isnull=True, cancelled_at__isnull=True
        ).values_list("kind", flat=True)
    )
    for rule in step.clocks.all():
        if rule.only_channel and rule.only_channel != case.channel:
            continue
        if rule.kind in running or (only_kinds is not None and rule.kind not in only_kinds):
            continue
        deadline = _create_deadline(
            case=case,
            rule=rule,
            kind=rule.kind,
            length=rule.length,
            working_days=rule.unit == ClockUnit.WORKING_DAYS,
            calendar_region=rule.calendar,
            started_at=started_at,
            step_position=step.position,
            receipt_cutoff=(
                variant_cutoff
                if office_hours_cutoff_applies(
                    kind=rule.kind, unit=rule.unit, calendar=rule.calendar
                )
                else None
            ),
        )
        _audit(
            deadline,
            action=EventAction.CLOCK_STARTED,
            reason=f"{rule.get_kind_display()} due {_fmt_day(deadline.due_at)}",
            data={"due_at": deadline.due_at.isoformat()},
        )
        deadlines.append(deadline)
    if any(d.kind == ClockKind.ACKNOWLEDGEMENT for d in deadlines):
        # Maldon 2.2: draft (or send) the acknowledgement once the case is committed. The case
        # engine may also call on_case_opened itself; it is idempotent (one draft per case).
        case_id = case.pk
        transaction.on_commit(lambda: _draft_acknowledgement(case_id))
    return deadlines


def _draft_acknowledgement(case_id: int) -> None:
    case = Case.objects.filter(pk=case_id).first()
    if case is not None:
        on_case_opened(case=case)


@transaction.atomic
def start_clock(
    *,
    info_request: InfoRequest,
    kind: str,
    length: int,
    working_days: bool,
    calendar_region: str,
    received_at: datetime.datetime,
) -> Deadline:
    """Start a clock on an information request (FOIA s.10: `foi_response`, 20 working days on
    the all-UK calendar; `internal_review`, 20 working days).

    `calendar_region` is a ClockCalendar value (`all_uk` or `council`). Idempotent: an open clock
    of the same kind on the request is returned rather than started twice.
    """
    if kind not in ClockKind.values:
        raise ValidationError({"kind": f"Unknown clock kind {kind!r}."})
    existing = (
        Deadline.objects.filter(
            info_request=info_request, kind=kind, met_at__isnull=True, cancelled_at__isnull=True
        )
        .order_by("-pk")
        .first()
    )
    if existing is not None:
        return existing
    deadline = _create_deadline(
        info_request=info_request,
        rule=None,
        kind=kind,
        length=length,
        working_days=working_days,
        calendar_region=calendar_region,
        started_at=received_at,
    )
    _audit(
        deadline,
        action=EventAction.CLOCK_STARTED,
        reason=f"{deadline.get_kind_display()} due {_fmt_day(deadline.due_at)}",
        data={"due_at": deadline.due_at.isoformat()},
    )
    return deadline


# -- meeting and stopping -------------------------------------------------------------------------


@transaction.atomic
def meet_clocks(
    *,
    case: Case,
    kinds: Iterable[str],
    at: datetime.datetime,
    actor: Actor,
) -> list[Deadline]:
    """Mark the open clocks of `kinds` met (acknowledging meets `acknowledgement`, responding
    meets `response`). A clock met after its breach is recorded as met late."""
    met = list(
        Deadline.objects.select_for_update(of=("self",))
        .select_related("case")
        .filter(case=case, kind__in=list(kinds), met_at__isnull=True, cancelled_at__isnull=True)
    )
    for deadline in met:
        _meet(deadline, at=at, actor=actor)
    # Nothing left to acknowledge: a waiting draft is no longer needed.
    if any(d.kind == ClockKind.ACKNOWLEDGEMENT for d in met):
        AcknowledgementDraft.objects.filter(case=case, status=DraftStatus.DRAFT).update(
            status=DraftStatus.CANCELLED
        )
    return met


def _meet(deadline: Deadline, *, at: datetime.datetime, actor: Actor) -> None:
    deadline.met_at = at
    if deadline.paused_at is not None:
        deadline.paused_at = None
    deadline.save(update_fields=["met_at", "paused_at"])
    late = deadline.breached_at is not None or at > deadline.due_at
    _audit(
        deadline,
        action=EventAction.CLOCK_MET,
        actor=actor,
        reason=f"{deadline.get_kind_display()} met{' (late)' if late else ''}",
        data={"late": late},
    )


@transaction.atomic
def meet_clock(*, deadline: Deadline, at: datetime.datetime, actor: Actor = None) -> Deadline:
    """Mark one clock met (e.g. the FOI response was sent). Met clocks stay met."""
    deadline = _lock(deadline)
    if deadline.met_at is not None or deadline.cancelled_at is not None:
        raise ActionNotAllowed(f"The {deadline.kind_in_sentence} clock is not running.")
    _meet(deadline, at=at, actor=actor)
    return deadline


@transaction.atomic
def stop_open_clocks(*, case: Case, at: datetime.datetime | None = None) -> int:
    """A closed case's clocks stop; they are neither met nor breached afterwards."""
    at = at or timezone.now()
    AcknowledgementDraft.objects.filter(case=case, status=DraftStatus.DRAFT).update(
        status=DraftStatus.CANCELLED
    )
    return Deadline.objects.filter(
        case=case, met_at__isnull=True, breached_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=at)


# -- pausing (FOI fees / clarification) -----------------------------------------------------------


def _lock(deadline: Deadline) -> Deadline:
    """Lock the owner row, then the deadline (the module's lock order)."""
    if deadline.case_id:
        Case.objects.select_for_update().filter(pk=deadline.case_id).first()
    else:
        from info_requests.models import InfoRequest

        InfoRequest.objects.select_for_update().filter(pk=deadline.info_request_id).first()
    return (
        Deadline.objects.select_for_update(of=("self",))
        .select_related("case", "info_request")
        .get(pk=deadline.pk)
    )


@transaction.atomic
def pause_clock(*, deadline: Deadline, at: datetime.datetime, reason: str) -> Deadline:
    """Stop a clock standing still (e.g. waiting for a fee or clarification)."""
    deadline = _lock(deadline)
    if not deadline.is_open or deadline.paused_at is not None:
        raise ActionNotAllowed(f"The {deadline.kind_in_sentence} clock is not running.")
    deadline.paused_at = at
    deadline.pause_reason = reason
    deadline.save(update_fields=["paused_at", "pause_reason"])
    _audit(deadline, action=EventAction.CLOCK_PAUSED, reason=reason)
    return deadline


@transaction.atomic
def resume_clock(*, deadline: Deadline, at: datetime.datetime) -> Deadline:
    """Start a paused clock again; its due day moves later by the days it stood still.

    Working-day clocks count the working days d with paused day < d <= resumed day; calendar-
    day clocks count plain days.
    """
    deadline, paused_at = _lock_paused(deadline)
    calendar = deadline_calendar(deadline)
    paused_day = cal.local(paused_at).date()
    resumed_day = cal.local(at).date()
    if deadline.working_days:
        lost = cal.working_days_between(paused_day, resumed_day, calendar)
    else:
        lost = max((resumed_day - paused_day).days, 0)
    due_day = cal.shift_due_date(
        cal.local(deadline.due_at).date(),
        lost,
        working_days=deadline.working_days,
        calendar=calendar,
    )
    deadline.due_at = cal.end_of_day(due_day)
    deadline.paused_days += lost
    return _run_again(
        deadline,
        calendar,
        reason=f"Resumed after {lost} day{'s' if lost != 1 else ''}",
        data={"days": lost},
    )


@transaction.atomic
def restart_clock(*, deadline: Deadline, at: datetime.datetime, reason: str) -> Deadline:
    """Start a paused clock afresh from `at`: its whole length again, not what was left.

    FOIA s.1(3): a council that reasonably asks for clarification need not comply until it has
    it, and the 20 working days then run from its receipt (the ICO's guidance), however many
    days had gone before the question. `original_due_at` keeps the first due day.
    """
    deadline, _ = _lock_paused(deadline)
    calendar = deadline_calendar(deadline)
    deadline.starts_at = at
    deadline.due_at = cal.due_at(
        at,
        length=deadline.length,
        working_days=deadline.working_days,
        calendar=calendar,
        cutoff=deadline.receipt_cutoff,
    )
    deadline.paused_days = 0
    return _run_again(
        deadline,
        calendar,
        reason=f"{reason}: the clock starts again from {_fmt_day(at)}",
        data={"restarted": True},
    )


def _lock_paused(deadline: Deadline) -> tuple[Deadline, datetime.datetime]:
    """The clock, locked, and when it was paused; refused unless it is open and paused."""
    deadline = _lock(deadline)
    if deadline.paused_at is None or not deadline.is_open:
        raise ActionNotAllowed(f"The {deadline.kind_in_sentence} clock is not paused.")
    return deadline, deadline.paused_at


def _run_again(
    deadline: Deadline, calendar: cal.WorkingCalendar, *, reason: str, data: dict[str, Any]
) -> Deadline:
    """A paused clock whose new due moment is set runs again: save it and audit it."""
    deadline.paused_at = None
    deadline.pause_reason = ""
    _reset_reminder(deadline, calendar)
    deadline.save(
        update_fields=[
            "starts_at",
            "due_at",
            "paused_days",
            "paused_at",
            "pause_reason",
            "remind_at",
            "reminded_at",
        ]
    )
    _audit(
        deadline,
        action=EventAction.CLOCK_RESUMED,
        reason=f"{reason}; now due {_fmt_day(deadline.due_at)}",
        data={**data, "due_at": deadline.due_at.isoformat()},
    )
    return deadline


def _reset_reminder(deadline: Deadline, calendar: cal.WorkingCalendar) -> None:
    """A moved due day gets its own reminder (its Notice key is the new due day)."""
    new_remind_at = _remind_at(deadline.due_at, calendar, deadline.starts_at)
    if new_remind_at != deadline.remind_at:
        deadline.remind_at = new_remind_at
        deadline.reminded_at = None


# -- holding reply (Maldon 2.2) -------------------------------------------------------------------


@transaction.atomic
def extend_clock(
    *, deadline: Deadline, new_due_date: datetime.date, actor: Actor, reason: str
) -> Deadline:
    """A holding reply: "you will hear by <date>".

    Maldon 2.2: where a response within the time is not possible, the member is kept informed
    of when to expect one. The clock moves to the end of `new_due_date` (Europe/London), the
    change is audited, and on commit the member is emailed the date. Only a running clock can
    be extended: once it has run out the breach stands.
    """
    deadline = _lock(deadline)
    if actor is not None and not may_manage_clocks(actor, deadline):
        raise PermissionRefused(NOT_A_MANAGER)
    if deadline.met_at is not None or deadline.cancelled_at is not None:
        raise ActionNotAllowed(f"The {deadline.kind_in_sentence} clock is not running.")
    if deadline.breached_at is not None or timezone.now() > deadline.due_at:
        raise ActionNotAllowed(
            "This clock has already run out: a holding reply must be sent before it is due."
        )
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "Say why a response is not possible yet."
    if new_due_date <= cal.local(deadline.due_at).date():
        errors["new_due_date"] = (
            f"The new date must be after the current due date, {_fmt_day(deadline.due_at)}."
        )
    if errors:
        raise ValidationError(errors)
    previous = deadline.due_at
    deadline.due_at = cal.end_of_day(new_due_date)
    deadline.extended_to = deadline.due_at
    deadline.extension_reason = reason
    _reset_reminder(deadline, deadline_calendar(deadline))
    deadline.save(
        update_fields=["due_at", "extended_to", "extension_reason", "remind_at", "reminded_at"]
    )
    _audit(
        deadline,
        action=EventAction.CLOCK_EXTENDED,
        actor=actor,
        reason=f"Member told to expect a response by {_fmt_day(deadline.due_at)}: {reason}",
        data={"from": previous.isoformat(), "to": deadline.due_at.isoformat()},
    )
    queue_notice(deadline=deadline, kind=NoticeKind.EXTENSION, key=new_due_date.isoformat())
    return deadline


# -- recomputing (closure days or a clock rule changed) -------------------------------------------


def recounted_due_at(deadline: Deadline, calendar: cal.WorkingCalendar) -> datetime.datetime:
    """The due moment the clock's rule gives from `starts_at`, plus the days it stood still."""
    due_day = cal.due_date(
        deadline.starts_at,
        length=deadline.length,
        working_days=deadline.working_days,
        calendar=calendar,
        cutoff=deadline.receipt_cutoff,
    )
    due_day = cal.shift_due_date(
        due_day, deadline.paused_days, working_days=deadline.working_days, calendar=calendar
    )
    return cal.end_of_day(due_day)


def _recompute(deadline: Deadline, calendar: cal.WorkingCalendar) -> bool:
    due = recounted_due_at(deadline, calendar)
    if due == deadline.due_at:
        return False
    previous = deadline.due_at
    deadline.due_at = due
    deadline.original_due_at = due
    _reset_reminder(deadline, calendar)
    deadline.save(
        update_fields=[
            "due_at",
            "original_due_at",
            "remind_at",
            "reminded_at",
            "length",
            "working_days",
            "calendar",
            "receipt_cutoff",
        ]
    )
    _audit(
        deadline,
        action=EventAction.CLOCK_RECALCULATED,
        reason=f"The calendar changed: now due {_fmt_day(due)}",
        data={"from": previous.isoformat(), "to": due.isoformat()},
    )
    return True


def _recomputable() -> Any:
    # Never met, breached, stopped or extended ones: a met clock is history, a breach is a fact,
    # and a holding reply promised the member a date.
    return Deadline.objects.filter(
        met_at__isnull=True,
        breached_at__isnull=True,
        cancelled_at__isnull=True,
        extended_to__isnull=True,
    )


@transaction.atomic
def recompute_unstarted_or_open_clocks(council: Council) -> int:
    """Recompute the due moments of a council's open working-day clocks from `starts_at` after
    its closure days changed. All-UK (FOIA) clocks ignore local closures and are left alone.
    Returns how many clocks moved."""
    calendar = council_calendar(council)
    changed = 0
    case_deadlines = (
        _recomputable()
        .filter(case__council=council, working_days=True)
        .exclude(calendar=ClockCalendar.ALL_UK)
        .select_related("case")
    )
    info_deadlines = (
        _recomputable()
        .filter(info_request__council=council, working_days=True)
        .exclude(calendar=ClockCalendar.ALL_UK)
        .select_related("info_request")
    )
    for deadline in [*case_deadlines, *info_deadlines]:
        deadline = _lock(deadline)
        region_calendar = (
            calendar
            if deadline.calendar == ClockCalendar.COUNCIL
            else council_calendar(council, deadline.calendar)
        )
        changed += _recompute(deadline, region_calendar)
    return changed


@transaction.atomic
def recompute_clocks_for_rule(rule: ClockRule) -> int:
    """A clock rule was edited: its open clocks take the new length, unit and calendar."""
    changed = 0
    for deadline in _recomputable().filter(rule=rule).select_related("case"):
        deadline = _lock(deadline)
        deadline.length = rule.length
        deadline.working_days = rule.unit == ClockUnit.WORKING_DAYS
        deadline.calendar = rule.calendar
        if not office_hours_cutoff_applies(kind=rule.kind, unit=rule.unit, calendar=rule.calendar):
            deadline.receipt_cutoff = None
        changed += _recompute(deadline, deadline_calendar(deadline))
    return changed


# -- notices --------------------------------------------------------------------------------------


def queue_notice(*, deadline: Deadline, kind: str, key: str = "") -> Notice:
    """Create the Notice (the exactly-once key) and send it after commit."""
    from .tasks import send_notice

    notice, created = Notice.objects.get_or_create(
        deadline=deadline, kind=kind, key=key, defaults={"queued_at": timezone.now()}
    )
    if created:
        send_notice.delay_on_commit(notice.pk)  # type: ignore[attr-defined]
    return notice


# -- acknowledging an emailed concern (Maldon 2.2) ------------------------------------------------


def on_case_opened(*, case: Case) -> AcknowledgementDraft | None:
    """Call on commit after a case opens (the case engine does).

    Maldon 2.2: a concern raised by email is acknowledged within three working days. When the
    case came by email and its step started an acknowledgement clock, draft the acknowledgement
    for the handler to review and send, or send it at once where the variant auto-acknowledges.
    """
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("variant", "raised_by", "handler", "council")
            .get(pk=case.pk)
        )
        if case.channel != Channel.EMAIL or case.acknowledged_at is not None:
            return None
        deadline = (
            Deadline.objects.filter(case=case, kind=ClockKind.ACKNOWLEDGEMENT)
            .filter(OPEN)
            .order_by("pk")
            .first()
        )
        if deadline is None:
            return None
        response = (
            Deadline.objects.filter(case=case, kind=ClockKind.RESPONSE)
            .filter(OPEN)
            .order_by("pk")
            .first()
        )
        draft, created = AcknowledgementDraft.objects.get_or_create(
            case=case,
            defaults={
                "deadline": deadline,
                "to_email": case.raised_by.email,
                "subject": f"Your concern {case.reference}: we have received it",
                "body": render_to_string(
                    "emails/acknowledgement_draft.txt",
                    {
                        "case": case,
                        "deadline": deadline,
                        "response": response,
                        "contact": _member_contact(case),
                        "link": _case_link(case),
                    },
                ),
            },
        )
    if created and case.variant.auto_acknowledge:
        send_acknowledgement(draft=draft, actor=None)
        draft.refresh_from_db()
    return draft


def _member_contact(case: Case) -> Person | None:
    """Who contacts the member: the officer concerned where they answer the step (Maldon 2.2
    "the Officer shall contact the Member within three working days"), else the handler."""
    step = case.variant.steps.filter(position=case.step_position).first()
    if step is not None and step.subject_responds:
        return case.about
    return case.handler


def _case_link(case: Case) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "cases:detail", kwargs={"reference": case.reference}
    )


def _edit_draft(draft: AcknowledgementDraft, *, subject: str | None, body: str | None) -> None:
    """Apply the handler's edits to the draft, or raise naming every field to correct."""
    errors: dict[str, str] = {}
    if subject is not None:
        draft.subject = subject.strip()
        if not draft.subject:
            errors["subject"] = "Enter a subject."
        elif has_control_characters(draft.subject):
            # An email subject is one line: with a break it could never be sent (issue #23).
            errors["subject"] = "Enter the subject on one line, without line breaks."
    if body is not None:
        draft.body = body.strip()
        if not draft.body:
            errors["body"] = "Enter the message to the member."
    if not draft.to_email:
        errors["to_email"] = "The member has no email address: contact them another way."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def send_acknowledgement(
    *,
    draft: AcknowledgementDraft,
    actor: Actor,
    subject: str | None = None,
    body: str | None = None,
) -> AcknowledgementDraft:
    """Send the (possibly edited) acknowledgement to the member and mark the case acknowledged.

    The case is acknowledged through `cases.services.acknowledge_case` (which meets the
    acknowledgement clock); where that is not available, the clock is met directly.
    """
    case = Case.objects.select_for_update().get(pk=draft.case_id)
    draft = AcknowledgementDraft.objects.select_for_update().get(pk=draft.pk)
    if actor is not None:
        from .selectors import may_manage_owner

        if not may_manage_owner(actor, case):
            raise PermissionRefused(NOT_A_MANAGER)
    if draft.status != DraftStatus.DRAFT:
        raise ActionNotAllowed("This acknowledgement has already been sent or is not needed.")
    _edit_draft(draft, subject=subject, body=body)
    now = timezone.now()
    deadline = draft.deadline or (
        Deadline.objects.filter(case=case, kind=ClockKind.ACKNOWLEDGEMENT).order_by("pk").first()
    )
    if deadline is None:
        raise ActionNotAllowed("This case has no acknowledgement clock.")
    draft.status = DraftStatus.SENT
    draft.sent_at = now
    draft.sent_by = actor if actor is not None and actor.is_authenticated else None  # type: ignore[assignment]
    draft.notice = queue_notice(deadline=deadline, kind=NoticeKind.ACKNOWLEDGEMENT)
    draft.save(update_fields=["subject", "body", "status", "sent_at", "sent_by", "notice"])
    # "Acknowledgement emailed" goes on the case when the mail server has taken it
    # (notices.record_acknowledgement_sent), never before (issue #23).
    if case.acknowledged_at is None:
        _acknowledge_case(case=case, actor=actor, at=now)
    return draft


def _acknowledge_case(*, case: Case, actor: Actor, at: datetime.datetime) -> None:
    """Mark the case acknowledged through the case engine (which meets the clock and audits)."""
    from cases.services import acknowledge_case  # cases imports clocks: import at call time

    try:
        acknowledge_case(case=case, actor=actor)  # type: ignore[arg-type]
    except ActionNotAllowed as exc:
        # Already acknowledged another way (e.g. by phone) or closed: the email still went.
        logger.info("Case %s not acknowledged again: %s", case.reference, exc)

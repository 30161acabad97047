"""Composing and delivering the clocks' emails. Called only by the `send_notice` task.

At least once, never silently lost (issue #23). The Notice row is the key (unique per deadline,
kind and key). Delivery first commits "sending" (`sending_at`, one more attempt), then, under the
row's lock, sends and marks it sent in one transaction, so two workers (or a redelivered task)
never both send it. The one window left is a crash after the mail server accepted the message
and before that commit: the retry then finds `sending_at` without `sent_at`, logs it and sends
again with the same `Message-ID` (`message_id`), which many mail systems use to drop the copy.
A notice that keeps failing is retried with backoff for as long as it is unsent
(`clocks.sweep`), shown on the case and the clocks dashboard, and counted by the
`protocol_notices_failing` metric (docs/operations.md has the alert).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cases.models import EventAction, KeptInformed
from contacts.models import Person, Role
from contacts.selectors import role_holders
from protocol_site.validators import one_line

from . import calendar as cal
from .models import Deadline, Notice, NoticeKind

logger = logging.getLogger(__name__)

# Who is told when a clock has nobody handling it.
FALLBACK_ROLES = (Role.CLERK, Role.CASE_ADMINISTRATOR)


def _link(deadline: Deadline) -> str:
    base = settings.SITE_URL.rstrip("/")
    if deadline.case_id:
        try:
            path = reverse("cases:detail", kwargs={"reference": deadline.case.reference})  # type: ignore[union-attr]
        except NoReverseMatch:
            path = f"/cases/{deadline.case.reference}/"  # type: ignore[union-attr]
    else:
        # The request's page is at its reference, never its id (an id link was a 404).
        reference = deadline.info_request.reference  # type: ignore[union-attr]
        path = reverse("info_requests:detail", kwargs={"reference": reference})
    return base + path


def _emails(people: list[Person]) -> list[str]:
    seen: list[str] = []
    for person in people:
        if person.email and person.email not in seen and person.anonymised_at is None:
            seen.append(person.email)
    return seen


def watchers(deadline: Deadline) -> list[Person]:
    """The handler, the officer concerned where they answer the step (Maldon 2.2), and the
    people the step keeps informed (Maldon 4.3: the Leader is always kept informed); the clerks
    when nobody handles the clock."""
    owner: Any = deadline.owner
    council = owner.council
    people: list[Person] = []
    # A case's handler; an information request's decider (the Service Head, Lancaster 8.2).
    handler = getattr(owner, "handler", None) or getattr(owner, "decider", None)
    if handler is not None:
        people.append(handler)
    if deadline.case_id:
        position = deadline.step_position or owner.step_position
        step = owner.variant.steps.filter(position=position).first()
        # Maldon 2.2: where the officer concerned answers the step, the clock is their duty.
        if step is not None and step.subject_responds:
            people.append(owner.about)
        # The people the step keeps informed, as recorded on the case: each can open the link.
        people.extend(
            row.person
            for row in KeptInformed.objects.filter(
                case_id=deadline.case_id, step_position=position
            ).select_related("person")
        )
    if handler is None:
        for role in FALLBACK_ROLES:
            people.extend(h.person for h in role_holders(council=council, role=role))
    return people


def _member(deadline: Deadline) -> Person | None:
    owner: Any = deadline.owner
    return getattr(owner, "raised_by", None) or getattr(owner, "requested_by", None)


def build_message(notice: Notice, deadline: Deadline) -> EmailMultiAlternatives:
    owner: Any = deadline.owner
    context: dict[str, Any] = {
        "notice": notice,
        "deadline": deadline,
        "owner": owner,
        "reference": owner.reference,
        "council": owner.council,
        "due": cal.local(deadline.due_at),
        "link": _link(deadline),
        "member": _member(deadline),
    }
    reply_to: list[str] = []
    handler = getattr(owner, "handler", None)
    if handler is not None and handler.email:
        reply_to = [handler.email]
    if notice.kind in (NoticeKind.REMINDER, NoticeKind.BREACH):
        to = _emails(watchers(deadline))
        template = "clock_reminder" if notice.kind == NoticeKind.REMINDER else "clock_breach"
        what = deadline.kind_in_sentence
        subject = (
            f"{owner.reference}: {what} due {context['due']:%-d %B %Y}"
            if notice.kind == NoticeKind.REMINDER
            else f"{owner.reference}: {what} is overdue"
        )
        reply_to = []
    elif notice.kind == NoticeKind.EXTENSION:
        member = _member(deadline)
        to = _emails([member] if member else [])
        template = "clock_extension"
        subject = f"{owner.reference}: when to expect a response"
    else:  # acknowledgement
        draft = getattr(notice, "acknowledgement", None)
        member = _member(deadline)
        to = (
            [draft.to_email]
            if draft is not None and draft.to_email
            else _emails([member] if member else [])
        )
        template = "acknowledgement"
        subject = draft.subject if draft is not None else f"{owner.reference}: received"
        context["body"] = draft.body if draft is not None else ""
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=one_line(subject), body=text, to=to, reply_to=reply_to or None
    )
    message.attach_alternative(html, "text/html")
    return message


def audit_reason(kind: str, deadline: Deadline) -> tuple[str, str]:
    """The audit action and reason of a breach or a reminder."""
    due_day = cal.local(deadline.due_at).date()
    what = deadline.get_kind_display()
    if kind == NoticeKind.BREACH:
        reason = f"{what} was due by the end of {due_day:%A %-d %B %Y} and is overdue"
        return EventAction.CLOCK_BREACHED, reason
    reason = f"Reminder: {deadline.kind_in_sentence} due by the end of {due_day:%A %-d %B %Y}"
    return EventAction.REMINDER_SENT, reason


def record_notice_event(*, notice_id: int) -> bool:
    """Write the audit row of a breach or reminder the sweep queued, once. True when written.

    Runs before the email, in a transaction of its own, so the audit row is there even when the
    email never goes. Locks the owner (the case, whose hash chain the row extends), then the
    deadline, then the notice: the services' order.
    """
    from .services import _audit, _lock

    pending = (
        Notice.objects.filter(pk=notice_id, audited_at__isnull=True)
        .select_related("deadline")
        .first()
    )
    if pending is None:
        return False
    with transaction.atomic():
        deadline = _lock(pending.deadline)
        notice = Notice.objects.select_for_update().get(pk=notice_id)
        if notice.audited_at is not None:
            return False  # another worker got there first
        action, reason = audit_reason(notice.kind, deadline)
        # `at` is now, not the breach moment: the chain is ordered by `at`. The moment the clock
        # was marked is on the deadline and, for the record, in the row's data.
        marked = deadline.breached_at if notice.kind == NoticeKind.BREACH else deadline.reminded_at
        data = {
            "notice": notice.pk,
            "due_at": deadline.due_at.isoformat(),
            "marked_at": marked.isoformat() if marked else None,
        }
        _audit(deadline, action=action, reason=reason, data=data)
        notice.audited_at = timezone.now()
        notice.save(update_fields=["audited_at"])
    return True


def message_id(notice: Notice) -> str:
    """The same `Message-ID` for every attempt at one notice."""
    domain = urlsplit(settings.SITE_URL).hostname or "protocol.invalid"
    return f"<notice-{notice.pk}.{int(notice.created_at.timestamp())}@{domain}>"


def _mark_sending(notice_id: int) -> bool:
    """Commit one more attempt and "sending" before anything is sent. False if already sent."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
        if notice is None or notice.sent_at is not None:
            return False
        if notice.sending_at is not None:
            logger.warning(
                "Notice %s was being sent when its worker stopped: sending it again "
                "(same Message-ID), so it may arrive twice.",
                notice_id,
            )
        notice.sending_at = timezone.now()
        notice.attempts += 1
        notice.save(update_fields=["sending_at", "attempts"])
        return True


def deliver_notice(*, notice_id: int) -> bool:
    """Send one notice unless it has been sent. True when this call sent it."""
    if not _mark_sending(notice_id):
        return False
    try:
        with transaction.atomic():
            notice = (
                Notice.objects.select_for_update(of=("self",))
                .select_related("deadline")
                .filter(pk=notice_id)
                .first()
            )
            if notice is None or notice.sent_at is not None:
                return False  # another worker sent it while this one waited for the lock
            deadline = Deadline.objects.select_related(
                "case__council",
                "case__variant",
                "case__handler",
                "case__raised_by",
                "info_request__council",
            ).get(pk=notice.deadline_id)
            message = build_message(notice, deadline)
            message.extra_headers["Message-ID"] = message_id(notice)
            notice.recipients = list(message.to)
            if not message.to:
                # Nobody to tell: record it, so the sweep stops re-queuing and an admin sees it.
                notice.last_error = "No recipient has an email address."
                notice.sent_at = timezone.now()
            else:
                message.send()
                # Recorded only now, once the mail server has accepted it.
                notice.sent_at = timezone.now()
                notice.last_error = ""
            notice.save(update_fields=["recipients", "sent_at", "last_error"])
    except Exception as exc:
        Notice.objects.filter(pk=notice_id).update(last_error=repr(exc)[:1000])
        logger.warning("Notice %s not sent: %r", notice_id, exc)
        raise
    if message.to and notice.kind == NoticeKind.ACKNOWLEDGEMENT:
        record_acknowledgement_sent(notice=notice, deadline=deadline)
    return bool(message.to)


def record_acknowledgement_sent(*, notice: Notice, deadline: Deadline) -> None:
    """The case's "Acknowledgement sent" row, written once the mail server took the email, by
    the login that approved it (issue #23: the case never says an email went before it did)."""
    from .services import _audit, _lock

    draft = getattr(notice, "acknowledgement", None)
    with transaction.atomic():
        locked = _lock(deadline)
        _audit(
            locked,
            action=EventAction.ACKNOWLEDGEMENT_SENT,
            actor=draft.sent_by if draft is not None else None,
            reason=f"Acknowledgement emailed to {', '.join(notice.recipients)}",
            data={"notice": notice.pk},
        )

"""The reminder to decide a request's route before an FOI reply would be due (issue #21).

FOIA s.10(1): a request for information is answered within 20 working days of the day it was
received, and that time runs while the council first considers s.100F and need to know. So at
09:00 on working day 10 after receipt (`InfoRequest.foi_reminder_at`), a request nobody has yet
provided or chosen to handle under FOI reminds its decider (or, without one, the council's clerks
and case administrators) of the date an FOI reply would be due.

Exactly once: each request is locked (`FOR UPDATE SKIP LOCKED`, so two sweeps never wait for
each other or send twice), emailed, marked `foi_reminder_sent_at` and audited in one transaction.
A crash after the SMTP server accepted the message and before the commit sends it again, the
same trade-off as the clocks' notices (clocks/notices.py).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clocks import calendar as cal
from clocks.notices import FALLBACK_ROLES
from contacts.models import Person
from contacts.selectors import role_holders

from .audit import record_event
from .deadlines import UNDECIDED_STATES, foi_due_if_handled
from .models import InfoEventAction, InfoRequest

logger = logging.getLogger(__name__)
BATCH = 100


def recipients(info_request: InfoRequest) -> list[str]:
    """The decider's address; the clerks' and case administrators' when nobody decides it."""
    people: list[Person] = []
    if info_request.decider is not None:
        people.append(info_request.decider)
    else:
        for role in FALLBACK_ROLES:
            people.extend(h.person for h in role_holders(council=info_request.council, role=role))
    emails: list[str] = []
    for person in people:
        if person.email and person.anonymised_at is None and person.email not in emails:
            emails.append(person.email)
    return emails


def build_message(
    info_request: InfoRequest, to: list[str], now: datetime.datetime
) -> EmailMultiAlternatives:
    due = cal.local(foi_due_if_handled(info_request.received_at))
    path = reverse("info_requests:detail", kwargs={"reference": info_request.reference})
    context = {
        "r": info_request,
        "reference": info_request.reference,
        "council": info_request.council,
        "due": due,
        "received": cal.local(info_request.received_at),
        "link": settings.SITE_URL.rstrip("/") + path,
        # A request logged late may already be past the date an FOI reply was due.
        "passed": due < now,
    }
    message = EmailMultiAlternatives(
        subject=f"{info_request.reference}: an FOI reply would be due {due:%-d %B %Y}",
        body=render_to_string("emails/foi_decision_reminder.txt", context),
        to=to,
    )
    message.attach_alternative(
        render_to_string("emails/foi_decision_reminder.html", context), "text/html"
    )
    return message


def _due_ids(now: datetime.datetime) -> list[int]:
    return list(
        InfoRequest.objects.filter(
            foi_reminder_at__isnull=False,
            foi_reminder_sent_at__isnull=True,
            foi_reminder_at__lte=now,
        )
        .order_by("foi_reminder_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )


def remind_one(*, info_request_id: int, now: datetime.datetime) -> bool:
    """Remind the decider of one request unless it was reminded, decided or locked elsewhere.
    True when this call sent the reminder."""
    with transaction.atomic():
        info_request = (
            InfoRequest.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("council", "decider")
            .filter(
                pk=info_request_id,
                foi_reminder_sent_at__isnull=True,
                foi_reminder_at__lte=now,
            )
            .first()
        )
        if info_request is None:
            return False
        # A route has been chosen (or the request withdrawn): nothing to remind about, ever.
        sent = info_request.state in UNDECIDED_STATES
        to = recipients(info_request) if sent else []
        if sent and to:
            build_message(info_request, to, now).send()
        # Mark it either way, so the sweep does not come back to it.
        InfoRequest.objects.filter(pk=info_request.pk).update(foi_reminder_sent_at=now)
        if not sent:
            return False
        due = foi_due_if_handled(info_request.received_at)
        record_event(
            info_request=info_request,
            actor=None,
            action=InfoEventAction.REMINDER_SENT,
            reason=(
                f"Reminder: if this request is handled under FOI, the reply is due by the end "
                f"of {cal.local(due):%A %-d %B %Y}"
                + ("" if to else " (nobody to tell has an email address)")
            ),
            data={"foi_due_if_handled": due.isoformat(), "recipients": to},
            at=now,
        )
        return bool(to)


def remind_undecided_requests(now: datetime.datetime | None = None) -> int:
    """Beat task body: send every reminder that is due. Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    while True:
        ids = _due_ids(now)
        if not ids:
            return sent
        for pk in ids:
            try:
                sent += remind_one(info_request_id=pk, now=now)
            except Exception:
                # Left unmarked: the next sweep tries again.
                logger.exception("FOI decision reminder for request %s not sent", pk)
                return sent

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


# -- replying from the case (issue #24) -----------------------------------------------------------
def reply_subject(case: Case, subject: str) -> str:
    """The subject with the case reference in it, so the reply threads back to the case."""
    subject = " ".join(subject.split())
    if case.reference.lower() in subject.lower():
        return subject
    return f"{subject} [{case.reference}]" if subject else f"About your case {case.reference}"


def wording_problems(case: Case, text: str) -> list[str]:
    """Maldon 1.2 at the informal rung of a variant that asks for it: the words to avoid."""
    from cases.models import CaseState
    from cases.wording import adversarial_words

    if not (case.variant.informal_wording_check and case.state == CaseState.INFORMAL):
        return []
    return [f"“{f.word}” (try “{f.suggestion}”)" for f in adversarial_words(text)]


@transaction.atomic
def reply_from_case(
    *,
    case: Case,
    actor: Any,
    to: list[Any],
    subject: str,
    body: str,
    wording_checked: bool = False,
) -> Any:
    """Email the parties of `case` from its page; the email is kept on the case.

    Who: the handler, the council's clerks and Monitoring Officer (cases.permissions RESPOND);
    never a party. To whom: a party with an email address."""
    from cases.audit import actor_name
    from cases.permissions import Action, can
    from protocol_site.errors import ActionNotAllowed, PermissionRefused

    from .models import OutboundEmail

    if not can(actor, Action.RESPOND, case):
        raise PermissionRefused("Only the handler, the clerk or the Monitoring Officer can reply.")
    if not case.is_open:
        raise ActionNotAllowed(f"{case.reference} is closed: reopen it to write to the parties.")
    errors: dict[str, str] = {}
    parties = {case.raised_by_id, case.about_id}
    recipients = [p for p in to if p.pk in parties and p.email]
    if not recipients:
        errors["to"] = "Choose who to email (a party with an email address)"
    if not body.strip():
        errors["body"] = "Enter the email"
    problems = wording_problems(case, f"{subject}\n{body}")
    if problems and not wording_checked:
        errors["body"] = (
            "At the informal stage, avoid adversarial words (Maldon 1.2): "
            + ", ".join(problems)
            + ". Change them, or confirm you have checked the wording."
        )
    if errors:
        raise ValidationError(errors)
    email = OutboundEmail.objects.create(
        case=case,
        sent_by=actor,
        sender_name=actor_name(actor),
        to=[p.email for p in recipients],
        subject=reply_subject(case, subject),
        body=body.strip(),
        created_at=timezone.now(),
    )
    transaction.on_commit(lambda: deliver(email_id=email.pk))
    return email


def deliver(*, email_id: int) -> None:
    """Hand the email to the mail server; record when, or why not (shown on the case)."""
    from django.core.mail import EmailMessage

    from .models import OutboundEmail

    email = OutboundEmail.objects.select_related("case__council").get(pk=email_id)
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        to=email.to,
        reply_to=inbound_addresses(email.case.council.slug) or None,
    )
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - any failure is shown on the case, not raised
        OutboundEmail.objects.filter(pk=email.pk).update(error=str(exc)[:1000] or "Not sent")
        return
    OutboundEmail.objects.filter(pk=email.pk).update(sent_at=timezone.now(), error="")


def inbound_addresses(slug: str) -> list[str]:
    """The council's address(es) that the email gateway reads (INBOUND_EMAIL_ADDRESSES), so a
    reply comes back to the service; otherwise replies go to DEFAULT_FROM_EMAIL, and the
    reference in the subject still threads them to the case."""
    from django.conf import settings

    mapping = getattr(settings, "INBOUND_EMAIL_ADDRESSES", {}) or {}
    return [address for address, council in mapping.items() if council == slug]

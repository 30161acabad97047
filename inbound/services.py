"""Turning an email into a case, a note on a case, or a place in the triage queue.

The command (`manage.py ingest_email`) and the gateway endpoint (`POST /api/inbound-email/`)
both call `ingest_email`; the triage pages call `triage_to_case` and `reject_email`. Cases and
notes are made only through `cases.services.open_case` and `add_note`, so routing, clocks and the
audit trail are exactly those of a case logged by hand: an emailed concern's three-working-day
acknowledgement clock (Maldon 2.2) starts at the email's Date header.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from cases.models import Case, CaseType, Channel, NoteVisibility
from cases.services import add_note, open_case, validate_attachment
from contacts.models import Council, Person, PersonKind, Role, Service
from contacts.selectors import role_holders
from protocol_site.errors import ActionNotAllowed, PermissionRefused

from .models import InboundEmail, InboundOutcome, InboundStatus
from .parsing import MalformedEmail, ParsedAttachment, ParsedEmail, parse_message
from .selectors import visible_inbound_emails_for

User = AuthUser | AnonymousUser


@dataclass(frozen=True)
class IngestResult:
    email: InboundEmail
    duplicate: bool = False

    @property
    def outcome(self) -> str:
        return "duplicate" if self.duplicate else self.email.outcome


def default_case_type() -> str:
    # Maldon 2.1-2.2: an email from a member about an officer is, first, an informal concern.
    return getattr(settings, "INBOUND_EMAIL_CASE_TYPE", CaseType.MEMBER_CONCERN_ABOUT_OFFICER)


def idempotency_key(message_id: str) -> str:
    return "email:" + hashlib.sha256(message_id.encode()).hexdigest()[:56]


# -- who and where --------------------------------------------------------------------------------
def council_for_addresses(addresses: list[str]) -> Council | None:
    """The council an email was sent to: `INBOUND_EMAIL_ADDRESSES` maps an address to a council
    slug; otherwise an address whose local part (or +tag) is a council's slug, such as
    `maldon@concerns.example` or `concerns+maldon@example.gov.uk`; otherwise the one council
    whose people the email was addressed to."""
    mapping = {k.lower(): v for k, v in getattr(settings, "INBOUND_EMAIL_ADDRESSES", {}).items()}
    slugs: list[str] = []
    for address in addresses:
        if address in mapping:
            slugs.append(mapping[address])
            continue
        local = address.split("@", 1)[0]
        slugs.extend([local, local.split("+", 1)[-1]])
    councils = {c.slug: c for c in Council.objects.filter(slug__in=slugs)}
    for slug in slugs:
        if slug in councils:
            return councils[slug]
    # Otherwise the council whose people the email went to, if they all work for one.
    council_ids = set(
        Person.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=addresses, anonymised_at__isnull=True)
        .values_list("council_id", flat=True)
    )
    if len(council_ids) == 1:
        return Council.objects.get(pk=council_ids.pop())
    return None


def _people_with_address(address: str) -> QuerySet[Person]:
    return (
        Person.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower=address.lower(), anonymised_at__isnull=True)
        .select_related("council", "user")
    )


def _find_sender(parsed: ParsedEmail, hint: Council | None) -> tuple[Person | None, str]:
    people = list(_people_with_address(parsed.from_address))
    if hint is not None:
        people = [p for p in people if p.council_id == hint.pk]
    if not people:
        where = f" at {hint.name}" if hint else ""
        return None, f"{parsed.from_address} is not the address of anyone{where} we know."
    if len(people) > 1:
        councils = ", ".join(sorted({p.council.name for p in people}))
        return None, f"{parsed.from_address} belongs to more than one person ({councils})."
    return people[0], ""


def _named(name: str, text: str) -> bool:
    return bool(re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", text))


def find_subject_officer(parsed: ParsedEmail, council: Council) -> tuple[Person | None, str]:
    """The officer the email is about: addressed in To/Cc, or named in the subject or body.
    One clear answer or none: a guess would put a case against the wrong person."""
    officers = list(
        Person.objects.filter(
            council=council, kind=PersonKind.OFFICER, anonymised_at__isnull=True
        ).only("pk", "name", "email")
    )
    recipients = set(parsed.recipients)
    text = f"{parsed.subject}\n{parsed.body}".casefold()
    addressed = {p.pk for p in officers if p.email and p.email.lower() in recipients}
    named = {p.pk for p in officers if p.name.strip() and _named(p.name.strip(), text)}
    by_pk = {p.pk: p for p in officers}
    both, either = addressed & named, addressed | named
    for candidates in (both, either):
        if len(candidates) == 1:
            return by_pk[next(iter(candidates))], ""
    if either:
        names = ", ".join(sorted(by_pk[pk].name for pk in either))
        return None, f"The email names or is addressed to several officers: {names}."
    return None, "The email does not name, or go to, an officer of the council."


# -- files -----------------------------------------------------------------------------------------
def _uploads(attachments: list[ParsedAttachment]) -> tuple[list[SimpleUploadedFile], list[str]]:
    """The attachments `add_note` will keep, and a line for each it will not (they stay in the
    stored raw message)."""
    kept: list[SimpleUploadedFile] = []
    refused: list[str] = []
    for item in attachments:
        upload = SimpleUploadedFile(item.name, item.data, content_type=item.content_type)
        try:
            validate_attachment(upload)
        except ValidationError as exc:
            refused.append("; ".join(exc.messages))
            continue
        upload.seek(0)
        kept.append(upload)
    return kept, refused


def _note_body(parsed: ParsedEmail, text: str, refused: list[str]) -> str:
    sent = timezone.localtime(parsed.sent_at)
    lines = [
        f"Email from {parsed.from_name or parsed.from_address} <{parsed.from_address}>, "
        f"sent {sent:%-d %B %Y at %H:%M}.",
        f"Subject: {parsed.subject or '(no subject)'}",
        "",
        text or "(The email has no text.)",
    ]
    if refused:
        lines += ["", "Not attached (kept in the original email):"] + [f"- {r}" for r in refused]
    return "\n".join(lines)


def _summary(parsed: ParsedEmail) -> str:
    parts = [parsed.subject, parsed.body]
    return "\n\n".join(p for p in parts if p).strip() or "(The email has no text.)"


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


# -- ingest ---------------------------------------------------------------------------------------
@transaction.atomic
def ingest_email(*, raw: bytes, source: str = "command") -> IngestResult:
    """Read one email and act on it. Raises `MalformedEmail` (nothing saved) for mail without a
    From or Date, or that is not an email; returns the existing record for a Message-ID seen
    before, so a gateway retry never opens a second case."""
    parsed = parse_message(raw)
    if parsed.sent_at > timezone.now() + datetime.timedelta(minutes=5):
        raise MalformedEmail(
            f"The Date header ({parsed.sent_at.isoformat()}) is in the future: the "
            "acknowledgement clock cannot start before the email was sent."
        )
    existing = InboundEmail.objects.filter(message_id=parsed.message_id).first()
    if existing is not None:
        return IngestResult(email=existing, duplicate=True)
    try:
        with transaction.atomic():
            return IngestResult(email=_ingest(parsed, raw, source))
    except IntegrityError:
        # The same message, delivered twice at once: the other delivery won.
        existing = InboundEmail.objects.filter(message_id=parsed.message_id).first()
        if existing is None:
            raise
        return IngestResult(email=existing, duplicate=True)


def _ingest(parsed: ParsedEmail, raw: bytes, source: str) -> InboundEmail:
    hint = council_for_addresses(parsed.recipients)
    sender, sender_problem = _find_sender(parsed, hint)
    council = hint or (sender.council if sender is not None else None)
    record = InboundEmail.objects.create(
        message_id=parsed.message_id,
        outcome=InboundOutcome.TRIAGE,
        raw=raw,
        from_address=parsed.from_address,
        from_name=parsed.from_name[:300],
        to_addresses=parsed.to,
        cc_addresses=parsed.cc,
        subject=parsed.subject[:998],
        sent_at=parsed.sent_at,
        body_text=parsed.body,
        body_was_html=parsed.body_was_html,
        attachments=[
            {"name": a.name, "content_type": a.content_type, "size": len(a.data)}
            for a in parsed.attachments
        ],
        council=council,
        sender=sender,
        source=source,
    )
    reference = parsed.case_reference
    if reference:
        return _thread(record, parsed, reference, sender, sender_problem)
    if sender is None:
        return _to_triage(record, f"Unknown sender: {sender_problem}")
    if sender.kind != PersonKind.COUNCILLOR:
        return _to_triage(
            record,
            f"{sender.name} is an officer: choose the case type and the councillor it is about.",
        )
    assert council is not None  # the sender's council at least  # noqa: S101
    about, about_problem = find_subject_officer(parsed, council)
    if about is None:
        return _to_triage(record, about_problem)
    record.about = about
    try:
        with transaction.atomic():
            case = open_case(
                council=council,
                case_type=default_case_type(),
                raised_by=sender,
                about=about,
                channel=Channel.EMAIL,
                received_at=parsed.sent_at,
                summary=_summary(parsed),
                actor=None,
                idempotency_key=idempotency_key(parsed.message_id),
            )
            note = None
            if parsed.attachments:
                kept, refused = _uploads(parsed.attachments)
                note = add_note(
                    case=case,
                    actor=_user_of(sender),
                    body=_note_body(parsed, "Attachments sent with the email.", refused),
                    visibility=NoteVisibility.SHARED,
                    files=kept,
                )
    except (ValidationError, PermissionRefused, ActionNotAllowed) as exc:
        reason = _messages(exc) if isinstance(exc, ValidationError) else str(exc)
        return _to_triage(record, f"A case could not be opened: {reason}")
    record.case = case
    record.note = note
    record.status = InboundStatus.PROCESSED
    record.outcome = InboundOutcome.CASE_OPENED
    record.save(update_fields=["about", "case", "note", "status", "outcome"])
    return record


def _user_of(person: Person | None) -> Any:
    return getattr(person, "user", None) if person is not None else None


def _thread(
    record: InboundEmail,
    parsed: ParsedEmail,
    reference: str,
    sender: Person | None,
    sender_problem: str,
) -> InboundEmail:
    """A reply naming a case: a shared note on that case, written as the sender."""
    case = Case.objects.filter(reference__iexact=reference).select_related("council").first()
    if case is None:
        return _to_triage(record, f"The subject names {reference}, which is not a case.")
    record.case = case
    record.council = record.council or case.council
    if sender is None:
        return _to_triage(
            record, f"A reply about {reference} from an unknown sender: {sender_problem}"
        )
    user = _user_of(sender)
    on_case = sender.pk in (case.raised_by_id, case.about_id, case.handler_id)
    if user is None and not on_case:
        return _to_triage(
            record, f"{sender.name} wrote about {reference} but is not a party to it."
        )
    kept, refused = _uploads(parsed.attachments)
    try:
        with transaction.atomic():
            note = add_note(
                case=case,
                actor=user,
                body=_note_body(parsed, parsed.body, refused),
                visibility=NoteVisibility.SHARED,
                files=kept,
            )
    except PermissionRefused:
        return _to_triage(
            record, f"{sender.name} wrote about {reference} but may not add notes to it."
        )
    except ValidationError as exc:
        return _to_triage(record, f"The reply could not be added to {reference}: {_messages(exc)}")
    record.note = note
    record.status = InboundStatus.PROCESSED
    record.outcome = InboundOutcome.NOTE_ADDED
    record.save(update_fields=["case", "council", "note", "status", "outcome"])
    return record


def _to_triage(record: InboundEmail, reason: str) -> InboundEmail:
    record.status = InboundStatus.NEW
    record.outcome = InboundOutcome.TRIAGE
    record.triage_reason = reason
    record.save(update_fields=["status", "outcome", "triage_reason", "council", "case", "about"])
    if record.council_id is not None:
        from .tasks import notify_clerks_of_triage

        email_id = record.pk
        transaction.on_commit(lambda: notify_clerks_of_triage.delay(email_id))
    return record


TRIAGE_ROLES = (Role.CLERK, Role.CASE_ADMINISTRATOR)


@transaction.atomic
def notify_clerks(*, email_id: int) -> int:
    """Tell the council's clerks and case administrators that an email waits for triage.
    Once per email (a retried task sends nothing). The message names no one and quotes
    nothing: the email may be a complaint about a colleague; they read it signed in."""
    from django.core.mail import send_mail

    email = (
        InboundEmail.objects.select_for_update(of=("self",))
        .select_related("council")
        .filter(pk=email_id, status=InboundStatus.NEW, clerks_notified_at__isnull=True)
        .first()
    )
    if email is None or email.council is None:
        return 0
    addresses = sorted(
        {
            holding.person.email
            for role in TRIAGE_ROLES
            for holding in role_holders(council=email.council, role=role)
            if holding.person.email
        }
    )
    link = f"{settings.SITE_URL.rstrip('/')}/inbound/triage/{email.pk}/"
    for address in addresses:
        send_mail(
            f"An email for {email.council.name} is waiting for triage",
            "The service received an email it could not turn into a case by itself.\n\n"
            f"Sign in to open a case from it or reject it: {link}\n",
            None,
            [address],
        )
    email.clerks_notified_at = timezone.now()
    email.save(update_fields=["clerks_notified_at"])
    return len(addresses)


# -- triage ----------------------------------------------------------------------------------------
def _lock_for_triage(email: InboundEmail, actor: User) -> InboundEmail:
    # Visibility, not the waiting queue: a second submit is told the email was dealt with.
    if not visible_inbound_emails_for(actor).filter(pk=email.pk).exists():
        raise PermissionRefused("You cannot act on this email.")
    current = InboundEmail.objects.select_for_update().get(pk=email.pk)
    if current.status != InboundStatus.NEW:
        raise ActionNotAllowed(
            f"This email has already been dealt with ({current.get_status_display().lower()})."
        )
    return current


@transaction.atomic
def triage_to_case(
    *,
    email: InboundEmail,
    actor: User,
    case_type: str,
    raised_by: Person,
    about: Person,
    summary: str,
    service: Service | None = None,
) -> Case:
    """A clerk (or the MO) opens the case the email should have opened, choosing the people
    and, for a case about a member, the service it concerns (issue #20)."""
    current = _lock_for_triage(email, actor)
    council = raised_by.council
    if current.council is not None and council.pk != current.council.pk:
        raise ValidationError({"raised_by": f"Choose someone of {current.council.name}."})
    case = open_case(
        council=council,
        case_type=case_type,
        raised_by=raised_by,
        about=about,
        channel=Channel.EMAIL,
        received_at=current.sent_at,
        summary=summary,
        actor=actor,
        idempotency_key=idempotency_key(current.message_id),
        service=service,
    )
    parsed = parse_message(current.raw_bytes)
    if parsed.attachments:
        kept, refused = _uploads(parsed.attachments)
        current.note = add_note(
            case=case,
            actor=actor,
            body=_note_body(parsed, "Attachments sent with the email.", refused),
            visibility=NoteVisibility.SHARED,
            files=kept,
        )
    current.case = case
    current.council = council
    current.sender = current.sender or (raised_by if raised_by.email else None)
    current.about = about
    current.status = InboundStatus.TRIAGED
    current.decided_by = actor  # type: ignore[assignment]
    current.decided_at = timezone.now()
    current.save()
    return case


@transaction.atomic
def reject_email(*, email: InboundEmail, actor: User, reason: str) -> InboundEmail:
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why the email is rejected."})
    current = _lock_for_triage(email, actor)
    current.status = InboundStatus.REJECTED
    current.rejection_reason = reason.strip()
    current.decided_by = actor  # type: ignore[assignment]
    current.decided_at = timezone.now()
    current.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
    return current
